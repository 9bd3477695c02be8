/*
 * pyroscope.c - Pyroscope querier over the Connect protocol (see
 * src/net/pyroscope.h and BACKENDS.md section 1).
 */
#include "net/pyroscope.h"
#include "core/util.h"
#include "flamegate/aggregate.h"
#include "input/flamebearer.h"
#include "input/pprof.h"

#include "pyroscope.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SERVICE "querier.v1.QuerierService/"
#define PROTO_TYPE "application/proto"

/* protobuf-c wants char * for strings it only reads. */
static char *unconst(const char *s)
{
    return (char *)(uintptr_t)(s ? s : "");
}

static void pack(const ProtobufCMessage *m, struct fg_buf *out)
{
    size_t len = protobuf_c_message_get_packed_size(m);
    fg_buf_init(out, 0);
    /* An unlimited buffer only fails on size_t overflow. */
    if (fg_buf_add(out, "", 0) != FG_OK || len == 0)
        return;
    uint8_t *tmp = fg_xmalloc(len);
    protobuf_c_message_pack(m, tmp);
    if (fg_buf_add(out, tmp, len) != FG_OK)
        fg_buf_init(out, 0);
    free(tmp);
}

/* Headers of every Connect unary call. */
struct call_headers {
    char *timeout;
    const char *list[3];
};

static void headers_init(struct call_headers *c, const struct fg_http_opts *h)
{
    /* Tells the server when we give up, so it can cancel the query. */
    c->timeout = fg_xasprintf("Connect-Timeout-Ms: %ld",
                              (long)(h->timeout * 1000.0));
    c->list[0] = "Connect-Protocol-Version: 1";
    c->list[1] = c->timeout;
    c->list[2] = NULL;
}

static void note(const struct fg_http_ext *x, const char *msg)
{
    if (x && x->log)
        x->log(x->log_ctx, msg);
}

static bool is_proto(const struct fg_http_response *r)
{
    return r->content_type &&
           strncasecmp(r->content_type, PROTO_TYPE, strlen(PROTO_TYPE)) == 0;
}

/*
 * POST n bodies to one method.  ext_in may be NULL; accept_status is
 * forced to `accept`.  On success the responses are 2xx and proto unless
 * `accept` is set.
 */
static int call_many(const struct fg_http_opts *h,
                     const struct fg_http_ext *xin, const char *method_url,
                     const struct fg_buf *bodies,
                     size_t n, bool accept, struct fg_http_response *resp,
                     struct fg_error *err)
{
    struct call_headers ch;
    headers_init(&ch, h);
    struct fg_http_ext x = {0};
    if (xin) {
        x.log = xin->log;
        x.log_ctx = xin->log_ctx;
    }
    x.accept_status = accept;
    struct fg_http_request *req = fg_xcalloc(n ? n : 1, sizeof(*req));
    for (size_t i = 0; i < n; i++) {
        req[i].method = "POST";
        req[i].url = method_url;
        req[i].content_type = PROTO_TYPE;
        req[i].body = bodies[i].data;
        req[i].body_len = bodies[i].len;
        req[i].headers = ch.list;
    }
    int rc = fg_http_many_ext(h, &x, req, n, resp, err);
    for (size_t i = 0; rc == FG_OK && !accept && i < n; i++) {
        if (!is_proto(&resp[i]))
            rc = fg_http_response_error(h, method_url, &resp[i], PROTO_TYPE,
                                        err);
    }
    if (rc != FG_OK && rc != FG_EHTTP && rc != FG_ELIMIT && rc != FG_EUSAGE)
        rc = FG_EHTTP;
    if (rc != FG_OK)
        for (size_t i = 0; i < n; i++)
            fg_http_response_release(&resp[i]);
    free(req);
    free(ch.timeout);
    return rc;
}

static int malformed(const char *what, const char *url, struct fg_error *err)
{
    char *red = fg_http_redact_url(url);
    fg_error_set(err, FG_EHTTP, "malformed %s response from '%s'", what, red);
    free(red);
    return FG_EHTTP;
}

static void move_body(struct fg_buf *dst, struct fg_http_response *r)
{
    *dst = r->body;
    fg_buf_init(&r->body, 0);
}

/*
 * The merge of fg_pyroscope_merge_info, window by window: each stage
 * serves the windows the previous one could not.
 *   1. SelectMergeStacktraces with format PPROF (v2.2+);
 *   2. SelectMergeProfile (v1.x, which ignores that format and answers a
 *      flame graph, or a server without the method: 404, 501);
 *   3. GET /pyroscope/render (v1) or /render (0.37), flame-graph JSON,
 *      when the querier API is absent: no route (404, 405, 501) or a page
 *      that is not protobuf (a 0.37 server's or a proxy's HTML).
 */
enum need { NEED_NONE, NEED_MERGE_PROFILE, NEED_RENDER };

struct merge {
    const struct fg_http_opts *h;
    const struct fg_http_ext *x;
    const char *url;
    const struct fg_pyroscope_query *q;
    size_t n;
    struct fg_buf *out;
    struct fg_pyroscope_info *info;
    enum need *need;
    struct fg_http_response *absent; /* first "no API" answer per window */
    char **absent_url;                /* and the URL that gave it */
};

/* The querier API is not there (as opposed to a query that failed). */
static bool api_absent(const struct fg_http_response *r)
{
    if (r->status == 404 || r->status == 405 || r->status == 501)
        return true;
    return r->status >= 200 && r->status <= 299 && !is_proto(r);
}

/* Keep window i's first "no API" answer r (moved) for the error. */
static void remember_absent(struct merge *m, size_t i, const char *url,
                            struct fg_http_response *r)
{
    if (m->absent_url[i])
        return;
    m->absent[i] = *r;
    memset(r, 0, sizeof(*r));
    m->absent_url[i] = fg_xstrdup(url);
}

/* Interpret one SelectMergeStacktraces answer: the pprof bytes into
 * out, or the stage that must serve the window. */
static int take_stacktraces(struct merge *m, size_t i, const char *murl,
                            struct fg_http_response *r, struct fg_error *err)
{
    if (api_absent(r)) {
        m->need[i] = NEED_MERGE_PROFILE;
        if (r->status != 501) /* 501: a v1.0 server without the method */
            remember_absent(m, i, murl, r);
        return FG_OK;
    }
    if (r->status < 200 || r->status > 299)
        return fg_http_response_error(m->h, murl, r, PROTO_TYPE, err);
    Flamegate__Pyroscope__SelectMergeStacktracesResponse *pm =
        flamegate__pyroscope__select_merge_stacktraces_response__unpack(
            NULL, r->body.len, (const uint8_t *)r->body.data);
    if (!pm)
        return malformed("SelectMergeStacktraces", murl, err);
    int rc = FG_OK;
    if (!pm->pprof) {
        m->need[i] = NEED_MERGE_PROFILE;
    } else if (pm->pprof->profile.len &&
               fg_buf_add(&m->out[i], pm->pprof->profile.data,
                          pm->pprof->profile.len) != FG_OK) {
        rc = fg_error_set(err, FG_ELIMIT,
                          "profile from '%s' exceeds %zu bytes (raise with "
                          "--max-response-size)",
                          murl, m->h->max_response);
    }
    flamegate__pyroscope__select_merge_stacktraces_response__free_unpacked(
        pm, NULL);
    return rc;
}

/* Stage 2, for the windows whose server lacks the pprof format. */
static int merge_profile(struct merge *m, struct fg_error *err)
{
    size_t n = m->n, k = 0;
    size_t *idx = fg_xcalloc(n ? n : 1, sizeof(*idx));
    struct fg_buf *bodies = fg_xcalloc(n ? n : 1, sizeof(*bodies));
    struct fg_http_response *resp = fg_xcalloc(n ? n : 1, sizeof(*resp));
    for (size_t i = 0; i < n; i++) {
        if (m->need[i] != NEED_MERGE_PROFILE)
            continue;
        Flamegate__Pyroscope__SelectMergeProfileRequest r =
            FLAMEGATE__PYROSCOPE__SELECT_MERGE_PROFILE_REQUEST__INIT;
        r.profile_type_id = unconst(m->q[i].profile_type);
        r.label_selector = unconst(m->q[i].selector);
        r.start = m->q[i].start_ms;
        r.end = m->q[i].end_ms;
        r.max_nodes = m->q[i].max_nodes;
        pack(&r.base, &bodies[k]);
        idx[k++] = i;
    }
    char *murl = fg_http_url_join(m->url, SERVICE "SelectMergeProfile");
    int rc = FG_OK;
    if (k > 0) {
        note(m->x, "* pyroscope: no pprof format for SelectMergeStacktraces "
                   "(v1.x); using SelectMergeProfile");
        rc = call_many(m->h, m->x, murl, bodies, k, true, resp, err);
    }
    for (size_t j = 0; rc == FG_OK && j < k; j++) {
        size_t i = idx[j];
        struct fg_http_response *r = &resp[j];
        if (api_absent(r)) {
            m->need[i] = NEED_RENDER;
            remember_absent(m, i, murl, r);
        } else if (r->status < 200 || r->status > 299) {
            rc = fg_http_response_error(m->h, murl, r, PROTO_TYPE, err);
        } else {
            fg_buf_release(&m->out[i]);
            move_body(&m->out[i], r);
            m->need[i] = NEED_NONE;
            if (m->info)
                m->info[i].merge_profile = true;
        }
    }
    for (size_t j = 0; j < k; j++) {
        fg_buf_release(&bodies[j]);
        fg_http_response_release(&resp[j]);
    }
    free(murl);
    free(resp);
    free(bodies);
    free(idx);
    return rc;
}

/* The max-nodes asked of /render when the query gives none: the largest
 * a default Grafana Pyroscope accepts (querier.max-flamegraph-nodes-max),
 * so that the server prunes nothing it need not. */
#define RENDER_MAX_NODES 1048576

static char *render_url(const struct merge *m, size_t i, const char *path)
{
    const struct fg_pyroscope_query *q = &m->q[i];
    char *query = fg_xasprintf("%s%s", q->profile_type ? q->profile_type : "",
                               q->selector ? q->selector : "");
    char *eq = fg_http_escape(query);
    char *base = fg_http_url_join(m->url, path);
    /* seconds: what every version's attime parser reads as Unix time */
    char *u = fg_xasprintf(
        "%s?query=%s&from=%lld&until=%lld&format=json&max-nodes=%lld", base,
        eq, (long long)(q->start_ms / 1000), (long long)(q->end_ms / 1000),
        (long long)(q->max_nodes > 0 ? q->max_nodes : RENDER_MAX_NODES));
    free(base);
    free(eq);
    free(query);
    return u;
}

static bool is_json(const struct fg_http_response *r)
{
    if (r->content_type &&
        strncasecmp(r->content_type, "application/json", 16) == 0)
        return true;
    for (size_t i = 0; i < r->body.len; i++) {
        char c = r->body.data[i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            return c == '{';
    }
    return false;
}

/* Replace every occurrence of secret in msg (NUL-terminated, a
 * struct fg_error message) by "<redacted>", as long as it fits. */
static void hide(char *msg, const char *secret)
{
    size_t sl = secret ? strlen(secret) : 0;
    size_t cap = sizeof(((struct fg_error *)0)->msg);
    char *from = msg, *at;
    if (sl == 0)
        return;
    while ((at = strstr(from, secret)) != NULL) {
        char tail[sizeof(((struct fg_error *)0)->msg)];
        snprintf(tail, sizeof(tail), "%s", at + sl);
        snprintf(at, cap - (size_t)(at - msg), "<redacted>%s", tail);
        from = at + strlen("<redacted>");
        if ((size_t)(from - msg) >= cap - 1 || from > msg + strlen(msg))
            break;
    }
}

/* Window i's flame graph (JSON in r) as pprof in out[i]. */
static int take_render(struct merge *m, size_t i, const char *url,
                       struct fg_http_response *r, struct fg_error *err)
{
    char *red = fg_http_redact_url(url);
    struct fg_profile *p[2] = {NULL, NULL};
    size_t np = 0;
    int rc = fg_flamebearer_decode((const unsigned char *)r->body.data,
                                   r->body.len, red, NULL, p, &np, err);
    if (rc == FG_OK && np != 1)
        rc = fg_error_set(err, FG_EHTTP,
                          "%s: a two-sided flame graph where one was "
                          "expected", red);
    if (rc == FG_OK) {
        fg_buf_release(&m->out[i]);
        fg_buf_init(&m->out[i], m->h->max_response);
        rc = fg_pprof_encode(p[0], &m->out[i], err);
    }
    if (rc == FG_OK && m->info) {
        struct fg_pyroscope_info *in = &m->info[i];
        in->render = true;
        in->pruned = fg_flamebearer_pruned(p[0]);
        struct fg_agg a;
        struct fg_error e2;
        uint32_t f = fg_strtab_find(&p[0]->func_index, "other", 5);
        if (in->pruned &&
            fg_aggregate_type(p[0], p[0]->default_type, &a, &e2) == FG_OK) {
            in->other_share = a.total > 0 && f < a.n_funcs
                                  ? (double)a.flat[f] / (double)a.total
                                  : 0.0;
            fg_agg_release(&a);
        }
    }
    if (rc != FG_OK && rc != FG_ELIMIT) {
        /* what the server sent is the fetch's failure; a message quoting
         * the body (JSON errors do) must not show a secret it echoed */
        rc = FG_EHTTP;
        if (err) {
            err->code = rc;
            hide(err->msg, m->h->auth.bearer);
            hide(err->msg, m->h->auth.password);
        }
    }
    for (size_t k = 0; k < np; k++)
        fg_profile_free(p[k]);
    free(red);
    m->need[i] = rc == FG_OK ? NEED_NONE : NEED_RENDER;
    return rc;
}

/* The windows that even /render could not serve: the first answer that
 * said the querier API is absent, and what /render said. */
static int render_failed(struct merge *m, size_t i, int last_status,
                         struct fg_error *err)
{
    char tail[160];
    snprintf(tail, sizeof(tail),
             "; no flame graph from /pyroscope/render or /render either "
             "(last HTTP status %d)",
             last_status);
    if (!m->absent_url[i])
        return fg_error_set(err, FG_EHTTP, "the querier API of '%s' "
                                           "answered no profile%s",
                            m->url, tail);
    fg_http_response_error(m->h, m->absent_url[i], &m->absent[i], PROTO_TYPE,
                           err);
    char msg[sizeof(err->msg)];
    snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
    return fg_error_set(err, FG_EHTTP, "%s%s", msg, tail);
}

/* Stage 3: GET the flame-graph JSON, /pyroscope/render then /render. */
static int render(struct merge *m, struct fg_error *err)
{
    static const char *const paths[] = {"pyroscope/render", "render"};
    size_t n = m->n;
    int rc = FG_OK, last_status = 0;
    size_t *idx = fg_xcalloc(n ? n : 1, sizeof(*idx));
    char **urls = fg_xcalloc(n ? n : 1, sizeof(*urls));
    struct fg_http_request *req = fg_xcalloc(n ? n : 1, sizeof(*req));
    struct fg_http_response *resp = fg_xcalloc(n ? n : 1, sizeof(*resp));
    for (size_t k = 0; k < 2 && rc == FG_OK; k++) {
        size_t c = 0;
        for (size_t i = 0; i < n; i++) {
            if (m->need[i] != NEED_RENDER)
                continue;
            urls[c] = render_url(m, i, paths[k]);
            req[c] = (struct fg_http_request){.method = "GET",
                                              .url = urls[c]};
            idx[c++] = i;
        }
        if (c == 0)
            break;
        char line[96];
        snprintf(line, sizeof(line),
                 "* pyroscope: no querier API; asking GET /%s for the "
                 "flame-graph JSON",
                 paths[k]);
        note(m->x, line);
        struct fg_http_ext x = {0};
        if (m->x) {
            x.log = m->x->log;
            x.log_ctx = m->x->log_ctx;
        }
        x.accept_status = true;
        rc = fg_http_many_ext(m->h, &x, req, c, resp, err);
        if (rc != FG_OK && rc != FG_EHTTP && rc != FG_ELIMIT)
            rc = FG_EHTTP;
        for (size_t j = 0; j < c && rc == FG_OK; j++) {
            struct fg_http_response *r = &resp[j];
            last_status = r->status;
            if (r->status >= 200 && r->status <= 299 && is_json(r))
                rc = take_render(m, idx[j], urls[j], r, err);
            else if (!api_absent(r))
                rc = fg_http_response_error(m->h, urls[j], r,
                                            "application/json", err);
        }
        for (size_t j = 0; j < c; j++) {
            fg_http_response_release(&resp[j]);
            free(urls[j]);
            urls[j] = NULL;
        }
    }
    for (size_t i = 0; i < n && rc == FG_OK; i++)
        if (m->need[i] == NEED_RENDER)
            rc = render_failed(m, i, last_status, err);
    free(resp);
    free(req);
    free(urls);
    free(idx);
    return rc;
}

int fg_pyroscope_merge_info(const struct fg_http_opts *h,
                            const struct fg_http_ext *x, const char *url,
                            const struct fg_pyroscope_query *q, size_t n,
                            struct fg_buf *out,
                            struct fg_pyroscope_info *info,
                            struct fg_error *err)
{
    size_t nn = n ? n : 1;
    struct merge m = {h, x, url, q, n, out, info,
                      fg_xcalloc(nn, sizeof(enum need)),
                      fg_xcalloc(nn, sizeof(struct fg_http_response)),
                      fg_xcalloc(nn, sizeof(char *))};
    char *murl = fg_http_url_join(url, SERVICE "SelectMergeStacktraces");
    struct fg_buf *bodies = fg_xcalloc(nn, sizeof(*bodies));
    struct fg_http_response *resp = fg_xcalloc(nn, sizeof(*resp));
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        fg_buf_init(&out[i], h->max_response);
        if (info)
            memset(&info[i], 0, sizeof(info[i]));
        Flamegate__Pyroscope__SelectMergeStacktracesRequest r =
            FLAMEGATE__PYROSCOPE__SELECT_MERGE_STACKTRACES_REQUEST__INIT;
        r.profile_type_id = unconst(q[i].profile_type);
        r.label_selector = unconst(q[i].selector);
        r.start = q[i].start_ms;
        r.end = q[i].end_ms;
        r.max_nodes = q[i].max_nodes;
        r.format = FLAMEGATE__PYROSCOPE__PROFILE_FORMAT__PROFILE_FORMAT_PPROF;
        pack(&r.base, &bodies[i]);
    }
    int rc = call_many(h, x, murl, bodies, n, true, resp, err);
    for (size_t i = 0; i < n && rc == FG_OK; i++) {
        rc = take_stacktraces(&m, i, murl, &resp[i], err);
        any = any || m.need[i] != NEED_NONE;
    }
    if (rc == FG_OK && any)
        rc = merge_profile(&m, err);
    if (rc == FG_OK && any)
        rc = render(&m, err);
    for (size_t i = 0; i < n; i++) {
        fg_buf_release(&bodies[i]);
        fg_http_response_release(&resp[i]);
        fg_http_response_release(&m.absent[i]);
        free(m.absent_url[i]);
        if (rc != FG_OK)
            fg_buf_release(&out[i]);
    }
    free(m.need);
    free(m.absent);
    free(m.absent_url);
    free(resp);
    free(bodies);
    free(murl);
    return rc;
}

int fg_pyroscope_merge(const struct fg_http_opts *h,
                       const struct fg_http_ext *x, const char *url,
                       const struct fg_pyroscope_query *q, size_t n,
                       struct fg_buf *out, bool *fallback,
                       struct fg_error *err)
{
    struct fg_pyroscope_info *info = fg_xcalloc(n ? n : 1, sizeof(*info));
    int rc = fg_pyroscope_merge_info(h, x, url, q, n, out, info, err);
    if (fallback) {
        *fallback = false;
        for (size_t i = 0; i < n; i++)
            *fallback = *fallback || info[i].merge_profile || info[i].render;
    }
    free(info);
    return rc;
}

/* One unary call with one request body, 2xx proto answer. */
static int call_one(const struct fg_http_opts *h, const struct fg_http_ext *x,
                    const char *url, const char *method,
                    const ProtobufCMessage *m, struct fg_http_response *resp,
                    char **murl_out, struct fg_error *err)
{
    struct fg_buf body;
    pack(m, &body);
    char *murl = fg_http_url_join(url, method);
    int rc = call_many(h, x, murl, &body, 1, false, resp, err);
    fg_buf_release(&body);
    *murl_out = murl;
    return rc;
}

static char **copy_strings(char *const *v, size_t n)
{
    char **out = fg_xcalloc(n ? n : 1, sizeof(*out));
    for (size_t i = 0; i < n; i++)
        out[i] = fg_xstrdup(v[i] ? v[i] : "");
    return out;
}

int fg_pyroscope_profile_types(const struct fg_http_opts *h,
                               const struct fg_http_ext *x, const char *url,
                               int64_t start_ms, int64_t end_ms,
                               char ***out, size_t *n, struct fg_error *err)
{
    Flamegate__Pyroscope__ProfileTypesRequest m =
        FLAMEGATE__PYROSCOPE__PROFILE_TYPES_REQUEST__INIT;
    m.start = start_ms;
    m.end = end_ms;
    struct fg_http_response resp;
    char *murl = NULL;
    *out = NULL;
    *n = 0;
    int rc = call_one(h, x, url, SERVICE "ProfileTypes", &m.base, &resp,
                      &murl, err);
    if (rc != FG_OK)
        goto out;
    Flamegate__Pyroscope__ProfileTypesResponse *r =
        flamegate__pyroscope__profile_types_response__unpack(
            NULL, resp.body.len, (const uint8_t *)resp.body.data);
    if (!r) {
        rc = malformed("ProfileTypes", murl, err);
    } else {
        *out = fg_xcalloc(r->n_profile_types ? r->n_profile_types : 1,
                          sizeof(**out));
        for (size_t i = 0; i < r->n_profile_types; i++) {
            const Flamegate__Pyroscope__ProfileType *t = r->profile_types[i];
            (*out)[i] = t->id && *t->id
                            ? fg_xstrdup(t->id)
                            : fg_xasprintf("%s:%s:%s:%s:%s", t->name,
                                           t->sample_type, t->sample_unit,
                                           t->period_type, t->period_unit);
        }
        *n = r->n_profile_types;
        flamegate__pyroscope__profile_types_response__free_unpacked(r, NULL);
    }
    fg_http_response_release(&resp);
out:
    free(murl);
    return rc;
}

int fg_pyroscope_label_values(const struct fg_http_opts *h,
                              const struct fg_http_ext *x, const char *url,
                              const char *name, const char *matcher,
                              int64_t start_ms, int64_t end_ms, char ***out,
                              size_t *n, struct fg_error *err)
{
    Flamegate__Pyroscope__LabelValuesRequest m =
        FLAMEGATE__PYROSCOPE__LABEL_VALUES_REQUEST__INIT;
    char *matchers[1] = {unconst(matcher)};
    m.name = unconst(name);
    m.n_matchers = matcher ? 1 : 0;
    m.matchers = matchers;
    m.start = start_ms;
    m.end = end_ms;
    struct fg_http_response resp;
    char *murl = NULL;
    *out = NULL;
    *n = 0;
    int rc = call_one(h, x, url, SERVICE "LabelValues", &m.base, &resp,
                      &murl, err);
    if (rc != FG_OK)
        goto out;
    Flamegate__Pyroscope__LabelValuesResponse *r =
        flamegate__pyroscope__label_values_response__unpack(
            NULL, resp.body.len, (const uint8_t *)resp.body.data);
    if (!r) {
        rc = malformed("LabelValues", murl, err);
    } else {
        *out = copy_strings(r->names, r->n_names);
        *n = r->n_names;
        flamegate__pyroscope__label_values_response__free_unpacked(r, NULL);
    }
    fg_http_response_release(&resp);
out:
    free(murl);
    return rc;
}
