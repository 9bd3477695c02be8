/*
 * pyroscope.c - Pyroscope querier over the Connect protocol (see
 * src/net/pyroscope.h and BACKENDS.md section 1).
 */
#include "net/pyroscope.h"
#include "core/util.h"

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

/* Second pass for the windows whose server lacks the pprof format. */
static int merge_fallback(const struct fg_http_opts *h,
                          const struct fg_http_ext *x, const char *url,
                          const struct fg_pyroscope_query *q, size_t n,
                          const bool *need, struct fg_buf *out,
                          struct fg_error *err)
{
    char *murl = fg_http_url_join(url, SERVICE "SelectMergeProfile");
    size_t k = 0;
    size_t *idx = fg_xcalloc(n, sizeof(*idx));
    struct fg_buf *bodies = fg_xcalloc(n, sizeof(*bodies));
    struct fg_http_response *resp = fg_xcalloc(n, sizeof(*resp));
    for (size_t i = 0; i < n; i++) {
        if (!need[i])
            continue;
        Flamegate__Pyroscope__SelectMergeProfileRequest m =
            FLAMEGATE__PYROSCOPE__SELECT_MERGE_PROFILE_REQUEST__INIT;
        m.profile_type_id = unconst(q[i].profile_type);
        m.label_selector = unconst(q[i].selector);
        m.start = q[i].start_ms;
        m.end = q[i].end_ms;
        m.max_nodes = q[i].max_nodes;
        pack(&m.base, &bodies[k]);
        idx[k++] = i;
    }
    note(x, "* pyroscope: the server has no pprof format for "
            "SelectMergeStacktraces (v1.x); using SelectMergeProfile");
    int rc = call_many(h, x, murl, bodies, k, false, resp, err);
    for (size_t j = 0; rc == FG_OK && j < k; j++) {
        fg_buf_release(&out[idx[j]]);
        move_body(&out[idx[j]], &resp[j]);
        fg_http_response_release(&resp[j]);
    }
    for (size_t j = 0; j < k; j++)
        fg_buf_release(&bodies[j]);
    free(resp);
    free(bodies);
    free(idx);
    free(murl);
    return rc;
}

/* Interpret one SelectMergeStacktraces answer: the pprof bytes into out,
 * or *need when the server cannot give pprof this way. */
static int take_stacktraces(const struct fg_http_opts *h, const char *murl,
                            struct fg_http_response *r, struct fg_buf *out,
                            bool *need, struct fg_error *err)
{
    *need = false;
    if (r->status == 404 || r->status == 501) {
        *need = true;
        return FG_OK;
    }
    if (r->status < 200 || r->status > 299 || !is_proto(r))
        return fg_http_response_error(h, murl, r, PROTO_TYPE, err);
    Flamegate__Pyroscope__SelectMergeStacktracesResponse *m =
        flamegate__pyroscope__select_merge_stacktraces_response__unpack(
            NULL, r->body.len, (const uint8_t *)r->body.data);
    if (!m)
        return malformed("SelectMergeStacktraces", murl, err);
    int rc = FG_OK;
    if (!m->pprof) {
        *need = true;
    } else if (m->pprof->profile.len &&
               fg_buf_add(out, m->pprof->profile.data,
                          m->pprof->profile.len) != FG_OK) {
        rc = fg_error_set(err, FG_ELIMIT,
                          "profile from '%s' exceeds %zu bytes (raise with "
                          "--max-response-size)",
                          murl, h->max_response);
    }
    flamegate__pyroscope__select_merge_stacktraces_response__free_unpacked(
        m, NULL);
    return rc;
}

int fg_pyroscope_merge(const struct fg_http_opts *h,
                       const struct fg_http_ext *x, const char *url,
                       const struct fg_pyroscope_query *q, size_t n,
                       struct fg_buf *out, bool *fallback,
                       struct fg_error *err)
{
    int rc = FG_OK;
    char *murl = fg_http_url_join(url, SERVICE "SelectMergeStacktraces");
    struct fg_buf *bodies = fg_xcalloc(n ? n : 1, sizeof(*bodies));
    struct fg_http_response *resp = fg_xcalloc(n ? n : 1, sizeof(*resp));
    bool *need = fg_xcalloc(n ? n : 1, sizeof(*need));
    bool any = false;
    if (fallback)
        *fallback = false;
    for (size_t i = 0; i < n; i++) {
        fg_buf_init(&out[i], h->max_response);
        Flamegate__Pyroscope__SelectMergeStacktracesRequest m =
            FLAMEGATE__PYROSCOPE__SELECT_MERGE_STACKTRACES_REQUEST__INIT;
        m.profile_type_id = unconst(q[i].profile_type);
        m.label_selector = unconst(q[i].selector);
        m.start = q[i].start_ms;
        m.end = q[i].end_ms;
        m.max_nodes = q[i].max_nodes;
        m.format = FLAMEGATE__PYROSCOPE__PROFILE_FORMAT__PROFILE_FORMAT_PPROF;
        pack(&m.base, &bodies[i]);
    }
    rc = call_many(h, x, murl, bodies, n, true, resp, err);
    if (rc != FG_OK)
        goto out;
    for (size_t i = 0; i < n && rc == FG_OK; i++) {
        rc = take_stacktraces(h, murl, &resp[i], &out[i], &need[i], err);
        any = any || need[i];
    }
    if (rc == FG_OK && any) {
        rc = merge_fallback(h, x, url, q, n, need, out, err);
        if (fallback)
            *fallback = true;
    }
out:
    for (size_t i = 0; i < n; i++) {
        fg_buf_release(&bodies[i]);
        fg_http_response_release(&resp[i]);
        if (rc != FG_OK)
            fg_buf_release(&out[i]);
    }
    free(need);
    free(resp);
    free(bodies);
    free(murl);
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
