/*
 * check_parca.c - the Parca backend against an in-process fake speaking
 * its real protocols (REST gateway with base64 of gzip, gRPC-Web framing
 * with trailer frames and trailers-only errors), and a live Go pprof
 * endpoint.  Each test asserts the requests received and decoded fields.
 */
#include "netfix.h"
#include "testutil.h"

#include "config/backend_opts.h"
#include "input/folded.h"
#include "input/gz.h"
#include "net/parca.h"
#include "input/pprof.h"
#include "core/util.h"

#include "parca.pb-c.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define T0 1704067200000LL /* 2024-01-01T00:00:00Z */
#define T1 1704070800000LL /* 2024-01-01T01:00:00Z */

static void copy_str(char *dst, size_t n, const char *s)
{
    snprintf(dst, n, "%s", s ? s : "");
}

/* ---- fake Parca -------------------------------------------------------- */

static char *b64(const unsigned char *p, size_t n)
{
    static const char t[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *o = malloc(4 * ((n + 2) / 3) + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        o[k++] = t[v >> 18 & 63];
        o[k++] = t[v >> 12 & 63];
        o[k++] = i + 1 < n ? t[v >> 6 & 63] : '=';
        o[k++] = i + 2 < n ? t[v & 63] : '=';
    }
    o[k] = '\0';
    return o;
}

/* Value of a query parameter, percent-decoded (malloc'd), or NULL. */
static char *param(const char *query, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = query; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            char *v = malloc(len);
            size_t k = 0;
            for (size_t i = nl + 1; i < len; i++) {
                if (p[i] == '%' && i + 2 < len) {
                    char hex[3] = {p[i + 1], p[i + 2], 0};
                    v[k++] = (char)strtol(hex, NULL, 16);
                    i += 2;
                } else {
                    v[k++] = p[i] == '+' ? ' ' : p[i];
                }
            }
            v[k] = '\0';
            return v;
        }
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}

struct fakeparca {
    struct fg_buf gz;        /* gzipped pprof */
    char query[256];
    int64_t start_ms, end_ms;
    int mode, report_type;
    const char *grpc_status; /* trailer status (NULL: "0") */
    bool trailers_only;
};

static void parca_handler(void *ctx, const struct fg_fake_request *req,
                          struct fg_fake_response *resp)
{
    struct fakeparca *f = ctx;
    resp->status = 200;
    if (strcmp(req->path, "/api/profiles/query") == 0) {
        char *mode = param(req->query, "mode");
        char *rt = param(req->query, "report_type");
        char *q = param(req->query, "merge.query");
        char *st = param(req->query, "merge.start");
        char *en = param(req->query, "merge.end");
        ck_assert_str_eq(mode, "MODE_MERGE");
        ck_assert_str_eq(rt, "REPORT_TYPE_PPROF");
        copy_str(f->query, sizeof(f->query), q);
        struct fg_error err;
        ck_assert_int_eq(fg_backend_parse_time(st, 0, "s", &f->start_ms, &err),
                         FG_OK);
        ck_assert_int_eq(fg_backend_parse_time(en, 0, "e", &f->end_ms, &err),
                         FG_OK);
        char *enc = b64((unsigned char *)f->gz.data, f->gz.len);
        char *body = fg_xasprintf("{\"pprof\":\"%s\",\"total\":\"0\","
                                  "\"filtered\":\"0\"}", enc);
        free(enc);
        free(mode);
        free(rt);
        free(q);
        free(st);
        free(en);
        resp->content_type = "application/json";
        resp->body = body;
        resp->body_len = strlen(body);
        resp->free_after = body;
    } else if (strcmp(req->path, "/parca.query.v1alpha1.QueryService/Query") ==
               0) {
        ck_assert_str_eq(fg_fake_request_header(req, "Content-Type"),
                         "application/grpc-web+proto");
        ck_assert_uint_ge(req->body_len, 5);
        ck_assert_int_eq(req->body[0], 0);
        size_t len = (size_t)req->body[1] << 24 | (size_t)req->body[2] << 16 |
                     (size_t)req->body[3] << 8 | req->body[4];
        ck_assert_uint_eq(len, req->body_len - 5);
        Flamegate__Parca__QueryRequest *m =
            flamegate__parca__query_request__unpack(NULL, len,
                                                    req->body + 5);
        ck_assert_ptr_nonnull(m);
        ck_assert_ptr_nonnull(m->merge);
        f->mode = m->mode;
        f->report_type = m->report_type;
        copy_str(f->query, sizeof(f->query), m->merge->query);
        f->start_ms = m->merge->start->seconds * 1000 +
                      m->merge->start->nanos / 1000000;
        f->end_ms = m->merge->end->seconds * 1000 +
                    m->merge->end->nanos / 1000000;
        flamegate__parca__query_request__free_unpacked(m, NULL);
        resp->content_type = "application/grpc-web+proto";
        if (f->trailers_only) {
            resp->headers = "grpc-status: 16\r\n"
                            "grpc-message: missing%20credentials\r\n";
            return;
        }
        Flamegate__Parca__QueryResponse out =
            FLAMEGATE__PARCA__QUERY_RESPONSE__INIT;
        out.pprof.data = (uint8_t *)f->gz.data;
        out.pprof.len = f->gz.len;
        size_t ol = flamegate__parca__query_response__get_packed_size(&out);
        uint8_t *msg = malloc(ol);
        flamegate__parca__query_response__pack(&out, msg);
        struct fg_buf b;
        fg_buf_init(&b, 0);
        ck_assert_int_eq(fg_grpcweb_frame(msg, ol, &b), FG_OK);
        char *tr = fg_xasprintf("grpc-status:%s\r\ngrpc-message:%s\r\n",
                                f->grpc_status ? f->grpc_status : "0",
                                f->grpc_status ? "bad%20query%3A%20x" : "");
        unsigned char th[5] = {0x80, 0, 0, 0, (unsigned char)strlen(tr)};
        ck_assert_int_eq(fg_buf_add(&b, th, 5), FG_OK);
        ck_assert_int_eq(fg_buf_adds(&b, tr), FG_OK);
        free(tr);
        free(msg);
        resp->body = b.data;
        resp->body_len = b.len;
        resp->free_after = b.data;
    } else if (strcmp(req->path, "/api/profiles/types") == 0) {
        static const char types[] =
            "{\"types\":[{\"name\":\"process_cpu\",\"sampleType\":\"samples\","
            "\"sampleUnit\":\"count\",\"periodType\":\"cpu\",\"periodUnit\":"
            "\"nanoseconds\",\"delta\":true},{\"name\":\"memory\","
            "\"sample_type\":\"alloc_space\",\"sample_unit\":\"bytes\","
            "\"period_type\":\"space\",\"period_unit\":\"bytes\","
            "\"delta\":false}]}";
        resp->content_type = "application/json";
        resp->body = types;
        resp->body_len = strlen(types);
    } else if (strncmp(req->path, "/api/profiles/labels/", 21) == 0) {
        ck_assert_str_eq(req->path, "/api/profiles/labels/version/values");
        char *match = param(req->query, "match");
        ck_assert_str_eq(match, "{job=\"api\"}");
        free(match);
        static const char vals[] = "{\"labelValues\":[\"v2\",\"v1\"]}";
        resp->content_type = "application/json";
        resp->body = vals;
        resp->body_len = strlen(vals);
    } else {
        resp->status = 404;
    }
}

static struct fakeparca *fakeparca_new(void)
{
    struct fakeparca *f = calloc(1, sizeof(*f));
    struct fg_buf raw;
    fg_test_make_pprof("main;api;handler 40\nmain;api;db 20\n", &raw);
    fg_buf_init(&f->gz, 0);
    struct fg_error err = {0};
    ck_assert_int_eq(fg_gz_deflate(raw.data, raw.len, 6, &f->gz, &err), FG_OK);
    fg_buf_release(&raw);
    return f;
}

/* Free a fakeparca (void *: it serves as a net_case fake_free). */
static void fakeparca_free(void *p)
{
    struct fakeparca *f = p;
    fg_buf_release(&f->gz);
    free(f);
}

/* c aimed at a new fakeparca, returned, over protocol with the usual
 * selection. */
static struct fakeparca *parca_start(struct net_case *c,
                                     const char *protocol)
{
    struct fakeparca *f = fakeparca_new();
    net_case_start(c, parca_handler, f, fakeparca_free);
    net_case_set(c,
                 "backend", "parca",
                 "url", fg_fakesrv_url(c->s),
                 "protocol", protocol,
                 "profile-type",
                 "process_cpu:samples:count:cpu:nanoseconds:delta",
                 "selector", "{job=\"api\"}",
                 "base-version", "v1",
                 "candidate-version", "v2",
                 "from", "1704067200",
                 "until", "1704070800000",
                 NULL);
    return f;
}

START_TEST(parca_rest_base64_gzip)
{
    struct net_case c;
    struct fakeparca *f = parca_start(&c, "rest");
    net_case_fetch(&c, FG_SIDE_CANDIDATE, FG_OK);
    ck_assert_uint_eq(c.n, 1);
    ck_assert_int_eq(fg_test_total(c.runs[0]), 60);
    fg_test_free_runs(c.runs, c.n);
    ck_assert_str_eq(f->query, "process_cpu:samples:count:cpu:nanoseconds:"
                               "delta{job=\"api\",version=\"v2\"}");
    ck_assert_int_eq(f->start_ms, T0);
    ck_assert_int_eq(f->end_ms, T1);
    const struct fg_fake_request *q = fg_fakesrv_request(c.s, 0);
    ck_assert_str_eq(q->method, "GET");
    ck_assert_ptr_nonnull(
        strstr(q->query, "merge.start=2024-01-01T00%3A00%3A00Z"));
    net_case_end(&c);
}
END_TEST

START_TEST(parca_grpc_web_framing)
{
    struct net_case c;
    struct fakeparca *f = parca_start(&c, "grpc-web");
    net_case_set(&c, "runs", "2", NULL);
    net_case_fetch(&c, FG_SIDE_BASE, FG_OK);
    ck_assert_uint_eq(c.n, 2);
    ck_assert_int_eq(fg_test_total(c.runs[1]), 60);
    fg_test_free_runs(c.runs, c.n);
    ck_assert_uint_eq(fg_fakesrv_count(c.s), 2);
    ck_assert_int_eq(f->mode, 2);
    ck_assert_int_eq(f->report_type, 1);
    ck_assert_str_eq(f->query, "process_cpu:samples:count:cpu:nanoseconds:"
                               "delta{job=\"api\",version=\"v1\"}");
    ck_assert_msg(f->start_ms == T0 || f->start_ms == T0 + 1800000, "%lld",
                  (long long)f->start_ms);
    ck_assert_str_eq(fg_fake_request_header(fg_fakesrv_request(c.s, 0),
                                            "X-Grpc-Web"), "1");
    /* An error status in the trailer frame. */
    f->grpc_status = "3";
    net_case_fetch(&c, FG_SIDE_BASE, FG_EHTTP);
    ck_assert_msg(strstr(c.err.msg, "gRPC status 3 (INVALID_ARGUMENT) from "
                                    "'http://127.0.0.1:") &&
                      strstr(c.err.msg, "': bad query: x"),
                  "%s", c.err.msg);
    /* Trailers-only: the status in the HTTP headers. */
    f->trailers_only = true;
    net_case_fetch(&c, FG_SIDE_BASE, FG_EHTTP);
    ck_assert_msg(strstr(c.err.msg, "gRPC status 16 (UNAUTHENTICATED)") &&
                      strstr(c.err.msg, "missing credentials"),
                  "%s", c.err.msg);
    net_case_end(&c);
}
END_TEST

START_TEST(parca_listings)
{
    struct net_case c;
    parca_start(&c, "rest");
    char **v = NULL;
    size_t n = 0;
    ck_assert_int_eq(net_case_resolve(&c, FG_WANT_PLAIN), FG_OK);
    ck_assert_int_eq(fg_backend_list_profile_types(&c.req, &v, &n, &c.err),
                     FG_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(v[0], "memory:alloc_space:bytes:space:bytes");
    ck_assert_str_eq(v[1], "process_cpu:samples:count:cpu:nanoseconds:delta");
    fg_backend_strings_free(v, n);
    ck_assert_int_eq(fg_backend_list_label_values(&c.req, NULL, &v, &n, &c.err),
                     FG_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(v[0], "v1");
    fg_backend_strings_free(v, n);
    net_case_end(&c);
}
END_TEST

START_TEST(grpcweb_unframe_rejects_cut_frames)
{
    struct fg_buf msg;
    fg_buf_init(&msg, 0);
    struct fg_error err = {0};
    static const unsigned char cut[] = {0, 0, 0, 0, 9, 1, 2};
    ck_assert_int_eq(fg_grpcweb_unframe(cut, sizeof(cut), NULL, "http://h/x",
                                        &msg, &err), FG_EHTTP);
    ck_assert_ptr_nonnull(strstr(err.msg, "cut gRPC-Web frame"));
    static const unsigned char notrailer[] = {0, 0, 0, 0, 1, 7};
    fg_buf_reset(&msg);
    ck_assert_int_eq(fg_grpcweb_unframe(notrailer, sizeof(notrailer), NULL,
                                        "http://h/x", &msg, &err), FG_EHTTP);
    ck_assert_ptr_nonnull(strstr(err.msg, "no grpc-status"));
    fg_buf_reset(&msg);
    ck_assert_int_eq(fg_grpcweb_unframe(notrailer, sizeof(notrailer),
                                        "grpc-status: 0\r\n", "http://h/x",
                                        &msg, &err), FG_OK);
    ck_assert_uint_eq(msg.len, 1);
    fg_buf_release(&msg);
}
END_TEST

/* ---- live pprof endpoint ------------------------------------------------ */

START_TEST(pprof_endpoint_sequential_captures)
{
    struct net_case c;
    net_case_start(&c, NULL, NULL, NULL);
    struct fg_buf raw, gz;
    fg_test_make_pprof("main;spin 100\n", &raw);
    fg_buf_init(&gz, 0);
    ck_assert_int_eq(fg_gz_deflate(raw.data, raw.len, 1, &gz, &c.err), FG_OK);
    struct fg_fake_response r = {
        .status = 200, .content_type = "application/octet-stream",
        .headers = "Content-Disposition: attachment; filename=\"profile\"\r\n",
        .body = gz.data, .body_len = gz.len, .delay = 0.1};
    fg_fakesrv_push(c.s, &r);
    char *url = fg_xasprintf("%s/debug/pprof/profile?seconds=1",
                             fg_fakesrv_url(c.s));
    ck_assert_msg(fg_backend_fetch_url(&c.req, url, 3, &c.lim, &c.runs, &c.n,
                                       &c.err) == FG_OK, "%s", c.err.msg);
    ck_assert_uint_eq(c.n, 3);
    ck_assert_int_eq(fg_test_total(c.runs[2]), 100);
    ck_assert_ptr_nonnull(strstr(c.runs[1]->source, "(capture 2/3)"));
    fg_test_free_runs(c.runs, c.n);
    ck_assert_uint_eq(fg_fakesrv_count(c.s), 3);
    ck_assert_int_eq(fg_fakesrv_max_concurrent(c.s), 1);
    ck_assert_str_eq(fg_fakesrv_request(c.s, 0)->target,
                     "/debug/pprof/profile?seconds=1");

    /* An HTML page where a profile was expected. */
    struct fg_fake_response html = {
        .status = 200, .content_type = "text/html",
        .body = "<html><title>Login</title></html>", .body_len = 33};
    fg_fakesrv_push(net_case_new_server(&c), &html);
    free(url);
    url = fg_xasprintf("%s/debug/pprof/heap", fg_fakesrv_url(c.s));
    ck_assert_int_eq(fg_backend_fetch_url(&c.req, url, 1, &c.lim, &c.runs, &c.n,
                                          &c.err), FG_EHTTP);
    ck_assert_msg(strstr(c.err.msg, "expected a pprof profile") &&
                      strstr(c.err.msg, "HTML page titled 'Login'"),
                  "%s", c.err.msg);
    free(url);
    fg_buf_release(&raw);
    fg_buf_release(&gz);
    net_case_end(&c);
}
END_TEST

Suite *parca_suite(void);
Suite *parca_suite(void)
{
    Suite *s = suite_create("parca");
    TCase *tc = net_tcase(s, "parca", 30);
    tcase_add_test(tc, parca_rest_base64_gzip);
    tcase_add_test(tc, parca_grpc_web_framing);
    tcase_add_test(tc, parca_listings);
    tcase_add_test(tc, grpcweb_unframe_rejects_cut_frames);
    tc = net_tcase(s, "endpoint", 30);
    tcase_add_test(tc, pprof_endpoint_sequential_captures);
    return s;
}
