/*
 * backend.c - planning and fetching for the profiling backends and live
 * pprof endpoints, and the listings (see backend.h; option, time and
 * selector parsing is in backend_opts.c).
 */
#include "flamegate/backend.h"
#include "net/parca.h"
#include "input/pprof.h"
#include "net/pyroscope.h"
#include "flamegate/source.h"
#include "core/util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PYROSCOPE_DEFAULT_TYPE "process_cpu:cpu:nanoseconds:cpu:nanoseconds"
#define PARCA_DEFAULT_TYPE "process_cpu:samples:count:cpu:nanoseconds:delta"
#define MAX_SECRET 65536

static const char *const side_names[2] = {"base", "candidate"};

/* ---- secrets and HTTP options ------------------------------------------- */

struct secrets {
    char *bearer;
    char *password;
};

static void secret_free(char *s)
{
    if (!s)
        return;
    volatile char *v = s;
    while (*v)
        *v++ = 0;
    free(s);
}

static void secrets_release(struct secrets *s)
{
    secret_free(s->bearer);
    secret_free(s->password);
    s->bearer = s->password = NULL;
}

/* One secret from an environment variable or a file (never argv). */
static int load_secret(const char *env, const char *file,
                       const char *env_opt, const char *file_opt, char **out,
                       struct fg_error *err)
{
    *out = NULL;
    if (env && file)
        return fg_error_set(err, FG_EUSAGE, "give either --%s or --%s",
                            env_opt, file_opt);
    if (env) {
        const char *v = getenv(env);
        if (!v || !*v)
            return fg_error_set(err, FG_EUSAGE,
                                "environment variable '%s' (from --%s) is "
                                "not set or empty",
                                env, env_opt);
        *out = fg_xstrdup(v);
    } else if (file) {
        unsigned char *data = NULL;
        size_t len = 0;
        struct fg_error ferr = {0};
        int rc = fg_read_file(file, MAX_SECRET, &data, &len, &ferr);
        if (rc != FG_OK)
            return fg_error_set(err, FG_EUSAGE, "--%s: %s", file_opt,
                                ferr.msg);
        /* Files usually end with a newline. */
        while (len > 0 && isspace(data[len - 1]))
            data[--len] = '\0';
        if (len == 0) {
            free(data);
            return fg_error_set(err, FG_EUSAGE, "--%s '%s' is empty",
                                file_opt, file);
        }
        *out = (char *)data;
    } else {
        return FG_OK;
    }
    if (strpbrk(*out, "\r\n")) {
        secret_free(*out);
        *out = NULL;
        return fg_error_set(err, FG_EUSAGE,
                            "the secret from --%s contains a line break",
                            env ? env_opt : file_opt);
    }
    return FG_OK;
}

static int load_secrets(const struct fg_backend_opts *o, struct secrets *s,
                        struct fg_error *err)
{
    memset(s, 0, sizeof(*s));
    bool basic = o->user || o->password_env || o->password_file;
    bool bearer = o->token_env || o->token_file;
    if (basic && bearer)
        return fg_error_set(err, FG_EUSAGE,
                            "choose either a bearer token (--token-env, "
                            "--token-file) or basic auth (--user with "
                            "--password-env or --password-file)");
    if (basic && !o->user)
        return fg_error_set(err, FG_EUSAGE,
                            "--password-env/--password-file need --user");
    if (basic && !o->password_env && !o->password_file)
        return fg_error_set(err, FG_EUSAGE,
                            "--user needs --password-env or "
                            "--password-file (passwords are never taken "
                            "from the command line)");
    int rc = load_secret(o->token_env, o->token_file, "token-env",
                         "token-file", &s->bearer, err);
    if (rc == FG_OK)
        rc = load_secret(o->password_env, o->password_file, "password-env",
                         "password-file", &s->password, err);
    if (rc != FG_OK)
        secrets_release(s);
    return rc;
}

static void http_opts(const struct fg_backend_opts *o,
                      const struct fg_limits *lim, const struct secrets *s,
                      struct fg_http_opts *h)
{
    fg_http_opts_default(h);
    h->auth.bearer = s->bearer;
    h->auth.user = s->password ? o->user : NULL;
    h->auth.password = s->password;
    h->tenant = o->tenant;
    h->headers = (const char *const *)o->headers;
    h->cacert = o->cacert;
    h->insecure = o->insecure;
    h->connect_timeout = o->connect_timeout;
    h->timeout = o->timeout;
    h->retries = o->retries;
    h->backoff = o->backoff;
    h->max_response = o->max_response ? o->max_response
                      : lim && lim->max_http ? lim->max_http
                                             : h->max_response;
    h->max_parallel = o->parallel;
    h->progress = o->on_progress != NULL;
    h->on_progress = o->on_progress;
    h->progress_ctx = o->progress_ctx;
    h->seed = o->seed;
    h->verbose = o->verbose;
}

static void logf_(const struct fg_backend_opts *o, const char *fmt, ...)
    FG_PRINTF(2, 3);

static void logf_(const struct fg_backend_opts *o, const char *fmt, ...)
{
    if (!o->log)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    o->log(o->log_ctx, line);
}

/* ---- planning a side ---------------------------------------------------- */

struct plan {
    char *selector;       /* with the version matcher */
    const char *ptype;
    int64_t from, until;
    size_t n;
    int64_t *start, *end;
};

static void plan_release(struct plan *p)
{
    free(p->selector);
    free(p->start);
    free(p->end);
    memset(p, 0, sizeof(*p));
}

static const char *kind_name(enum fg_backend_kind k)
{
    return k == FG_BACKEND_PARCA ? "parca" : "pyroscope";
}

static int check_target(const struct fg_backend_opts *o,
                        struct fg_error *err)
{
    if (o->kind == FG_BACKEND_NONE)
        return fg_error_set(err, FG_EUSAGE,
                            "no backend: give --backend pyroscope or "
                            "--backend parca");
    if (!o->url)
        return fg_error_set(err, FG_EUSAGE, "--backend %s needs --url",
                            kind_name(o->kind));
    if (o->kind == FG_BACKEND_PYROSCOPE &&
        (o->protocol == FG_PROTO_REST || o->protocol == FG_PROTO_GRPC_WEB))
        return fg_error_set(err, FG_EUSAGE,
                            "Pyroscope speaks the Connect protocol only; "
                            "drop --protocol");
    if (o->kind == FG_BACKEND_PARCA && o->protocol == FG_PROTO_CONNECT)
        return fg_error_set(err, FG_EUSAGE,
                            "Parca does not speak Connect: use --protocol "
                            "rest or grpc-web");
    return FG_OK;
}

static const char *profile_type(const struct fg_backend_opts *o)
{
    if (o->profile_type)
        return o->profile_type;
    return o->kind == FG_BACKEND_PARCA ? PARCA_DEFAULT_TYPE
                                       : PYROSCOPE_DEFAULT_TYPE;
}

static int side_range(const struct fg_backend_opts *o, int side,
                      int64_t *from, int64_t *until, struct fg_error *err)
{
    const char *f = o->from ? o->from : "now-1h";
    const char *u = o->until ? o->until : "now";
    const char *fwhat = "--from", *uwhat = "--until";
    if (side >= 0 && o->side_from[side]) {
        f = o->side_from[side];
        fwhat = side ? "--candidate-from" : "--base-from";
    }
    if (side >= 0 && o->side_until[side]) {
        u = o->side_until[side];
        uwhat = side ? "--candidate-until" : "--base-until";
    }
    int rc = fg_backend_parse_time(f, o->now_ms, fwhat, from, err);
    if (rc == FG_OK)
        rc = fg_backend_parse_time(u, o->now_ms, uwhat, until, err);
    if (rc == FG_OK && *from >= *until) {
        char a[40], b[40];
        rc = fg_error_set(err, FG_EUSAGE,
                          "%s (%s) is not before %s (%s)", fwhat,
                          fg_backend_format_time(*from, a, sizeof(a)), uwhat,
                          fg_backend_format_time(*until, b, sizeof(b)));
    }
    return rc;
}

static int side_selector(const struct fg_backend_opts *o, int side,
                         char **out, struct fg_error *err)
{
    const char *label = o->version_label;
    bool any_version = o->version[0] || o->version[1];
    if (!label && any_version)
        label = "version";
    if (side >= 0 && label && !o->version[side])
        return fg_error_set(err, FG_EUSAGE,
                            "--version-label '%s' needs --%s-version",
                            label, side_names[side]);
    if (side < 0 || !label)
        return fg_backend_selector_with(o->selector, NULL, NULL, out, err);
    return fg_backend_selector_with(o->selector, label, o->version[side],
                                    out, err);
}

/* side -1: no version matcher (fetch of a plain selection). */
static int make_plan(const struct fg_backend_opts *o, int side,
                     const struct fg_limits *lim, struct plan *p,
                     struct fg_error *err)
{
    memset(p, 0, sizeof(*p));
    int rc = check_target(o, err);
    if (rc == FG_OK)
        rc = side_range(o, side, &p->from, &p->until, err);
    if (rc == FG_OK)
        rc = side_selector(o, side, &p->selector, err);
    if (rc != FG_OK)
        goto out;
    p->ptype = profile_type(o);
    int64_t span = p->until - p->from;
    if (o->step_ms > 0) {
        int64_t k = span / o->step_ms;
        if (k < 1) {
            rc = fg_error_set(err, FG_EUSAGE,
                              "--step is longer than the time range");
            goto out;
        }
        p->n = (size_t)k;
        p->from = p->until - k * o->step_ms; /* the newest data */
    } else {
        p->n = o->runs ? o->runs : 1;
    }
    if (lim && lim->max_runs && p->n > lim->max_runs) {
        rc = fg_error_set(err, FG_ELIMIT,
                          "%zu windows exceed the limit of %zu runs per "
                          "side (raise with --max-runs)",
                          p->n, lim->max_runs);
        goto out;
    }
    if ((int64_t)p->n > span / 1000) {
        rc = fg_error_set(err, FG_EUSAGE,
                          "the time range is too short for %zu windows of "
                          "at least one second",
                          p->n);
        goto out;
    }
    p->start = fg_xcalloc(p->n, sizeof(*p->start));
    p->end = fg_xcalloc(p->n, sizeof(*p->end));
    fg_backend_windows(p->from, p->until, p->n, p->start, p->end);
out:
    if (rc != FG_OK)
        plan_release(p);
    return rc;
}

/* ---- fetching ----------------------------------------------------------- */

void fg_fetched_free(struct fg_fetched *f, size_t n)
{
    if (!f)
        return;
    for (size_t i = 0; i < n; i++) {
        free(f[i].name);
        fg_buf_release(&f[i].data);
    }
    free(f);
}

static char *window_name(const struct fg_backend_opts *o,
                         const struct plan *p, size_t i)
{
    char a[40], b[40];
    fg_backend_format_time(p->start[i], a, sizeof(a));
    fg_backend_format_time(p->end[i], b, sizeof(b));
    if (p->n == 1)
        return fg_xasprintf("%s %s%s %s..%s", kind_name(o->kind), p->ptype,
                            p->selector, a, b);
    return fg_xasprintf("%s %s%s %s..%s (window %zu/%zu)",
                        kind_name(o->kind), p->ptype, p->selector, a, b,
                        i + 1, p->n);
}

static int merge(const struct fg_backend_opts *o, const struct plan *p,
                 const struct fg_http_opts *h, const struct fg_http_ext *x,
                 struct fg_buf *out, struct fg_error *err)
{
    int rc;
    if (o->kind == FG_BACKEND_PARCA) {
        struct fg_parca_query *q = fg_xcalloc(p->n, sizeof(*q));
        char *query = fg_xasprintf("%s%s", p->ptype, p->selector);
        for (size_t i = 0; i < p->n; i++)
            q[i] = (struct fg_parca_query){query, p->start[i], p->end[i]};
        enum fg_parca_transport t = o->protocol == FG_PROTO_GRPC_WEB
                                        ? FG_PARCA_GRPC_WEB
                                        : FG_PARCA_REST;
        rc = fg_parca_merge(h, x, o->url, t, q, p->n, out, err);
        free(query);
        free(q);
        return rc;
    }
    struct fg_pyroscope_query *q = fg_xcalloc(p->n, sizeof(*q));
    for (size_t i = 0; i < p->n; i++)
        q[i] = (struct fg_pyroscope_query){p->ptype, p->selector,
                                           p->start[i], p->end[i],
                                           o->max_nodes};
    rc = fg_pyroscope_merge(h, x, o->url, q, p->n, out, NULL, err);
    free(q);
    return rc;
}

static int no_data(const struct fg_backend_opts *o, const char *name,
                   struct fg_error *err)
{
    char *url = fg_http_redact_url(o->url);
    fg_error_set(err, FG_EHTTP,
                 "no profile data for %s at '%s': check --selector, "
                 "--profile-type (see --list-profile-types) and the "
                 "version (see --list-versions)",
                 name, url);
    free(url);
    return FG_EHTTP;
}

static int fetch_plan(const struct fg_backend_opts *o, const struct plan *p,
                      const struct fg_limits *lim, struct fg_fetched **out,
                      size_t *n, struct fg_error *err)
{
    struct secrets s;
    int rc = load_secrets(o, &s, err);
    if (rc != FG_OK)
        return rc;
    struct fg_http_opts h;
    http_opts(o, lim, &s, &h);
    struct fg_http_ext x = {.log = o->log, .log_ctx = o->log_ctx};
    struct fg_buf *bufs = fg_xcalloc(p->n, sizeof(*bufs));
    struct fg_fetched *f = fg_xcalloc(p->n, sizeof(*f));
    char a[40];
    logf_(o, "* %s: %s%s from %s, %zu window%s", kind_name(o->kind),
          p->ptype, p->selector, fg_backend_format_time(p->from, a, sizeof(a)),
          p->n, p->n == 1 ? "" : "s");
    rc = merge(o, p, &h, &x, bufs, err);
    for (size_t i = 0; i < p->n; i++) {
        f[i].name = window_name(o, p, i);
        f[i].data = bufs[i];
        if (rc == FG_OK && f[i].data.len == 0)
            rc = no_data(o, f[i].name, err);
    }
    free(bufs);
    secrets_release(&s);
    if (rc != FG_OK) {
        fg_fetched_free(f, p->n);
        return rc;
    }
    *out = f;
    *n = p->n;
    return FG_OK;
}

int fg_backend_fetch_side_raw(const struct fg_backend_opts *o,
                              enum fg_side_which side,
                              const struct fg_limits *lim,
                              struct fg_fetched **out, size_t *n,
                              struct fg_error *err)
{
    *out = NULL;
    *n = 0;
    struct plan p;
    int rc = make_plan(o, (int)side, lim, &p, err);
    if (rc == FG_OK)
        rc = fetch_plan(o, &p, lim, out, n, err);
    plan_release(&p);
    return rc;
}

int fg_backend_fetch_plain_raw(const struct fg_backend_opts *o,
                               const struct fg_limits *lim,
                               struct fg_fetched **out, size_t *n,
                               struct fg_error *err)
{
    *out = NULL;
    *n = 0;
    struct plan p;
    int rc = make_plan(o, -1, lim, &p, err);
    if (rc == FG_OK)
        rc = fetch_plan(o, &p, lim, out, n, err);
    plan_release(&p);
    return rc;
}

/* The seconds=N of a capture URL, or 0. */
static double capture_seconds(const char *url)
{
    const char *q = strchr(url, '?');
    while (q) {
        q++;
        if (strncmp(q, "seconds=", 8) == 0)
            return strtod(q + 8, NULL);
        q = strchr(q, '&');
    }
    return 0;
}

int fg_backend_fetch_url_raw(const struct fg_backend_opts *o, const char *url,
                             size_t runs, const struct fg_limits *lim,
                             struct fg_fetched **out, size_t *n,
                             struct fg_error *err)
{
    *out = NULL;
    *n = 0;
    if (runs == 0)
        runs = 1;
    if (lim && lim->max_runs && runs > lim->max_runs)
        return fg_error_set(err, FG_ELIMIT,
                            "%zu runs exceed the limit of %zu (raise with "
                            "--max-runs)",
                            runs, lim->max_runs);
    struct secrets s;
    int rc = load_secrets(o, &s, err);
    if (rc != FG_OK)
        return rc;
    struct fg_http_opts h;
    http_opts(o, lim, &s, &h);
    h.max_parallel = 1; /* one capture after the other */
    double secs = capture_seconds(url);
    if (secs > 0 && h.timeout < secs + 30)
        h.timeout = secs + 30;
    struct fg_http_ext x = {.log = o->log, .log_ctx = o->log_ctx};
    struct fg_http_request *req = fg_xcalloc(runs, sizeof(*req));
    struct fg_http_response *resp = fg_xcalloc(runs, sizeof(*resp));
    for (size_t i = 0; i < runs; i++)
        req[i] = (struct fg_http_request){.method = "GET", .url = url};
    rc = fg_http_many_ext(&h, &x, req, runs, resp, err);
    struct fg_fetched *f = fg_xcalloc(runs, sizeof(*f));
    char *red = fg_http_redact_url(url);
    for (size_t i = 0; i < runs; i++) {
        if (rc == FG_OK && resp[i].content_type &&
            strncasecmp(resp[i].content_type, "text/html", 9) == 0)
            rc = fg_http_response_error(&h, url, &resp[i],
                                        "a pprof profile", err);
        if (rc == FG_OK && resp[i].body.len == 0)
            rc = fg_error_set(err, FG_EHTTP, "empty answer from '%s'", red);
        f[i].name = runs == 1 ? fg_xstrdup(red)
                              : fg_xasprintf("%s (capture %zu/%zu)", red,
                                             i + 1, runs);
        f[i].data = resp[i].body;
        fg_buf_init(&resp[i].body, 0);
        fg_http_response_release(&resp[i]);
    }
    free(red);
    free(resp);
    free(req);
    secrets_release(&s);
    if (rc != FG_OK) {
        fg_fetched_free(f, runs);
        return rc;
    }
    *out = f;
    *n = runs;
    return FG_OK;
}

/* ---- decoding ----------------------------------------------------------- */

static int decode_all(struct fg_fetched *f, size_t n, bool sniff,
                      const struct fg_limits *lim, struct fg_profile ***runs,
                      size_t *nruns, struct fg_error *err)
{
    struct fg_profile **ps = fg_xcalloc(n ? n : 1, sizeof(*ps));
    int rc = FG_OK;
    for (size_t i = 0; i < n && rc == FG_OK; i++) {
        const unsigned char *d = (const unsigned char *)f[i].data.data;
        rc = sniff ? fg_source_decode(d, f[i].data.len, f[i].name, lim,
                                      &ps[i], err)
                   : fg_pprof_decode(d, f[i].data.len, f[i].name, lim,
                                     &ps[i], err);
        if (rc == FG_OK && ps[i]->n_samples == 0)
            rc = fg_error_set(err, FG_EHTTP,
                              "%s: the profile has no samples", f[i].name);
    }
    if (rc != FG_OK) {
        for (size_t i = 0; i < n; i++)
            fg_profile_free(ps[i]);
        free(ps);
        return rc;
    }
    *runs = ps;
    *nruns = n;
    return FG_OK;
}

/* Both sides selecting the same data is almost always a forgotten
 * --candidate-version, and would pass any gate. */
static int check_sides_differ(const struct fg_backend_opts *o,
                              struct fg_error *err)
{
    struct plan a, b;
    struct fg_error ignore;
    if (make_plan(o, 0, NULL, &a, &ignore) != FG_OK)
        return FG_OK; /* reported by the real call */
    int rc = FG_OK;
    if (make_plan(o, 1, NULL, &b, &ignore) == FG_OK) {
        if (strcmp(a.selector, b.selector) == 0 && a.from == b.from &&
            a.until == b.until)
            rc = fg_error_set(err, FG_EUSAGE,
                              "base and candidate select the same data: give "
                              "--base-version and --candidate-version (with "
                              "--version-label), or --base-from/--base-until "
                              "and --candidate-from/--candidate-until");
        plan_release(&b);
    }
    plan_release(&a);
    return rc;
}

int fg_backend_fetch_side(const struct fg_backend_opts *o,
                          enum fg_side_which side, const struct fg_limits *lim,
                          struct fg_profile ***runs, size_t *n,
                          struct fg_error *err)
{
    *runs = NULL;
    *n = 0;
    int rc = check_sides_differ(o, err);
    if (rc != FG_OK)
        return rc;
    struct fg_fetched *f = NULL;
    size_t k = 0;
    rc = fg_backend_fetch_side_raw(o, side, lim, &f, &k, err);
    if (rc == FG_OK)
        rc = decode_all(f, k, false, lim, runs, n, err);
    fg_fetched_free(f, k);
    return rc;
}

int fg_backend_fetch_url(const struct fg_backend_opts *o, const char *url,
                         size_t runs, const struct fg_limits *lim,
                         struct fg_profile ***runs_out, size_t *n,
                         struct fg_error *err)
{
    *runs_out = NULL;
    *n = 0;
    struct fg_fetched *f = NULL;
    size_t k = 0;
    int rc = fg_backend_fetch_url_raw(o, url, runs, lim, &f, &k, err);
    if (rc == FG_OK)
        rc = decode_all(f, k, true, lim, runs_out, n, err);
    fg_fetched_free(f, k);
    return rc;
}

int fg_backend_decode(const struct fg_fetched *f, bool sniff,
                      const struct fg_limits *lim, struct fg_profile **out,
                      struct fg_error *err)
{
    struct fg_profile **ps = NULL;
    size_t n = 0;
    int rc = decode_all((struct fg_fetched *)(uintptr_t)f, 1, sniff, lim,
                        &ps, &n, err);
    if (rc == FG_OK) {
        *out = ps[0];
        free(ps);
    }
    return rc;
}

/* ---- listings ----------------------------------------------------------- */

void fg_backend_strings_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_unique(char **v, size_t *n)
{
    if (*n == 0)
        return;
    qsort(v, *n, sizeof(*v), cmp_str);
    size_t k = 1;
    for (size_t i = 1; i < *n; i++) {
        if (strcmp(v[i], v[k - 1]) == 0)
            free(v[i]);
        else
            v[k++] = v[i];
    }
    *n = k;
}

int fg_backend_list_profile_types(const struct fg_backend_opts *o,
                                  char ***out, size_t *n,
                                  struct fg_error *err)
{
    *out = NULL;
    *n = 0;
    int64_t from, until;
    int rc = check_target(o, err);
    if (rc == FG_OK)
        rc = side_range(o, -1, &from, &until, err);
    struct secrets s;
    if (rc == FG_OK)
        rc = load_secrets(o, &s, err);
    if (rc != FG_OK)
        return rc;
    struct fg_http_opts h;
    http_opts(o, NULL, &s, &h);
    struct fg_http_ext x = {.log = o->log, .log_ctx = o->log_ctx};
    if (o->kind == FG_BACKEND_PARCA)
        rc = fg_parca_profile_types(&h, &x, o->url, out, n, err);
    else
        rc = fg_pyroscope_profile_types(&h, &x, o->url, from, until, out, n,
                                        err);
    secrets_release(&s);
    if (rc == FG_OK)
        sort_unique(*out, n);
    return rc;
}

int fg_backend_list_label_values(const struct fg_backend_opts *o,
                                 const char *label, char ***out, size_t *n,
                                 struct fg_error *err)
{
    *out = NULL;
    *n = 0;
    if (!label)
        label = o->version_label ? o->version_label : "version";
    int64_t from, until;
    char *sel = NULL;
    struct secrets s = {0};
    int rc = check_target(o, err);
    if (rc == FG_OK)
        rc = side_range(o, -1, &from, &until, err);
    if (rc == FG_OK)
        rc = fg_backend_selector_with(o->selector, NULL, NULL, &sel, err);
    if (rc == FG_OK)
        rc = load_secrets(o, &s, err);
    if (rc != FG_OK)
        goto out;
    struct fg_http_opts h;
    http_opts(o, NULL, &s, &h);
    struct fg_http_ext x = {.log = o->log, .log_ctx = o->log_ctx};
    if (o->kind == FG_BACKEND_PARCA)
        rc = fg_parca_label_values(&h, &x, o->url, label, sel,
                                   profile_type(o), from, until, out, n,
                                   err);
    else
        rc = fg_pyroscope_label_values(&h, &x, o->url, label, sel, from,
                                       until, out, n, err);
    if (rc == FG_OK)
        sort_unique(*out, n);
out:
    secrets_release(&s);
    free(sel);
    return rc;
}
