/*
 * parca.c - Parca QueryService over REST or gRPC-Web (see
 * src/net/parca.h and BACKENDS.md section 2).
 */
#include "net/parca.h"
#include "flamegate/backend.h"
#include "core/util.h"

#include "parca.pb-c.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define QUERY_PATH "parca.query.v1alpha1.QueryService/Query"
#define GRPC_WEB_TYPE "application/grpc-web+proto"

static bool type_is(const struct fg_http_response *r, const char *want)
{
    return r->content_type &&
           strncasecmp(r->content_type, want, strlen(want)) == 0;
}

/* The value of one base64 digit, or -1. */
static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Decode standard or URL-safe base64, padding optional, into out. */
static int base64_decode(const char *s, size_t n, struct fg_buf *out)
{
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '=')
            break;
        if (isspace(c))
            continue;
        int v = b64val(c);
        if (v < 0)
            return FG_EFORMAT;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            int rc = fg_buf_addc(out, (char)((acc >> bits) & 0xff));
            if (rc != FG_OK)
                return rc;
        }
    }
    return FG_OK;
}

static int malformed(const char *url, const char *why, struct fg_error *err)
{
    char *red = fg_http_redact_url(url);
    fg_error_set(err, FG_EHTTP, "malformed answer from '%s': %s", red, why);
    free(red);
    return FG_EHTTP;
}

static int too_big(const struct fg_http_opts *h, const char *url,
                   struct fg_error *err)
{
    char *red = fg_http_redact_url(url);
    fg_error_set(err, FG_ELIMIT,
                 "profile from '%s' exceeds %zu bytes (raise with "
                 "--max-response-size)",
                 red, h->max_response);
    free(red);
    return FG_ELIMIT;
}

/* ---- REST ---------------------------------------------------------- */

static char *rest_query_url(const char *url, const struct fg_parca_query *q)
{
    char start[40], end[40];
    fg_backend_format_time(q->start_ms, start, sizeof(start));
    fg_backend_format_time(q->end_ms, end, sizeof(end));
    char *eq = fg_http_escape(q->query);
    char *es = fg_http_escape(start);
    char *ee = fg_http_escape(end);
    char *base = fg_http_url_join(url, "api/profiles/query");
    char *full = fg_xasprintf("%s?mode=MODE_MERGE&report_type="
                              "REPORT_TYPE_PPROF&merge.query=%s"
                              "&merge.start=%s&merge.end=%s",
                              base, eq, es, ee);
    free(base);
    free(eq);
    free(es);
    free(ee);
    return full;
}

/* Parse a 2xx body as a JSON object; *root owned by the caller. */
static int json_body(const struct fg_http_opts *h, const char *url,
                     const struct fg_http_response *r, json_t **root,
                     struct fg_error *err)
{
    if (!type_is(r, "application/json"))
        return fg_http_response_error(h, url, r, "application/json", err);
    json_error_t je;
    *root = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, &je);
    if (!*root || !json_is_object(*root)) {
        json_decref(*root);
        *root = NULL;
        return malformed(url, "not a JSON object", err);
    }
    return FG_OK;
}

static int rest_take(const struct fg_http_opts *h, const char *url,
                     const struct fg_http_response *r, struct fg_buf *out,
                     struct fg_error *err)
{
    json_t *root = NULL;
    int rc = json_body(h, url, r, &root, err);
    if (rc != FG_OK)
        return rc;
    json_t *p = json_object_get(root, "pprof");
    if (!json_is_string(p)) {
        rc = malformed(url, "no \"pprof\" report in the answer (is the "
                            "server a Parca with REPORT_TYPE_PPROF?)",
                       err);
    } else {
        rc = base64_decode(json_string_value(p), json_string_length(p), out);
        if (rc == FG_ELIMIT)
            rc = too_big(h, url, err);
        else if (rc != FG_OK)
            rc = malformed(url, "\"pprof\" is not base64", err);
    }
    json_decref(root);
    return rc;
}

static int merge_rest(const struct fg_http_opts *h, const struct fg_http_ext *x,
                      const char *url, const struct fg_parca_query *q,
                      size_t n, struct fg_buf *out, struct fg_error *err)
{
    struct fg_http_request *req = fg_xcalloc(n, sizeof(*req));
    struct fg_http_response *resp = fg_xcalloc(n, sizeof(*resp));
    char **urls = fg_xcalloc(n, sizeof(*urls));
    for (size_t i = 0; i < n; i++) {
        urls[i] = rest_query_url(url, &q[i]);
        req[i].method = "GET";
        req[i].url = urls[i];
    }
    int rc = fg_http_many_ext(h, x, req, n, resp, err);
    for (size_t i = 0; rc == FG_OK && i < n; i++)
        rc = rest_take(h, urls[i], &resp[i], &out[i], err);
    for (size_t i = 0; i < n; i++) {
        fg_http_response_release(&resp[i]);
        free(urls[i]);
    }
    free(urls);
    free(resp);
    free(req);
    return rc;
}

/* ---- gRPC-Web -------------------------------------------------------- */

int fg_grpcweb_frame(const void *msg, size_t len, struct fg_buf *out)
{
    if (len > 0xffffffffu)
        return FG_ELIMIT;
    unsigned char head[5] = {0, (unsigned char)(len >> 24),
                             (unsigned char)(len >> 16),
                             (unsigned char)(len >> 8), (unsigned char)len};
    int rc = fg_buf_add(out, head, 5);
    if (rc == FG_OK && len)
        rc = fg_buf_add(out, msg, len);
    return rc;
}

static const char *grpc_code_name(long c)
{
    static const char *const names[] = {
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
        "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
        "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
    return c >= 0 && c <= 16 ? names[c] : "?";
}

/* grpc-message is percent-encoded; decode and keep it printable. */
static char *grpc_message(const char *s)
{
    struct fg_buf b;
    fg_buf_init(&b, 4096);
    for (const char *p = s ? s : ""; *p; p++) {
        int c = (unsigned char)*p;
        if (c == '%' && isxdigit((unsigned char)p[1]) &&
            isxdigit((unsigned char)p[2])) {
            char hex[3] = {p[1], p[2], 0};
            c = (int)strtol(hex, NULL, 16);
            p += 2;
        }
        int rc = c < 0x20 || c == 0x7f ? fg_buf_addf(&b, "\\x%02x", c)
                                       : fg_buf_addc(&b, (char)c);
        if (rc != FG_OK)
            break;
    }
    return fg_buf_detach(&b, NULL);
}

static int status_error(const char *url, const char *status,
                        const char *message, struct fg_error *err)
{
    long code = strtol(status, NULL, 10);
    if (code == 0 && strcmp(status, "0") == 0)
        return FG_OK;
    char *red = fg_http_redact_url(url);
    char *msg = grpc_message(message);
    fg_error_set(err, FG_EHTTP, "gRPC status %ld (%s) from '%s': %s", code,
                 grpc_code_name(code), red, *msg ? msg : "(no message)");
    free(msg);
    free(red);
    return FG_EHTTP;
}

int fg_grpcweb_unframe(const unsigned char *body, size_t len,
                       const char *headers, const char *url,
                       struct fg_buf *msg, struct fg_error *err)
{
    char *trailers = NULL;
    size_t off = 0;
    int rc = FG_OK;
    while (off < len && rc == FG_OK) {
        if (len - off < 5) {
            rc = malformed(url, "cut gRPC-Web frame header", err);
            break;
        }
        unsigned flag = body[off];
        size_t flen = (size_t)body[off + 1] << 24 |
                      (size_t)body[off + 2] << 16 |
                      (size_t)body[off + 3] << 8 | (size_t)body[off + 4];
        off += 5;
        if (flen > len - off) {
            rc = malformed(url, "cut gRPC-Web frame", err);
            break;
        }
        if (flag & 0x80) {
            free(trailers);
            trailers = fg_xstrndup((const char *)body + off, flen);
        } else if (flag & 0x01) {
            rc = malformed(url, "compressed gRPC-Web message (not asked "
                                "for)",
                           err);
        } else if (fg_buf_add(msg, body + off, flen) != FG_OK) {
            rc = FG_ELIMIT;
            fg_error_set(err, FG_ELIMIT, "gRPC-Web message too large "
                                         "(raise with --max-response-size)");
        }
        off += flen;
    }
    /* Trailers-only answers carry the status as HTTP headers. */
    const char *block = trailers ? trailers : headers;
    char *status = fg_http_header_value(block, "grpc-status");
    char *message = fg_http_header_value(block, "grpc-message");
    if (rc == FG_OK && !status)
        rc = malformed(url, "no grpc-status in the gRPC-Web answer", err);
    if (rc == FG_OK)
        rc = status_error(url, status, message, err);
    free(status);
    free(message);
    free(trailers);
    return rc;
}

static void pack_query(const struct fg_parca_query *q, struct fg_buf *out)
{
    Flamegate__Parca__Timestamp ts = FLAMEGATE__PARCA__TIMESTAMP__INIT;
    Flamegate__Parca__Timestamp te = FLAMEGATE__PARCA__TIMESTAMP__INIT;
    ts.seconds = q->start_ms / 1000;
    ts.nanos = (int32_t)(q->start_ms % 1000) * 1000000;
    te.seconds = q->end_ms / 1000;
    te.nanos = (int32_t)(q->end_ms % 1000) * 1000000;
    Flamegate__Parca__MergeProfile mp = FLAMEGATE__PARCA__MERGE_PROFILE__INIT;
    mp.query = (char *)(uintptr_t)q->query;
    mp.start = &ts;
    mp.end = &te;
    Flamegate__Parca__QueryRequest m = FLAMEGATE__PARCA__QUERY_REQUEST__INIT;
    m.mode = FLAMEGATE__PARCA__QUERY_REQUEST__MODE__MODE_MERGE;
    m.merge = &mp;
    m.report_type =
        FLAMEGATE__PARCA__QUERY_REQUEST__REPORT_TYPE__REPORT_TYPE_PPROF;
    size_t len = flamegate__parca__query_request__get_packed_size(&m);
    uint8_t *tmp = fg_xmalloc(len ? len : 1);
    flamegate__parca__query_request__pack(&m, tmp);
    fg_buf_init(out, 0);
    if (fg_grpcweb_frame(tmp, len, out) != FG_OK)
        fg_buf_init(out, 0); /* unlimited: cannot fail */
    free(tmp);
}

static int grpcweb_take(const struct fg_http_opts *h, const char *url,
                        const struct fg_http_response *r, const char *headers,
                        struct fg_buf *out, struct fg_error *err)
{
    if (!type_is(r, "application/grpc-web"))
        return fg_http_response_error(h, url, r, GRPC_WEB_TYPE, err);
    struct fg_buf msg;
    fg_buf_init(&msg, 0);
    int rc = fg_grpcweb_unframe((const unsigned char *)r->body.data,
                                r->body.len, headers, url, &msg, err);
    if (rc == FG_OK) {
        Flamegate__Parca__QueryResponse *m =
            flamegate__parca__query_response__unpack(
                NULL, msg.len, (const uint8_t *)msg.data);
        if (!m)
            rc = malformed(url, "QueryResponse does not decode", err);
        else if (m->pprof.len == 0)
            rc = malformed(url, "no pprof report in the QueryResponse",
                           err);
        else if (fg_buf_add(out, m->pprof.data, m->pprof.len) != FG_OK)
            rc = too_big(h, url, err);
        if (m)
            flamegate__parca__query_response__free_unpacked(m, NULL);
    }
    fg_buf_release(&msg);
    return rc;
}

static int merge_grpcweb(const struct fg_http_opts *h,
                         const struct fg_http_ext *xin, const char *url,
                         const struct fg_parca_query *q, size_t n,
                         struct fg_buf *out, struct fg_error *err)
{
    static const char *const hdrs[] = {"X-Grpc-Web: 1",
                                       "Accept: " GRPC_WEB_TYPE, NULL};
    char *murl = fg_http_url_join(url, QUERY_PATH);
    struct fg_http_request *req = fg_xcalloc(n, sizeof(*req));
    struct fg_http_response *resp = fg_xcalloc(n, sizeof(*resp));
    struct fg_buf *bodies = fg_xcalloc(n, sizeof(*bodies));
    char **headers = fg_xcalloc(n, sizeof(*headers));
    struct fg_http_ext x = {0};
    if (xin) {
        x.log = xin->log;
        x.log_ctx = xin->log_ctx;
    }
    x.headers = headers;
    for (size_t i = 0; i < n; i++) {
        pack_query(&q[i], &bodies[i]);
        req[i].method = "POST";
        req[i].url = murl;
        req[i].content_type = GRPC_WEB_TYPE;
        req[i].body = bodies[i].data;
        req[i].body_len = bodies[i].len;
        req[i].headers = hdrs;
    }
    int rc = fg_http_many_ext(h, &x, req, n, resp, err);
    for (size_t i = 0; rc == FG_OK && i < n; i++)
        rc = grpcweb_take(h, murl, &resp[i], headers[i], &out[i], err);
    for (size_t i = 0; i < n; i++) {
        fg_http_response_release(&resp[i]);
        fg_buf_release(&bodies[i]);
        free(headers[i]);
    }
    free(headers);
    free(bodies);
    free(resp);
    free(req);
    free(murl);
    return rc;
}

int fg_parca_merge(const struct fg_http_opts *h, const struct fg_http_ext *x,
                   const char *url, enum fg_parca_transport t,
                   const struct fg_parca_query *q, size_t n,
                   struct fg_buf *out, struct fg_error *err)
{
    for (size_t i = 0; i < n; i++)
        fg_buf_init(&out[i], h->max_response);
    if (n == 0)
        return FG_OK;
    int rc = t == FG_PARCA_GRPC_WEB ? merge_grpcweb(h, x, url, q, n, out, err)
                                    : merge_rest(h, x, url, q, n, out, err);
    if (rc != FG_OK)
        for (size_t i = 0; i < n; i++)
            fg_buf_release(&out[i]);
    return rc;
}

/* ---- listings (REST) ------------------------------------------------- */

static int rest_get_json(const struct fg_http_opts *h,
                         const struct fg_http_ext *x, const char *url,
                         json_t **root, struct fg_error *err)
{
    struct fg_http_request req = {.method = "GET", .url = url};
    struct fg_http_response resp;
    int rc = fg_http_many_ext(h, x, &req, 1, &resp, err);
    if (rc == FG_OK) {
        rc = json_body(h, url, &resp, root, err);
        fg_http_response_release(&resp);
    }
    return rc;
}

/* Either spelling of a protojson field (lowerCamel or proto name). */
static json_t *field(json_t *o, const char *camel, const char *snake)
{
    json_t *v = json_object_get(o, camel);
    return v ? v : json_object_get(o, snake);
}

static const char *str_field(json_t *o, const char *camel, const char *snake)
{
    const char *s = json_string_value(field(o, camel, snake));
    return s ? s : "";
}

int fg_parca_profile_types(const struct fg_http_opts *h,
                           const struct fg_http_ext *x, const char *url,
                           char ***out, size_t *n, struct fg_error *err)
{
    *out = NULL;
    *n = 0;
    char *turl = fg_http_url_join(url, "api/profiles/types");
    json_t *root = NULL;
    int rc = rest_get_json(h, x, turl, &root, err);
    if (rc != FG_OK)
        goto out;
    json_t *types = json_object_get(root, "types");
    if (types && !json_is_array(types)) {
        rc = malformed(turl, "\"types\" is not an array", err);
        goto out;
    }
    size_t k = json_array_size(types);
    *out = fg_xcalloc(k ? k : 1, sizeof(**out));
    for (size_t i = 0; i < k; i++) {
        json_t *t = json_array_get(types, i);
        (*out)[i] = fg_xasprintf(
            "%s:%s:%s:%s:%s%s", str_field(t, "name", "name"),
            str_field(t, "sampleType", "sample_type"),
            str_field(t, "sampleUnit", "sample_unit"),
            str_field(t, "periodType", "period_type"),
            str_field(t, "periodUnit", "period_unit"),
            json_is_true(field(t, "delta", "delta")) ? ":delta" : "");
    }
    *n = k;
out:
    json_decref(root);
    free(turl);
    return rc;
}

int fg_parca_label_values(const struct fg_http_opts *h,
                          const struct fg_http_ext *x, const char *url,
                          const char *name, const char *match,
                          const char *profile_type, int64_t start_ms,
                          int64_t end_ms, char ***out, size_t *n,
                          struct fg_error *err)
{
    *out = NULL;
    *n = 0;
    char start[40], end[40];
    fg_backend_format_time(start_ms, start, sizeof(start));
    fg_backend_format_time(end_ms, end, sizeof(end));
    char *en = fg_http_escape(name);
    char *path = fg_xasprintf("api/profiles/labels/%s/values", en);
    char *base = fg_http_url_join(url, path);
    char *es = fg_http_escape(start), *ee = fg_http_escape(end);
    struct fg_buf u;
    fg_buf_init(&u, 0);
    int rc = fg_buf_addf(&u, "%s?start=%s&end=%s", base, es, ee);
    if (rc == FG_OK && match) {
        char *em = fg_http_escape(match);
        rc = fg_buf_addf(&u, "&match=%s", em);
        free(em);
    }
    if (rc == FG_OK && profile_type) {
        char *ep = fg_http_escape(profile_type);
        rc = fg_buf_addf(&u, "&profile_type=%s", ep);
        free(ep);
    }
    free(en);
    free(path);
    free(base);
    free(es);
    free(ee);
    json_t *root = NULL;
    if (rc == FG_OK)
        rc = rest_get_json(h, x, u.data, &root, err);
    if (rc != FG_OK)
        goto out;
    json_t *vals = field(root, "labelValues", "label_values");
    size_t k = json_array_size(vals);
    *out = fg_xcalloc(k ? k : 1, sizeof(**out));
    for (size_t i = 0; i < k; i++) {
        const char *v = json_string_value(json_array_get(vals, i));
        (*out)[i] = fg_xstrdup(v ? v : "");
    }
    *n = k;
out:
    json_decref(root);
    fg_buf_release(&u);
    return rc;
}
