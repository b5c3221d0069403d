#ifndef KAGAMI_CZLIB_SHIM_H
#define KAGAMI_CZLIB_SHIM_H
#include <string.h>
#include <zlib.h>

/* deflateInit2 is a macro, which Swift cannot call. One plain function instead: gzip-compress `in` into `out`
   (capacity `cap`, at least kagami_gzip_bound(len)); returns the compressed length, or 0 on failure. */
static inline size_t kagami_gzip_bound(size_t len) { return compressBound((uLong)len) + 32; }

static inline size_t kagami_gzip(const unsigned char *in, size_t len, unsigned char *out, size_t cap) {
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    /* 15 window bits + 16 selects the gzip wrapper (RFC 1952) that HTTP's Content-Encoding: gzip expects. */
    if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 0;
    stream.next_in = (Bytef *)in;
    stream.avail_in = (uInt)len;
    stream.next_out = out;
    stream.avail_out = (uInt)cap;
    int rc = deflate(&stream, Z_FINISH);
    size_t written = cap - stream.avail_out;
    deflateEnd(&stream);
    return rc == Z_STREAM_END ? written : 0;
}
#endif
