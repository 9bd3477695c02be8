/*
 * backend_opts.h - the backend options as the user gives them (flags,
 * FLAMEGATE_* variables, config files), checked and turned into a typed
 * request (struct fg_backend_req, flamegate/backend.h) at the edge, so
 * the fetch layer never parses an option string.
 *
 * Times, selectors and the choice of windows are resolved here, once, with
 * the same "now" for both sides; secrets are named here (an environment
 * variable or a file) and read only by the fetch layer.
 */
#ifndef FLAMEGATE_CONFIG_BACKEND_OPTS_H
#define FLAMEGATE_CONFIG_BACKEND_OPTS_H

#include "flamegate/backend.h"

/* Everything owned (char * fields are malloc'd copies of the values). */
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

/* Which selections a request must carry (fg_backend_opts_resolve). */
enum {
    FG_WANT_BASE = 1u << FG_SIDE_BASE,
    FG_WANT_CANDIDATE = 1u << FG_SIDE_CANDIDATE,
    FG_WANT_PLAIN = 1u << FG_SIDE_PLAIN
};

/*
 * Check o and build the typed request *req (initialised here; the caller
 * releases it with fg_backend_req_release, also after a failure).  The
 * access part (auth sources, tenant, headers, TLS, timeouts, retries) is
 * always filled; want (FG_WANT_* bits) names the selections that will be
 * fetched, which need --backend and --url and are resolved to a complete
 * selector, a time range and a number of windows.  Wanting both sides also
 * checks that they select different data.  lim (may be NULL) caps the
 * windows with max_runs.  Errors: FG_EUSAGE naming the option, FG_ELIMIT
 * for too many windows.
 */
int fg_backend_opts_resolve(const struct fg_backend_opts *o, unsigned want,
                            const struct fg_limits *lim,
                            struct fg_backend_req *req,
                            struct fg_error *err) FG_MUST_CHECK;

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

#endif
