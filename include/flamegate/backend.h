/*
 * backend.h - fetch profiles from continuous-profiling backends (Grafana
 * Pyroscope, Parca) and from live pprof endpoints.
 *
 * A backend selection is: a profile type, a label selector, optionally a
 * version label whose value differs between the base and the candidate
 * side, and a time range.  "--runs N" splits each side's range into N
 * equal windows, fetched concurrently (at most "parallel" in flight),
 * which turns one query into N replicates.
 *
 * Secrets: a bearer token or a basic-auth password is read only from an
 * environment variable or a file named by the options (never from the
 * command line), is never part of an error message, and is redacted in
 * the verbose trace.  Reading that one variable here, rather than in the
 * CLI layer, keeps the secret out of every other module.
 *
 * Errors: FG_EUSAGE for bad options (exit 2), FG_EHTTP for anything the
 * server or the network did wrong, including a result without samples
 * where one is required (exit 3),
 * FG_ELIMIT for a size cap, FG_EFORMAT for a profile that does not decode.
 */
#ifndef FLAMEGATE_BACKEND_H
#define FLAMEGATE_BACKEND_H

#include "flamegate/buf.h"
#include "flamegate/profile.h"

enum fg_backend_kind {
    FG_BACKEND_NONE = 0,
    FG_BACKEND_PYROSCOPE = 1,
    FG_BACKEND_PARCA = 2
};

/* Transport: Pyroscope speaks Connect; Parca the REST gateway or
 * gRPC-Web.  A request always holds the resolved one. */
enum fg_backend_protocol {
    FG_PROTO_DEFAULT = 0,
    FG_PROTO_REST = 1,
    FG_PROTO_GRPC_WEB = 2,
    FG_PROTO_CONNECT = 3
};

/* A selection of a request: one side, or the plain selection (the
 * selector as given, without a version matcher, over the common range:
 * flamegate fetch without --side, and the listings). */
enum fg_side_which { FG_SIDE_BASE = 0, FG_SIDE_CANDIDATE = 1, FG_SIDE_PLAIN = 2 };

/* Where a secret comes from: an environment variable or a file, read when
 * the request is made (never stored in the request itself). */
struct fg_secret_source {
    char *env;   /* owned, or NULL */
    char *file;  /* owned, or NULL */
};

/* How to reach a server: everything owned; checked by whoever built it
 * (config/backend_opts.c): at most one of bearer and basic auth, a
 * password source whenever user is set. */
struct fg_backend_access {
    struct fg_secret_source bearer;   /* bearer token */
    char *user;                       /* basic auth user (not secret) */
    struct fg_secret_source password; /* basic auth password */
    char *tenant;                     /* X-Scope-OrgID, or NULL */
    char **headers;                   /* NULL-terminated "Name: value" */
    char *cacert;                     /* CA bundle, or NULL */
    bool insecure;                    /* no TLS verification (loud) */
    double timeout, connect_timeout;  /* seconds */
    int retries;                      /* extra attempts (429, 5xx, I/O) */
    double backoff;                   /* first retry delay bound, seconds */
    size_t max_response;              /* body cap; 0: the limits' max_http */
    int parallel;                     /* requests in flight */
    unsigned int seed;                /* retry jitter seed (tests); 0: time */
};

/* One selection of profile data: a complete label selector and a time
 * range split into n equal, non-overlapping windows (fg_backend_windows),
 * one fetched profile each. */
struct fg_backend_selection {
    char *selector;          /* owned, e.g. {service_name="a",version="v2"} */
    int64_t from_ms, until_ms;
    size_t n;                /* windows, >= 1 */
};

/*
 * A checked, typed backend request, built at the edge from the user's
 * options (fg_backend_opts_resolve in config/backend_opts.h); the fetch
 * layer never parses option strings.  Release with fg_backend_req_release.
 */
struct fg_backend_req {
    enum fg_backend_kind kind;        /* NONE: live URLs only (access) */
    enum fg_backend_protocol protocol; /* resolved: CONNECT, REST, GRPC_WEB */
    char *url;                        /* server base URL */
    char *profile_type;               /* resolved (a per-backend default) */
    char *version_label;              /* for listings; "version" default */
    bool have[3];                     /* which of sel[] are filled */
    struct fg_backend_selection sel[3]; /* by enum fg_side_which */
    int64_t max_nodes;                /* Pyroscope max_nodes (0: server) */
    struct fg_backend_access access;

    /* Set by the CLI layer (borrowed; may be NULL). */
    int verbose;
    void (*log)(void *ctx, const char *line);   /* redacted trace */
    void *log_ctx;
    void (*on_progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
};

void fg_backend_req_init(struct fg_backend_req *r);
/* Free everything r owns and re-init it.  Idempotent. */
void fg_backend_req_release(struct fg_backend_req *r);

/* True when src starts with http:// or https:// (case-insensitive). */
bool fg_backend_is_url(const char *src);

/*
 * What became of the windows of one fg_backend_fetch_side (or the
 * captures of one URL of fg_backend_fetch_urls): a window without samples
 * (an empty answer, or a profile that has none: a canary younger than the
 * range, a service without traffic, an idle process) is dropped and
 * counted here.  Filled by the fetch; release with fg_fetch_tally_release.
 */
struct fg_fetch_tally {
    size_t windows;    /* windows fetched (captures made) */
    size_t empty;      /* of them without samples, dropped */
    size_t *empty_at;  /* owned: their indices (from 0), ascending */
};

/* Free what t owns and zero it.  Idempotent; NULL is accepted. */
void fg_fetch_tally_release(struct fg_fetch_tally *t);

/*
 * Fetch the windows of one selection of a backend request (o->have[side]
 * must be set, else FG_EUSAGE), decoded.  *runs is a malloc'd array of *n
 * owned profiles (free each with fg_profile_free, then the array).  lim
 * (borrowed) caps the decode; lim->max_http caps each response unless
 * o->access.max_response is set.
 *
 * Windows without samples: with tally NULL each is an error (FG_EHTTP
 * naming the window and what to check).  With a tally (filled by the
 * call, released by the caller) they are left out of *runs and counted in
 * it; when every window is empty the call succeeds with *n == 0 and the
 * caller decides (fg_backend_no_data_error words the error).
 */
int fg_backend_fetch_side(const struct fg_backend_req *o,
                          enum fg_side_which side,
                          const struct fg_limits *lim,
                          struct fg_profile ***runs, size_t *n,
                          struct fg_fetch_tally *tally,
                          struct fg_error *err) FG_MUST_CHECK;

/*
 * The error for a selection of o without any data: FG_EHTTP (returned)
 * naming the query, its time range and the server, and saying to check
 * --selector, --profile-type and the version.
 */
int fg_backend_no_data_error(const struct fg_backend_req *o,
                             enum fg_side_which side, struct fg_error *err);

/* Profiles of one source (fg_backend_fetch_urls): p[0..n), owned. */
struct fg_runs {
    struct fg_profile **p;
    size_t n;
};

/* Free the profiles and the array of r, and zero it.  Idempotent. */
void fg_runs_release(struct fg_runs *r);

/*
 * Capture live pprof endpoints (e.g. .../debug/pprof/profile?seconds=30)
 * `runs` times each, at the same time: round i captures run i of every
 * URL concurrently, and the next round starts when the whole round is
 * done.  The sides of a comparison thus cover the same stretch of time,
 * so a drift in load between captures shows on both sides instead of
 * biasing the comparison.  A URL is never captured twice at once (a Go
 * server allows one CPU profile at a time per process): URLs with the
 * same scheme://host:port are captured one after the other within a
 * round.  out[0..nurls) (caller's array) receives runs decoded profiles
 * per URL, in order; release each with fg_runs_release (also after a
 * failure).  Only o->access is used (auth, tenant, headers, TLS,
 * timeouts, retries, size); the timeout is raised to cover a ?seconds=N
 * capture.  An HTML page is FG_EHTTP.
 *
 * Captures without samples (an empty answer, or a profile that has
 * none), as the windows of fg_backend_fetch_side: with tallies NULL each
 * is FG_EHTTP naming the capture; with tallies (the caller's array of
 * nurls, filled by the call, each released by the caller with
 * fg_fetch_tally_release) they are left out of out[u] and counted in
 * tallies[u], so a URL may end with out[u].n == 0 and the caller decides.
 */
int fg_backend_fetch_urls(const struct fg_backend_req *o,
                          const char *const *urls, size_t nurls, size_t runs,
                          const struct fg_limits *lim, struct fg_runs *out,
                          struct fg_fetch_tally *tallies,
                          struct fg_error *err) FG_MUST_CHECK;

/* fg_backend_fetch_urls of one URL, strict (a capture without samples is
 * FG_EHTTP): *runs_out is a malloc'd array of *n owned profiles. */
int fg_backend_fetch_url(const struct fg_backend_req *o, const char *url,
                         size_t runs, const struct fg_limits *lim,
                         struct fg_profile ***runs_out, size_t *n,
                         struct fg_error *err) FG_MUST_CHECK;

/* ---- lower level: raw results, listings, helpers ---------------------- */

/* One fetched profile as received. */
struct fg_fetched {
    char *name;           /* owned: describes the query, for messages */
    struct fg_buf data;   /* owned: pprof, gzipped or not */
    char *note;           /* owned: a warning about this result for the
                           * user (e.g. the server pruned its flame
                           * graph), or NULL; fg_backend_decode gives it
                           * to the profile as its warning */
};

/* Free f[0..n) and the array.  NULL is accepted. */
void fg_fetched_free(struct fg_fetched *f, size_t n);

/*
 * Like fg_backend_fetch_side / _fetch_url without decoding: *out is a
 * malloc'd array of *n owned results, one per window or capture, in
 * order.  A window the server had no data for is kept with an empty data
 * buffer (see fg_backend_decode); an HTML page from a live endpoint is
 * FG_EHTTP.
 */
int fg_backend_fetch_side_raw(const struct fg_backend_req *o,
                              enum fg_side_which side,
                              const struct fg_limits *lim,
                              struct fg_fetched **out, size_t *n,
                              struct fg_error *err) FG_MUST_CHECK;
int fg_backend_fetch_url_raw(const struct fg_backend_req *o, const char *url,
                             size_t runs, const struct fg_limits *lim,
                             struct fg_fetched **out, size_t *n,
                             struct fg_error *err) FG_MUST_CHECK;

/* Decode one result (borrowed) into *out (owned): sniff selects
 * fg_source_decode (live endpoints may serve any supported format) over
 * fg_pprof_decode (backends always send pprof).  A result without samples
 * (an empty answer, or a profile that has none) is FG_OK with *out NULL:
 * whether that is an error is the caller's decision. */
int fg_backend_decode(const struct fg_fetched *f, bool sniff,
                      const struct fg_limits *lim, struct fg_profile **out,
                      struct fg_error *err) FG_MUST_CHECK;

/* The 1-based numbers of the windows idx[0..n) (ascending, from 0) as
 * ranges, e.g. "1-3, 5", into buf of size len (cut with "..." when it
 * does not fit); returns buf. */
const char *fg_backend_windows_text(const size_t *idx, size_t n, char *buf,
                                    size_t len);

/* Listings need o->have[FG_SIDE_PLAIN].
 * Profile types the server knows in the time range (Pyroscope IDs such
 * as "process_cpu:cpu:nanoseconds:cpu:nanoseconds"; Parca query names
 * with ":delta" when delta).  *out: malloc'd array of *n owned strings,
 * sorted; free with fg_backend_strings_free. */
int fg_backend_list_profile_types(const struct fg_backend_req *o,
                                  char ***out, size_t *n,
                                  struct fg_error *err) FG_MUST_CHECK;

/* Values of label (NULL: o->version_label) among the series matching the
 * plain selection in its time range, sorted. */
int fg_backend_list_label_values(const struct fg_backend_req *o,
                                 const char *label, char ***out, size_t *n,
                                 struct fg_error *err) FG_MUST_CHECK;

void fg_backend_strings_free(char **v, size_t n);

/* Split [from, until] into n windows: start[i], end[i] (ms).  Windows
 * do not overlap: each ends 1 ms before the next starts. */
void fg_backend_windows(int64_t from, int64_t until, size_t n,
                        int64_t *start, int64_t *end);

/* RFC 3339 UTC text of a millisecond time ("...T12:00:00.250Z"), into buf
 * of size n (at least 32). */
const char *fg_backend_format_time(int64_t ms, char *buf, size_t n);

#endif
