/*
 * pyroscope.h - the Grafana Pyroscope querier API: Connect protocol,
 * unary, over HTTP/1.1, binary proto codec (BACKENDS.md section 1).
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

/*
 * Merged pprof for each of q[0..n), concurrently.  SelectMergeStacktraces
 * with format PPROF (v2.2+) is tried first; a server that answers without
 * the pprof field (v1.x ignores the format and sends a flame graph), or
 * with 404 / 501, is asked again with SelectMergeProfile, as profilecli
 * does.  out[i] (initialised here, owned by the caller) receives the
 * serialized, uncompressed profile; it may be empty when nothing matched.
 * *fallback, if not NULL, is set when SelectMergeProfile was used.
 */
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
