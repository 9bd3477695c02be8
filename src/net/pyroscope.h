/*
 * pyroscope.h - the Grafana Pyroscope querier API: Connect protocol,
 * unary, over HTTP/1.1, binary proto codec (BACKENDS.md section 1), and
 * the legacy /render flame-graph JSON for servers without that API.
 *
 * Every call is "POST <url>/querier.v1.QuerierService/<Method>" with
 * Content-Type: application/proto and Connect-Protocol-Version: 1; errors
 * are non-200 statuses with a JSON body, shown verbatim.  Times are
 * milliseconds since the Unix epoch.  Tenant, auth and TLS come from the
 * struct fg_http_opts (borrowed); x (borrowed, may be NULL) carries the
 * verbose trace.
 */
#ifndef FLAMEGATE_PYROSCOPE_H
#define FLAMEGATE_PYROSCOPE_H

#include "net/http.h"

struct fg_pyroscope_query {
    const char *profile_type; /* process_cpu:cpu:nanoseconds:cpu:nanoseconds */
    const char *selector;     /* complete label selector, e.g. {a="b"} */
    int64_t start_ms, end_ms;
    int64_t max_nodes;        /* 0: not sent (server default) */
};

/* How one window of fg_pyroscope_merge_info was served. */
struct fg_pyroscope_info {
    bool merge_profile;  /* SelectMergeProfile (v1.x) */
    bool render;         /* the flame-graph JSON of /pyroscope/render or
                          * /render (no querier API: 0.37, or a proxy) */
    bool pruned;         /* that flame graph holds Pyroscope's "other"
                          * node: the server cut the tree at max-nodes */
    double other_share;  /* then "other"'s share of the window's total */
};

/*
 * Merged pprof for each of q[0..n), concurrently, window by window from
 * the first of these the server offers:
 *  1. SelectMergeStacktraces with format PPROF (v2.2+);
 *  2. SelectMergeProfile, for a server that answers stage 1 without the
 *     pprof field (v1.x ignores the format and sends a flame graph), or
 *     with 404 / 501, as profilecli does;
 *  3. when the querier API is absent (404, 405 or 501, or a 2xx answer
 *     that is not protobuf, such as a 0.37 server's or a proxy's HTML
 *     page): GET /pyroscope/render (Grafana Pyroscope v1), then /render
 *     (0.37), with query=<profile_type><selector> (for 0.37 the profile
 *     type is the application name and type, e.g. "myapp.cpu"),
 *     from/until in Unix seconds, format=json and max-nodes (the query's,
 *     else 1048576, the most a default v1 server gives); the flame-graph
 *     JSON (input/flamebearer.h) is turned into pprof.
 * out[i] (initialised here, owned by the caller) receives the serialized,
 * uncompressed profile; it may be empty when nothing matched.  info, if
 * not NULL, is an array of n filled with how each window was served.
 * When no stage serves a window the error is the first answer that said
 * the querier API is absent, and what /render said.
 */
int fg_pyroscope_merge_info(const struct fg_http_opts *h,
                            const struct fg_http_ext *x, const char *url,
                            const struct fg_pyroscope_query *q, size_t n,
                            struct fg_buf *out,
                            struct fg_pyroscope_info *info,
                            struct fg_error *err) FG_MUST_CHECK;

/* fg_pyroscope_merge_info without info; *fallback, if not NULL, is set
 * when a window needed stage 2 or 3. */
int fg_pyroscope_merge(const struct fg_http_opts *h,
                       const struct fg_http_ext *x, const char *url,
                       const struct fg_pyroscope_query *q, size_t n,
                       struct fg_buf *out, bool *fallback,
                       struct fg_error *err) FG_MUST_CHECK;

/* Profile type IDs seen in [start, end] (ProfileTypes).  *out: malloc'd
 * array of *n owned strings, in server order. */
int fg_pyroscope_profile_types(const struct fg_http_opts *h,
                               const struct fg_http_ext *x, const char *url,
                               int64_t start_ms, int64_t end_ms,
                               char ***out, size_t *n,
                               struct fg_error *err) FG_MUST_CHECK;

/* Values of label `name` among series matching `matcher` (a selector, or
 * NULL for all) in [start, end] (LabelValues). */
int fg_pyroscope_label_values(const struct fg_http_opts *h,
                              const struct fg_http_ext *x, const char *url,
                              const char *name, const char *matcher,
                              int64_t start_ms, int64_t end_ms, char ***out,
                              size_t *n, struct fg_error *err) FG_MUST_CHECK;

#endif
