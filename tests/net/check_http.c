/*
 * check_http.c - the libcurl wrapper against the in-process fake server:
 * headers sent, auth, retries and backoff, timeouts, truncation, size
 * cap, TLS failure, concurrency bound, redaction of secrets.
 */
#include "netfix.h"
#include "testutil.h"

#include "input/gz.h"
#include "net/http.h"
#include "core/util.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

/* Fast, deterministic options for tests. */
static struct fg_http_opts fast(void)
{
    struct fg_http_opts o;
    fg_http_opts_default(&o);
    o.backoff = 0.01;
    o.timeout = 10;
    o.connect_timeout = 5;
    o.seed = 42;
    return o;
}

static struct fg_fakesrv *start(void)
{
    struct fg_fakesrv *s = fg_fakesrv_start_for(60);
    ck_assert_ptr_nonnull(s);
    return s;
}

static void push(struct fg_fakesrv *s, int status, const char *ctype,
                 const char *body)
{
    struct fg_fake_response r = {0};
    r.status = status;
    r.content_type = ctype;
    r.body = body;
    r.body_len = body ? strlen(body) : 0;
    fg_fakesrv_push(s, &r);
}

static char *url_of(struct fg_fakesrv *s, const char *path)
{
    return fg_xasprintf("%s%s", fg_fakesrv_url(s), path);
}

/* One test's fake server, fast options, and a GET of path on it. */
struct http_case {
    struct fg_fakesrv *s;
    struct fg_http_opts o;
    char *url;                 /* the server's URL and path (owned) */
    struct fg_http_request q;  /* GET url; tests change what they need */
    struct fg_http_response r;
    struct fg_error err;
};

static struct http_case http_case_at(const char *path)
{
    struct http_case c = {.s = start(), .o = fast()};
    c.url = url_of(c.s, path);
    c.q.url = c.url;
    return c;
}

/* Make c's request a method sending len bytes of body, type ctype. */
static void http_case_send(struct http_case *c, const char *method,
                           const char *ctype, const void *body, size_t len)
{
    c->q.method = method;
    c->q.content_type = ctype;
    c->q.body = body;
    c->q.body_len = len;
}

/* Point c's request at url (malloc'd; c owns it from now on). */
static void http_case_retarget(struct http_case *c, char *url)
{
    free(c->url);
    c->url = url;
    c->q.url = url;
}

/* Free the URL and stop the server (the response is the test's). */
static void http_case_end(struct http_case *c)
{
    free(c->url);
    fg_fakesrv_stop(c->s);
}

/* fg_http_do of c's request (non-2xx is an error); returns the status. */
static int http_do(struct http_case *c)
{
    return fg_http_do(&c->o, &c->q, false, &c->r, &c->err);
}

START_TEST(get_sends_expected_headers)
{
    struct http_case c = http_case_at("/debug/pprof/heap?x=1");
    push(c.s, 200, "text/plain", "hello");
    c.o.tenant = "team-a";
    const char *extra[] = {"X-Extra: 1", NULL};
    c.o.headers = extra;
    c.o.auth.bearer = "s3cr3t-token";
    c.q.method = "GET";
    ck_assert_int_eq(http_do(&c), FG_OK);
    ck_assert_int_eq(c.r.status, 200);
    ck_assert_str_eq(c.r.body.data, "hello");
    ck_assert_str_eq(c.r.content_type, "text/plain");
    ck_assert_int_eq(c.r.attempts, 1);
    const struct fg_fake_request *got = fg_fakesrv_request(c.s, 0);
    ck_assert_str_eq(got->method, "GET");
    ck_assert_str_eq(got->path, "/debug/pprof/heap");
    ck_assert_str_eq(got->query, "x=1");
    ck_assert_str_eq(fg_fake_request_header(got, "X-Scope-OrgID"), "team-a");
    ck_assert_str_eq(fg_fake_request_header(got, "x-extra"), "1");
    ck_assert_str_eq(fg_fake_request_header(got, "Accept-Encoding"), "gzip");
    ck_assert_str_eq(fg_fake_request_header(got, "Authorization"),
                     "Bearer s3cr3t-token");
    ck_assert_ptr_nonnull(strstr(fg_fake_request_header(got, "User-Agent"),
                                 "flamegate/"));
    fg_http_response_release(&c.r);
    fg_http_response_release(&c.r);
    http_case_end(&c);
}
END_TEST

START_TEST(basic_auth_and_post_body)
{
    struct http_case c =
        http_case_at("/querier.v1.QuerierService/ProfileTypes");
    push(c.s, 200, "application/proto", "\x0a\x01x");
    c.o.auth.user = "123456";
    c.o.auth.password = "glc_pass";
    c.o.auth.bearer = "ignored-when-basic";
    static const char body[] = "\x08\x01\x10\x02";
    http_case_send(&c, "POST", "application/proto", body, 4);
    ck_assert_int_eq(http_do(&c), FG_OK);
    ck_assert_uint_eq(c.r.body.len, 3);
    const struct fg_fake_request *got = fg_fakesrv_request(c.s, 0);
    ck_assert_str_eq(got->method, "POST");
    ck_assert_uint_eq(got->body_len, 4);
    ck_assert_mem_eq(got->body, body, 4);
    ck_assert_str_eq(fg_fake_request_header(got, "Content-Type"),
                     "application/proto");
    /* base64("123456:glc_pass") */
    ck_assert_str_eq(fg_fake_request_header(got, "Authorization"),
                     "Basic MTIzNDU2OmdsY19wYXNz");
    ck_assert_ptr_null(fg_fake_request_header(got, "Expect"));
    fg_http_response_release(&c.r);
    http_case_end(&c);
}
END_TEST

START_TEST(patch_and_put_send_their_body)
{
    struct http_case c = http_case_at("/repos/o/r/issues/comments/1");
    push(c.s, 200, "application/json", "{}");
    const char *methods[] = {"PATCH", "PUT"};
    for (int i = 0; i < 2; i++) {
        http_case_send(&c, methods[i], "application/json",
                       "{\"body\":\"x\"}", 12);
        ck_assert_int_eq(http_do(&c), FG_OK);
        const struct fg_fake_request *got = fg_fakesrv_request(c.s, (size_t)i);
        ck_assert_str_eq(got->method, methods[i]);
        ck_assert_str_eq((const char *)got->body, "{\"body\":\"x\"}");
        ck_assert_str_eq(fg_fake_request_header(got, "Content-Type"),
                         "application/json");
        fg_http_response_release(&c.r);
    }
    http_case_end(&c);
}
END_TEST

START_TEST(redirect_is_followed_with_method_and_auth)
{
    struct http_case c = http_case_at("/start");
    struct fg_fake_response moved = {.status = 302,
                                      .headers = "Location: /final\r\n"};
    fg_fakesrv_push(c.s, &moved);
    push(c.s, 200, "application/proto", "done");
    c.o.auth.bearer = "same-host-token";
    http_case_send(&c, "POST", "application/proto", "b", 1);
    ck_assert_int_eq(http_do(&c), FG_OK);
    ck_assert_str_eq(c.r.body.data, "done");
    ck_assert_uint_eq(fg_fakesrv_count(c.s), 2);
    const struct fg_fake_request *got = fg_fakesrv_request(c.s, 1);
    ck_assert_str_eq(got->path, "/final");
    ck_assert_str_eq(got->method, "POST");
    ck_assert_str_eq((const char *)got->body, "b");
    ck_assert_str_eq(fg_fake_request_header(got, "Authorization"),
                     "Bearer same-host-token");
    fg_http_response_release(&c.r);
    http_case_end(&c);
}
END_TEST

START_TEST(retries_503_429_then_success)
{
    struct http_case c = http_case_at("/x");
    push(c.s, 503, "text/plain", "unavailable");
    push(c.s, 429, "text/plain", "slow down");
    push(c.s, 200, "text/plain", "ok");
    ck_assert_int_eq(http_do(&c), FG_OK);
    ck_assert_int_eq(c.r.attempts, 3);
    ck_assert_str_eq(c.r.body.data, "ok");
    ck_assert_uint_eq(fg_fakesrv_count(c.s), 3);
    fg_http_response_release(&c.r);
    http_case_end(&c);
}
END_TEST

START_TEST(retries_exhausted_names_everything)
{
    struct http_case c = http_case_at("/api?token=abc&q=1");
    push(c.s, 500, "text/plain", "boom\nsecond line\twith tab\x01");
    c.o.retries = 2;
    ck_assert_int_eq(http_do(&c), FG_EHTTP);
    ck_assert_int_eq(c.err.code, FG_EHTTP);
    ck_assert_uint_eq(fg_fakesrv_count(c.s), 3);
    ck_assert_ptr_nonnull(strstr(c.err.msg, "HTTP 500"));
    ck_assert_ptr_nonnull(strstr(c.err.msg, "after 3 attempts"));
    ck_assert_ptr_nonnull(strstr(c.err.msg, "/api?token=REDACTED&q=1"));
    ck_assert_ptr_nonnull(strstr(c.err.msg, "boom second line with tab\\x01"));
    ck_assert_ptr_null(strstr(c.err.msg, "abc"));
    ck_assert_ptr_null(c.r.body.data);
    http_case_end(&c);
}
END_TEST

START_TEST(client_errors_are_not_retried)
{
    struct http_case c =
        http_case_at("/querier.v1.QuerierService/SelectMergeProfile");
    static const char connect_err[] =
        "{\"code\":\"invalid_argument\",\"message\":\"parse error: "
        "unexpected \\\"}\\\"\"}";
    push(c.s, 400, "application/json", connect_err);
    c.q.method = "POST";
    ck_assert_int_eq(http_do(&c), FG_EHTTP);
    ck_assert_uint_eq(fg_fakesrv_count(c.s), 1);
    ck_assert_ptr_nonnull(strstr(c.err.msg, connect_err));
    ck_assert_ptr_nonnull(strstr(c.err.msg,
                                 "HTTP 400 from 'http://127.0.0.1:"));
    /* accept_status: the caller inspects the status itself. */
    ck_assert_int_eq(fg_http_do(&c.o, &c.q, true, &c.r, &c.err), FG_OK);
    ck_assert_int_eq(c.r.status, 400);
    ck_assert_str_eq(c.r.body.data, connect_err);
    ck_assert_str_eq(c.r.content_type, "application/json");
    fg_http_response_release(&c.r);
    http_case_end(&c);
}
END_TEST

START_TEST(html_error_shows_title)
{
    struct http_case c = http_case_at("/");
    push(c.s, 403, "text/html; charset=utf-8",
         "<!doctype html><html><head><TITLE>Sign in - Grafana</TITLE>"
         "</head><body>...</body></html>");
    ck_assert_int_eq(http_do(&c), FG_EHTTP);
    ck_assert_ptr_nonnull(strstr(c.err.msg, "HTML page titled 'Sign in - "
                                            "Grafana'"));
    http_case_end(&c);
}
END_TEST

START_TEST(slow_server_times_out)
{
    struct http_case c = http_case_at("/slow");
    struct fg_fake_response slow = {.status = 200, .body = "late",
                                    .body_len = 4, .delay = 3};
    fg_fakesrv_push(c.s, &slow);
    c.o.timeout = 0.3;
    c.o.retries = 1;
    double t0 = fg_now();
    ck_assert_int_eq(http_do(&c), FG_EHTTP);
    double took = fg_now() - t0;
    ck_assert_msg(took < 2.0, "took %.2f s", took);
    ck_assert_ptr_nonnull(strstr(c.err.msg, "timed out fetching"));
    ck_assert_ptr_nonnull(strstr(c.err.msg, "--timeout 0.3"));
    ck_assert_ptr_nonnull(strstr(c.err.msg, "after 2 attempts"));
    ck_assert_uint_eq(fg_fakesrv_count(c.s), 2);
    http_case_end(&c);
}
END_TEST

START_TEST(truncated_body_is_retried_then_fails)
{
    struct http_case c = http_case_at("/t");
    char body[1000];
    memset(body, 'a', sizeof(body));
    struct fg_fake_response t = {.status = 200, .body = body,
                                 .body_len = sizeof(body), .truncate = true,
                                 .truncate_at = 100};
    fg_fakesrv_push(c.s, &t);
    c.o.retries = 1;
    ck_assert_int_eq(http_do(&c), FG_EHTTP);
    ck_assert_ptr_nonnull(strstr(c.err.msg, "incomplete response"));
    ck_assert_uint_eq(fg_fakesrv_count(c.s), 2);
    /* Chunked and cut short: the same. */
    t.chunked = true;
    t.truncate_at = 1000;
    t.truncate = true;
    struct fg_fakesrv *s2 = start();
    fg_fakesrv_push(s2, &t);
    http_case_retarget(&c, url_of(s2, "/t"));
    c.o.retries = 0;
    ck_assert_int_eq(http_do(&c), FG_EHTTP);
    ck_assert_ptr_nonnull(strstr(c.err.msg, "incomplete response"));
    http_case_end(&c);
    fg_fakesrv_stop(s2);
}
END_TEST

START_TEST(truncated_then_complete_succeeds)
{
    struct http_case c = http_case_at("/t");
    struct fg_fake_response t = {.status = 200, .body = "0123456789",
                                 .body_len = 10, .truncate = true,
                                 .truncate_at = 3};
    fg_fakesrv_push(c.s, &t);
    t.truncate = false;
    fg_fakesrv_push(c.s, &t);
    ck_assert_int_eq(http_do(&c), FG_OK);
    ck_assert_str_eq(c.r.body.data, "0123456789");
    ck_assert_int_eq(c.r.attempts, 2);
    fg_http_response_release(&c.r);
    http_case_end(&c);
}
END_TEST

START_TEST(oversized_body_is_a_limit)
{
    struct http_case c = http_case_at("/big");
    char *big = malloc(5000);
    memset(big, 'b', 5000);
    struct fg_fake_response t = {.status = 200, .body = big,
                                 .body_len = 5000};
    fg_fakesrv_push(c.s, &t);  /* Content-Length: refused up front */
    t.chunked = true;
    fg_fakesrv_push(c.s, &t);  /* chunked: refused while receiving */
    c.o.max_response = 1000;
    for (int i = 0; i < 2; i++) {
        c.err = (struct fg_error){0};
        ck_assert_int_eq(http_do(&c), FG_ELIMIT);
        ck_assert_int_eq(c.err.code, FG_ELIMIT);
        ck_assert_ptr_nonnull(strstr(c.err.msg, "exceeds 1000 bytes"));
        ck_assert_ptr_nonnull(strstr(c.err.msg, "--max-response-size"));
    }
    ck_assert_uint_eq(fg_fakesrv_count(c.s), 2); /* never retried */
    free(big);
    http_case_end(&c);
}
END_TEST

START_TEST(gzip_content_encoding_is_decoded)
{
    struct http_case c = http_case_at("/z");
    struct fg_buf z;
    fg_buf_init(&z, 0);
    static const char text[] = "compressed on the wire";
    ck_assert_int_eq(fg_gz_deflate(text, strlen(text), 6, &z, &c.err), FG_OK);
    struct fg_fake_response t = {.status = 200, .body = z.data,
                                 .body_len = z.len,
                                 .headers = "Content-Encoding: gzip\r\n"};
    fg_fakesrv_push(c.s, &t);
    ck_assert_int_eq(http_do(&c), FG_OK);
    ck_assert_str_eq(c.r.body.data, text);
    fg_http_response_release(&c.r);
    fg_buf_release(&z);
    http_case_end(&c);
}
END_TEST

START_TEST(https_to_plain_port_is_a_tls_error)
{
    struct http_case c = http_case_at("/x");
    push(c.s, 200, "text/plain", "plain");
    http_case_retarget(&c, fg_xasprintf("https://127.0.0.1:%d/x",
                                        fg_fakesrv_port(c.s)));
    ck_assert_int_eq(http_do(&c), FG_EHTTP);
    ck_assert_msg(
        strstr(c.err.msg, "TLS error connecting to 'https://127.0.0.1:"), "%s",
        c.err.msg);
    http_case_end(&c);
}
END_TEST

START_TEST(refused_connection)
{
    struct http_case c = http_case_at("/x");
    int port = fg_fakesrv_port(c.s);
    fg_fakesrv_stop(c.s);
    c.s = NULL; /* nothing listens on port now */
    c.o.retries = 1;
    http_case_retarget(&c, fg_xasprintf("http://user:pw@127.0.0.1:%d/x",
                                        port));
    ck_assert_int_eq(http_do(&c), FG_EHTTP);
    ck_assert_ptr_nonnull(
        strstr(c.err.msg, "cannot connect to 'http://127.0.0.1:"));
    ck_assert_ptr_nonnull(strstr(c.err.msg, "after 2 attempts"));
    ck_assert_ptr_null(strstr(c.err.msg, "pw"));
    http_case_end(&c);
}
END_TEST

START_TEST(close_without_answer)
{
    struct http_case c = http_case_at("/x");
    struct fg_fake_response t = {.status = 0};
    fg_fakesrv_push(c.s, &t);
    c.o.retries = 0;
    ck_assert_int_eq(http_do(&c), FG_EHTTP);
    ck_assert_ptr_nonnull(strstr(c.err.msg, "incomplete response"));
    http_case_end(&c);
}
END_TEST

START_TEST(retry_after_is_honoured)
{
    struct http_case c = http_case_at("/x");
    struct fg_fake_response t = {.status = 429,
                                 .headers = "Retry-After: 1\r\n"};
    fg_fakesrv_push(c.s, &t);
    push(c.s, 200, "text/plain", "ok");
    ck_assert_int_eq(http_do(&c), FG_OK);
    double gap =
        fg_fakesrv_request(c.s, 1)->t - fg_fakesrv_request(c.s, 0)->t;
    ck_assert_msg(gap >= 0.9 && gap < 3, "gap %.3f", gap);
    fg_http_response_release(&c.r);
    http_case_end(&c);
}
END_TEST

/* Echo the path back, slowly, so requests overlap. */
static void echo_slow(void *ctx, const struct fg_fake_request *req,
                      struct fg_fake_response *resp)
{
    (void)ctx;
    char *body = fg_xstrdup(req->path);
    resp->status = strstr(req->path, "fail") ? 404 : 200;
    resp->content_type = "text/plain";
    resp->body = body;
    resp->body_len = strlen(body);
    resp->delay = 0.15;
    resp->free_after = body;
}

struct progress_log {
    size_t calls, last_done, total;
};

static void on_progress(void *ctx, size_t done, size_t total)
{
    struct progress_log *p = ctx;
    ck_assert_uint_eq(done, p->last_done + 1);
    p->calls++;
    p->last_done = done;
    p->total = total;
}

START_TEST(many_is_concurrent_but_bounded)
{
    struct http_case c = http_case_at("/");
    fg_fakesrv_set_handler(c.s, echo_slow, NULL);
    c.o.max_parallel = 3;
    struct progress_log pl = {0};
    c.o.progress = true;
    c.o.on_progress = on_progress;
    c.o.progress_ctx = &pl;
    enum { N = 8 };
    struct fg_http_request q[N];
    struct fg_http_response r[N];
    char *urls[N];
    for (int i = 0; i < N; i++) {
        urls[i] = fg_xasprintf("%s/w%d", fg_fakesrv_url(c.s), i);
        q[i] = (struct fg_http_request){.url = urls[i]};
    }
    double t0 = fg_now();
    ck_assert_int_eq(fg_http_many(&c.o, q, N, r, &c.err), FG_OK);
    double took = fg_now() - t0;
    for (int i = 0; i < N; i++) {
        char want[16];
        snprintf(want, sizeof(want), "/w%d", i);
        ck_assert_str_eq(r[i].body.data, want);
        fg_http_response_release(&r[i]);
        free(urls[i]);
    }
    int peak = fg_fakesrv_max_concurrent(c.s);
    ck_assert_msg(peak >= 2 && peak <= 3, "peak %d", peak);
    /* 8 requests of 0.15 s, 3 at a time: 3 rounds, well under 8 * 0.15. */
    if (!fg_test_under_valgrind())
        ck_assert_msg(took < 1.0, "took %.2f", took);
    ck_assert_uint_eq(pl.calls, N);
    ck_assert_uint_eq(pl.total, N);
    http_case_end(&c);
}
END_TEST

START_TEST(many_reports_lowest_failed_index)
{
    struct http_case c = http_case_at("/");
    fg_fakesrv_set_handler(c.s, echo_slow, NULL);
    c.o.max_parallel = 4;
    const char *paths[] = {"/ok0", "/fail1", "/fail2", "/ok3"};
    struct fg_http_request q[4];
    struct fg_http_response r[4];
    char *urls[4];
    for (int i = 0; i < 4; i++) {
        urls[i] = url_of(c.s, paths[i]);
        q[i] = (struct fg_http_request){.url = urls[i]};
    }
    ck_assert_int_eq(fg_http_many(&c.o, q, 4, r, &c.err), FG_EHTTP);
    ck_assert_ptr_nonnull(strstr(c.err.msg, "/fail1"));
    for (int i = 0; i < 4; i++) {
        ck_assert_ptr_null(r[i].body.data);
        fg_http_response_release(&r[i]);
        free(urls[i]);
    }
    http_case_end(&c);
}
END_TEST

START_TEST(verbose_log_never_shows_secrets)
{
    static const char token[] = "tok-PLANTED-9f8e7d";
    struct http_case c = http_case_at("/q?api_key=k123&n=1");
    /* A server that echoes the credential back in an error. */
    push(c.s, 503, "text/plain", "bad credential tok-PLANTED-9f8e7d");
    push(c.s, 401, "text/plain", "denied for tok-PLANTED-9f8e7d");
    c.o.auth.bearer = token;
    const char *extra[] = {"X-Api-Key: key-PLANTED", NULL};
    c.o.headers = extra;
    struct fg_buf log;
    fg_buf_init(&log, 0);
    struct fg_http_ext x = {.log = net_log_line, .log_ctx = &log};
    ck_assert_int_eq(fg_http_many_ext(&c.o, &x, &c.q, 1, &c.r, &c.err),
                     FG_EHTTP);
    ck_assert_ptr_nonnull(strstr(log.data, "> GET /q?api_key=REDACTED&n=1"));
    ck_assert_ptr_nonnull(strstr(log.data, "> Authorization: <redacted>"));
    ck_assert_ptr_nonnull(strstr(log.data, "> X-Api-Key: <redacted>"));
    ck_assert_ptr_nonnull(strstr(log.data, "< HTTP/1.1 503"));
    ck_assert_ptr_nonnull(strstr(log.data, "retrying in"));
    ck_assert_ptr_null(strstr(log.data, "PLANTED"));
    ck_assert_ptr_null(strstr(log.data, "k123"));
    ck_assert_ptr_nonnull(strstr(c.err.msg, "denied for <redacted>"));
    ck_assert_ptr_null(strstr(c.err.msg, "PLANTED"));
    /* The server did receive the real token. */
    ck_assert_str_eq(fg_fake_request_header(fg_fakesrv_request(c.s, 0),
                                            "Authorization"),
                     "Bearer tok-PLANTED-9f8e7d");
    fg_buf_release(&log);
    http_case_end(&c);
}
END_TEST

START_TEST(headers_out_and_link)
{
    struct http_case c = http_case_at("/h");
    struct fg_fake_response t = {
        .status = 200, .body = "[]", .body_len = 2,
        .headers = "Link: <https://api.example/x?page=2>; rel=\"next\"\r\n"
                   "Grpc-Status: 0\r\n"};
    fg_fakesrv_push(c.s, &t);
    char *hdrs[1];
    struct fg_http_ext x = {.headers = hdrs};
    ck_assert_int_eq(fg_http_many_ext(&c.o, &x, &c.q, 1, &c.r, &c.err),
                     FG_OK);
    ck_assert_str_eq(c.r.link, "<https://api.example/x?page=2>; rel=\"next\"");
    char *gs = fg_http_header_value(hdrs[0], "grpc-status");
    ck_assert_str_eq(gs, "0");
    free(gs);
    ck_assert_ptr_null(fg_http_header_value(hdrs[0], "grpc-message"));
    free(hdrs[0]);
    fg_http_response_release(&c.r);
    http_case_end(&c);
}
END_TEST

START_TEST(header_injection_is_refused)
{
    struct fg_http_opts o = fast();
    const char *bad[] = {"X-A: 1\r\nX-B: 2", NULL};
    o.headers = bad;
    struct fg_http_request q = {.url = "http://127.0.0.1:9/"};
    struct fg_http_response r;
    struct fg_error err = {0};
    ck_assert_int_eq(fg_http_do(&o, &q, false, &r, &err), FG_EUSAGE);
    o.headers = NULL;
    o.auth.bearer = "a\nb";
    ck_assert_int_eq(fg_http_do(&o, &q, false, &r, &err), FG_EUSAGE);
    ck_assert_ptr_null(strstr(err.msg, "a\nb"));
}
END_TEST

START_TEST(url_helpers)
{
    char *u = fg_http_redact_url("https://u:p@host:1/a/b?token=1&x=2&"
                                 "Password=3#frag");
    ck_assert_str_eq(u, "https://host:1/a/b?token=REDACTED&x=2&"
                        "Password=REDACTED#frag");
    free(u);
    u = fg_http_redact_url("http://host/p");
    ck_assert_str_eq(u, "http://host/p");
    free(u);
    u = fg_http_redact_url("http://host?secret");
    ck_assert_str_eq(u, "http://host?secret");
    free(u);
    u = fg_http_escape("{a=\"b c\"}/~");
    ck_assert_str_eq(u, "%7Ba%3D%22b%20c%22%7D%2F~");
    free(u);
    u = fg_http_url_join("http://h/prefix/", "/api/x");
    ck_assert_str_eq(u, "http://h/prefix/api/x");
    free(u);
    u = fg_http_url_join("http://h", "api");
    ck_assert_str_eq(u, "http://h/api");
    free(u);
    u = fg_http_header_value("HTTP/1.1 200 OK\r\nA: 1\r\nb:  two \r\nB: 3\r\n",
                             "b");
    ck_assert_str_eq(u, "3");
    free(u);
    ck_assert_ptr_null(fg_http_header_value(NULL, "a"));
}
END_TEST

Suite *http_suite(void);
Suite *http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = net_tcase(s, "fake-server", 30);
    tcase_add_test(tc, get_sends_expected_headers);
    tcase_add_test(tc, basic_auth_and_post_body);
    tcase_add_test(tc, patch_and_put_send_their_body);
    tcase_add_test(tc, redirect_is_followed_with_method_and_auth);
    tcase_add_test(tc, retries_503_429_then_success);
    tcase_add_test(tc, retries_exhausted_names_everything);
    tcase_add_test(tc, client_errors_are_not_retried);
    tcase_add_test(tc, html_error_shows_title);
    tcase_add_test(tc, slow_server_times_out);
    tcase_add_test(tc, truncated_body_is_retried_then_fails);
    tcase_add_test(tc, truncated_then_complete_succeeds);
    tcase_add_test(tc, oversized_body_is_a_limit);
    tcase_add_test(tc, gzip_content_encoding_is_decoded);
    tcase_add_test(tc, https_to_plain_port_is_a_tls_error);
    tcase_add_test(tc, refused_connection);
    tcase_add_test(tc, close_without_answer);
    tcase_add_test(tc, retry_after_is_honoured);
    tcase_add_test(tc, many_is_concurrent_but_bounded);
    tcase_add_test(tc, many_reports_lowest_failed_index);
    tcase_add_test(tc, verbose_log_never_shows_secrets);
    tcase_add_test(tc, headers_out_and_link);
    tcase_add_test(tc, header_injection_is_refused);
    tcase_add_test(tc, url_helpers);
    return s;
}
