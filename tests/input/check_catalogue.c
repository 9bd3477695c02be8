/*
 * check_catalogue.c - hostile servers (issue 7, the network half of the
 * bad-input catalogue in tests/cli/catalogue.sh): answers that echo the
 * credentials back, carry control bytes or invalid UTF-8, or do not end.
 * Each must become one clean error line that names the problem and never
 * shows a secret.  The fake server listens on 127.0.0.1 only.
 *
 * An HTML page where a profile was expected is covered by check_backend.c
 * (pyroscope_html_page_is_a_clear_error), check_parca.c and check_http.c.
 *
 * known_bug(): a check that fails today because of a bug reported in
 * another module prints "SKIP: known bug ID" and fails once it passes, so
 * the marker goes away with the fix.
 */
#include "fakesrv.h"
#include "net/github.h"
#include "net/http.h"
#include "net/parca.h"
#include "net/pyroscope.h"
#include "flamegate/source.h"
#include "badformats.h"
#include "jfrwrite.h"
#include "core/util.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN "ghp_PLANTEDsecret0123456789abcdef"
#define PASSWORD "PLANTEDpassw0rd!"

static struct fg_fakesrv *serve(int status, const char *ctype,
                                const char *body)
{
    struct fg_fakesrv *s = fg_fakesrv_start_for(60);
    ck_assert_ptr_nonnull(s);
    struct fg_fake_response r;
    memset(&r, 0, sizeof(r));
    r.status = status;
    r.content_type = ctype;
    r.body = body;
    r.body_len = strlen(body);
    fg_fakesrv_push(s, &r);
    return s;
}

static void opts(struct fg_http_opts *o, bool basic)
{
    fg_http_opts_default(o);
    o->retries = 0;
    o->timeout = 20;
    if (basic) {
        o->auth.user = "gate";
        o->auth.password = PASSWORD;
    } else {
        o->auth.bearer = TOKEN;
    }
}

/* One line, printable, without the secrets. */
static void clean_message(const struct fg_error *err)
{
    ck_assert_msg(err->msg[0], "error without a message");
    ck_assert_msg(!strstr(err->msg, TOKEN), "token in: %s", err->msg);
    ck_assert_msg(!strstr(err->msg, PASSWORD), "password in: %s", err->msg);
    for (const char *c = err->msg; *c; c++)
        ck_assert_msg((unsigned char)*c >= 0x20 && *c != 0x7f,
                      "control byte 0x%02x in: %s", (unsigned char)*c,
                      err->msg);
}

START_TEST(pyroscope_echoes_token)
{
    struct fg_fakesrv *s =
        serve(401, "application/json",
              "{\"code\":\"unauthenticated\",\"message\":\"invalid token "
              "'" TOKEN "'\"}");
    struct fg_http_opts o;
    opts(&o, false);
    char **v = NULL;
    size_t n = 0;
    struct fg_error err;
    int rc = fg_pyroscope_profile_types(&o, NULL, fg_fakesrv_url(s), 0, 1000,
                                        &v, &n, &err);
    ck_assert_int_eq(rc, FG_EHTTP);
    clean_message(&err);
    ck_assert_msg(strstr(err.msg, "401") && strstr(err.msg, "invalid token"),
                  "%s", err.msg);
    fg_fakesrv_stop(s);
}
END_TEST

START_TEST(parca_echoes_password_in_html)
{
    struct fg_fakesrv *s = serve(
        200, "text/html",
        "<html><head><title>Login for gate:" PASSWORD
        "</title></head><body>\x1b[31m</body></html>");
    struct fg_http_opts o;
    opts(&o, true);
    struct fg_parca_query q = {"process_cpu:samples:count:cpu:nanoseconds"
                               ":delta{job=\"api\"}",
                               0, 60000};
    struct fg_buf out[1];
    struct fg_error err;
    int rc = fg_parca_merge(&o, NULL, fg_fakesrv_url(s), FG_PARCA_REST, &q, 1,
                            out, &err);
    ck_assert_int_eq(rc, FG_EHTTP);
    clean_message(&err);
    fg_fakesrv_stop(s);
}
END_TEST

START_TEST(control_bytes_and_bad_utf8)
{
    struct fg_fakesrv *s =
        serve(500, "text/plain",
              "boom\x1b]0;pwned\x07\r\n\xff\xfe\xc0\x80 \xe2\x80\xae"
              "txt.exe");
    struct fg_http_opts o;
    opts(&o, false);
    char **v = NULL;
    size_t n = 0;
    struct fg_error err;
    int rc = fg_pyroscope_label_values(&o, NULL, fg_fakesrv_url(s), "version",
                                       NULL, 0, 1000, &v, &n, &err);
    ck_assert_int_eq(rc, FG_EHTTP);
    clean_message(&err);
    ck_assert_msg(strstr(err.msg, "500"), "%s", err.msg);
    fg_fakesrv_stop(s);
}
END_TEST

START_TEST(endless_body_is_capped)
{
    /* 4 MiB against a 1 MiB cap: FG_ELIMIT naming the flag */
    size_t big = 4u << 20;
    char *body = fg_xmalloc(big + 1);
    memset(body, 'x', big);
    body[big] = '\0';
    struct fg_fakesrv *s = serve(200, "application/proto", body);
    free(body);
    struct fg_http_opts o;
    opts(&o, false);
    o.max_response = 1u << 20;
    char **v = NULL;
    size_t n = 0;
    struct fg_error err;
    int rc = fg_pyroscope_profile_types(&o, NULL, fg_fakesrv_url(s), 0, 1000,
                                        &v, &n, &err);
    ck_assert_int_eq(rc, FG_ELIMIT);
    ck_assert_msg(strstr(err.msg, "--max-response-size"), "%s", err.msg);
    clean_message(&err);
    fg_fakesrv_stop(s);
}
END_TEST

START_TEST(github_echoes_token)
{
    /* 401 on the comment search: an error message */
    struct fg_fakesrv *s = serve(
        401, "application/json",
        "{\"message\":\"Bad credentials: " TOKEN "\",\"documentation_url\":"
        "\"https://docs.github.com/rest\"}");
    struct fg_http_opts o;
    opts(&o, false);
    o.auth.bearer = NULL;
    struct fg_github gh = {fg_fakesrv_url(s), TOKEN, "octo/widgets", 7, &o};
    struct fg_github_result res;
    memset(&res, 0, sizeof(res));
    struct fg_error err;
    long long id = 0;
    char *body = NULL;
    bool forbidden = false;
    int rc = fg_github_comment_find(&gh, "default", &id, &body, &forbidden,
                                    &res, &err);
    ck_assert_int_eq(rc, FG_EHTTP);
    ck_assert_msg(strstr(err.msg, "401"), "%s", err.msg);
    clean_message(&err);
    fg_github_result_release(&res);
    free(body);
    fg_fakesrv_stop(s);
}
END_TEST

START_TEST(github_forbidden_reason_echoes_token)
{
    struct fg_fakesrv *s =
        serve(403, "application/json",
              "{\"message\":\"Resource not accessible by integration (token "
              TOKEN ")\"}");
    struct fg_http_opts o;
    opts(&o, false);
    o.auth.bearer = NULL;
    struct fg_github gh = {fg_fakesrv_url(s), TOKEN, "octo/widgets", 7, &o};
    struct fg_github_result res;
    memset(&res, 0, sizeof(res));
    struct fg_error err;
    int rc = fg_github_comment_upsert(&gh, "default",
                                      "<!-- flamegate:default -->\nx\n",
                                      false, &res, &err);
    ck_assert_int_eq(rc, FG_OK);
    ck_assert_int_eq(res.outcome, FG_GITHUB_FORBIDDEN);
    ck_assert_ptr_nonnull(res.reason);
    /* printed by "flamegate comment" */
    ck_assert_msg(!strstr(res.reason, TOKEN), "token in: %s", res.reason);
    fg_github_result_release(&res);
    fg_fakesrv_stop(s);
}
END_TEST

START_TEST(github_next_link_carries_token)
{
    /* The server's Link header points the next page at a URL holding the
     * token (found by fuzz_github); the next request then fails at the
     * transport level, and the message names that URL. */
    struct fg_fakesrv *s = fg_fakesrv_start_for(60);
    ck_assert_ptr_nonnull(s);
    char *hdr = fg_xasprintf("Link: <%s/repos/octo/widgets/issues/7/comments"
                             "?page=2&sig=%s>; rel=\"next\"\r\n",
                             fg_fakesrv_url(s), TOKEN);
    struct fg_fake_response r;
    memset(&r, 0, sizeof(r));
    r.status = 200;
    r.content_type = "application/json";
    r.headers = hdr;
    r.body = "[]";
    r.body_len = 2;
    fg_fakesrv_push(s, &r);
    memset(&r, 0, sizeof(r)); /* then close without an answer */
    fg_fakesrv_push(s, &r);
    free(hdr);
    struct fg_http_opts o;
    opts(&o, false);
    o.auth.bearer = NULL;
    struct fg_github gh = {fg_fakesrv_url(s), TOKEN, "octo/widgets", 7, &o};
    struct fg_github_result res;
    memset(&res, 0, sizeof(res));
    struct fg_error err;
    long long id = 0;
    char *body = NULL;
    bool forbidden = false;
    int rc = fg_github_comment_find(&gh, "default", &id, &body, &forbidden,
                                    &res, &err);
    ck_assert_int_eq(rc, FG_EHTTP);
    ck_assert_msg(!strstr(err.msg, TOKEN), "token in error: %s", err.msg);
    fg_github_result_release(&res);
    free(body);
    fg_fakesrv_stop(s);
}
END_TEST

/* The decoding half for Java Flight Recorder (the files of
 * testdata/corrupt/jfr-*.jfr, built in memory): each broken variant is one
 * FG_EFORMAT error naming the source and the problem; the valid ones
 * decode. */
START_TEST(jfr_bad_inputs)
{
    static const char *const want[JFRW_N] = {
        NULL,
        "chunk size past the end of the file",
        "JFR version 3.1 is not supported",
        "no chunk magic",
        "symbol 99 is not in the constant pool",
        "4 of 7 events of the chunk at byte 0 refer to a stack trace that is not in the constant pool (first: stack trace 7)",
        "array length 2147483647 is negative or past the end",
        "chunk size past the end of the file",
        "varint overflows a 32-bit int",
        NULL,
        NULL,
    };
    for (int v = 0; v < JFRW_N; v++) {
        struct fg_buf b;
        fg_buf_init(&b, 0);
        fg_jfrw_build(&b, (enum jfrw_variant)v);
        struct fg_profile *p = NULL;
        struct fg_error err;
        int rc = fg_source_decode((const unsigned char *)b.data, b.len,
                                  fg_jfrw_name((enum jfrw_variant)v), NULL,
                                  &p, &err);
        if (!want[v]) {
            ck_assert_msg(rc == FG_OK, "%s: %s",
                          fg_jfrw_name((enum jfrw_variant)v), err.msg);
            ck_assert_ptr_nonnull(p->sample_time);
            fg_profile_free(p);
        } else {
            ck_assert_int_eq(rc, FG_EFORMAT);
            ck_assert_ptr_null(p);
            clean_message(&err);
            ck_assert_msg(strstr(err.msg, fg_jfrw_name((enum jfrw_variant)v)),
                          "%s", err.msg);
            ck_assert_msg(strstr(err.msg, want[v]), "%s", err.msg);
        }
        fg_buf_release(&b);
    }
}
END_TEST

/* The decoding half for the formats of issue 18 (the files of
 * testdata/corrupt written by tests/lib/badformats.c, built in memory):
 * each bad file, read through content detection, gives its one clear
 * error naming it, and never a profile; the valid ones decode. */
static const struct {
    const char *file;
    const char *msg; /* NULL: valid */
} format_cases[] = {
    {"flamebearer-diff.json", NULL},
    {"flamebearer-truncated.json", "invalid JSON"},
    {"flamebearer-bad-offsets.json",
     "level 3 node 0: it lies outside its parent"},
    {"flamebearer-name-range.json", "name index 99 but names has 4 entries"},
    {"flamebearer-huge-count.json", "level 1 node 1: offsets overflow"},
    {"flamebearer-wrong-size.json",
     "level 0 has 4 numbers, not a multiple of 7"},
    {"cpuprofile-truncated.cpuprofile", "invalid JSON"},
    {"cpuprofile-cycle.cpuprofile", "the parents of node 3 form a cycle"},
    {"cpuprofile-two-parents.cpuprofile", "node 3 has two parents"},
    {"cpuprofile-missing-node.cpuprofile", "sample 1 refers to node 99"},
    {"cpuprofile-missing-child.cpuprofile",
     "node 1 lists child 77, which is not a node"},
    {"cpuprofile-huge-time.cpuprofile", "time overflows"},
    {"speedscope-unbalanced.json",
     "closes a frame that is not the innermost open one"},
    {"speedscope-unclosed.json", "never closed"},
    {"speedscope-frame-range.json", "refers to frame out of range"},
    {"speedscope-huge-weight.json", "weight 0 is not a number in range"},
    {"perf-cut.txt", NULL},
    {"perf-huge-period.txt", ":1: the period overflows"},
    {"otlp-valid.pb", NULL},
    {"otlp-truncated.pb", "malformed protobuf (truncated or corrupt)"},
    {"otlp-stack-range.pb",
     "refers to stack 7 but the stack table has 2 entries"},
    {"otlp-string-range.pb",
     "refers to string 50 but the string table has 5 entries"},
    {"otlp-huge-count.pb", NULL}, /* decodes; its sum overflows */
    {"otlp-location-range.json",
     "refers to location 9 but the location table has 2 entries"},
    {"otlp-mismatch.json", "has 2 values but 1 timestamps"},
};

static void format_case(const char *name, const void *data, size_t len,
                        void *ctx)
{
    size_t *seen = ctx;
    size_t i = 0, nc = sizeof(format_cases) / sizeof(format_cases[0]);
    while (i < nc && strcmp(format_cases[i].file, name) != 0)
        i++;
    ck_assert_msg(i < nc, "%s: not in the table of expected errors", name);
    (*seen)++;
    struct fg_profile *p[FG_SOURCE_MAX_SIDES] = {NULL, NULL};
    size_t n = 7;
    struct fg_error err = {0, ""};
    int rc = fg_source_decode_sides(data, len, name, NULL, p, &n, &err);
    if (!format_cases[i].msg) {
        ck_assert_msg(rc == FG_OK && n >= 1, "%s: %s", name, err.msg);
        for (size_t k = 0; k < n; k++)
            fg_profile_free(p[k]);
        return;
    }
    ck_assert_msg(rc == FG_EFORMAT, "%s: status %d (%s)", name, rc,
                  err.msg);
    ck_assert_msg(n == 0 && !p[0] && !p[1], "%s: a profile was left", name);
    clean_message(&err);
    ck_assert_msg(strstr(err.msg, name) &&
                      strstr(err.msg, format_cases[i].msg),
                  "%s: '%s' lacks '%s'", name, err.msg, format_cases[i].msg);
}

START_TEST(format_bad_inputs)
{
    size_t seen = 0;
    fg_badformats_each(format_case, &seen);
    ck_assert_uint_eq(seen, sizeof(format_cases) / sizeof(format_cases[0]));
}
END_TEST

Suite *catalogue_suite(void)
{
    Suite *s = suite_create("catalogue");
    TCase *tc = tcase_create("hostile-servers");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, pyroscope_echoes_token);
    tcase_add_test(tc, parca_echoes_password_in_html);
    tcase_add_test(tc, control_bytes_and_bad_utf8);
    tcase_add_test(tc, endless_body_is_capped);
    tcase_add_test(tc, github_echoes_token);
    tcase_add_test(tc, github_forbidden_reason_echoes_token);
    tcase_add_test(tc, github_next_link_carries_token);
    tcase_add_test(tc, jfr_bad_inputs);
    tcase_add_test(tc, format_bad_inputs);
    suite_add_tcase(s, tc);
    return s;
}
