#ifndef SLUICE_CZLIB_SHIM_H
#define SLUICE_CZLIB_SHIM_H

#include <zlib.h>

/// `inflateInit2` is a macro in zlib.h, which Swift cannot import: this wrapper calls it.
static inline int sluice_inflateInit2(z_stream *stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}

/// `deflateInit2` is a macro too; tests use it to build compressed fixtures.
static inline int sluice_deflateInit2(z_stream *stream, int level, int windowBits) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}

#endif
