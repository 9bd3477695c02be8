/*
 * netfix.h - what the fake-server suites share.  net_case is the fixture
 * of the backend suites (check_backend.c, check_parca.c): a fake server
 * on 127.0.0.1, backend options aimed at nothing yet, default limits and
 * the outputs of one fetch, so that each test states only what it changes
 * and what it checks.  net_tcase and net_log_line serve check_http.c too.
 */
#ifndef FLAMEGATE_TESTS_NETFIX_H
#define FLAMEGATE_TESTS_NETFIX_H

#include "fakesrv.h"

#include "config/backend_opts.h"
#include "flamegate/buf.h"

#include <check.h>

/* A fakesrv callback (see fg_fakesrv_set_handler). */
typedef void net_handler(void *ctx, const struct fg_fake_request *req,
                         struct fg_fake_response *resp);

struct net_case {
    struct fg_fakesrv *s;        /* the fake, on 127.0.0.1 */
    void *fake;                  /* the handler's state, or NULL */
    void (*fake_free)(void *);   /* frees fake at the end, or NULL */
    struct fg_backend_opts o;    /* initialised, nothing set */
    struct fg_backend_req req;   /* o resolved by net_case_resolve */
    unsigned int seed;           /* copied into req (retry jitter) */
    int verbose;                 /* copied into req with log, log_ctx */
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
    struct fg_limits lim;        /* fg_limits_default */
    struct fg_error err;
    struct fg_profile **runs;    /* what the last net_case_fetch got */
    size_t n;
    struct fg_fetch_tally *tally; /* NULL (empty windows are errors), or
                                   * where net_case_fetch counts them */
};

/* Start c's server, answering with fn(fake) unless fn is NULL (the test
 * scripts it), with fresh options and default limits. */
void net_case_start(struct net_case *c, net_handler *fn, void *fake,
                    void (*fake_free)(void *));

/* Stop c's server and start a fresh, unscripted one; returns it. */
struct fg_fakesrv *net_case_new_server(struct net_case *c);

/* Set options by name/value pairs ending with a NULL name; each must be
 * accepted. */
void net_case_set(struct net_case *c, const char *name, ...);

/* Resolve c->o into c->req for the selections in want (FG_WANT_* bits)
 * and copy seed and the trace callback into it; returns the status. */
int net_case_resolve(struct net_case *c, unsigned want);

/* Resolve both sides (as compare does), then fg_backend_fetch_side into
 * c->runs and c->n (and c->tally when set); the first failure must be
 * want (the error message is shown when it is not). */
void net_case_fetch(struct net_case *c, enum fg_side_which side, int want);

/* Release the options and the request, stop the server, then free the fake. */
void net_case_end(struct net_case *c);

/* A TCase for fake-server tests: libcurl initialised around each test,
 * timeout seconds unless 0 (Check's default), added to s. */
TCase *net_tcase(Suite *s, const char *name, double timeout);

/* A verbose-trace callback (the log of fg_backend_opts, fg_http_ext):
 * appends each line and a newline to ctx, a struct fg_buf. */
void net_log_line(void *ctx, const char *line);

#endif
