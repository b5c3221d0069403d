#ifndef KAGAMI_CFASTCGI_SHIM_H
#define KAGAMI_CFASTCGI_SHIM_H
#include <fcgiapp.h>
#include <malloc.h>
#include <poll.h>
#include <stdlib.h>
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

static inline void kagami_fcgx_request_free(FCGX_Request *request) {
    FCGX_Free(request, 1);
    free(request);
}
#endif
