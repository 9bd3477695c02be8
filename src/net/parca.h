/*
 * parca.h - Parca's QueryService (BACKENDS.md section 2): merged pprof
 * through the REST gateway or gRPC-Web, plus the listings.
 *
 * REST:     GET <url>/api/profiles/query?mode=MODE_MERGE
 *               &report_type=REPORT_TYPE_PPROF&merge.query=Q
 *               &merge.start=RFC3339&merge.end=RFC3339
 *           -> JSON {"pprof": base64(gzip(pprof)), ...}
 * gRPC-Web: POST <url>/parca.query.v1alpha1.QueryService/Query,
 *           Content-Type: application/grpc-web+proto, body = one frame
 *           (flag 0x00, 4-byte big-endian length, QueryRequest); the
 *           answer is data frames then a trailer frame (flag 0x80) with
 *           "grpc-status" and "grpc-message" (or, trailers-only, those
 *           as HTTP headers).
 * A query is "<profile type>[:delta]{matchers}", e.g.
 * process_cpu:samples:count:cpu:nanoseconds:delta{job="api"}.
 * Pointers are borrowed; results are owned by the caller.
 */
#ifndef FLAMEGATE_PARCA_H
#define FLAMEGATE_PARCA_H

#include "net/http.h"

enum fg_parca_transport { FG_PARCA_REST = 0, FG_PARCA_GRPC_WEB = 1 };

struct fg_parca_query {
    const char *query;
    int64_t start_ms, end_ms;
};

/*
 * Merged pprof of each q[0..n), concurrently.  out[i] (initialised here)
 * receives the profile as Parca sends it (gzip-compressed pprof).  An
 * answer without a pprof report, a gRPC error status or a JSON error is
 * FG_EHTTP naming the URL and the server's message.
 */
int fg_parca_merge(const struct fg_http_opts *h, const struct fg_http_ext *x,
                   const char *url, enum fg_parca_transport t,
                   const struct fg_parca_query *q, size_t n,
                   struct fg_buf *out, struct fg_error *err) FG_MUST_CHECK;

/* Profile types (REST /api/profiles/types) as query names, with
 * ":delta" for delta types.  *out: malloc'd array of *n owned strings. */
int fg_parca_profile_types(const struct fg_http_opts *h,
                           const struct fg_http_ext *x, const char *url,
                           char ***out, size_t *n,
                           struct fg_error *err) FG_MUST_CHECK;

/* Values of label name (REST /api/profiles/labels/NAME/values) among
 * series matching match (may be NULL) of profile_type (may be NULL). */
int fg_parca_label_values(const struct fg_http_opts *h,
                          const struct fg_http_ext *x, const char *url,
                          const char *name, const char *match,
                          const char *profile_type, int64_t start_ms,
                          int64_t end_ms, char ***out, size_t *n,
                          struct fg_error *err) FG_MUST_CHECK;

/* Append one gRPC-Web data frame holding msg[0..len) to out. */
int fg_grpcweb_frame(const void *msg, size_t len,
                     struct fg_buf *out) FG_MUST_CHECK;

/*
 * Split a gRPC-Web response body into its message (data frames,
 * concatenated, into msg which must be initialised) and check the status
 * from the trailer frame, else from headers (the HTTP header block, may
 * be NULL).  A non-zero grpc-status is FG_EHTTP "gRPC status N (NAME)
 * from 'url': message"; a cut frame is FG_EHTTP too.
 */
int fg_grpcweb_unframe(const unsigned char *body, size_t len,
                       const char *headers, const char *url,
                       struct fg_buf *msg, struct fg_error *err) FG_MUST_CHECK;

#endif
