/*
 * netfix.c - the fixture the backend suites share; see netfix.h.
 */
#include "netfix.h"

#include "testutil.h"

#include <stdarg.h>
#include <string.h>

void net_case_start(struct net_case *c, net_handler *fn, void *fake,
                    void (*fake_free)(void *))
{
    memset(c, 0, sizeof(*c));
    c->s = fg_fakesrv_start_for(60);
    ck_assert_ptr_nonnull(c->s);
    if (fn)
        fg_fakesrv_set_handler(c->s, fn, fake);
    c->fake = fake;
    c->fake_free = fake_free;
    fg_backend_opts_init(&c->o);
    fg_backend_req_init(&c->req);
    fg_limits_default(&c->lim);
}

struct fg_fakesrv *net_case_new_server(struct net_case *c)
{
    fg_fakesrv_stop(c->s);
    c->s = fg_fakesrv_start_for(60);
    ck_assert_ptr_nonnull(c->s);
    return c->s;
}

void net_case_set(struct net_case *c, const char *name, ...)
{
    va_list ap;
    va_start(ap, name);
    for (; name; name = va_arg(ap, const char *)) {
        const char *value = va_arg(ap, const char *);
        ck_assert_msg(fg_backend_opts_set(&c->o, name, value, &c->err) ==
                          FG_OK,
                      "%s: %s", name, c->err.msg);
    }
    va_end(ap);
}

int net_case_resolve(struct net_case *c, unsigned want)
{
    fg_backend_req_release(&c->req);
    int rc = fg_backend_opts_resolve(&c->o, want, &c->lim, &c->req, &c->err);
    c->req.access.seed = c->seed;
    c->req.verbose = c->verbose;
    c->req.log = c->log;
    c->req.log_ctx = c->log_ctx;
    return rc;
}

void net_case_fetch(struct net_case *c, enum fg_side_which side, int want)
{
    int rc = net_case_resolve(c, FG_WANT_BASE | FG_WANT_CANDIDATE);
    if (rc == FG_OK)
        rc = fg_backend_fetch_side(&c->req, side, &c->lim, &c->runs, &c->n,
                                   c->tally, &c->err);
    ck_assert_msg(rc == want, "status %d, want %d: %s", rc, want,
                  c->err.msg);
}

void net_case_end(struct net_case *c)
{
    fg_backend_opts_release(&c->o);
    fg_backend_req_release(&c->req);
    fg_fakesrv_stop(c->s);
    if (c->fake_free)
        c->fake_free(c->fake);
}

TCase *net_tcase(Suite *s, const char *name, double timeout)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, fg_test_curl_setup, fg_test_curl_teardown);
    if (timeout > 0)
        tcase_set_timeout(tc, timeout);
    suite_add_tcase(s, tc);
    return tc;
}

void net_log_line(void *ctx, const char *line)
{
    struct fg_buf *b = ctx;
    ck_assert_int_eq(fg_buf_adds(b, line), FG_OK);
    ck_assert_int_eq(fg_buf_addc(b, '\n'), FG_OK);
}
