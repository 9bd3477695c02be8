/*
 * check_github.c - the sticky PR comment (github.h): Link header and event
 * parsing, body building and truncation, and create/update/pagination/403
 * against an in-process fake of the GitHub issue-comment endpoints
 * (fakesrv.h) that behaves like GitHub: ascending ids, 100 per page, Link
 * rel="next" in the numeric /repositories/ID form, 201 on create, 422
 * over 65,536 characters, strict about the standard headers.
 */
#include "fakesrv.h"
#include "testutil.h"

#include "net/github.h"
#include "core/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN "ghs_test_token_value"
#define MAX_COMMENTS 400

/* ---------------------------------------------------------- fake GitHub */

struct fake_comment {
    long long id;
    char *body;
    const char *type; /* "Bot" or "User" */
};

struct fake_github {
    struct fg_fakesrv *srv;
    const char *prefix;       /* path prefix, "" or "/api/v3" */
    struct fake_comment c[MAX_COMMENTS];
    size_t n;
    long long next_id;
    bool forbid;              /* POST/PATCH answer 403 */
    int lost_posts;           /* store, then answer 502 */
    bool foreign_next;        /* Link rel="next" points elsewhere */
    bool echo;                /* errors quote the Authorization header */
};

/* static storage for an echoing error message */
static char echo_line[512];

static const char *echoed(struct fake_github *g,
                          const struct fg_fake_request *req, const char *msg)
{
    if (!g->echo)
        return msg;
    const char *auth = fg_fake_request_header(req, "authorization");
    snprintf(echo_line, sizeof(echo_line), "%s (you sent '%s')", msg,
             auth ? auth : "");
    return echo_line;
}

static void answer(struct fg_fake_response *resp, int status, json_t *doc,
                   const char *headers)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    resp->status = status;
    resp->content_type = "application/json; charset=utf-8";
    resp->body = text;
    resp->body_len = strlen(text);
    resp->free_after = text;
    resp->headers = headers;
}

static void message(struct fg_fake_response *resp, int status,
                    const char *msg)
{
    answer(resp, status, json_pack("{s:s}", "message", msg), NULL);
}

static json_t *comment_json(const struct fake_comment *c)
{
    char *url = fg_xasprintf("https://github.example/octo/widgets/pull/7"
                             "#issuecomment-%lld", c->id);
    json_t *o = json_pack("{s:I, s:s, s:s, s:{s:s, s:s}}", "id",
                          (json_int_t)c->id, "body", c->body, "html_url",
                          url, "user", "login",
                          strcmp(c->type, "Bot") ? "octocat"
                                                 : "github-actions[bot]",
                          "type", c->type);
    free(url);
    return o;
}

static void fake_add(struct fake_github *g, const char *body,
                     const char *type)
{
    ck_assert_uint_lt(g->n, MAX_COMMENTS);
    g->c[g->n].id = g->next_id++;
    g->c[g->n].body = fg_xstrdup(body);
    g->c[g->n].type = type;
    g->n++;
}

static long query_value(const char *q, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = q; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1
                                                        : NULL) {
        if (strncmp(p, key, n) == 0 && p[n] == '=')
            return atol(p + n + 1);
    }
    return 0;
}

/* static storage for the Link header of the answer being built */
static char link_line[1024];

static void list(struct fake_github *g, const struct fg_fake_request *req,
                 struct fg_fake_response *resp)
{
    long per = query_value(req->query, "per_page");
    long page = query_value(req->query, "page");
    per = per <= 0 ? 30 : (per > 100 ? 100 : per);
    page = page <= 0 ? 1 : page;
    json_t *arr = json_array();
    for (size_t i = (size_t)((page - 1) * per);
         i < g->n && i < (size_t)(page * per); i++)
        json_array_append_new(arr, comment_json(&g->c[i]));
    bool more = (size_t)(page * per) < g->n;
    link_line[0] = '\0';
    if (more)
        snprintf(link_line, sizeof(link_line),
                 "Link: <%s%s/repositories/4242/issues/7/comments?"
                 "per_page=%ld&page=%ld>; rel=\"next\", <%s/x?page=99>; "
                 "rel=\"last\"\r\n",
                 g->foreign_next ? "http://127.0.0.2:9" :
                                   fg_fakesrv_url(g->srv),
                 g->prefix, per, page + 1, fg_fakesrv_url(g->srv));
    answer(resp, 200, arr, more ? link_line : NULL);
}

static const char *body_of(const struct fg_fake_request *req, json_t **doc,
                           struct fg_fake_response *resp)
{
    *doc = json_loadb((const char *)req->body, req->body_len, 0, NULL);
    json_t *b = json_object_get(*doc, "body");
    if (!json_is_string(b)) {
        message(resp, 400, "Problems parsing JSON");
        return NULL;
    }
    size_t chars = 0;
    for (const char *p = json_string_value(b); *p; p++)
        chars += ((unsigned char)*p & 0xC0) != 0x80;
    if (chars > 65536) {
        message(resp, 422, "Validation Failed: body is too long");
        return NULL;
    }
    return json_string_value(b);
}

static void write_comment(struct fake_github *g, long long id,
                          const struct fg_fake_request *req,
                          struct fg_fake_response *resp)
{
    json_t *doc = NULL;
    const char *body = body_of(req, &doc, resp);
    if (!body)
        goto out;
    if (g->forbid) {
        answer(resp, 403,
               json_pack("{s:s, s:s}", "message",
                         echoed(g, req,
                                "Resource not accessible by integration"),
                         "documentation_url", "https://docs.github.com/rest"),
               "x-accepted-github-permissions: issues=write; "
               "pull_requests=write\r\n");
        goto out;
    }
    if (id == 0) {
        fake_add(g, body, "Bot");
        if (g->lost_posts > 0) {
            g->lost_posts--;
            message(resp, 502, "Server Error");
        } else {
            answer(resp, 201, comment_json(&g->c[g->n - 1]), NULL);
        }
        goto out;
    }
    for (size_t i = 0; i < g->n; i++) {
        if (g->c[i].id == id) {
            free(g->c[i].body);
            g->c[i].body = fg_xstrdup(body);
            answer(resp, 200, comment_json(&g->c[i]), NULL);
            goto out;
        }
    }
    message(resp, 404, "Not Found");
out:
    json_decref(doc);
}

static bool header_is(const struct fg_fake_request *req, const char *name,
                      const char *want)
{
    const char *v = fg_fake_request_header(req, name);
    return v && strcmp(v, want) == 0;
}

static void handler(void *ctx, const struct fg_fake_request *req,
                    struct fg_fake_response *resp)
{
    struct fake_github *g = ctx;
    const char *ua = fg_fake_request_header(req, "user-agent");
    char list_path[128], list_alt[128], edit_path[128];
    snprintf(list_path, sizeof(list_path),
             "%s/repos/octo/widgets/issues/7/comments", g->prefix);
    snprintf(list_alt, sizeof(list_alt), "%s/repositories/4242/issues/7/"
             "comments", g->prefix);
    snprintf(edit_path, sizeof(edit_path),
             "%s/repos/octo/widgets/issues/comments/", g->prefix);
    bool is_list = strcmp(req->path, list_path) == 0 ||
                   strcmp(req->path, list_alt) == 0;
    if (!header_is(req, "authorization", "Bearer " TOKEN))
        message(resp, 401, echoed(g, req, "Bad credentials"));
    else if (!ua || strncmp(ua, "flamegate/", 10) != 0)
        message(resp, 403, "Request forbidden by administrative rules");
    else if (!header_is(req, "accept", "application/vnd.github+json") ||
             !header_is(req, "x-github-api-version", "2022-11-28"))
        message(resp, 400, "wrong Accept or X-GitHub-Api-Version");
    else if (is_list && strcmp(req->method, "GET") == 0)
        list(g, req, resp);
    else if (is_list && strcmp(req->method, "POST") == 0)
        write_comment(g, 0, req, resp);
    else if (strncmp(req->path, edit_path, strlen(edit_path)) == 0 &&
             strcmp(req->method, "PATCH") == 0)
        write_comment(g, atoll(req->path + strlen(edit_path)), req, resp);
    else
        message(resp, 404, "Not Found");
}

static struct fake_github *fake_start(void)
{
    struct fake_github *g = fg_xcalloc(1, sizeof(*g));
    g->prefix = "";
    g->next_id = 5000;
    g->srv = fg_fakesrv_start_for(60);
    ck_assert_ptr_nonnull(g->srv);
    fg_fakesrv_set_handler(g->srv, handler, g);
    return g;
}

static void fake_stop(struct fake_github *g)
{
    fg_fakesrv_stop(g->srv);
    for (size_t i = 0; i < g->n; i++)
        free(g->c[i].body);
    free(g);
}

/* Requests with this method seen by the fake. */
static size_t count_method(struct fake_github *g, const char *method)
{
    size_t n = 0, total = fg_fakesrv_count(g->srv);
    for (size_t i = 0; i < total; i++) {
        if (strcmp(fg_fakesrv_request(g->srv, i)->method, method) == 0)
            n++;
    }
    return n;
}

struct target {
    struct fg_http_opts http;
    struct fg_github gh;
    char *api;
};

static void target_init(struct target *t, struct fake_github *g,
                        const char *suffix)
{
    fg_http_opts_default(&t->http);
    t->http.backoff = 0.01;
    t->http.retries = 2;
    t->http.timeout = 10;
    t->api = fg_xasprintf("%s%s", fg_fakesrv_url(g->srv), suffix);
    t->gh.api_url = t->api;
    t->gh.token = TOKEN;
    t->gh.repo = "octo/widgets";
    t->gh.pr = 7;
    t->gh.http = &t->http;
}

/* One upsert test: a fake GitHub, a client aimed at it, and the outputs. */
struct gh_case {
    struct fake_github *g;
    struct target t;
    struct fg_github_result res;
    struct fg_error err;
};

/* A new case (malloc'd: the target points into itself); suffix follows
 * the server's URL in the client's API base URL. */
static struct gh_case *gh_case_start(const char *suffix)
{
    struct gh_case *c = fg_xcalloc(1, sizeof(*c));
    c->g = fake_start();
    target_init(&c->t, c->g, suffix);
    return c;
}

static void gh_case_end(struct gh_case *c)
{
    free(c->t.api);
    fake_stop(c->g);
    free(c);
}

/* Build the body of report and upsert it into c->res; returns the status. */
static int upsert(struct gh_case *c, const char *report, bool if_changed)
{
    struct fg_buf body;
    fg_buf_init(&body, 0);
    memset(&c->res, 0, sizeof(c->res));
    ck_assert_int_eq(fg_github_body(report, strlen(report), "bench", NULL,
                                    FG_GITHUB_BODY_MAX, &body, NULL, &c->err),
                     FG_OK);
    int rc = fg_github_comment_upsert(&c->t.gh, "bench", body.data,
                                      if_changed, &c->res, &c->err);
    fg_buf_release(&body);
    return rc;
}

/* ------------------------------------------------------------ parsing */

START_TEST(test_link_next)
{
    char *u = fg_github_link_next(
        "<https://api.github.com/repositories/1300192/issues/7/comments?"
        "per_page=100&page=2>; rel=\"next\", <https://api.github.com/"
        "repositories/1300192/issues/7/comments?per_page=100&page=5>; "
        "rel=\"last\"");
    ck_assert_str_eq(u, "https://api.github.com/repositories/1300192/issues/"
                        "7/comments?per_page=100&page=2");
    free(u);
    /* next not first, prev/first present, odd spacing and case */
    u = fg_github_link_next("<http://h/a?page=1>; rel=\"prev\",<http://h/a?"
                            "page=1>;rel=\"first\" ,  <http://h/a?page=3> ;"
                            " REL=NEXT");
    ck_assert_str_eq(u, "http://h/a?page=3");
    free(u);
    /* a rel list containing next; other parameters before rel */
    u = fg_github_link_next("<http://h/b>; title=\"x, y\"; rel=\"last next\"");
    ck_assert_str_eq(u, "http://h/b");
    free(u);
    ck_assert_ptr_null(fg_github_link_next("<http://h/a?page=1>; "
                                           "rel=\"prev\", <http://h/a?page=1>;"
                                           " rel=\"first\""));
    ck_assert_ptr_null(fg_github_link_next("<http://h/a>; rel=\"nextpage\""));
    ck_assert_ptr_null(fg_github_link_next("garbage; rel=next"));
    ck_assert_ptr_null(fg_github_link_next("<unterminated; rel=\"next\""));
    ck_assert_ptr_null(fg_github_link_next(""));
    ck_assert_ptr_null(fg_github_link_next(NULL));
}
END_TEST

START_TEST(test_names)
{
    struct fg_error err = {0, ""};
    ck_assert_int_eq(fg_github_check_repo("octo/widgets", &err), FG_OK);
    ck_assert_int_eq(fg_github_check_repo("my-org/repo.name_2", &err), FG_OK);
    const char *bad[] = {"octo", "octo/", "/widgets", "a/b/c", "octo/..",
                         "octo/wid gets", "octo/w?x=1", "octo/w%2F", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(fg_github_check_repo(bad[i], &err), FG_EUSAGE);
        ck_assert_ptr_nonnull(strstr(err.msg, "bad repository"));
    }
    ck_assert_int_eq(fg_github_check_id("default", &err), FG_OK);
    ck_assert_int_eq(fg_github_check_id("cpu.linux-x64_2", &err), FG_OK);
    ck_assert_int_eq(fg_github_check_id("a -->", &err), FG_EUSAGE);
    ck_assert_int_eq(fg_github_check_id("", &err), FG_EUSAGE);
    char *m = fg_github_marker("cpu");
    ck_assert_str_eq(m, "<!-- flamegate:cpu -->");
    free(m);
}
END_TEST

static void load_event(const char *name, struct fg_github_event *ev,
                       int want_rc)
{
    struct fg_error err = {0, ""};
    char *rel = fg_xasprintf("github/%s", name);
    char *path = fg_test_data_path(rel);
    ck_assert_int_eq(fg_github_event_load(path, ev, &err), want_rc);
    if (want_rc != FG_OK)
        ck_assert_ptr_nonnull(strstr(err.msg, name));
    free(rel);
    free(path);
}

START_TEST(test_events)
{
    struct fg_github_event ev;
    load_event("event-pull_request.json", &ev, FG_OK);
    ck_assert_int_eq(ev.pr, 7);
    ck_assert_str_eq(ev.repo, "octo/widgets");
    ck_assert_str_eq(ev.head_sha, "3f786850e387550fdab836ed7e6dc881de23001b");
    ck_assert(!ev.fork);
    fg_github_event_release(&ev);

    load_event("event-pull_request-fork.json", &ev, FG_OK);
    ck_assert_int_eq(ev.pr, 7);
    ck_assert_str_eq(ev.head_repo, "contributor/widgets");
    ck_assert(ev.fork);
    fg_github_event_release(&ev);

    load_event("event-issue_comment.json", &ev, FG_OK);
    ck_assert_int_eq(ev.pr, 12);
    fg_github_event_release(&ev);

    load_event("event-issues.json", &ev, FG_OK);
    ck_assert_int_eq(ev.pr, 0); /* an issue, not a pull request */
    fg_github_event_release(&ev);

    load_event("event-workflow_run.json", &ev, FG_OK);
    ck_assert_int_eq(ev.pr, 9);
    ck_assert(!ev.fork);
    fg_github_event_release(&ev);

    /* forks: workflow_run lists no pull request */
    load_event("event-workflow_run-fork.json", &ev, FG_OK);
    ck_assert_int_eq(ev.pr, 0);
    ck_assert(ev.fork);
    fg_github_event_release(&ev);

    load_event("event-push.json", &ev, FG_OK);
    ck_assert_int_eq(ev.pr, 0);
    ck_assert_str_eq(ev.repo, "octo/widgets");
    fg_github_event_release(&ev);

    load_event("event-bad-number.json", &ev, FG_EFORMAT);
    load_event("missing.json", &ev, FG_EIO);
    struct fg_error err = {0, ""};
    ck_assert_int_eq(fg_github_event_parse("[1]", 3, &ev, &err), FG_EFORMAT);
    ck_assert_int_eq(fg_github_event_parse("{", 1, &ev, &err), FG_EFORMAT);
    fg_github_event_release(&ev);
}
END_TEST

/* -------------------------------------------------------------- bodies */

static char *body_of_report(const char *report, size_t len, size_t max,
                            const char *url, bool *truncated)
{
    struct fg_error err = {0, ""};
    struct fg_buf b;
    fg_buf_init(&b, 0);
    ck_assert_int_eq(fg_github_body(report, len, "bench", url, max, &b,
                                    truncated, &err), FG_OK);
    return fg_buf_detach(&b, NULL);
}

static bool valid_utf8(const char *s)
{
    json_t *j = json_string(s); /* jansson validates UTF-8 */
    bool ok = j != NULL;
    json_decref(j);
    return ok;
}

START_TEST(test_body_marker)
{
    bool tr = true;
    const char *rep = "<!-- flamegate:default -->\n### verdict\n\ntext "
                      "<!-- flamegate:other --> end\n";
    char *b = body_of_report(rep, strlen(rep), FG_GITHUB_BODY_MAX, NULL, &tr);
    ck_assert(!tr);
    ck_assert_str_eq(b, "<!-- flamegate:bench -->\n### verdict\n\ntext  end\n");
    free(b);
    /* removing a marker (or a NUL) must not join text into a new one */
    const char nested[] = "<!-- flame<!-- flamegate:x -->gate:y -->\n"
                          "a<!-- flame\0gate:z -->b <!-- flamegate:q    -->c";
    b = body_of_report(nested, sizeof(nested) - 1, FG_GITHUB_BODY_MAX, NULL,
                       &tr);
    ck_assert_str_eq(b, "<!-- flamegate:bench -->\nab c");
    free(b);
    /* not markers: an id over 100 characters, a '<' inside */
    char *longid = fg_xasprintf("<!-- flamegate:%0101d -->", 0);
    b = body_of_report(longid, strlen(longid), FG_GITHUB_BODY_MAX, NULL, &tr);
    ck_assert_ptr_nonnull(strstr(b, longid));
    free(b);
    free(longid);
    /* NUL dropped, invalid UTF-8 and surrogates replaced */
    const char raw[] = "a\0b\xff" "c\xed\xa0\x80" "d\xe2\x82\xac";
    b = body_of_report(raw, sizeof(raw) - 1, FG_GITHUB_BODY_MAX, NULL, &tr);
    ck_assert_str_eq(b, "<!-- flamegate:bench -->\nab\xef\xbf\xbd" "c"
                        "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "d\xe2\x82\xac");
    ck_assert(valid_utf8(b));
    free(b);
}
END_TEST

/* A report like report_md's: sections, a table, a long <details>. */
static char *big_report(size_t rows, const char *cell)
{
    struct fg_buf r;
    fg_buf_init(&r, 0);
    ck_assert_int_eq(fg_buf_adds(&r, "<!-- flamegate:bench -->\n### :x: "
                                     "flamegate: **FAIL**\n\n| function | "
                                     "change |\n|---|---|\n| `a` | +5% |\n\n"
                                     "<details><summary>All rows</summary>\n"
                                     "\n```text\n"), FG_OK);
    for (size_t i = 0; i < rows; i++)
        ck_assert_int_eq(fg_buf_addf(&r, "row %zu %s\n", i, cell), FG_OK);
    ck_assert_int_eq(fg_buf_adds(&r, "```\n\n</details>\n\n### Method\n\n"
                                     "end\n"), FG_OK);
    return fg_buf_detach(&r, NULL);
}

START_TEST(test_body_truncate)
{
    bool tr = false;
    char *rep = big_report(20000, "some/package.Function(x)");
    char *b = body_of_report(rep, strlen(rep), FG_GITHUB_BODY_MAX,
                             "https://github.example/octo/widgets/actions/"
                             "runs/42", &tr);
    size_t n = strlen(b);
    ck_assert(tr);
    ck_assert_uint_le(n, FG_GITHUB_BODY_MAX);
    ck_assert_uint_gt(n, FG_GITHUB_BODY_MAX - 2000); /* not cut short */
    ck_assert(strncmp(b, "<!-- flamegate:bench -->\n", 25) == 0);
    /* the open fence and <details> are closed, the note links the run */
    const char *close = strstr(b, "\n```\n\n\n</details>\n");
    ck_assert_ptr_nonnull(close);
    ck_assert_ptr_nonnull(strstr(close, "truncated"));
    ck_assert_ptr_nonnull(strstr(close, "(https://github.example/octo/"
                                        "widgets/actions/runs/42)"));
    /* cut at a line end: the line before the closers is a whole row */
    const char *p = close - 1; /* the last row's newline */
    while (p > b && p[-1] != '\n')
        p--;
    ck_assert(strncmp(p, "row ", 4) == 0);
    ck_assert_ptr_nonnull(strstr(p, "Function(x)\n"));
    free(b);
    free(rep);

    /* an unsafe URL is not linked */
    rep = big_report(20000, "x");
    b = body_of_report(rep, strlen(rep), FG_GITHUB_BODY_MAX,
                       "javascript:alert(1)", &tr);
    ck_assert(tr);
    ck_assert_ptr_null(strstr(b, "javascript"));
    ck_assert_ptr_nonnull(strstr(b, "job summary"));
    free(b);
    free(rep);
}
END_TEST

START_TEST(test_body_exact_fit)
{
    bool tr = true;
    const size_t max = 4096;
    size_t head = strlen("<!-- flamegate:bench -->\n");
    char *rep = fg_xmalloc(max + 1);
    memset(rep, 'a', max);
    for (size_t i = 80; i < max; i += 81)
        rep[i] = '\n';
    rep[max - head] = '\0';
    char *b = body_of_report(rep, max - head, max, NULL, &tr);
    ck_assert(!tr);
    ck_assert_uint_eq(strlen(b), max);
    free(b);
    rep[max - head] = 'a';
    rep[max - head + 1] = '\0';
    b = body_of_report(rep, max - head + 1, max, NULL, &tr);
    ck_assert(tr);
    ck_assert_uint_le(strlen(b), max);
    free(b);
    free(rep);
}
END_TEST

START_TEST(test_body_multibyte)
{
    /* one huge line of 3- and 4-byte characters: the cut falls inside a
     * character unless it backs off */
    struct fg_buf r;
    fg_buf_init(&r, 0);
    for (int i = 0; i < 30000; i++)
        ck_assert_int_eq(fg_buf_adds(&r, i % 3 ? "\xe2\x82\xac"
                                               : "\xf0\x9f\x94\xa5"),
                         FG_OK);
    bool tr = false;
    char *b = body_of_report(r.data, r.len, FG_GITHUB_BODY_MAX, NULL, &tr);
    ck_assert(tr);
    ck_assert_uint_le(strlen(b), FG_GITHUB_BODY_MAX);
    ck_assert(valid_utf8(b));
    free(b);
    fg_buf_release(&r);
    struct fg_error err = {0, ""};
    struct fg_buf o;
    fg_buf_init(&o, 0);
    ck_assert_int_eq(fg_github_body("x", 1, "bench", NULL, 100, &o, NULL,
                                    &err), FG_EUSAGE);
    ck_assert_int_eq(fg_github_body("x", 1, "bad id", NULL, 65536, &o, NULL,
                                    &err), FG_EUSAGE);
    fg_buf_release(&o);
}
END_TEST

/* ------------------------------------------------------------- upserts */

START_TEST(test_create_then_update)
{
    struct gh_case *c = gh_case_start("");
    fake_add(c->g, "LGTM", "User");

    ck_assert_int_eq(upsert(c, "### first\n", false), FG_OK);
    ck_assert_int_eq(c->res.outcome, FG_GITHUB_CREATED);
    long long id = c->res.comment_id;
    ck_assert_int_eq(id, 5001);
    ck_assert_ptr_nonnull(strstr(c->res.url, "#issuecomment-5001"));
    fg_github_result_release(&c->res);
    ck_assert_uint_eq(c->g->n, 2);
    ck_assert_uint_eq(count_method(c->g, "POST"), 1);

    ck_assert_int_eq(upsert(c, "### second\n", false), FG_OK);
    ck_assert_msg(c->res.outcome == FG_GITHUB_UPDATED, "%s", c->err.msg);
    ck_assert_int_eq(c->res.comment_id, id);
    fg_github_result_release(&c->res);
    ck_assert_uint_eq(c->g->n, 2); /* still one comment of ours */
    ck_assert_uint_eq(count_method(c->g, "POST"), 1);
    ck_assert_uint_eq(count_method(c->g, "PATCH"), 1);
    ck_assert_str_eq(c->g->c[1].body, "<!-- flamegate:bench -->\n### second\n");
    ck_assert_str_eq(c->g->c[0].body, "LGTM");

    /* the standard headers, the JSON body and the paths */
    size_t last = fg_fakesrv_count(c->g->srv) - 1;
    const struct fg_fake_request *q = fg_fakesrv_request(c->g->srv, last);
    ck_assert_str_eq(q->method, "PATCH");
    ck_assert_str_eq(q->path, "/repos/octo/widgets/issues/comments/5001");
    ck_assert_str_eq(fg_fake_request_header(q, "content-type"),
                     "application/json");
    ck_assert_str_eq(fg_fake_request_header(q, "user-agent"),
                     "flamegate/" FG_VERSION);
    q = fg_fakesrv_request(c->g->srv, 0);
    ck_assert_str_eq(q->method, "GET");
    ck_assert_str_eq(q->target,
                     "/repos/octo/widgets/issues/7/comments?per_page=100");
    gh_case_end(c);
}
END_TEST

START_TEST(test_if_changed)
{
    struct gh_case *c = gh_case_start("");
    ck_assert_int_eq(upsert(c, "### same\n", true), FG_OK);
    ck_assert_int_eq(c->res.outcome, FG_GITHUB_CREATED);
    fg_github_result_release(&c->res);
    /* identical, and identical up to CRLF and trailing blanks */
    ck_assert_int_eq(upsert(c, "### same\n", true), FG_OK);
    ck_assert_int_eq(c->res.outcome, FG_GITHUB_UNCHANGED);
    ck_assert_int_eq(c->res.comment_id, 5000);
    ck_assert_ptr_nonnull(c->res.url);
    fg_github_result_release(&c->res);
    ck_assert_int_eq(upsert(c, "### same\r\n\n  ", true), FG_OK);
    ck_assert_int_eq(c->res.outcome, FG_GITHUB_UNCHANGED);
    fg_github_result_release(&c->res);
    ck_assert_uint_eq(count_method(c->g, "PATCH"), 0);
    /* without if_changed the same body is written again */
    ck_assert_int_eq(upsert(c, "### same\n", false), FG_OK);
    ck_assert_msg(c->res.outcome == FG_GITHUB_UPDATED, "%s", c->err.msg);
    fg_github_result_release(&c->res);
    /* a change is written */
    ck_assert_int_eq(upsert(c, "### other\n", true), FG_OK);
    ck_assert_msg(c->res.outcome == FG_GITHUB_UPDATED, "%s", c->err.msg);
    fg_github_result_release(&c->res);
    ck_assert_uint_eq(count_method(c->g, "PATCH"), 2);
    ck_assert_uint_eq(count_method(c->g, "POST"), 1);
    gh_case_end(c);
}
END_TEST

START_TEST(test_pagination)
{
    struct gh_case *c = gh_case_start("");
    for (int i = 0; i < 150; i++)
        fake_add(c->g, "a review comment", "User");
    ck_assert_int_eq(upsert(c, "### one\n", false), FG_OK);
    ck_assert_int_eq(c->res.outcome, FG_GITHUB_CREATED);
    ck_assert_int_eq(c->res.pages, 2);
    fg_github_result_release(&c->res);
    ck_assert_uint_eq(c->g->n, 151); /* ours is on page 2 */
    size_t before = fg_fakesrv_count(c->g->srv);
    ck_assert_int_eq(upsert(c, "### two\n", false), FG_OK);
    ck_assert_msg(c->res.outcome == FG_GITHUB_UPDATED, "%s", c->err.msg);
    ck_assert_int_eq(c->res.comment_id, c->g->c[150].id);
    ck_assert_int_eq(c->res.pages, 2);
    fg_github_result_release(&c->res);
    ck_assert_uint_eq(c->g->n, 151);
    /* the second page came from the Link header, verbatim */
    const struct fg_fake_request *q =
        fg_fakesrv_request(c->g->srv, before + 1);
    ck_assert_str_eq(q->target, "/repositories/4242/issues/7/comments?"
                                "per_page=100&page=2");
    gh_case_end(c);
}
END_TEST

START_TEST(test_prefers_bot)
{
    struct gh_case *c = gh_case_start("");
    fake_add(c->g, "quoting <!-- flamegate:bench --> here", "User");
    fake_add(c->g, "<!-- flamegate:other -->\nanother gate", "Bot");
    fake_add(c->g, "<!-- flamegate:bench -->\nold", "Bot");
    long long id = 0;
    char *body = NULL;
    bool forbidden = true;
    ck_assert_int_eq(fg_github_comment_find(&c->t.gh, "bench", &id, &body,
                                            &forbidden, &c->res, &c->err),
                     FG_OK);
    ck_assert(!forbidden);
    ck_assert_int_eq(id, c->g->c[2].id);
    ck_assert_str_eq(body, "<!-- flamegate:bench -->\nold");
    free(body);
    fg_github_result_release(&c->res);
    ck_assert_int_eq(fg_github_comment_find(&c->t.gh, "nothing", &id, NULL,
                                            &forbidden, &c->res, &c->err),
                     FG_OK);
    ck_assert_int_eq(id, 0);
    fg_github_result_release(&c->res);
    gh_case_end(c);
}
END_TEST

START_TEST(test_forbidden)
{
    struct gh_case *c = gh_case_start("");
    c->g->forbid = true;
    ck_assert_int_eq(upsert(c, "### fork\n", false), FG_OK);
    ck_assert_int_eq(c->res.outcome, FG_GITHUB_FORBIDDEN);
    ck_assert_int_eq(c->res.status, 403);
    ck_assert_int_eq(c->res.comment_id, 0);
    ck_assert_str_eq(c->res.reason, "Resource not accessible by integration");
    ck_assert_str_eq(c->res.accepted, "issues=write; pull_requests=write");
    fg_github_result_release(&c->res);
    fg_github_result_release(&c->res);
    ck_assert_uint_eq(c->g->n, 0);
    ck_assert_uint_eq(count_method(c->g, "POST"), 1); /* 403 is not retried */
    /* a server quoting the token back: the reason must not carry it */
    c->g->echo = true;
    ck_assert_int_eq(upsert(c, "### fork\n", false), FG_OK);
    ck_assert_int_eq(c->res.outcome, FG_GITHUB_FORBIDDEN);
    ck_assert_str_eq(c->res.reason, "Resource not accessible by integration "
                                   "(you sent 'Bearer <redacted>')");
    fg_github_result_release(&c->res);
    gh_case_end(c);
}
END_TEST

START_TEST(test_unauthorized)
{
    struct gh_case *c = gh_case_start("");
    c->t.gh.token = "ghs_wrong_secret";
    ck_assert_int_eq(upsert(c, "x\n", false), FG_EHTTP);
    ck_assert_ptr_nonnull(strstr(c->err.msg, "401"));
    ck_assert_ptr_nonnull(strstr(c->err.msg, "Bad credentials"));
    ck_assert_ptr_nonnull(strstr(c->err.msg, "octo/widgets#7"));
    ck_assert_ptr_null(strstr(c->err.msg, "ghs_wrong_secret"));
    fg_github_result_release(&c->res);
    c->g->echo = true;
    ck_assert_int_eq(upsert(c, "x\n", false), FG_EHTTP);
    ck_assert_ptr_nonnull(strstr(c->err.msg, "'Bearer <redacted>'"));
    ck_assert_ptr_null(strstr(c->err.msg, "ghs_wrong_secret"));
    fg_github_result_release(&c->res);
    gh_case_end(c);
}
END_TEST

START_TEST(test_lost_post_not_duplicated)
{
    struct gh_case *c = gh_case_start("");
    c->g->lost_posts = 1;
    ck_assert_int_eq(upsert(c, "### once\n", false), FG_OK);
    ck_assert_msg(c->res.outcome == FG_GITHUB_UPDATED, "%s", c->err.msg);
    fg_github_result_release(&c->res);
    ck_assert_uint_eq(c->g->n, 1);
    ck_assert_uint_eq(count_method(c->g, "POST"), 1);
    gh_case_end(c);
}
END_TEST

START_TEST(test_foreign_link)
{
    struct gh_case *c = gh_case_start("");
    c->g->foreign_next = true;
    for (int i = 0; i < 101; i++)
        fake_add(c->g, "c", "User");
    ck_assert_int_eq(upsert(c, "x\n", false), FG_EUSAGE);
    ck_assert_ptr_nonnull(strstr(c->err.msg, "another host"));
    fg_github_result_release(&c->res);
    ck_assert_uint_eq(fg_fakesrv_count(c->g->srv), 1);
    gh_case_end(c);
}
END_TEST

START_TEST(test_enterprise_base)
{
    struct gh_case *c = gh_case_start("/api/v3/");
    c->g->prefix = "/api/v3";
    for (int i = 0; i < 120; i++)
        fake_add(c->g, "c", "User");
    ck_assert_int_eq(upsert(c, "x\n", false), FG_OK);
    ck_assert_int_eq(c->res.outcome, FG_GITHUB_CREATED);
    fg_github_result_release(&c->res);
    ck_assert_str_eq(fg_fakesrv_request(c->g->srv, 0)->path,
                     "/api/v3/repos/octo/widgets/issues/7/comments");
    gh_case_end(c);
}
END_TEST

START_TEST(test_large_report_accepted)
{
    /* the fake answers 422 over 65,536 characters, as GitHub does */
    struct gh_case *c = gh_case_start("");
    char *rep = big_report(30000, "\"quoted\" \\ and \xe2\x82\xac");
    ck_assert_int_eq(upsert(c, rep, false), FG_OK);
    ck_assert_int_eq(c->res.outcome, FG_GITHUB_CREATED);
    fg_github_result_release(&c->res);
    ck_assert_uint_le(strlen(c->g->c[0].body), FG_GITHUB_BODY_MAX);
    free(rep);
    gh_case_end(c);
}
END_TEST

Suite *github_suite(void); /* called from check_main.c */
Suite *github_suite(void)
{
    Suite *s = suite_create("github");
    TCase *p = tcase_create("parse");
    tcase_add_test(p, test_link_next);
    tcase_add_test(p, test_names);
    tcase_add_test(p, test_events);
    suite_add_tcase(s, p);
    TCase *b = tcase_create("body");
    tcase_add_test(b, test_body_marker);
    tcase_add_test(b, test_body_truncate);
    tcase_add_test(b, test_body_exact_fit);
    tcase_add_test(b, test_body_multibyte);
    suite_add_tcase(s, b);
    TCase *u = tcase_create("upsert");
    tcase_set_timeout(u, 30);
    tcase_add_test(u, test_create_then_update);
    tcase_add_test(u, test_if_changed);
    tcase_add_test(u, test_pagination);
    tcase_add_test(u, test_prefers_bot);
    tcase_add_test(u, test_forbidden);
    tcase_add_test(u, test_unauthorized);
    tcase_add_test(u, test_lost_post_not_duplicated);
    tcase_add_test(u, test_foreign_link);
    tcase_add_test(u, test_enterprise_base);
    tcase_add_test(u, test_large_report_accepted);
    suite_add_tcase(s, u);
    return s;
}
