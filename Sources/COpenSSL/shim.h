#ifndef SLUICE_COPENSSL_SHIM_H
#define SLUICE_COPENSSL_SHIM_H

#include <stddef.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

/// SHA-256 of `count` bytes at `data` into the 32 bytes at `digest`, with the context on the stack.
///
/// OpenSSL 3.0 deprecates the low-level `SHA256_Init`/`_Update`/`_Final` in favour of EVP, but every EVP
/// digest allocates a provider context per message (measured: `EVP_DigestInit_ex2` on a reused context
/// 1 malloc per digest, `EVP_Digest` 2, the one-shot `SHA256()` 3) and costs 87–310 ns where this costs
/// 54 ns for a 40-byte key. API keys are hashed on every request, so this one call keeps the low-level
/// API; the deprecation warning is silenced here and nowhere else. Returns 1 on success.
static inline int sluice_sha256(const void *data, size_t count, unsigned char *digest) {
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
    SHA256_CTX context;
    int ok = SHA256_Init(&context) && SHA256_Update(&context, data, count) && SHA256_Final(digest, &context);
    OPENSSL_cleanse(&context, sizeof context);
#pragma clang diagnostic pop
    return ok;
}

#endif
