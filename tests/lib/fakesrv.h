/*
 * fakesrv.h - an in-process fake HTTP/1.1 server for tests.
 *
 * It listens on 127.0.0.1 on an ephemeral port (never any other address),
 * serves each connection in its own thread (keep-alive and concurrent
 * clients work), records every request, and answers from a script of
 * canned responses or from a callback.  It can misbehave on purpose:
 * any status, chosen headers, a delay before answering, chunked bodies,
 * truncated bodies (Content-Length larger than what is sent, then the
 * connection is closed) and closing without any answer.
 *
 * It is bounded in time: every server stops by itself after its lifetime
 * (default 120 s), idle connections are dropped after 10 s, and
 * fg_fakesrv_stop returns within about 0.1 s even while a delayed answer
 * is pending.  Plain C11 + POSIX threads, no Check dependency, so a test
 * tool can use it too.
 *
 * Typical use in a Check test:
 *
 *     struct fg_fakesrv *s = fg_fakesrv_start();
 *     ck_assert_ptr_nonnull(s);
 *     struct fg_fake_response r = {.status = 503, .body = "busy",
 *                                  .body_len = 4};
 *     fg_fakesrv_push(s, &r);              // first request: 503
 *     r.status = 200;
 *     r.content_type = "application/json";
 *     r.body = "{}";
 *     r.body_len = 2;
 *     fg_fakesrv_push(s, &r);              // then 200 (and repeated)
 *     char *url = fg_xasprintf("%s/api", fg_fakesrv_url(s));
 *     ... run the client against url ...
 *     ck_assert_uint_eq(fg_fakesrv_count(s), 2);
 *     const struct fg_fake_request *q = fg_fakesrv_request(s, 1);
 *     ck_assert_str_eq(q->path, "/api");
 *     ck_assert_str_eq(fg_fake_request_header(q, "accept-encoding"),
 *                      "gzip");
 *     fg_fakesrv_stop(s);
 */
#ifndef FLAMEGATE_TESTS_FAKESRV_H
#define FLAMEGATE_TESTS_FAKESRV_H

#include <stdbool.h>
#include <stddef.h>

struct fg_fakesrv; /* opaque */

struct fg_fake_header {
    char *name;  /* as sent */
    char *value; /* blanks around it removed */
};

/* A recorded request.  Owned by the server; valid until fg_fakesrv_stop. */
struct fg_fake_request {
    char *method;                   /* "GET", "POST", ... */
    char *target;                   /* path and query as sent */
    char *path;                     /* target before '?' */
    char *query;                    /* target after '?', or "" */
    struct fg_fake_header *headers; /* in order received */
    size_t n_headers;
    unsigned char *body;            /* de-chunked; NUL-terminated */
    size_t body_len;
    double t;                       /* arrival, seconds after start */
    unsigned conn;                  /* connection number, from 1 */
    size_t index;                   /* position in the log, from 0 */
};

/* Value of a request header (case-insensitive name), or NULL. */
const char *fg_fake_request_header(const struct fg_fake_request *r,
                                   const char *name);

/*
 * An answer.  Zero-initialise it and set what you need.  Pointers are
 * borrowed: fg_fakesrv_push copies everything; after a handler returns
 * the server copies everything too, then frees free_after.
 */
struct fg_fake_response {
    int status;               /* 0: close the connection, no answer */
    const char *reason;       /* NULL: the standard phrase */
    const char *content_type; /* NULL: no Content-Type header */
    const char *headers;      /* extra raw lines, each ending "\r\n" */
    const void *body;
    size_t body_len;
    double delay;             /* seconds to wait before answering */
    bool chunked;             /* Transfer-Encoding: chunked (1 KiB chunks) */
    bool truncate;            /* send truncate_at body bytes, then close */
    size_t truncate_at;       /* (Content-Length still says body_len) */
    bool close;               /* "Connection: close" after this answer */
    void *free_after;         /* handlers: malloc'd block to free() */
};

/*
 * Start a server (lifetime 120 s).  NULL if the socket or thread cannot
 * be created (errno is set).
 */
struct fg_fakesrv *fg_fakesrv_start(void);
/* Same with a chosen lifetime in seconds (> 0). */
struct fg_fakesrv *fg_fakesrv_start_for(double lifetime);

/* "http://127.0.0.1:PORT" (owned by the server) and the port. */
const char *fg_fakesrv_url(const struct fg_fakesrv *s);
int fg_fakesrv_port(const struct fg_fakesrv *s);

/*
 * Script: responses are used in the order pushed, one per request; once
 * the script is exhausted its last response is repeated.  With neither
 * script nor handler the answer is 500 "fakesrv: nothing scripted".
 */
void fg_fakesrv_push(struct fg_fakesrv *s, const struct fg_fake_response *r);

/*
 * Callback: called for every request (instead of the script), one call
 * at a time (the server holds a lock; delays are applied after it
 * returns, so slow answers still overlap).  *resp is zeroed on entry.
 */
void fg_fakesrv_set_handler(struct fg_fakesrv *s,
                            void (*fn)(void *ctx,
                                       const struct fg_fake_request *req,
                                       struct fg_fake_response *resp),
                            void *ctx);

/* Number of requests recorded so far. */
size_t fg_fakesrv_count(struct fg_fakesrv *s);
/* The i-th recorded request (0-based), or NULL when i >= count. */
const struct fg_fake_request *fg_fakesrv_request(struct fg_fakesrv *s,
                                                 size_t i);
/* Wait until at least n requests were recorded; false after timeout s. */
bool fg_fakesrv_wait(struct fg_fakesrv *s, size_t n, double timeout);
/* Largest number of requests that were being answered at the same time
 * (from the end of reading the request until its answer starts to be
 * sent). */
int fg_fakesrv_max_concurrent(struct fg_fakesrv *s);
/* When s started, on the clock of fg_fake_request.t (CLOCK_MONOTONIC
 * seconds): started + t of a request compares across servers. */
double fg_fakesrv_started(const struct fg_fakesrv *s);
/* Number of TCP connections accepted so far. */
unsigned fg_fakesrv_connections(struct fg_fakesrv *s);

/* Stop the server, join its threads, free it and every record.  NULL is
 * accepted. */
void fg_fakesrv_stop(struct fg_fakesrv *s);

#endif
