#ifndef SLUICE_COPENSSL_SHIM_H
#define SLUICE_COPENSSL_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

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

/* TLS (SPEC §11). Macros of <openssl/ssl.h> do not import into Swift: these wrap them. */

/// TLS 1.2 or 1.3 as the lowest version a context accepts (`TLS1_2_VERSION` / `TLS1_3_VERSION`).
static inline int sluice_ssl_ctx_set_min_version(SSL_CTX *context, int version) {
    return (int)SSL_CTX_set_min_proto_version(context, version);
}

/// The modes every sluice session runs in: `SSL_write` may write part of the buffer, the buffer may move
/// between a write that wanted more and its retry (the connection's buffer compacts), and buffers are
/// released while a connection is idle. Read-ahead: one `read` takes whatever the socket holds instead of a
/// record header and then its body (two reads per record, plus the one that meets `EAGAIN`).
static inline void sluice_ssl_ctx_set_modes(SSL_CTX *context) {
    SSL_CTX_set_mode(context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_read_ahead(context, 1);
}

/// Options of every sluice context: no renegotiation; an abrupt close without close_notify reads as end of
/// stream (HTTP framing says whether what came was complete). A server also prefers its own cipher order.
static inline void sluice_ssl_ctx_set_options(SSL_CTX *context, int isServer) {
    uint64_t options = SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF;
    if (isServer) options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
    SSL_CTX_set_options(context, options);
}

/// Server-side session cache (resumption by session id) next to tickets, which OpenSSL enables by default.
static inline void sluice_ssl_ctx_enable_server_cache(SSL_CTX *context) {
    SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_SERVER);
}

/// ALPN on a server: the client's list must offer `http/1.1` (RFC 7301 §3.2: no overlap is a fatal
/// `no_application_protocol` alert); a client that sends no ALPN is served HTTP/1.1 anyway.
static int sluice_alpn_select_http11(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                                     const unsigned char *in, unsigned int inlen, void *arg) {
    (void)ssl; (void)arg;
    static const unsigned char http11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    unsigned char *selected = NULL;
    if (SSL_select_next_proto(&selected, outlen, http11, sizeof http11, in, inlen) != OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

static inline void sluice_ssl_ctx_select_http11(SSL_CTX *context) {
    SSL_CTX_set_alpn_select_cb(context, sluice_alpn_select_http11, NULL);
}

/// ALPN on a client: offer `http/1.1` only. Returns 0 on success (as `SSL_set_alpn_protos`).
static inline int sluice_ssl_offer_http11(SSL *ssl) {
    static const unsigned char http11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    return SSL_set_alpn_protos(ssl, http11, sizeof http11);
}

/// SNI on a client.
static inline int sluice_ssl_set_server_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

#endif
