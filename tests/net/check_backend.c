/*
 * check_backend.c - the Pyroscope backend against an in-process fake that
 * speaks the real protocol (Connect, binary proto, JSON errors), and the
 * option, time and selector parsing.  Each test asserts the exact
 * requests received and the decoded fields.  Parca and live endpoints:
 * check_parca.c.
 */
#include "netfix.h"
#include "testutil.h"

#include "config/backend_opts.h"
#include "input/folded.h"
#include "input/gz.h"
#include "input/pprof.h"
#include "core/util.h"
#include "flamegate/aggregate.h"

#include "profile.pb-c.h"
#include "pyroscope.pb-c.h"

#include <curl/curl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define T0 1704067200000LL /* 2024-01-01T00:00:00Z */
#define T1 1704070800000LL /* 2024-01-01T01:00:00Z */
#define TOKEN "pyro-TOKEN-planted-1234"
#define PACKED_SIZE \
    flamegate__pyroscope__select_merge_stacktraces_response__get_packed_size

/* ---- fake Pyroscope ----------------------------------------------------- */

struct rec {
    char path[96];
    char selector[256];
    char ptype[96];
    int64_t start, end, max_nodes;
    int format;
    char name[64];        /* LabelValues */
    char matcher[256];
};

struct fakepyro {
    bool v1;                   /* no pprof format: answer a flame graph */
    struct fg_buf prof_v1, prof_v2;
    int err_status;            /* answer this error to every query */
    const char *err_ctype;
    const char *err_body;
    bool empty;                /* no data */
    int64_t empty_before;      /* no data for windows starting earlier */
    int64_t bare_before;       /* a profile without samples for those */
    struct fg_buf bare;        /* that profile */
    double delay;              /* before each answer */
    /* No querier API: 1, it answers 404 (a v1 server behind a proxy that
     * passes only /pyroscope/render); 2, every POST and /pyroscope/render
     * get an HTML page and /render answers (a 0.37 server). */
    int no_api;
    bool prune;                /* render folds main;gc into "other" */
    const char *folded_v1, *folded_v2;
    struct rec rec[64];
    size_t n;
};

static void copy_str(char *dst, size_t n, const char *s)
{
    snprintf(dst, n, "%s", s ? s : "");
}

static const struct fg_buf *pick(struct fakepyro *f, const char *selector)
{
    return strstr(selector, "\"v2\"") ? &f->prof_v2 : &f->prof_v1;
}

static void *dup_bytes(const void *p, size_t n)
{
    void *q = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(q);
    if (n)
        memcpy(q, p, n);
    return q;
}

/* Answer with buf (malloc'd), which the server frees once sent. */
static void give(struct fg_fake_response *resp, void *buf, size_t len)
{
    resp->body = buf;
    resp->body_len = len;
    resp->free_after = buf;
}

/* Answer with msg (any protobuf-c message), packed. */
static void give_proto(struct fg_fake_response *resp,
                       const ProtobufCMessage *msg)
{
    size_t len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(len);
    protobuf_c_message_pack(msg, buf);
    give(resp, buf, len);
}

/* A packed SelectMergeStacktracesResponse carrying pprof bytes (malloc'd,
 * *len bytes): how Pyroscope 1.2+ answers a query. */
static uint8_t *stacktraces_answer(const void *pprof, size_t pprof_len,
                                   size_t *len)
{
    Flamegate__Pyroscope__PprofProfile pp =
        FLAMEGATE__PYROSCOPE__PPROF_PROFILE__INIT;
    pp.profile.data = (uint8_t *)pprof;
    pp.profile.len = pprof_len;
    Flamegate__Pyroscope__SelectMergeStacktracesResponse out =
        FLAMEGATE__PYROSCOPE__SELECT_MERGE_STACKTRACES_RESPONSE__INIT;
    out.pprof = &pp;
    *len = PACKED_SIZE(&out);
    uint8_t *buf = malloc(*len);
    flamegate__pyroscope__select_merge_stacktraces_response__pack(&out, buf);
    return buf;
}

/* Record what a query asked for (both Select requests carry these). */
static void rec_query(struct rec *r, const char *selector, const char *ptype,
                      int64_t start, int64_t end, int64_t max_nodes)
{
    copy_str(r->selector, sizeof(r->selector), selector);
    copy_str(r->ptype, sizeof(r->ptype), ptype);
    r->start = start;
    r->end = end;
    r->max_nodes = max_nodes;
}

/* ---- the /render flame-graph JSON ---------------------------------------- */

struct fbnode {
    char name[32];
    int64_t self, total, x;
    int child[8], nchild, depth;
};

/* The flame-graph tree of a folded text, children sorted by name as
 * Pyroscope keeps them; node 0 is "total". */
static int fb_tree(const char *folded, bool prune, struct fbnode *t)
{
    int n = 1;
    memset(t, 0, sizeof(*t));
    snprintf(t[0].name, sizeof(t[0].name), "total");
    const char *line = folded;
    while (*line) {
        const char *nl = strchr(line, '\n'), *sp = strrchr(line, ' ');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char buf[256];
        snprintf(buf, sizeof(buf), "%.*s", (int)len, line);
        sp = strrchr(buf, ' ');
        ck_assert_ptr_nonnull(sp);
        int64_t v = atoll(sp + 1);
        buf[sp - buf] = '\0';
        int at = 0;
        t[0].total += v;
        for (char *f = strtok(buf, ";"); f; f = strtok(NULL, ";")) {
            /* max-nodes cut: gc is folded into Pyroscope's "other" */
            const char *name = prune && strcmp(f, "gc") == 0 ? "other" : f;
            int k = 0;
            while (k < t[at].nchild && strcmp(t[t[at].child[k]].name, name))
                k++;
            if (k == t[at].nchild) {
                memset(&t[n], 0, sizeof(t[n]));
                snprintf(t[n].name, sizeof(t[n].name), "%s", name);
                t[n].depth = t[at].depth + 1;
                int pos = t[at].nchild++;
                while (pos > 0 && strcmp(t[t[at].child[pos - 1]].name,
                                         name) > 0) {
                    t[at].child[pos] = t[at].child[pos - 1];
                    pos--;
                }
                t[at].child[pos] = n;
                k = n++;
            } else {
                k = t[at].child[k];
            }
            at = k;
            t[at].total += v;
        }
        t[at].self += v;
        line += len + (nl ? 1 : 0);
    }
    return n;
}

/* Place the children of node i (self first, then children by name). */
static void fb_place(struct fbnode *t, int i)
{
    int64_t x = t[i].x + t[i].self;
    for (int k = 0; k < t[i].nchild; k++) {
        t[t[i].child[k]].x = x;
        x += t[t[i].child[k]].total;
        fb_place(t, t[i].child[k]);
    }
}

/* The JSON of GET /render for folded, as Pyroscope writes it (Go's
 * encoding/json of flamebearer.FlamebearerProfile: names, levels of
 * [x_delta, total, self, name], numTicks, maxSelf; v1's metadata for CPU
 * in nanoseconds, or 0.37's in samples at 100 Hz). */
static char *fb_json(const char *folded, bool prune, bool v037)
{
    struct fbnode t[64];
    int n = fb_tree(folded, prune, t);
    fb_place(t, 0);
    int64_t scale = v037 ? 1 : 10000000, max_self = 0;
    const char *names[64];
    int nnames = 0, name_of[64], maxd = 0;
    for (int i = 0; i < n; i++) {
        int k = 0;
        while (k < nnames && strcmp(names[k], t[i].name))
            k++;
        if (k == nnames)
            names[nnames++] = t[i].name;
        name_of[i] = k;
        if (t[i].depth > maxd)
            maxd = t[i].depth;
        if (t[i].self * scale > max_self)
            max_self = t[i].self * scale;
    }
    struct fg_buf b;
    fg_buf_init(&b, 0);
    int rc = fg_buf_adds(&b, "{\"version\":1,\"flamebearer\":{\"names\":[");
    for (int k = 0; k < nnames; k++)
        rc |= fg_buf_addf(&b, "%s\"%s\"", k ? "," : "", names[k]);
    rc |= fg_buf_adds(&b, "],\"levels\":[");
    for (int d = 0; d <= maxd; d++) {
        rc |= fg_buf_adds(&b, d ? ",[" : "[");
        int64_t end = 0;
        bool first = true;
        for (int64_t x = 0; x <= t[0].total; x++) { /* in x order */
            for (int i = 0; i < n; i++) {
                if (t[i].depth != d || t[i].x != x || t[i].total == 0)
                    continue;
                rc |= fg_buf_addf(&b, "%s%lld,%lld,%lld,%d",
                                  first ? "" : ",",
                                  (long long)((t[i].x - end) * scale),
                                  (long long)(t[i].total * scale),
                                  (long long)(t[i].self * scale), name_of[i]);
                end = t[i].x + t[i].total;
                first = false;
            }
        }
        rc |= fg_buf_adds(&b, "]");
    }
    rc |= fg_buf_addf(&b, "],\"numTicks\":%lld,\"maxSelf\":%lld},",
                      (long long)(t[0].total * scale), (long long)max_self);
    if (v037)
        rc |= fg_buf_adds(&b, "\"metadata\":{\"format\":\"single\","
                              "\"spyName\":\"gospy\",\"sampleRate\":100,"
                              "\"units\":\"samples\",\"name\":\"myapp.cpu "
                              "2024-01-01T00:00:00Z\"},\"timeline\":{"
                              "\"startTime\":1704067200,\"samples\":[45],"
                              "\"durationDelta\":10,\"watermarks\":null},"
                              "\"groups\":null,\"heatmap\":null,"
                              "\"appName\":\"myapp.cpu\",\"annotations\":[]}\n");
    else
        rc |= fg_buf_adds(&b, "\"metadata\":{\"format\":\"single\","
                              "\"spyName\":\"\",\"sampleRate\":1000000000,"
                              "\"units\":\"samples\",\"name\":\"cpu\"},"
                              "\"timeline\":{\"startTime\":1704067200,"
                              "\"samples\":[450000000],\"durationDelta\":10,"
                              "\"watermarks\":null},\"groups\":null,"
                              "\"heatmap\":null}\n"); /* Encode's newline */
    ck_assert_int_eq(rc, FG_OK);
    return fg_buf_detach(&b, NULL);
}

/* The value of parameter key in a query string, percent-decoded. */
static void query_param(const char *q, const char *key, char *out, size_t n)
{
    size_t kl = strlen(key);
    out[0] = '\0';
    for (const char *p = q; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1
                                                       : NULL) {
        if (strncmp(p, key, kl) || p[kl] != '=')
            continue;
        size_t o = 0;
        for (const char *c = p + kl + 1; *c && *c != '&' && o + 1 < n; c++) {
            if (*c == '%' && c[1] && c[2]) {
                char hex[3] = {c[1], c[2], 0};
                out[o++] = (char)strtol(hex, NULL, 16);
                c += 2;
            } else {
                out[o++] = *c == '+' ? ' ' : *c;
            }
        }
        out[o] = '\0';
        return;
    }
}

static const char spa_page[] =
    "<!doctype html><html><head><title>Pyroscope</title></head><body>"
    "<div id=\"root\"></div></body></html>";

/* A server without the querier API (f->no_api): true when it answered. */
static bool no_api_answer(struct fakepyro *f, struct rec *r,
                          const struct fg_fake_request *req,
                          struct fg_fake_response *resp)
{
    bool render = strcmp(req->path, "/pyroscope/render") == 0 ||
                  strcmp(req->path, "/render") == 0;
    if (!f->no_api || (!render && strcmp(req->method, "POST") != 0))
        return false;
    bool serves = render && (f->no_api == 1 ? req->path[1] == 'p'
                                             : req->path[1] == 'r');
    if (!serves && f->no_api == 1) {
        resp->status = 404;
        resp->content_type = "text/plain; charset=utf-8";
        resp->body = "404 page not found\n";
        resp->body_len = strlen(resp->body);
        return true;
    }
    if (!serves) { /* 0.37: its web app answers every other path */
        resp->status = 200;
        resp->content_type = "text/html; charset=utf-8";
        resp->body = spa_page;
        resp->body_len = strlen(spa_page);
        return true;
    }
    char v[512];
    query_param(req->query, "query", r->selector, sizeof(r->selector));
    query_param(req->query, "from", v, sizeof(v));
    r->start = atoll(v);
    query_param(req->query, "until", v, sizeof(v));
    r->end = atoll(v);
    query_param(req->query, "max-nodes", v, sizeof(v));
    r->max_nodes = atoll(v);
    query_param(req->query, "format", r->name, sizeof(r->name));
    const char *folded = strstr(r->selector, "\"v2\"") ? f->folded_v2
                                                        : f->folded_v1;
    char *json = fb_json(folded, f->prune, f->no_api == 2);
    resp->status = 200;
    resp->content_type = "application/json";
    give(resp, json, strlen(json));
    return true;
}

static void pyro_handler(void *ctx, const struct fg_fake_request *req,
                         struct fg_fake_response *resp)
{
    struct fakepyro *f = ctx;
    struct rec *r = &f->rec[f->n < 64 ? f->n++ : 63];
    memset(r, 0, sizeof(*r));
    copy_str(r->path, sizeof(r->path), req->path);
    resp->status = 200;
    resp->content_type = "application/proto";
    resp->delay = f->delay;
    if (f->err_status && !strstr(req->path, "ProfileTypes")) {
        resp->status = f->err_status;
        resp->content_type = f->err_ctype;
        resp->body = f->err_body;
        resp->body_len = strlen(f->err_body);
        return;
    }
    if (no_api_answer(f, r, req, resp))
        return;
    const uint8_t *b = req->body;
    size_t bl = req->body_len;
    if (strstr(req->path, "/SelectMergeStacktraces")) {
        Flamegate__Pyroscope__SelectMergeStacktracesRequest *m =
            flamegate__pyroscope__select_merge_stacktraces_request__unpack(
                NULL, bl, b);
        ck_assert_ptr_nonnull(m);
        rec_query(r, m->label_selector, m->profile_type_id, m->start, m->end,
                  m->max_nodes);
        r->format = (int)m->format;
        if (f->v1) {
            /* v1.x: format ignored, a flame graph (field 1) comes back */
            static const char fg[] = "\x0a\x03\x0a\x01x";
            resp->body = fg;
            resp->body_len = 5;
        } else {
            const struct fg_buf *p = pick(f, m->label_selector);
            if (m->start < f->bare_before)
                p = &f->bare;
            bool none = f->empty || m->start < f->empty_before;
            size_t len;
            uint8_t *buf = stacktraces_answer(none ? NULL : p->data,
                                              none ? 0 : p->len, &len);
            give(resp, buf, len);
        }
        flamegate__pyroscope__select_merge_stacktraces_request__free_unpacked(
            m, NULL);
    } else if (strstr(req->path, "/SelectMergeProfile")) {
        Flamegate__Pyroscope__SelectMergeProfileRequest *m =
            flamegate__pyroscope__select_merge_profile_request__unpack(
                NULL, bl, b);
        ck_assert_ptr_nonnull(m);
        rec_query(r, m->label_selector, m->profile_type_id, m->start, m->end,
                  m->max_nodes);
        const struct fg_buf *p = pick(f, m->label_selector);
        give(resp, dup_bytes(p->data, p->len), f->empty ? 0 : p->len);
        flamegate__pyroscope__select_merge_profile_request__free_unpacked(
            m, NULL);
    } else if (strstr(req->path, "/ProfileTypes")) {
        Flamegate__Pyroscope__ProfileTypesRequest *m =
            flamegate__pyroscope__profile_types_request__unpack(NULL, bl, b);
        ck_assert_ptr_nonnull(m);
        r->start = m->start;
        r->end = m->end;
        flamegate__pyroscope__profile_types_request__free_unpacked(m, NULL);
        Flamegate__Pyroscope__ProfileType t1 =
            FLAMEGATE__PYROSCOPE__PROFILE_TYPE__INIT;
        Flamegate__Pyroscope__ProfileType t2 =
            FLAMEGATE__PYROSCOPE__PROFILE_TYPE__INIT;
        t1.id = (char *)"process_cpu:cpu:nanoseconds:cpu:nanoseconds";
        t2.name = (char *)"memory";
        t2.sample_type = (char *)"alloc_space";
        t2.sample_unit = (char *)"bytes";
        t2.period_type = (char *)"space";
        t2.period_unit = (char *)"bytes";
        Flamegate__Pyroscope__ProfileType *ts[] = {&t2, &t1};
        Flamegate__Pyroscope__ProfileTypesResponse out =
            FLAMEGATE__PYROSCOPE__PROFILE_TYPES_RESPONSE__INIT;
        out.n_profile_types = 2;
        out.profile_types = ts;
        give_proto(resp, &out.base);
    } else if (strstr(req->path, "/LabelValues")) {
        Flamegate__Pyroscope__LabelValuesRequest *m =
            flamegate__pyroscope__label_values_request__unpack(NULL, bl, b);
        ck_assert_ptr_nonnull(m);
        copy_str(r->name, sizeof(r->name), m->name);
        copy_str(r->matcher, sizeof(r->matcher),
                 m->n_matchers ? m->matchers[0] : "(none)");
        r->start = m->start;
        r->end = m->end;
        flamegate__pyroscope__label_values_request__free_unpacked(m, NULL);
        char *names[] = {(char *)"v2", (char *)"v1", (char *)"v2"};
        Flamegate__Pyroscope__LabelValuesResponse out =
            FLAMEGATE__PYROSCOPE__LABEL_VALUES_RESPONSE__INIT;
        out.n_names = 3;
        out.names = names;
        give_proto(resp, &out.base);
    } else {
        resp->status = 404;
        resp->content_type = "text/plain";
        resp->body = "404 page not found";
        resp->body_len = 18;
    }
}

/* A raw pprof with a sample type and no samples: what a server holding
 * no data for a window may send instead of nothing. */
static void bare_pprof(struct fg_buf *out)
{
    char *strs[] = {(char *)"", (char *)"cpu", (char *)"nanoseconds"};
    Perftools__Profiles__ValueType vt = PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
    vt.type = 1;
    vt.unit = 2;
    Perftools__Profiles__ValueType *vts[] = {&vt};
    Perftools__Profiles__Profile p = PERFTOOLS__PROFILES__PROFILE__INIT;
    p.n_sample_type = 1;
    p.sample_type = vts;
    p.n_string_table = 3;
    p.string_table = strs;
    size_t len = perftools__profiles__profile__get_packed_size(&p);
    uint8_t *buf = malloc(len);
    ck_assert_ptr_nonnull(buf);
    perftools__profiles__profile__pack(&p, buf);
    fg_buf_init(out, 0);
    ck_assert_int_eq(fg_buf_add(out, buf, len), FG_OK);
    free(buf);
}

static struct fakepyro *fakepyro_new(void)
{
    struct fakepyro *f = calloc(1, sizeof(*f));
    ck_assert_ptr_nonnull(f);
    f->folded_v1 = "main;serve;parse 30\nmain;serve;encode 10\nmain;gc 5\n";
    f->folded_v2 = "main;serve;parse 60\nmain;serve;encode 10\nmain;gc 5\n";
    fg_test_make_pprof(f->folded_v1, &f->prof_v1);
    fg_test_make_pprof(f->folded_v2, &f->prof_v2);
    bare_pprof(&f->bare);
    return f;
}

/* Free a fakepyro (void *: it serves as a net_case fake_free). */
static void fakepyro_free(void *p)
{
    struct fakepyro *f = p;
    fg_buf_release(&f->prof_v1);
    fg_buf_release(&f->prof_v2);
    fg_buf_release(&f->bare);
    free(f);
}

/* Options, from fresh defaults, for the fake at c->s with the usual
 * selection. */
static void pyro_opts(struct net_case *c)
{
    fg_backend_opts_init(&c->o);
    net_case_set(c,
                 "backend", "pyroscope",
                 "url", fg_fakesrv_url(c->s),
                 "selector", "{service_name=\"checkout\"}",
                 "version-label", "version",
                 "base-version", "v1",
                 "candidate-version", "v2",
                 "from", "2024-01-01T00:00:00Z",
                 "until", "2024-01-01T01:00:00Z",
                 "retry-backoff", "0.01",
                 NULL);
    c->seed = 7;
}

/* c aimed at a fake Pyroscope answering with fn(fake), or scripted by the
 * test when fn is NULL; fake_free (may be NULL) frees fake at the end. */
static void pyro_start(struct net_case *c, net_handler *fn, void *fake,
                       void (*fake_free)(void *))
{
    net_case_start(c, fn, fake, fake_free);
    pyro_opts(c);
}

/* c aimed at a new fakepyro, returned to be tuned and inspected. */
static struct fakepyro *pyro_fake_start(struct net_case *c)
{
    struct fakepyro *f = fakepyro_new();
    pyro_start(c, pyro_handler, f, fakepyro_free);
    return f;
}

static int cmp_rec(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    if (c)
        return c;
    return x->start < y->start ? -1 : x->start > y->start;
}

START_TEST(pyroscope_runs_windows_and_headers)
{
    struct net_case c;
    struct fakepyro *f = pyro_fake_start(&c);
    setenv("FG_TEST_PYRO_TOKEN", TOKEN, 1);
    net_case_set(&c, "token-env", "FG_TEST_PYRO_TOKEN", "tenant", "team-a",
                 "runs", "4", "header", "X-Trace: on", NULL);
    net_case_fetch(&c, FG_SIDE_CANDIDATE, FG_OK);
    ck_assert_uint_eq(c.n, 4);
    for (size_t i = 0; i < c.n; i++)
        ck_assert_int_eq(fg_test_total(c.runs[i]), 75);
    ck_assert_ptr_nonnull(strstr(c.runs[0]->source, "window 1/4"));
    fg_test_free_runs(c.runs, c.n);
    ck_assert_uint_eq(fg_fakesrv_count(c.s), 4);
    for (size_t i = 0; i < 4; i++) {
        const struct fg_fake_request *q = fg_fakesrv_request(c.s, i);
        ck_assert_str_eq(q->method, "POST");
        ck_assert_str_eq(q->path,
                         "/querier.v1.QuerierService/SelectMergeStacktraces");
        ck_assert_str_eq(fg_fake_request_header(q, "Content-Type"),
                         "application/proto");
        ck_assert_str_eq(fg_fake_request_header(q, "Connect-Protocol-Version"),
                         "1");
        ck_assert_str_eq(fg_fake_request_header(q, "X-Scope-OrgID"), "team-a");
        ck_assert_str_eq(fg_fake_request_header(q, "X-Trace"), "on");
        ck_assert_str_eq(fg_fake_request_header(q, "Authorization"),
                         "Bearer " TOKEN);
        ck_assert_ptr_nonnull(fg_fake_request_header(q, "Connect-Timeout-Ms"));
    }
    qsort(f->rec, f->n, sizeof(f->rec[0]), cmp_rec);
    for (size_t i = 0; i < 4; i++) {
        struct rec *r = &f->rec[i];
        ck_assert_str_eq(r->selector,
                         "{service_name=\"checkout\",version=\"v2\"}");
        ck_assert_str_eq(r->ptype,
                         "process_cpu:cpu:nanoseconds:cpu:nanoseconds");
        ck_assert_int_eq(r->format, 4);
        ck_assert_int_eq(r->max_nodes, 0);
        ck_assert_int_eq(r->start, T0 + (int64_t)i * 900000);
        ck_assert_int_eq(r->end, i < 3 ? T0 + (int64_t)(i + 1) * 900000 - 1
                                       : T1);
    }
    net_case_end(&c);
}
END_TEST

START_TEST(pyroscope_runs_are_bounded_in_flight)
{
    struct net_case c;
    pyro_fake_start(&c)->delay = 0.1;
    net_case_set(&c, "runs", "6", "parallel", "2", NULL);
    net_case_fetch(&c, FG_SIDE_BASE, FG_OK);
    ck_assert_uint_eq(c.n, 6);
    fg_test_free_runs(c.runs, c.n);
    ck_assert_uint_eq(fg_fakesrv_count(c.s), 6);
    ck_assert_int_eq(fg_fakesrv_max_concurrent(c.s), 2);
    net_case_end(&c);
}
END_TEST

START_TEST(pyroscope_v1_falls_back_to_select_merge_profile)
{
    struct net_case c;
    struct fakepyro *f = pyro_fake_start(&c);
    f->v1 = true;
    net_case_set(&c, "runs", "2", "max-nodes", "65536", NULL);
    net_case_fetch(&c, FG_SIDE_BASE, FG_OK);
    ck_assert_uint_eq(c.n, 2);
    ck_assert_int_eq(fg_test_total(c.runs[0]), 45);
    fg_test_free_runs(c.runs, c.n);
    ck_assert_uint_eq(f->n, 4);
    qsort(f->rec, f->n, sizeof(f->rec[0]), cmp_rec);
    /* SelectMergeProfile sorts before SelectMergeStacktraces */
    ck_assert_str_eq(f->rec[0].path,
                     "/querier.v1.QuerierService/SelectMergeProfile");
    ck_assert_str_eq(f->rec[0].selector,
                     "{service_name=\"checkout\",version=\"v1\"}");
    ck_assert_int_eq(f->rec[0].start, T0);
    ck_assert_int_eq(f->rec[0].end, T0 + 1800000 - 1);
    ck_assert_int_eq(f->rec[1].start, T0 + 1800000);
    ck_assert_int_eq(f->rec[1].end, T1);
    ck_assert_int_eq(f->rec[0].max_nodes, 65536);
    ck_assert_str_eq(f->rec[2].path,
                     "/querier.v1.QuerierService/SelectMergeStacktraces");
    net_case_end(&c);
}
END_TEST

/* flat and cum of name in the default type of p. */
static void flat_cum(const struct fg_profile *p, const char *name,
                     int64_t flat, int64_t cum)
{
    struct fg_agg a;
    struct fg_error err;
    ck_assert_int_eq(fg_aggregate_type(p, p->default_type, &a, &err), FG_OK);
    uint32_t f = fg_strtab_find(&p->func_index, name, strlen(name));
    ck_assert_msg(f != UINT32_MAX, "no function %s", name);
    ck_assert_int_eq(a.flat[f], flat);
    ck_assert_int_eq(a.cum[f], cum);
    fg_agg_release(&a);
}

START_TEST(pyroscope_render_without_querier_api)
{
    /* a v1 server behind a proxy that passes only /pyroscope/render */
    struct net_case c;
    struct fakepyro *f = pyro_fake_start(&c);
    f->no_api = 1;
    net_case_set(&c, "runs", "2", NULL);
    net_case_fetch(&c, FG_SIDE_CANDIDATE, FG_OK);
    ck_assert_uint_eq(c.n, 2);
    for (size_t i = 0; i < c.n; i++) {
        ck_assert_str_eq(c.runs[i]->types[c.runs[i]->default_type].unit,
                         "nanoseconds");
        ck_assert_int_eq(fg_test_total(c.runs[i]), 750000000);
        flat_cum(c.runs[i], "parse", 600000000, 600000000);
        flat_cum(c.runs[i], "main", 0, 750000000);
        ck_assert_ptr_null(c.runs[i]->warning);
    }
    fg_test_free_runs(c.runs, c.n);
    /* per window: the two querier methods (404), then the render */
    ck_assert_uint_eq(f->n, 6);
    qsort(f->rec, f->n, sizeof(f->rec[0]), cmp_rec);
    ck_assert_str_eq(f->rec[0].path, "/pyroscope/render");
    ck_assert_str_eq(f->rec[0].selector,
                     "process_cpu:cpu:nanoseconds:cpu:nanoseconds"
                     "{service_name=\"checkout\",version=\"v2\"}");
    ck_assert_int_eq(f->rec[0].start, T0 / 1000);
    ck_assert_int_eq(f->rec[0].end, (T0 + 1800000 - 1) / 1000);
    ck_assert_int_eq(f->rec[1].start, (T0 + 1800000) / 1000);
    ck_assert_int_eq(f->rec[1].end, T1 / 1000);
    ck_assert_int_eq(f->rec[0].max_nodes, 1048576);
    ck_assert_str_eq(f->rec[0].name, "json");
    ck_assert_str_eq(f->rec[2].path,
                     "/querier.v1.QuerierService/SelectMergeProfile");
    ck_assert_str_eq(f->rec[4].path,
                     "/querier.v1.QuerierService/SelectMergeStacktraces");
    for (size_t i = 0; i < fg_fakesrv_count(c.s); i++) {
        const struct fg_fake_request *q = fg_fakesrv_request(c.s, i);
        if (strcmp(q->method, "GET") == 0)
            ck_assert_str_eq(q->path, "/pyroscope/render");
    }
    net_case_end(&c);
}
END_TEST

START_TEST(pyroscope_render_037)
{
    /* a 0.37 server: its web app answers the querier API and
     * /pyroscope/render with an HTML page; /render has the flame graph,
     * in samples at 100 Hz, pruned at max-nodes */
    struct net_case c;
    struct fakepyro *f = pyro_fake_start(&c);
    f->no_api = 2;
    f->prune = true;
    net_case_set(&c, "profile-type", "myapp.cpu", "max-nodes", "2000", NULL);
    net_case_fetch(&c, FG_SIDE_BASE, FG_OK);
    ck_assert_uint_eq(c.n, 1);
    struct fg_profile *p = c.runs[0];
    ck_assert_uint_eq(p->n_types, 2);
    ck_assert_str_eq(p->types[0].type, "samples");
    ck_assert_str_eq(p->types[1].unit, "nanoseconds");
    ck_assert_int_eq(fg_test_total(p), 450000000);
    flat_cum(p, "parse", 300000000, 300000000);
    flat_cum(p, "other", 50000000, 50000000);
    ck_assert_msg(p->warning && strstr(p->warning, "pruned") &&
                      strstr(p->warning, "'other' holds 11.1% of the "
                                         "samples") &&
                      strstr(p->warning, "--max-nodes") &&
                      strstr(p->warning, "myapp.cpu"),
                  "%s", p->warning ? p->warning : "(no warning)");
    fg_test_free_runs(c.runs, c.n);
    /* both querier methods, /pyroscope/render, then /render */
    ck_assert_uint_eq(f->n, 4);
    qsort(f->rec, f->n, sizeof(f->rec[0]), cmp_rec);
    ck_assert_str_eq(f->rec[0].path, "/pyroscope/render");
    ck_assert_str_eq(f->rec[3].path, "/render");
    ck_assert_str_eq(f->rec[3].selector,
                     "myapp.cpu{service_name=\"checkout\",version=\"v1\"}");
    ck_assert_int_eq(f->rec[3].max_nodes, 2000);
    net_case_end(&c);
}
END_TEST

START_TEST(pyroscope_no_api_and_no_render)
{
    /* 404 for everything: the first answer and what /render said */
    struct net_case c;
    struct fakepyro *f = pyro_fake_start(&c);
    f->err_status = 404;
    f->err_ctype = "text/plain";
    f->err_body = "404 page not found";
    net_case_fetch(&c, FG_SIDE_BASE, FG_EHTTP);
    ck_assert_msg(strstr(c.err.msg, "HTTP 404") &&
                      strstr(c.err.msg, "SelectMergeStacktraces") &&
                      strstr(c.err.msg, "no flame graph from "
                                        "/pyroscope/render or /render "
                                        "either (last HTTP status 404)"),
                  "%s", c.err.msg);
    ck_assert_uint_eq(f->n, 4);
    net_case_end(&c);
}
END_TEST

START_TEST(pyroscope_render_bad_json_is_clean)
{
    /* the /render JSON is broken, echoes the token and holds a control
     * byte: one clean error, without either */
    static const char body[] = "{\"flamebearer\": " TOKEN "\x10}";
    struct net_case c;
    pyro_start(&c, NULL, NULL, NULL);
    setenv("FG_TEST_PYRO_TOKEN", TOKEN, 1);
    net_case_set(&c, "token-env", "FG_TEST_PYRO_TOKEN", NULL);
    struct fg_fake_response r;
    memset(&r, 0, sizeof(r));
    r.status = 404;
    r.content_type = "text/plain";
    r.body = "404 page not found";
    r.body_len = strlen(r.body);
    fg_fakesrv_push(c.s, &r);
    fg_fakesrv_push(c.s, &r);
    r.status = 200;
    r.content_type = "application/json";
    r.body = body;
    r.body_len = strlen(body);
    fg_fakesrv_push(c.s, &r);
    net_case_fetch(&c, FG_SIDE_BASE, FG_EHTTP);
    ck_assert_msg(strstr(c.err.msg, "/pyroscope/render?query=") &&
                      strstr(c.err.msg, "invalid JSON"),
                  "%s", c.err.msg);
    ck_assert_msg(!strstr(c.err.msg, TOKEN), "token in: %s", c.err.msg);
    for (const char *m = c.err.msg; *m; m++)
        ck_assert_msg((unsigned char)*m >= 0x20, "control byte in: %s",
                      c.err.msg);
    net_case_end(&c);
}
END_TEST

START_TEST(pyroscope_connect_error_verbatim)
{
    static const char body[] =
        "{\"code\":\"invalid_argument\",\"message\":\"1:15: parse error: "
        "unexpected \\\"=\\\" in label matching\"}";
    struct net_case c;
    struct fakepyro *f = pyro_fake_start(&c);
    f->err_status = 400;
    f->err_ctype = "application/json";
    f->err_body = body;
    net_case_fetch(&c, FG_SIDE_BASE, FG_EHTTP);
    ck_assert_int_eq(fg_status_exit_code(c.err.code), 3);
    ck_assert_msg(strstr(c.err.msg, body) != NULL, "%s", c.err.msg);
    ck_assert_ptr_nonnull(strstr(c.err.msg,
                                 "HTTP 400 from 'http://127.0.0.1:"));
    ck_assert_ptr_nonnull(strstr(
        c.err.msg, "/querier.v1.QuerierService/SelectMergeStacktraces'"));
    ck_assert_uint_eq(fg_fakesrv_count(c.s), 1); /* 400: no retry */
    /* Multi-tenant server without X-Scope-OrgID. */
    f->err_status = 401;
    f->err_body = "{\"code\":\"unauthenticated\",\"message\":\"no org id\"}";
    net_case_fetch(&c, FG_SIDE_BASE, FG_EHTTP);
    ck_assert_ptr_nonnull(strstr(c.err.msg, "HTTP 401"));
    ck_assert_ptr_nonnull(strstr(c.err.msg, "no org id"));
    net_case_end(&c);
}
END_TEST

START_TEST(pyroscope_html_page_is_a_clear_error)
{
    struct net_case c;
    struct fakepyro *f = pyro_fake_start(&c);
    f->err_status = 200;
    f->err_ctype = "text/html; charset=utf-8";
    f->err_body = "<html><head><title>Grafana</title></head></html>";
    net_case_fetch(&c, FG_SIDE_BASE, FG_EHTTP);
    ck_assert_msg(strstr(c.err.msg, "unexpected Content-Type 'text/html; "
                                    "charset=utf-8'") &&
                      strstr(c.err.msg, "expected application/proto") &&
                      strstr(c.err.msg, "HTML page titled 'Grafana'"),
                  "%s", c.err.msg);
    net_case_end(&c);
}
END_TEST

START_TEST(pyroscope_no_data_is_an_error)
{
    struct net_case c;
    pyro_fake_start(&c)->empty = true;
    net_case_fetch(&c, FG_SIDE_CANDIDATE, FG_EHTTP);
    ck_assert_msg(strstr(c.err.msg, "no profile data for pyroscope "
                                    "process_cpu:cpu:nanoseconds:cpu:"
                                    "nanoseconds{service_name=\"checkout\","
                                    "version=\"v2\"}"),
                  "%s", c.err.msg);
    ck_assert_ptr_nonnull(strstr(c.err.msg, "--list-versions"));
    net_case_end(&c);
}
END_TEST

/* A young canary: the windows before it existed have no data.  Strict
 * callers get an error; with a tally the empty windows are dropped and
 * counted, and a side with no data at all is no error by itself. */
START_TEST(pyroscope_empty_windows_are_dropped)
{
    struct net_case c;
    struct fakepyro *f = pyro_fake_start(&c);
    f->empty_before = T0 + 2 * 720000;  /* windows 1-2 of 5: nothing */
    f->bare_before = T0 + 3 * 720000;   /* window 3: no samples */
    net_case_set(&c, "runs", "5", NULL);
    net_case_fetch(&c, FG_SIDE_CANDIDATE, FG_EHTTP);
    ck_assert_msg(strstr(c.err.msg, "no profile data for pyroscope ") &&
                      strstr(c.err.msg, "(window 1/5)"),
                  "%s", c.err.msg);

    struct fg_fetch_tally t;
    c.tally = &t;
    net_case_fetch(&c, FG_SIDE_CANDIDATE, FG_OK);
    ck_assert_uint_eq(c.n, 2);
    ck_assert_uint_eq(t.windows, 5);
    ck_assert_uint_eq(t.empty, 3);
    for (size_t i = 0; i < 3; i++)
        ck_assert_uint_eq(t.empty_at[i], i);
    ck_assert_ptr_nonnull(strstr(c.runs[0]->source, "(window 4/5)"));
    ck_assert_ptr_nonnull(strstr(c.runs[1]->source, "(window 5/5)"));
    ck_assert_int_eq(fg_test_total(c.runs[1]), 75);
    char text[32];
    ck_assert_str_eq(fg_backend_windows_text(t.empty_at, t.empty, text,
                                             sizeof(text)), "1-3");
    fg_test_free_runs(c.runs, c.n);
    fg_fetch_tally_release(&t);
    fg_fetch_tally_release(&t);
    ck_assert_uint_eq(fg_fakesrv_count(c.s), 10);

    /* data in every window: nothing dropped */
    f->empty_before = f->bare_before = 0;
    net_case_fetch(&c, FG_SIDE_BASE, FG_OK);
    ck_assert_uint_eq(c.n, 5);
    ck_assert_uint_eq(t.empty, 0);
    ck_assert_ptr_null(t.empty_at);
    fg_test_free_runs(c.runs, c.n);
    fg_fetch_tally_release(&t);

    /* no window at all: success with nothing; the caller words the error */
    f->empty = true;
    net_case_fetch(&c, FG_SIDE_CANDIDATE, FG_OK);
    ck_assert_uint_eq(c.n, 0);
    ck_assert_uint_eq(t.empty, 5);
    fg_test_free_runs(c.runs, c.n);
    fg_fetch_tally_release(&t);
    ck_assert_int_eq(fg_backend_no_data_error(&c.req, FG_SIDE_CANDIDATE,
                                              &c.err), FG_EHTTP);
    ck_assert_msg(strstr(c.err.msg,
                         "no profile data for pyroscope process_cpu:cpu:"
                         "nanoseconds:cpu:nanoseconds{service_name="
                         "\"checkout\",version=\"v2\"} 2024-01-01T00:00:00Z.."
                         "2024-01-01T01:00:00Z (all 5 windows) at "
                         "'http://127.0.0.1:") &&
                      strstr(c.err.msg, "check --selector"),
                  "%s", c.err.msg);
    net_case_end(&c);
}
END_TEST

START_TEST(windows_text_ranges)
{
    char b[64];
    size_t a[] = {0, 1, 2, 4, 6, 7};
    ck_assert_str_eq(fg_backend_windows_text(a, 6, b, sizeof(b)),
                     "1-3, 5, 7-8");
    ck_assert_str_eq(fg_backend_windows_text(a + 3, 1, b, sizeof(b)), "5");
    ck_assert_str_eq(fg_backend_windows_text(a, 0, b, sizeof(b)), "");
    size_t many[40];
    for (size_t i = 0; i < 40; i++)
        many[i] = 2 * i;
    fg_backend_windows_text(many, 40, b, 20);
    ck_assert_uint_lt(strlen(b), 20);
    ck_assert_ptr_nonnull(strstr(b, "..."));
}
END_TEST

START_TEST(pyroscope_listings)
{
    struct net_case c;
    struct fakepyro *f = pyro_fake_start(&c);
    char **v = NULL;
    size_t n = 0;
    ck_assert_int_eq(net_case_resolve(&c, FG_WANT_PLAIN), FG_OK);
    ck_assert_int_eq(fg_backend_list_profile_types(&c.req, &v, &n, &c.err),
                     FG_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(v[0], "memory:alloc_space:bytes:space:bytes");
    ck_assert_str_eq(v[1], "process_cpu:cpu:nanoseconds:cpu:nanoseconds");
    fg_backend_strings_free(v, n);
    ck_assert_int_eq(f->rec[0].start, T0);
    ck_assert_int_eq(f->rec[0].end, T1);
    ck_assert_int_eq(fg_backend_list_label_values(&c.req, NULL, &v, &n, &c.err),
                     FG_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(v[0], "v1");
    ck_assert_str_eq(v[1], "v2");
    fg_backend_strings_free(v, n);
    ck_assert_str_eq(f->rec[1].path, "/querier.v1.QuerierService/LabelValues");
    ck_assert_str_eq(f->rec[1].name, "version");
    ck_assert_str_eq(f->rec[1].matcher, "{service_name=\"checkout\"}");
    net_case_end(&c);
}
END_TEST

START_TEST(pyroscope_version_value_is_quoted)
{
    struct net_case c;
    struct fakepyro *f = pyro_fake_start(&c);
    net_case_set(&c, "base-version", "a\"b\\c", "version-label",
                 "service.version", NULL);
    net_case_fetch(&c, FG_SIDE_BASE, FG_OK);
    fg_test_free_runs(c.runs, c.n);
    ck_assert_str_eq(f->rec[0].selector,
                     "{service_name=\"checkout\",\"service.version\"="
                     "\"a\\\"b\\\\c\"}");
    net_case_end(&c);
}
END_TEST

START_TEST(pyroscope_retries_then_succeeds)
{
    /* Script: 503, 429, then the real server via the handler is not
     * possible with one fake, so serve the pprof bytes from the script. */
    struct fakepyro *f = fakepyro_new();
    struct net_case c;
    pyro_start(&c, NULL, f, fakepyro_free);
    size_t len;
    uint8_t *buf = stacktraces_answer(f->prof_v1.data, f->prof_v1.len, &len);
    struct fg_fake_response r503 = {
        .status = 503, .content_type = "application/json",
        .body = "{\"code\":\"unavailable\"}", .body_len = 22};
    struct fg_fake_response r429 = {
        .status = 429, .content_type = "application/json",
        .body = "{\"code\":\"resource_exhausted\"}", .body_len = 29};
    struct fg_fake_response ok = {.status = 200,
                                  .content_type = "application/proto",
                                  .body = buf, .body_len = len};
    fg_fakesrv_push(c.s, &r503);
    fg_fakesrv_push(c.s, &r429);
    fg_fakesrv_push(c.s, &ok);
    net_case_fetch(&c, FG_SIDE_BASE, FG_OK);
    ck_assert_int_eq(fg_test_total(c.runs[0]), 45);
    fg_test_free_runs(c.runs, c.n);
    ck_assert_uint_eq(fg_fakesrv_count(c.s), 3);
    free(buf);
    net_case_end(&c);
}
END_TEST

START_TEST(pyroscope_slow_and_oversized)
{
    struct net_case c;
    pyro_start(&c, NULL, NULL, NULL);
    struct fg_fake_response slow = {.status = 200,
                                    .content_type = "application/proto",
                                    .delay = 5};
    fg_fakesrv_push(c.s, &slow);
    net_case_set(&c, "timeout", "0.3", "retries", "0", NULL);
    net_case_fetch(&c, FG_SIDE_BASE, FG_EHTTP);
    ck_assert_ptr_nonnull(strstr(c.err.msg, "timed out"));
    ck_assert_str_eq(fg_fake_request_header(fg_fakesrv_request(c.s, 0),
                                            "Connect-Timeout-Ms"),
                     "300");

    char big[4096];
    memset(big, 1, sizeof(big));
    struct fg_fake_response large = {.status = 200,
                                     .content_type = "application/proto",
                                     .body = big, .body_len = sizeof(big)};
    fg_fakesrv_push(net_case_new_server(&c), &large);
    free(c.o.url);
    c.o.url = fg_xstrdup(fg_fakesrv_url(c.s));
    c.lim.max_http = 1024;
    net_case_fetch(&c, FG_SIDE_BASE, FG_ELIMIT);
    ck_assert_ptr_nonnull(strstr(c.err.msg, "--max-response-size"));
    ck_assert_int_eq(fg_status_exit_code(c.err.code), 2);
    net_case_end(&c);
}
END_TEST

START_TEST(pyroscope_tls_error)
{
    struct net_case c;
    pyro_start(&c, NULL, NULL, NULL);
    char *url = fg_xasprintf("https://127.0.0.1:%d", fg_fakesrv_port(c.s));
    net_case_set(&c, "url", url, NULL);
    net_case_fetch(&c, FG_SIDE_BASE, FG_EHTTP);
    ck_assert_msg(strstr(c.err.msg,
                         "TLS error connecting to 'https://127.0.0.1"),
                  "%s", c.err.msg);
    free(url);
    net_case_end(&c);
}
END_TEST

START_TEST(pyroscope_verbose_log_redacts_secrets)
{
    struct net_case c;
    pyro_fake_start(&c);
    char *dir = fg_test_tmpdir();
    char *path = fg_xasprintf("%s/pw", dir);
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs("glc_PLANTED_password\n", fp);
    fclose(fp);
    net_case_set(&c, "user", "123456", "password-file", path, NULL);
    struct fg_buf log;
    fg_buf_init(&log, 0);
    c.log = net_log_line;
    c.log_ctx = &log;
    c.verbose = 1;
    net_case_fetch(&c, FG_SIDE_BASE, FG_OK);
    fg_test_free_runs(c.runs, c.n);
    ck_assert_ptr_nonnull(strstr(log.data, "> Authorization: <redacted>"));
    ck_assert_ptr_nonnull(strstr(log.data, "* pyroscope: "));
    ck_assert_ptr_null(strstr(log.data, "PLANTED"));
    /* base64("123456:glc_PLANTED_password") must not leak either */
    ck_assert_ptr_null(strstr(log.data, "MTIzNDU2OmdsY19QTEFOVEVE"));
    /* the server got the basic credentials, file newline stripped */
    ck_assert_str_eq(fg_fake_request_header(fg_fakesrv_request(c.s, 0),
                                            "Authorization"),
                     "Basic MTIzNDU2OmdsY19QTEFOVEVEX3Bhc3N3b3Jk");
    fg_buf_release(&log);
    fg_test_rmtree(dir);
    free(dir);
    free(path);
    net_case_end(&c);
}
END_TEST

/* The corpus Kafka replicates, served by window: what comes back must be
 * exactly what the files hold. */
struct corpus_srv {
    struct fg_buf raw[4];
};

static void corpus_handler(void *ctx, const struct fg_fake_request *req,
                           struct fg_fake_response *resp)
{
    struct corpus_srv *c = ctx;
    Flamegate__Pyroscope__SelectMergeStacktracesRequest *m =
        flamegate__pyroscope__select_merge_stacktraces_request__unpack(
            NULL, req->body_len, req->body);
    ck_assert_ptr_nonnull(m);
    size_t i = (size_t)((m->start - T0) / 900000);
    ck_assert_uint_lt(i, 4);
    flamegate__pyroscope__select_merge_stacktraces_request__free_unpacked(
        m, NULL);
    size_t len;
    uint8_t *buf = stacktraces_answer(c->raw[i].data, c->raw[i].len, &len);
    resp->status = 200;
    resp->content_type = "application/proto";
    give(resp, buf, len);
}

START_TEST(pyroscope_serves_corpus_replicates)
{
    if (!fg_test_corpus()) {
        fg_test_skip("corpus absent: pyroscope_serves_corpus_replicates");
        return;
    }
    struct corpus_srv cs;
    struct net_case c;
    pyro_start(&c, corpus_handler, &cs, NULL);
    int64_t want[4];
    for (int i = 0; i < 4; i++) {
        char rel[64];
        snprintf(rel, sizeof(rel), "replicates/kafka-java-cpu/cpu-%d.pb.gz", i);
        char *p = fg_test_corpus_path(rel);
        size_t len;
        char *gz = fg_test_read(p, &len);
        fg_buf_init(&cs.raw[i], 0);
        ck_assert_int_eq(fg_gz_inflate((unsigned char *)gz, len, 1 << 28, p,
                                       &cs.raw[i], &c.err), FG_OK);
        struct fg_profile *prof = NULL;
        ck_assert_int_eq(fg_pprof_decode((unsigned char *)gz, len, p, &c.lim,
                                         &prof, &c.err), FG_OK);
        want[i] = fg_test_total(prof);
        fg_profile_free(prof);
        free(gz);
        free(p);
    }
    net_case_set(&c, "runs", "4", NULL);
    net_case_fetch(&c, FG_SIDE_BASE, FG_OK);
    ck_assert_uint_eq(c.n, 4);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(fg_test_total(c.runs[i]), want[i]);
    fg_test_free_runs(c.runs, c.n);
    net_case_end(&c);
    for (int i = 0; i < 4; i++)
        fg_buf_release(&cs.raw[i]);
}
END_TEST

/* ---- live pprof endpoints, captured in rounds --------------------------- */

/* Serve folded (as gzipped pprof) after delay seconds, from now on. */
static void serve_capture(struct fg_fakesrv *s, const char *folded,
                          double delay)
{
    struct fg_buf raw, gz;
    struct fg_error err = {0};
    fg_test_make_pprof(folded, &raw);
    fg_buf_init(&gz, 0);
    ck_assert_int_eq(fg_gz_deflate(raw.data, raw.len, 1, &gz, &err), FG_OK);
    struct fg_fake_response r = {
        .status = 200, .content_type = "application/octet-stream",
        .body = gz.data, .body_len = gz.len, .delay = delay};
    fg_fakesrv_push(s, &r);
    fg_buf_release(&raw);
    fg_buf_release(&gz);
}

/* Arrival times (on one clock for every server) of the requests of s
 * whose path is path, in order; *n of them. */
static size_t arrivals(struct fg_fakesrv *s, const char *path, double *t,
                       size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < fg_fakesrv_count(s) && n < max; i++) {
        const struct fg_fake_request *q = fg_fakesrv_request(s, i);
        if (strcmp(q->path, path) == 0)
            t[n++] = fg_fakesrv_started(s) + q->t;
    }
    return n;
}

/*
 * Two sides on two servers plus a second endpoint of the first server:
 * round i captures both servers at the same time (the captures overlap),
 * the second endpoint of a server only after its first (one capture per
 * process at a time), and a round starts only after the previous one.
 */
START_TEST(live_captures_run_in_rounds)
{
    const double D = 0.2; /* every capture takes this long */
    struct net_case c;
    net_case_start(&c, NULL, NULL, NULL);
    struct fg_fakesrv *s2 = fg_fakesrv_start_for(60);
    ck_assert_ptr_nonnull(s2);
    serve_capture(c.s, "main;old 100\n", D);
    serve_capture(s2, "main;new 300\n", D);
    ck_assert_int_eq(net_case_resolve(&c, 0), FG_OK);
    char *u[3] = {
        fg_xasprintf("%s/debug/pprof/profile?seconds=0", fg_fakesrv_url(c.s)),
        fg_xasprintf("%s/debug/pprof/profile?seconds=0", fg_fakesrv_url(s2)),
        fg_xasprintf("%s/other/profile", fg_fakesrv_url(c.s))};
    struct fg_runs out[3];
    ck_assert_msg(fg_backend_fetch_urls(&c.req, (const char *const *)u, 3, 3,
                                        &c.lim, out, NULL, &c.err) == FG_OK,
                  "%s", c.err.msg);
    for (size_t i = 0; i < 3; i++) {
        ck_assert_uint_eq(out[i].n, 3);
        ck_assert_int_eq(fg_test_total(out[i].p[2]), i == 1 ? 300 : 100);
        ck_assert_ptr_nonnull(strstr(out[i].p[1]->source, "(capture 2/3)"));
        fg_runs_release(&out[i]);
        fg_runs_release(&out[i]);
    }
    ck_assert_uint_eq(fg_fakesrv_count(c.s), 6);
    ck_assert_uint_eq(fg_fakesrv_count(s2), 3);
    ck_assert_int_eq(fg_fakesrv_max_concurrent(c.s), 1);
    ck_assert_int_eq(fg_fakesrv_max_concurrent(s2), 1);
    double a[3], b[3], o[3];
    ck_assert_uint_eq(arrivals(c.s, "/debug/pprof/profile", a, 3), 3);
    ck_assert_uint_eq(arrivals(s2, "/debug/pprof/profile", b, 3), 3);
    ck_assert_uint_eq(arrivals(c.s, "/other/profile", o, 3), 3);
    for (size_t i = 0; i < 3; i++) {
        /* each capture lasts at least D from its arrival: base and
         * candidate of a round overlap */
        ck_assert_msg(fabs(a[i] - b[i]) < D, "round %zu: %.3f s apart",
                      i, fabs(a[i] - b[i]));
        /* the same server's other endpoint waits for the first one */
        ck_assert_msg(o[i] >= a[i] + D, "round %zu: overlapping captures "
                      "of one server", i);
        /* the next round after this one */
        if (i + 1 < 3)
            ck_assert_msg(a[i + 1] >= o[i] + D && b[i + 1] >= o[i] + D,
                          "round %zu started early", i + 1);
    }
    for (size_t i = 0; i < 3; i++)
        free(u[i]);
    fg_fakesrv_stop(s2);
    net_case_end(&c);
}
END_TEST

START_TEST(live_capture_errors)
{
    struct net_case c;
    net_case_start(&c, NULL, NULL, NULL);
    ck_assert_int_eq(net_case_resolve(&c, 0), FG_OK);
    struct fg_fake_response none = {.status = 200,
                                    .content_type = "application/octet-stream"};
    fg_fakesrv_push(c.s, &none);
    char *url = fg_xasprintf("%s/debug/pprof/profile", fg_fakesrv_url(c.s));
    ck_assert_int_eq(fg_backend_fetch_url(&c.req, url, 2, &c.lim, &c.runs,
                                          &c.n, &c.err), FG_EHTTP);
    ck_assert_msg(strstr(c.err.msg, "(capture 1/2): empty answer"), "%s",
                  c.err.msg);
    ck_assert_ptr_null(c.runs);
    /* raw: kept, empty, for the caller to judge */
    struct fg_fetched *f = NULL;
    size_t n = 0;
    ck_assert_int_eq(fg_backend_fetch_url_raw(&c.req, url, 2, &c.lim, &f, &n,
                                              &c.err), FG_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(f[1].data.len, 0);
    struct fg_profile *p = (struct fg_profile *)1;
    ck_assert_int_eq(fg_backend_decode(&f[1], true, &c.lim, &p, &c.err),
                     FG_OK);
    ck_assert_ptr_null(p);
    fg_fetched_free(f, n);
    c.lim.max_runs = 2;
    ck_assert_int_eq(fg_backend_fetch_url(&c.req, url, 3, &c.lim, &c.runs,
                                          &c.n, &c.err), FG_ELIMIT);
    free(url);
    net_case_end(&c);
}
END_TEST

/*
 * Captures without samples (an empty answer; the profile of an idle
 * process, which holds none) are dropped and counted per URL, as backend
 * windows are, when the caller asks for tallies: a URL may end with no
 * capture at all and the caller decides.  Without tallies each is an
 * error naming the capture.
 */
START_TEST(live_captures_without_samples)
{
    struct net_case c;
    net_case_start(&c, NULL, NULL, NULL);
    ck_assert_int_eq(net_case_resolve(&c, 0), FG_OK);
    struct fg_fakesrv *s2 = fg_fakesrv_start_for(60);
    ck_assert_ptr_nonnull(s2);
    /* server 1: capture 1 empty, 2 with samples, 3 a profile of none */
    struct fg_fake_response none = {.status = 200,
                                    .content_type = "application/octet-stream"};
    fg_fakesrv_push(c.s, &none);
    serve_capture(c.s, "main;work 100\n", 0);
    struct fg_limits lim;
    fg_limits_default(&lim);
    struct fg_profile *idle = NULL;
    ck_assert_int_eq(fg_folded_parse("main;idle 1\n", 12, "idle", &lim,
                                     &idle, &c.err), FG_OK);
    idle->n_samples = 0;
    struct fg_buf raw;
    fg_buf_init(&raw, 0);
    ck_assert_int_eq(fg_pprof_encode(idle, &raw, &c.err), FG_OK);
    fg_profile_free(idle);
    struct fg_fake_response zero = {.status = 200,
                                    .content_type = "application/octet-stream",
                                    .body = raw.data, .body_len = raw.len};
    fg_fakesrv_push(c.s, &zero);
    /* server 2: never any sample */
    fg_fakesrv_push(s2, &none);
    char *u[2] = {
        fg_xasprintf("%s/debug/pprof/profile?seconds=0", fg_fakesrv_url(c.s)),
        fg_xasprintf("%s/debug/pprof/profile?seconds=0&token=s3cr3t",
                     fg_fakesrv_url(s2))};
    struct fg_runs out[2];
    struct fg_fetch_tally t[2];
    ck_assert_msg(fg_backend_fetch_urls(&c.req, (const char *const *)u, 2, 3,
                                        &c.lim, out, t, &c.err) == FG_OK,
                  "%s", c.err.msg);
    ck_assert_uint_eq(out[0].n, 1);
    ck_assert_int_eq(fg_test_total(out[0].p[0]), 100);
    ck_assert_ptr_nonnull(strstr(out[0].p[0]->source, "(capture 2/3)"));
    ck_assert_uint_eq(t[0].windows, 3);
    ck_assert_uint_eq(t[0].empty, 2);
    ck_assert_uint_eq(t[0].empty_at[0], 0);
    ck_assert_uint_eq(t[0].empty_at[1], 2);
    ck_assert_uint_eq(out[1].n, 0);
    ck_assert_uint_eq(t[1].windows, 3);
    ck_assert_uint_eq(t[1].empty, 3);
    for (size_t i = 0; i < 2; i++) {
        fg_runs_release(&out[i]);
        fg_fetch_tally_release(&t[i]);
    }
    /* strict without tallies: the first empty capture is the error */
    ck_assert_int_eq(fg_backend_fetch_urls(&c.req, (const char *const *)u, 2,
                                           3, &c.lim, out, NULL, &c.err),
                     FG_EHTTP);
    ck_assert_msg(strstr(c.err.msg, "(capture 1/3)"), "%s", c.err.msg);
    ck_assert_ptr_null(strstr(c.err.msg, "s3cr3t"));
    ck_assert_ptr_null(out[0].p);
    fg_buf_release(&raw);
    free(u[0]);
    free(u[1]);
    fg_fakesrv_stop(s2);
    net_case_end(&c);
}
END_TEST

/* ---- options, times, selectors ----------------------------------------- */

START_TEST(parse_times)
{
    struct fg_error err = {0};
    int64_t now = T1, t;
    ck_assert_int_eq(fg_backend_parse_time("now", now, "--from", &t, &err), 0);
    ck_assert_int_eq(t, T1);
    ck_assert_int_eq(fg_backend_parse_time("now-1h", now, "--from", &t, &err),
                     0);
    ck_assert_int_eq(t, T0);
    ck_assert_int_eq(fg_backend_parse_time("now-1h30m", now, "x", &t, &err), 0);
    ck_assert_int_eq(t, T1 - 5400000);
    ck_assert_int_eq(fg_backend_parse_time("NOW+2d", now, "x", &t, &err), 0);
    ck_assert_int_eq(t, T1 + 2 * 86400000LL);
    ck_assert_int_eq(fg_backend_parse_time("now-90s", now, "x", &t, &err), 0);
    ck_assert_int_eq(t, T1 - 90000);
    ck_assert_int_eq(fg_backend_parse_time("2024-01-01T00:00:00Z", now, "x",
                                           &t, &err), 0);
    ck_assert_int_eq(t, T0);
    ck_assert_int_eq(fg_backend_parse_time("2024-01-01T02:00:00.250+02:00",
                                           now, "x", &t, &err), 0);
    ck_assert_int_eq(t, T0 + 250);
    ck_assert_int_eq(fg_backend_parse_time("2024-01-01", now, "x", &t, &err),
                     0);
    ck_assert_int_eq(t, T0);
    ck_assert_int_eq(fg_backend_parse_time("1704067200", now, "x", &t, &err),
                     0);
    ck_assert_int_eq(t, T0);
    ck_assert_int_eq(fg_backend_parse_time("1704067200123", now, "x", &t,
                                           &err), 0);
    ck_assert_int_eq(t, T0 + 123);
    ck_assert_int_eq(fg_backend_parse_time("1704067200123456789", now, "x",
                                           &t, &err), 0);
    ck_assert_int_eq(t, T0 + 123);
    const char *bad[] = {"yesterday", "now-1y", "now-", "2024-13-01",
                         "2024-01-01T00:00:00", "12:00", "", "now-h"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(fg_backend_parse_time(bad[i], now, "--until", &t,
                                            &err) == FG_EUSAGE,
                      "%s accepted", bad[i]);
        ck_assert_ptr_nonnull(strstr(err.msg, "for --until"));
    }
    char buf[40];
    ck_assert_str_eq(fg_backend_format_time(T0 + 5, buf, sizeof(buf)),
                     "2024-01-01T00:00:00.005Z");
}
END_TEST

START_TEST(selectors_and_windows)
{
    struct fg_error err = {0};
    char *s = NULL;
    ck_assert_int_eq(fg_backend_selector_with("{}", "version", "v1", &s, &err),
                     0);
    ck_assert_str_eq(s, "{version=\"v1\"}");
    free(s);
    ck_assert_int_eq(fg_backend_selector_with(NULL, "version", "v1", &s, &err),
                     0);
    ck_assert_str_eq(s, "{version=\"v1\"}");
    free(s);
    ck_assert_int_eq(fg_backend_selector_with(" { a=\"b\", } ", "v", "x\ny",
                                              &s, &err), 0);
    ck_assert_str_eq(s, "{a=\"b\",v=\"x\\ny\"}");
    free(s);
    ck_assert_int_eq(fg_backend_selector_with("a=~\"b.*\"", NULL, NULL, &s,
                                              &err), 0);
    ck_assert_str_eq(s, "{a=~\"b.*\"}");
    free(s);
    ck_assert_int_eq(fg_backend_selector_with("{a=\"b\"", "v", "1", &s, &err),
                     FG_EUSAGE);
    ck_assert_int_eq(fg_backend_selector_with("cpu{a=\"b\"}", "v", "1", &s,
                                              &err), FG_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "--profile-type"));
    int64_t st[3], en[3];
    fg_backend_windows(0, 3000, 3, st, en);
    ck_assert_int_eq(st[0], 0);
    ck_assert_int_eq(en[0], 999);
    ck_assert_int_eq(st[1], 1000);
    ck_assert_int_eq(en[2], 3000);
}
END_TEST

START_TEST(options_are_validated)
{
    struct fg_backend_opts o;
    fg_backend_opts_init(&o);
    struct fg_error err = {0};
    ck_assert_int_eq(fg_backend_opts_set(&o, "backend", "tempo", &err),
                     FG_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "'tempo'"));
    ck_assert_int_eq(fg_backend_opts_set(&o, "url", "pyroscope:4040", &err),
                     FG_EUSAGE);
    ck_assert_int_eq(fg_backend_opts_set(&o, "runs", "0", &err), FG_EUSAGE);
    ck_assert_int_eq(fg_backend_opts_set(&o, "from", "soon", &err), FG_EUSAGE);
    ck_assert_int_eq(fg_backend_opts_set(&o, "timeout", "-1", &err), FG_EUSAGE);
    ck_assert_int_eq(fg_backend_opts_set(&o, "timeout", "2m", &err), FG_OK);
    ck_assert(o.timeout == 120);
    ck_assert_int_eq(fg_backend_opts_set(&o, "step", "15m", &err), FG_OK);
    ck_assert_int_eq(o.step_ms, 900000);
    ck_assert_int_eq(fg_backend_opts_set(&o, "header",
                                         "Authorization: Bearer x", &err),
                     FG_EUSAGE);
    ck_assert_ptr_null(strstr(err.msg, "Bearer x"));
    ck_assert_int_eq(fg_backend_opts_set(&o, "header", "no colon", &err),
                     FG_EUSAGE);
    ck_assert_int_eq(fg_backend_opts_set(&o, "nonsense", "1", &err), FG_EUSAGE);
    ck_assert_int_eq(fg_backend_opts_set(&o, "insecure", NULL, &err), FG_OK);
    ck_assert(o.insecure);
    ck_assert(!fg_backend_opts_active(&o));
    ck_assert(fg_backend_is_url("HTTPS://x"));
    ck_assert(!fg_backend_is_url("file:///x"));
    for (size_t i = 0; fg_backend_arg_options[i]; i++) {
        /* every advertised option is known (a bad value may be refused) */
        fg_error_clear(&err);
        int rc = fg_backend_opts_set(&o, fg_backend_arg_options[i], "x", &err);
        ck_assert(rc == FG_OK || rc == FG_EUSAGE);
        ck_assert_ptr_null(strstr(err.msg, "unknown backend option"));
    }
    fg_backend_opts_release(&o);
    fg_backend_opts_release(&o);
}
END_TEST

START_TEST(auth_and_side_errors)
{
    struct net_case c;
    pyro_start(&c, NULL, NULL, NULL);
    unsetenv("FG_TEST_UNSET_TOKEN");
    net_case_set(&c, "token-env", "FG_TEST_UNSET_TOKEN", NULL);
    net_case_fetch(&c, FG_SIDE_BASE, FG_EUSAGE);
    ck_assert_ptr_nonnull(strstr(c.err.msg, "'FG_TEST_UNSET_TOKEN'"));
    net_case_set(&c, "user", "u", NULL);
    net_case_fetch(&c, FG_SIDE_BASE, FG_EUSAGE);
    ck_assert_ptr_nonnull(strstr(c.err.msg, "either a bearer token"));
    fg_backend_opts_release(&c.o);

    pyro_opts(&c);
    free(c.o.version[1]);
    c.o.version[1] = NULL;
    net_case_fetch(&c, FG_SIDE_CANDIDATE, FG_EUSAGE);
    ck_assert_ptr_nonnull(strstr(c.err.msg, "--candidate-version"));
    free(c.o.version[0]);
    c.o.version[0] = NULL;
    free(c.o.version_label);
    c.o.version_label = NULL;
    net_case_fetch(&c, FG_SIDE_BASE, FG_EUSAGE);
    ck_assert_ptr_nonnull(strstr(c.err.msg, "same data"));
    net_case_set(&c, "runs", "5000", NULL);
    ck_assert_int_eq(net_case_resolve(&c, FG_WANT_PLAIN), FG_ELIMIT);
    ck_assert_ptr_nonnull(strstr(c.err.msg, "--max-runs"));
    ck_assert_uint_eq(fg_fakesrv_count(c.s), 0);
    net_case_end(&c);
}
END_TEST

Suite *backend_suite(void);
Suite *backend_suite(void)
{
    Suite *s = suite_create("backend");
    TCase *tc = net_tcase(s, "pyroscope", 30);
    tcase_add_test(tc, pyroscope_runs_windows_and_headers);
    tcase_add_test(tc, pyroscope_runs_are_bounded_in_flight);
    tcase_add_test(tc, pyroscope_v1_falls_back_to_select_merge_profile);
    tcase_add_test(tc, pyroscope_connect_error_verbatim);
    tcase_add_test(tc, pyroscope_html_page_is_a_clear_error);
    tcase_add_test(tc, pyroscope_render_without_querier_api);
    tcase_add_test(tc, pyroscope_render_037);
    tcase_add_test(tc, pyroscope_no_api_and_no_render);
    tcase_add_test(tc, pyroscope_render_bad_json_is_clean);
    tcase_add_test(tc, pyroscope_no_data_is_an_error);
    tcase_add_test(tc, pyroscope_empty_windows_are_dropped);
    tcase_add_test(tc, pyroscope_listings);
    tcase_add_test(tc, pyroscope_version_value_is_quoted);
    tcase_add_test(tc, pyroscope_retries_then_succeeds);
    tcase_add_test(tc, pyroscope_slow_and_oversized);
    tcase_add_test(tc, pyroscope_tls_error);
    tcase_add_test(tc, pyroscope_verbose_log_redacts_secrets);
    tcase_add_test(tc, pyroscope_serves_corpus_replicates);
    tc = net_tcase(s, "live", 30);
    tcase_add_test(tc, live_captures_run_in_rounds);
    tcase_add_test(tc, live_capture_errors);
    tcase_add_test(tc, live_captures_without_samples);
    tc = net_tcase(s, "options", 0);
    tcase_add_test(tc, parse_times);
    tcase_add_test(tc, windows_text_ranges);
    tcase_add_test(tc, selectors_and_windows);
    tcase_add_test(tc, options_are_validated);
    tcase_add_test(tc, auth_and_side_errors);
    return s;
}
