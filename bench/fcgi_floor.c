/* The floor under Kagami's chat path: a trivial multi-threaded libfcgi responder that reads the request
 * (params and body) and answers a fixed JSON body shaped like ChatHandler's reply — no parsing, no backend
 * call, no logging. bench/chat_profile.py runs it on the same socket, behind the same nginx, to separate
 * the cost of the nginx + FastCGI hop from ChatHandler's own work.
 *
 *   cc -O2 -o fcgi_floor fcgi_floor.c -lfcgi -lpthread && ./fcgi_floor SOCKET_PATH [THREADS] [204]
 *
 * With a third argument `204` it answers `204 No Content` instead (the floor under RUMBeacon, whose accepted
 * beacons get a 204): bench/beacon_intake.py runs it that way.
 *
 * Like ChatHandler: one FCGX_Request per thread, no accept mutex, threads (64) above nginx's upstream
 * connections, SIGPIPE ignored. Stops on SIGTERM/SIGINT (exits at once).
 */
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int listen_fd;
static int no_content;
static const char body[] =
    "{\"reply\":\"Hello! How can I help you today?\",\"model\":\"instant:latest\",\"route\":\"/chat\","
    "\"done_reason\":\"stop\",\"eval_count\":9,\"prompt_eval_count\":12,\"duration_ms\":0.1,\"ttft_ms\":0.1,"
    "\"backend_ttft_ms\":0.1,\"tokens_per_second\":null,\"queue_ms\":0,\"load_ms\":0.1,\"prompt_eval_ms\":0.2,"
    "\"generation_ms\":0.9,\"cold_start\":false,\"request_id\":\"00000000000000000000000000000000\","
    "\"trace_id\":\"00000000000000000000000000000000\"}";

static void *serve(void *unused) {
    (void)unused;
    FCGX_Request *request = calloc(1, sizeof *request);
    FCGX_InitRequest(request, listen_fd, 0);
    char buffer[65536];
    while (FCGX_Accept_r(request) >= 0) {
        while (FCGX_GetStr(buffer, sizeof buffer, request->in) > 0) {}
        if (no_content) {
            FCGX_PutS("Status: 204 No Content\r\nCache-Control: no-store\r\n\r\n", request->out);
            FCGX_Finish_r(request);
            continue;
        }
        FCGX_FPrintF(request->out,
                     "Status: 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n"
                     "Content-Length: %d\r\n\r\n", (int)(sizeof body - 1)); /* libfcgi printf: no %zu */
        FCGX_PutStr(body, (int)(sizeof body - 1), request->out);
        FCGX_Finish_r(request);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(stderr, "usage: %s SOCKET_PATH [THREADS] [204]\n", argv[0]);
        return 2;
    }
    int threads = argc > 2 ? atoi(argv[2]) : 64;
    no_content = argc > 3 && strcmp(argv[3], "204") == 0;
    signal(SIGPIPE, SIG_IGN);
    FCGX_Init();
    unlink(argv[1]);
    listen_fd = FCGX_OpenSocket(argv[1], 1024);
    if (listen_fd < 0) {
        perror("FCGX_OpenSocket");
        return 1;
    }
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    for (int i = 0; i < threads; i++) {
        pthread_t thread;
        pthread_create(&thread, NULL, serve, NULL);
    }
    int received;
    sigwait(&stop, &received);
    unlink(argv[1]);
    return 0;
}
