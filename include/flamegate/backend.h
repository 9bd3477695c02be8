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
 * server or the network did wrong, including an empty result (exit 3),
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

/* Parca transport: the REST gateway (default) or gRPC-Web. */
enum fg_backend_protocol {
    FG_PROTO_DEFAULT = 0,
    FG_PROTO_REST = 1,
    FG_PROTO_GRPC_WEB = 2,
    FG_PROTO_CONNECT = 3 /* Pyroscope (its only one) */
};

enum fg_side_which { FG_SIDE_BASE = 0, FG_SIDE_CANDIDATE = 1 };

/* Everything owned (char * fields are malloc'd copies). */
struct fg_backend_opts {
    enum fg_backend_kind kind;        /* --backend */
    enum fg_backend_protocol protocol; /* --protocol */
    char *url;                        /* --url: server base URL */
    char *profile_type;               /* NULL: per-backend default */
    char *selector;                   /* NULL: "{}" */
    char *version_label;              /* --version-label */
    char *version[2];                 /* --base-version, --candidate-version */
    char *from, *until;               /* NULL: "now-1h", "now" */
    char *side_from[2], *side_until[2]; /* --base-from ... overrides */
    int64_t now_ms;                   /* "now", fixed by _init so both
                                         sides use the same instant */
    size_t runs;                      /* windows per side (1) */
    int64_t step_ms;                  /* --step: window length (0: runs) */
    int64_t max_nodes;                /* Pyroscope max_nodes (0: server) */

    char *token_env, *token_file;     /* bearer token source */
    char *user;                       /* basic auth user (not secret) */
    char *password_env, *password_file;
    char *tenant;                     /* X-Scope-OrgID */
    char **headers;                   /* NULL-terminated "Name: value" */
    size_t n_headers;
    char *cacert;
    bool insecure;

    double timeout, connect_timeout;  /* seconds (60, 10) */
    int retries;                      /* 3 */
    double backoff;                   /* first retry delay bound (0.5 s) */
    size_t max_response;              /* 0: the limits' max_http */
    int parallel;                     /* requests in flight (4) */
    unsigned int seed;                /* retry jitter seed (tests) */

    /* Set by the CLI layer (borrowed; may be NULL). */
    int verbose;
    void (*log)(void *ctx, const char *line);   /* redacted trace */
    void *log_ctx;
    void (*on_progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
};

void fg_backend_opts_init(struct fg_backend_opts *o);
void fg_backend_opts_release(struct fg_backend_opts *o);

/*
 * Long option names (without "--") taking one argument that
 * fg_backend_opts_set accepts, NULL-terminated; and those without an
 * argument (value NULL or "true"/"false").  "header" is repeatable;
 * every other option replaces the previous value.
 */
extern const char *const fg_backend_arg_options[];
extern const char *const fg_backend_flag_options[];

/* Apply one option.  FG_EUSAGE names the option and the bad value. */
int fg_backend_opts_set(struct fg_backend_opts *o, const char *name,
                        const char *value,
                        struct fg_error *err) FG_MUST_CHECK;

/* True when --backend was given. */
bool fg_backend_opts_active(const struct fg_backend_opts *o);

/* True when src starts with http:// or https:// (case-insensitive). */
bool fg_backend_is_url(const char *src);

/*
 * Fetch the runs of one side of a backend selection, decoded.  *runs is
 * a malloc'd array of *n owned profiles (free each with fg_profile_free,
 * then the array).  lim (borrowed) caps the decode; lim->max_http caps
 * each response unless o->max_response is set; more windows than
 * lim->max_runs is FG_ELIMIT.  Base and candidate selecting exactly the
 * same data (no version and no per-side range) is FG_EUSAGE.
 */
int fg_backend_fetch_side(const struct fg_backend_opts *o,
                          enum fg_side_which side,
                          const struct fg_limits *lim,
                          struct fg_profile ***runs, size_t *n,
                          struct fg_error *err) FG_MUST_CHECK;

/*
 * Fetch a live pprof endpoint (e.g. .../debug/pprof/profile?seconds=30)
 * `runs` times, one capture after the other (a Go server allows only one
 * CPU profile at a time, and each capture is its own time window).  Only
 * the access options of o are used (auth, tenant, headers, TLS, timeouts,
 * retries, size).  The timeout is raised to cover a ?seconds=N capture.
 */
int fg_backend_fetch_url(const struct fg_backend_opts *o, const char *url,
                         size_t runs, const struct fg_limits *lim,
                         struct fg_profile ***runs_out, size_t *n,
                         struct fg_error *err) FG_MUST_CHECK;

/* ---- lower level: raw results, listings, helpers ---------------------- */

/* One fetched profile as received. */
struct fg_fetched {
    char *name;           /* owned: describes the query, for messages */
    struct fg_buf data;   /* owned: pprof, gzipped or not */
};

/* Free f[0..n) and the array.  NULL is accepted. */
void fg_fetched_free(struct fg_fetched *f, size_t n);

/* Like fg_backend_fetch_side / _fetch_url without decoding: *out is a
 * malloc'd array of *n owned results.  Empty results are FG_EHTTP. */
int fg_backend_fetch_side_raw(const struct fg_backend_opts *o,
                              enum fg_side_which side,
                              const struct fg_limits *lim,
                              struct fg_fetched **out, size_t *n,
                              struct fg_error *err) FG_MUST_CHECK;
int fg_backend_fetch_url_raw(const struct fg_backend_opts *o, const char *url,
                             size_t runs, const struct fg_limits *lim,
                             struct fg_fetched **out, size_t *n,
                             struct fg_error *err) FG_MUST_CHECK;

/* The selection without any version matcher (o->selector as given) and
 * the common time range: what `flamegate fetch` uses without --side. */
int fg_backend_fetch_plain_raw(const struct fg_backend_opts *o,
                               const struct fg_limits *lim,
                               struct fg_fetched **out, size_t *n,
                               struct fg_error *err) FG_MUST_CHECK;

/* Decode one result (borrowed) into *out (owned): sniff selects
 * fg_source_decode (live endpoints may serve any supported format) over
 * fg_pprof_decode (backends always send pprof).  A profile without
 * samples is FG_EHTTP: the selection matched nothing. */
int fg_backend_decode(const struct fg_fetched *f, bool sniff,
                      const struct fg_limits *lim, struct fg_profile **out,
                      struct fg_error *err) FG_MUST_CHECK;

/* Profile types the server knows in the time range (Pyroscope IDs such
 * as "process_cpu:cpu:nanoseconds:cpu:nanoseconds"; Parca query names
 * with ":delta" when delta).  *out: malloc'd array of *n owned strings,
 * sorted; free with fg_backend_strings_free. */
int fg_backend_list_profile_types(const struct fg_backend_opts *o,
                                  char ***out, size_t *n,
                                  struct fg_error *err) FG_MUST_CHECK;

/* Values of label (NULL: o->version_label, else "version") among the
 * series matching o->selector in the time range, sorted. */
int fg_backend_list_label_values(const struct fg_backend_opts *o,
                                 const char *label, char ***out, size_t *n,
                                 struct fg_error *err) FG_MUST_CHECK;

void fg_backend_strings_free(char **v, size_t n);

/*
 * Parse a time: "now", "now-1h" / "now+30m" (units ms, s, m, h, d, w;
 * several may follow each other, "now-1h30m"), RFC 3339
 * ("2024-05-01T12:00:00Z", fraction and offset allowed, or a bare
 * "2024-05-01" for midnight UTC), or Unix time in seconds, milliseconds,
 * microseconds or nanoseconds (chosen by the number of digits: up to 11,
 * 14, 17, more).  what names the option in errors ("--from").
 */
int fg_backend_parse_time(const char *s, int64_t now_ms, const char *what,
                          int64_t *out_ms, struct fg_error *err) FG_MUST_CHECK;

/*
 * Add label="value" to a Prometheus-style selector ("{a=\"b\"}", "{}",
 * or the bare matchers "a=\"b\""), quoting the value (\\, \" and \n
 * escaped) and the name when it is not an identifier.  *out is malloc'd.
 * label NULL: the selector is only normalised.
 */
int fg_backend_selector_with(const char *selector, const char *label,
                             const char *value, char **out,
                             struct fg_error *err) FG_MUST_CHECK;

/* Split [from, until] into n windows: start[i], end[i] (ms).  Windows
 * do not overlap: each ends 1 ms before the next starts. */
void fg_backend_windows(int64_t from, int64_t until, size_t n,
                        int64_t *start, int64_t *end);

/* RFC 3339 UTC text of a millisecond time ("...T12:00:00.250Z"), into buf
 * of size n (at least 32). */
const char *fg_backend_format_time(int64_t ms, char *buf, size_t n);

#endif
