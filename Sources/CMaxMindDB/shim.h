#ifndef KAGAMI_CMAXMINDDB_SHIM_H
#define KAGAMI_CMAXMINDDB_SHIM_H
#include <maxminddb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/* MMDB_get_value is variadic and MMDB_entry_data_s is a union-heavy struct: Swift gets typed helpers instead. */

/* The UTF-8 string at a NULL-terminated path (e.g. {"country", "iso_code", NULL}) copied into out (NUL-ended,
   truncated to size-1 bytes). Returns the number of bytes copied, 0 when the path is absent or not a string. */
static inline size_t kagami_mmdb_string(MMDB_entry_s *entry, const char *const *path, char *out, size_t size) {
    MMDB_entry_data_s data;
    if (size == 0 || MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS) return 0;
    if (!data.has_data || data.type != MMDB_DATA_TYPE_UTF8_STRING) return 0;
    size_t n = data.data_size < size - 1 ? data.data_size : size - 1;
    memcpy(out, data.utf8_string, n);
    out[n] = 0;
    return n;
}

/* Looks up a raw IPv4 (4 bytes) or IPv6 (16 bytes) address without going through getaddrinfo. */
static inline MMDB_lookup_result_s kagami_mmdb_lookup_bytes(const MMDB_s *db, const unsigned char *bytes, int length,
                                                            int *mmdb_error) {
    if (length == 4) {
        struct sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        memcpy(&a.sin_addr, bytes, 4);
        return MMDB_lookup_sockaddr(db, (const struct sockaddr *)&a, mmdb_error);
    }
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    memcpy(&a.sin6_addr, bytes, 16);
    return MMDB_lookup_sockaddr(db, (const struct sockaddr *)&a, mmdb_error);
}
#endif
