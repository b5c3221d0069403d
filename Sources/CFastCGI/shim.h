#ifndef KAGAMI_CFASTCGI_SHIM_H
#define KAGAMI_CFASTCGI_SHIM_H
#include <fcgiapp.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#ifndef POLLRDHUP
#define POLLRDHUP 0x2000 /* Linux value; defining _GNU_SOURCE here would split glibc's module */
#endif

/// True when the web server has closed or aborted the request's connection
/// (peer hung up, or sent more input, e.g. FCGI_ABORT_REQUEST, while we are
/// only writing). Never blocks.
static inline int kagami_fcgx_peer_gone(FCGX_Request *request) {
    if (request->ipcFd < 0) return 1;
    struct pollfd p = { .fd = request->ipcFd, .events = POLLIN | POLLRDHUP, .revents = 0 };
    int n = poll(&p, 1, 0);
    if (n <= 0) return 0;
    return (p.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

/// Allocates a request with a stable address: libfcgi keeps pointers into it.
static inline FCGX_Request *kagami_fcgx_request_new(int listen_fd) {
    FCGX_Request *request = calloc(1, sizeof(FCGX_Request));
    if (request != NULL && FCGX_InitRequest(request, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
        free(request);
        return NULL;
    }
    return request;
}

/// Caps glibc's malloc arenas for a handler process (malloc.h is not part of Swift's Glibc module).
static inline int kagami_limit_malloc_arenas(int arenas) { return mallopt(M_ARENA_MAX, arenas); }

/// Unmaps the clean pages of this process's read-only file mappings (program and library code and constants)
/// and returns how many bytes were mapped. Startup code (config parsing, migrations, TLS library
/// initialisation) is touched once and, with the kernel's 64 KiB fault-around, keeps megabytes resident that
/// the idle and serving paths never use again. Only private, non-writable mappings without a single
/// anonymous (modified) page are touched, so nothing is lost: a page that is used again is mapped back from
/// the page cache on its next access.
static inline long kagami_release_clean_file_pages(void) {
    enum { capacity = 1024 };
    unsigned long starts[capacity], ends[capacity];
    FILE *smaps = fopen("/proc/self/smaps", "re");
    if (smaps == NULL) return -1;
    char line[1024];
    int count = 0, candidate = 0;
    long bytes = 0, rss = 0;
    unsigned long start = 0, end = 0;
    while (fgets(line, sizeof line, smaps) != NULL) {
        unsigned long a, b;
        char perms[8];
        int pathOffset = 0;
        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &a, &b, perms, &pathOffset) == 3 && pathOffset > 0) {
            candidate = line[pathOffset] == '/' && perms[0] == 'r' && perms[1] == '-' && perms[3] == 'p';
            start = a;
            end = b;
            rss = 0;
        } else if (candidate && strncmp(line, "Rss:", 4) == 0) {
            rss = strtol(line + 4, NULL, 10);
        } else if (candidate && strncmp(line, "Anonymous:", 10) == 0) {
            if (strtol(line + 10, NULL, 10) == 0 && rss > 0 && count < capacity) {
                starts[count] = start;
                ends[count] = end;
                count += 1;
                bytes += rss * 1024;
            }
            candidate = 0;
        }
    }
    fclose(smaps);
    for (int i = 0; i < count; i++) madvise((void *)starts[i], ends[i] - starts[i], MADV_DONTNEED);
    return bytes;
}

static inline void kagami_fcgx_request_free(FCGX_Request *request) {
    FCGX_Free(request, 1);
    free(request);
}
#endif
