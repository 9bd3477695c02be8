/*
 * backend.c - fetching for the profiling backends and live pprof
 * endpoints, and the listings (see backend.h).  It receives a checked,
 * typed request (config/backend_opts.c builds it from the options).
 */
#include "flamegate/backend.h"
#include "net/parca.h"
#include "input/pprof.h"
#include "net/pyroscope.h"
#include "flamegate/source.h"
#include "core/arena.h"
#include "core/util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_SECRET 65536

/* ---- requests ------------------------------------------------------------ */

void fg_backend_req_init(struct fg_backend_req *r)
{
    memset(r, 0, sizeof(*r));
    r->access.timeout = 60;
    r->access.connect_timeout = 10;
    r->access.retries = 3;
    r->access.backoff = 0.5;
    r->access.parallel = 4;
}

static void source_release(struct fg_secret_source *s)
{
    free(s->env);
    free(s->file);
}

void fg_backend_req_release(struct fg_backend_req *r)
{
    free(r->url);
    free(r->profile_type);
    free(r->version_label);
    for (size_t i = 0; i < 3; i++)
        free(r->sel[i].selector);
    struct fg_backend_access *a = &r->access;
    source_release(&a->bearer);
    source_release(&a->password);
    free(a->user);
    free(a->tenant);
    for (size_t i = 0; a->headers && a->headers[i]; i++)
        free(a->headers[i]);
    free(a->headers);
    free(a->cacert);
    fg_backend_req_init(r);
}

bool fg_backend_is_url(const char *src)
{
    return src && (strncasecmp(src, "http://", 7) == 0 ||
                   strncasecmp(src, "https://", 8) == 0);
}

const char *fg_backend_format_time(int64_t ms, char *buf, size_t n)
{
    int64_t secs = ms / 1000, frac = ms % 1000;
    if (frac < 0) {
        frac += 1000;
        secs--;
    }
    time_t t = (time_t)secs;
    struct tm tm;
    gmtime_r(&t, &tm);
    char base[32];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    if (frac)
        snprintf(buf, n, "%s.%03dZ", base, (int)frac);
    else
        snprintf(buf, n, "%sZ", base);
    return buf;
}

void fg_backend_windows(int64_t from, int64_t until, size_t n,
                        int64_t *start, int64_t *end)
{
    int64_t span = until - from;
    for (size_t i = 0; i < n; i++)
        start[i] = from + (int64_t)((double)span * (double)i / (double)n);
    for (size_t i = 0; i < n; i++)
        end[i] = i + 1 < n ? start[i + 1] - 1 : until;
}

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
static int load_secret(const struct fg_secret_source *src,
                       const char *env_opt, const char *file_opt, char **out,
                       struct fg_error *err)
{
    *out = NULL;
    const char *env = src->env, *file = src->file;
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

static int load_secrets(const struct fg_backend_access *a,
                        struct secrets *s, struct fg_error *err)
{
    memset(s, 0, sizeof(*s));
    int rc = load_secret(&a->bearer, "token-env", "token-file", &s->bearer,
                         err);
    if (rc == FG_OK)
        rc = load_secret(&a->password, "password-env", "password-file",
                         &s->password, err);
    if (rc != FG_OK)
        secrets_release(s);
    return rc;
}

static void http_opts(const struct fg_backend_req *o,
                      const struct fg_limits *lim, const struct secrets *s,
                      struct fg_http_opts *h)
{
    const struct fg_backend_access *a = &o->access;
    fg_http_opts_default(h);
    h->auth.bearer = s->bearer;
    h->auth.user = s->password ? a->user : NULL;
    h->auth.password = s->password;
    h->tenant = a->tenant;
    h->headers = (const char *const *)a->headers;
    h->cacert = a->cacert;
    h->insecure = a->insecure;
    h->connect_timeout = a->connect_timeout;
    h->timeout = a->timeout;
    h->retries = a->retries;
    h->backoff = a->backoff;
    h->max_response = a->max_response ? a->max_response
                      : lim && lim->max_http ? lim->max_http
                                             : h->max_response;
    h->max_parallel = a->parallel;
    h->progress = o->on_progress != NULL;
    h->on_progress = o->on_progress;
    h->progress_ctx = o->progress_ctx;
    h->seed = a->seed;
    h->verbose = o->verbose;
}

static void logf_(const struct fg_backend_req *o, const char *fmt, ...)
    FG_PRINTF(2, 3);

static void logf_(const struct fg_backend_req *o, const char *fmt, ...)
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

/* ---- windows of a selection ---------------------------------------------- */

struct plan {
    const struct fg_backend_selection *sel;
    const char *ptype;
    const char *selector;
    size_t n;
    int64_t *start, *end;
};

static void plan_release(struct plan *p)
{
    free(p->start);
    free(p->end);
    memset(p, 0, sizeof(*p));
}

static const char *kind_name(enum fg_backend_kind k)
{
    return k == FG_BACKEND_PARCA ? "parca" : "pyroscope";
}

static int make_plan(const struct fg_backend_req *o, enum fg_side_which side,
                     struct plan *p, struct fg_error *err)
{
    memset(p, 0, sizeof(*p));
    if ((unsigned)side > FG_SIDE_PLAIN || !o->have[side] ||
        o->kind == FG_BACKEND_NONE)
        return fg_error_set(err, FG_EUSAGE,
                            "no backend selection to fetch: give --backend "
                            "pyroscope or --backend parca with --url");
    p->sel = &o->sel[side];
    p->ptype = o->profile_type;
    p->selector = p->sel->selector;
    p->n = p->sel->n;
    p->start = fg_xcalloc(p->n, sizeof(*p->start));
    p->end = fg_xcalloc(p->n, sizeof(*p->end));
    fg_backend_windows(p->sel->from_ms, p->sel->until_ms, p->n, p->start,
                       p->end);
    return FG_OK;
}

/* ---- fetching ----------------------------------------------------------- */

void fg_fetched_free(struct fg_fetched *f, size_t n)
{
    if (!f)
        return;
    for (size_t i = 0; i < n; i++) {
        free(f[i].name);
        free(f[i].note);
        fg_buf_release(&f[i].data);
    }
    free(f);
}

static char *window_name(const struct fg_backend_req *o,
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

/* Merge every window of p into out[i]; notes[i] (owned by the caller)
 * receives a warning about window i, or stays NULL. */
static int merge(const struct fg_backend_req *o, const struct plan *p,
                 const struct fg_http_opts *h, const struct fg_http_ext *x,
                 struct fg_buf *out, char **notes, struct fg_error *err)
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
    struct fg_pyroscope_info *info = fg_xcalloc(p->n, sizeof(*info));
    rc = fg_pyroscope_merge_info(h, x, o->url, q, p->n, out, info, err);
    for (size_t i = 0; i < p->n && rc == FG_OK; i++) {
        if (info[i].render)
            logf_(o, "* pyroscope: window %zu/%zu read from the flame-graph "
                     "JSON of /render (the server has no querier API)",
                  i + 1, p->n);
        if (info[i].pruned)
            notes[i] = fg_xasprintf(
                "the server pruned the flame graph at its max-nodes: "
                "'other' holds %.1f%% of the samples, whose functions are "
                "not known (raise --max-nodes)",
                100.0 * info[i].other_share);
    }
    free(info);
    free(q);
    return rc;
}

static int no_data(const struct fg_backend_req *o, const char *name,
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

int fg_backend_no_data_error(const struct fg_backend_req *o,
                             enum fg_side_which side, struct fg_error *err)
{
    if ((unsigned)side > FG_SIDE_PLAIN || !o->have[side] ||
        o->kind == FG_BACKEND_NONE)
        return fg_error_set(err, FG_EHTTP, "no profile data");
    const struct fg_backend_selection *sel = &o->sel[side];
    char a[40], b[40];
    fg_backend_format_time(sel->from_ms, a, sizeof(a));
    fg_backend_format_time(sel->until_ms, b, sizeof(b));
    char *name = sel->n == 1
                     ? fg_xasprintf("%s %s%s %s..%s", kind_name(o->kind),
                                    o->profile_type, sel->selector, a, b)
                     : fg_xasprintf("%s %s%s %s..%s (all %zu windows)",
                                    kind_name(o->kind), o->profile_type,
                                    sel->selector, a, b, sel->n);
    int rc = no_data(o, name, err);
    free(name);
    return rc;
}

static int fetch_plan(const struct fg_backend_req *o, const struct plan *p,
                      const struct fg_limits *lim, struct fg_fetched **out,
                      size_t *n, struct fg_error *err)
{
    struct secrets s;
    int rc = load_secrets(&o->access, &s, err);
    if (rc != FG_OK)
        return rc;
    struct fg_http_opts h;
    http_opts(o, lim, &s, &h);
    struct fg_http_ext x = {.log = o->log, .log_ctx = o->log_ctx};
    struct fg_buf *bufs = fg_xcalloc(p->n, sizeof(*bufs));
    char **notes = fg_xcalloc(p->n, sizeof(*notes));
    struct fg_fetched *f = fg_xcalloc(p->n, sizeof(*f));
    char a[40];
    logf_(o, "* %s: %s%s from %s, %zu window%s", kind_name(o->kind),
          p->ptype, p->selector, fg_backend_format_time(p->sel->from_ms, a, sizeof(a)),
          p->n, p->n == 1 ? "" : "s");
    rc = merge(o, p, &h, &x, bufs, notes, err);
    for (size_t i = 0; i < p->n; i++) {
        f[i].name = window_name(o, p, i);
        f[i].data = bufs[i];
        if (notes[i])
            f[i].note = fg_xasprintf("%s: %s", f[i].name, notes[i]);
        free(notes[i]);
    }
    free(notes);
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

int fg_backend_fetch_side_raw(const struct fg_backend_req *o,
                              enum fg_side_which side,
                              const struct fg_limits *lim,
                              struct fg_fetched **out, size_t *n,
                              struct fg_error *err)
{
    *out = NULL;
    *n = 0;
    struct plan p;
    int rc = make_plan(o, side, &p, err);
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

/*
 * The scheme://host:port of url, lower case, with the default port made
 * explicit and any user:password@ left out (malloc'd): captures of URLs
 * with the same origin reach the same server process.
 */
static char *url_origin(const char *url)
{
    const char *sep = strstr(url, "://");
    if (!sep)
        return fg_xstrdup(url);
    const char *host = sep + 3;
    size_t alen = strcspn(host, "/?#");
    for (size_t i = alen; i > 0; i--) {
        if (host[i - 1] == '@') {
            alen -= i;
            host += i;
            break;
        }
    }
    /* a port follows the last ':' unless that is inside [IPv6] */
    const char *colon = NULL;
    for (size_t i = 0; i < alen; i++)
        if (host[i] == ':')
            colon = host + i;
        else if (host[i] == ']')
            colon = NULL;
    bool tls = (size_t)(sep - url) == 5;
    char *o = colon ? fg_xasprintf("%.*s://%.*s", (int)(sep - url), url,
                                   (int)alen, host)
                    : fg_xasprintf("%.*s://%.*s:%s", (int)(sep - url), url,
                                   (int)alen, host, tls ? "443" : "80");
    for (char *c = o; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return o;
}

/* Progress over every capture of the rounds (the HTTP layer sees one
 * batch at a time). */
struct round_progress {
    const struct fg_backend_req *o;
    size_t before, total;
};

static void round_progress_cb(void *ctx, size_t done, size_t total)
{
    struct round_progress *rp = ctx;
    (void)total;
    rp->o->on_progress(rp->o->progress_ctx, rp->before + done, rp->total);
}

/*
 * One batch: the captures of run r of the URLs marked in pick[], all at
 * once, into f[u][r].
 */
static int capture_batch(const struct fg_backend_req *o,
                         const struct fg_http_opts *base,
                         const char *const *urls, size_t nurls,
                         const bool *pick, size_t r,
                         struct round_progress *rp, struct fg_fetched **f,
                         struct fg_error *err)
{
    struct fg_http_opts h = *base;
    struct fg_http_request *req = fg_xcalloc(nurls, sizeof(*req));
    struct fg_http_response *resp = fg_xcalloc(nurls, sizeof(*resp));
    size_t *who = fg_xcalloc(nurls, sizeof(*who));
    size_t nb = 0;
    for (size_t u = 0; u < nurls; u++) {
        if (!pick[u])
            continue;
        double secs = capture_seconds(urls[u]);
        if (secs > 0 && h.timeout < secs + 30)
            h.timeout = secs + 30;
        who[nb] = u;
        req[nb++] = (struct fg_http_request){.method = "GET", .url = urls[u]};
    }
    h.max_parallel = (int)nb;
    if (o->on_progress) {
        h.on_progress = round_progress_cb;
        h.progress_ctx = rp;
    }
    struct fg_http_ext x = {.log = o->log, .log_ctx = o->log_ctx};
    int rc = fg_http_many_ext(&h, &x, req, nb, resp, err);
    for (size_t i = 0; i < nb; i++) {
        if (rc == FG_OK && resp[i].content_type &&
            strncasecmp(resp[i].content_type, "text/html", 9) == 0)
            rc = fg_http_response_error(&h, urls[who[i]], &resp[i],
                                        "a pprof profile", err);
        f[who[i]][r].data = resp[i].body;
        fg_buf_init(&resp[i].body, 0);
        fg_http_response_release(&resp[i]);
    }
    rp->before += nb;
    free(who);
    free(resp);
    free(req);
    return rc;
}

/*
 * Round after round, run r of every URL; within a round the URLs whose
 * origin repeats an earlier one wait for a later batch (slot[u]: how many
 * earlier URLs share its origin).  f[u] gets runs results, named.
 */
static int capture_rounds(const struct fg_backend_req *o,
                          const char *const *urls, size_t nurls, size_t runs,
                          const struct fg_limits *lim, struct fg_fetched **f,
                          struct fg_error *err)
{
    struct secrets s;
    int rc = load_secrets(&o->access, &s, err);
    if (rc != FG_OK)
        return rc;
    struct fg_http_opts h;
    http_opts(o, lim, &s, &h);
    size_t *slot = fg_xcalloc(nurls, sizeof(*slot));
    char **origin = fg_xcalloc(nurls, sizeof(*origin));
    bool *pick = fg_xcalloc(nurls, sizeof(*pick));
    size_t nslots = 0;
    for (size_t u = 0; u < nurls; u++) {
        origin[u] = url_origin(urls[u]);
        for (size_t v = 0; v < u; v++)
            slot[u] += strcmp(origin[u], origin[v]) == 0;
        if (slot[u] + 1 > nslots)
            nslots = slot[u] + 1;
        char *red = fg_http_redact_url(urls[u]);
        for (size_t r = 0; r < runs; r++)
            f[u][r].name = runs == 1 ? fg_xstrdup(red)
                                     : fg_xasprintf("%s (capture %zu/%zu)",
                                                    red, r + 1, runs);
        free(red);
    }
    if (nurls > 1)
        logf_(o, "* %zu round%s of %zu live capture%s at a time", runs,
              runs == 1 ? "" : "s", nurls, nurls == 1 ? "" : "s");
    struct round_progress rp = {o, 0, runs * nurls};
    for (size_t r = 0; r < runs && rc == FG_OK; r++) {
        for (size_t k = 0; k < nslots && rc == FG_OK; k++) {
            for (size_t u = 0; u < nurls; u++)
                pick[u] = slot[u] == k;
            rc = capture_batch(o, &h, urls, nurls, pick, r, &rp, f, err);
        }
    }
    for (size_t u = 0; u < nurls; u++)
        free(origin[u]);
    free(origin);
    free(slot);
    free(pick);
    secrets_release(&s);
    return rc;
}

/* Check runs against the limits; 0 means 1. */
static int check_runs(size_t *runs, const struct fg_limits *lim,
                      struct fg_error *err)
{
    if (*runs == 0)
        *runs = 1;
    if (lim && lim->max_runs && *runs > lim->max_runs)
        return fg_error_set(err, FG_ELIMIT,
                            "%zu runs exceed the limit of %zu (raise with "
                            "--max-runs)",
                            *runs, lim->max_runs);
    return FG_OK;
}

int fg_backend_fetch_url_raw(const struct fg_backend_req *o, const char *url,
                             size_t runs, const struct fg_limits *lim,
                             struct fg_fetched **out, size_t *n,
                             struct fg_error *err)
{
    *out = NULL;
    *n = 0;
    int rc = check_runs(&runs, lim, err);
    if (rc != FG_OK)
        return rc;
    struct fg_fetched *f = fg_xcalloc(runs, sizeof(*f));
    rc = capture_rounds(o, &url, 1, runs, lim, &f, err);
    if (rc != FG_OK) {
        fg_fetched_free(f, runs);
        return rc;
    }
    *out = f;
    *n = runs;
    return FG_OK;
}

/* ---- decoding ----------------------------------------------------------- */

void fg_fetch_tally_release(struct fg_fetch_tally *t)
{
    if (!t)
        return;
    free(t->empty_at);
    memset(t, 0, sizeof(*t));
}

void fg_runs_release(struct fg_runs *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        fg_profile_free(r->p[i]);
    free(r->p);
    memset(r, 0, sizeof(*r));
}

const char *fg_backend_windows_text(const size_t *idx, size_t n, char *buf,
                                    size_t len)
{
    if (len == 0)
        return buf;
    buf[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && idx[j + 1] == idx[j] + 1)
            j++;
        char part[64];
        if (j == i)
            snprintf(part, sizeof(part), "%s%zu", i ? ", " : "", idx[i] + 1);
        else
            snprintf(part, sizeof(part), "%s%zu-%zu", i ? ", " : "",
                     idx[i] + 1, idx[j] + 1);
        size_t pl = strlen(part);
        if (used + pl + 4 >= len) {
            snprintf(buf + used, len - used, "%s", len - used > 3 ? "..." : "");
            break;
        }
        memcpy(buf + used, part, pl + 1);
        used += pl;
        i = j + 1;
    }
    return buf;
}

int fg_backend_decode(const struct fg_fetched *f, bool sniff,
                      const struct fg_limits *lim, struct fg_profile **out,
                      struct fg_error *err)
{
    *out = NULL;
    if (f->data.len == 0)
        return FG_OK;
    const unsigned char *d = (const unsigned char *)f->data.data;
    struct fg_profile *p = NULL;
    int rc = sniff ? fg_source_decode(d, f->data.len, f->name, lim, &p, err)
                   : fg_pprof_decode(d, f->data.len, f->name, lim, &p, err);
    if (rc != FG_OK)
        return rc;
    if (f->note && !p->warning)
        p->warning = fg_arena_strndup(p->arena, f->note, strlen(f->note));
    if (p->n_samples == 0)
        fg_profile_free(p);
    else
        *out = p;
    return FG_OK;
}

/* Why result f, which has no samples, cannot be used (strict callers):
 * o NULL for a live endpoint. */
static int empty_error(const struct fg_backend_req *o,
                       const struct fg_fetched *f, struct fg_error *err)
{
    if (o)
        return no_data(o, f->name, err);
    if (f->data.len == 0)
        return fg_error_set(err, FG_EHTTP, "%s: empty answer", f->name);
    return fg_error_set(err, FG_EHTTP, "%s: the profile has no samples",
                        f->name);
}

/*
 * Decode f[0..n) into *runs (*nruns of them).  Results without samples
 * go into tally, or are an error (empty_error with o) when tally is NULL.
 */
static int decode_all(const struct fg_backend_req *o, struct fg_fetched *f,
                      size_t n, bool sniff, const struct fg_limits *lim,
                      struct fg_fetch_tally *tally, struct fg_profile ***runs,
                      size_t *nruns, struct fg_error *err)
{
    struct fg_profile **ps = fg_xcalloc(n ? n : 1, sizeof(*ps));
    size_t k = 0;
    int rc = FG_OK;
    if (tally) {
        memset(tally, 0, sizeof(*tally));
        tally->windows = n;
    }
    for (size_t i = 0; i < n && rc == FG_OK; i++) {
        rc = fg_backend_decode(&f[i], sniff, lim, &ps[k], err);
        if (rc != FG_OK || ps[k]) {
            k += rc == FG_OK;
            continue;
        }
        if (!tally) {
            rc = empty_error(o, &f[i], err);
            continue;
        }
        tally->empty_at = fg_xrealloc(tally->empty_at, (tally->empty + 1) *
                                                           sizeof(size_t));
        tally->empty_at[tally->empty++] = i;
    }
    if (rc != FG_OK) {
        for (size_t i = 0; i < k; i++)
            fg_profile_free(ps[i]);
        free(ps);
        fg_fetch_tally_release(tally);
        return rc;
    }
    *runs = ps;
    *nruns = k;
    return FG_OK;
}

int fg_backend_fetch_side(const struct fg_backend_req *o,
                          enum fg_side_which side, const struct fg_limits *lim,
                          struct fg_profile ***runs, size_t *n,
                          struct fg_fetch_tally *tally, struct fg_error *err)
{
    *runs = NULL;
    *n = 0;
    if (tally)
        memset(tally, 0, sizeof(*tally));
    struct fg_fetched *f = NULL;
    size_t k = 0;
    int rc = fg_backend_fetch_side_raw(o, side, lim, &f, &k, err);
    if (rc == FG_OK)
        rc = decode_all(o, f, k, false, lim, tally, runs, n, err);
    fg_fetched_free(f, k);
    return rc;
}

int fg_backend_fetch_urls(const struct fg_backend_req *o,
                          const char *const *urls, size_t nurls, size_t runs,
                          const struct fg_limits *lim, struct fg_runs *out,
                          struct fg_fetch_tally *tallies,
                          struct fg_error *err)
{
    for (size_t u = 0; u < nurls; u++) {
        out[u] = (struct fg_runs){NULL, 0};
        if (tallies)
            memset(&tallies[u], 0, sizeof(tallies[u]));
    }
    int rc = check_runs(&runs, lim, err);
    if (rc != FG_OK || nurls == 0)
        return rc;
    struct fg_fetched **f = fg_xcalloc(nurls, sizeof(*f));
    for (size_t u = 0; u < nurls; u++)
        f[u] = fg_xcalloc(runs, sizeof(**f));
    rc = capture_rounds(o, urls, nurls, runs, lim, f, err);
    for (size_t u = 0; u < nurls && rc == FG_OK; u++)
        rc = decode_all(NULL, f[u], runs, true, lim,
                        tallies ? &tallies[u] : NULL, &out[u].p, &out[u].n,
                        err);
    for (size_t u = 0; u < nurls; u++) {
        if (rc != FG_OK) {
            fg_runs_release(&out[u]);
            fg_fetch_tally_release(tallies ? &tallies[u] : NULL);
        }
        fg_fetched_free(f[u], runs);
    }
    free(f);
    return rc;
}

int fg_backend_fetch_url(const struct fg_backend_req *o, const char *url,
                         size_t runs, const struct fg_limits *lim,
                         struct fg_profile ***runs_out, size_t *n,
                         struct fg_error *err)
{
    struct fg_runs r;
    int rc = fg_backend_fetch_urls(o, &url, 1, runs, lim, &r, NULL, err);
    *runs_out = r.p;
    *n = r.n;
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

/* The plain selection listings run over. */
static int plain(const struct fg_backend_req *o,
                 const struct fg_backend_selection **sel,
                 struct fg_error *err)
{
    if (o->kind == FG_BACKEND_NONE || !o->have[FG_SIDE_PLAIN])
        return fg_error_set(err, FG_EUSAGE,
                            "listing needs --backend pyroscope or --backend "
                            "parca with --url");
    *sel = &o->sel[FG_SIDE_PLAIN];
    return FG_OK;
}

int fg_backend_list_profile_types(const struct fg_backend_req *o,
                                  char ***out, size_t *n,
                                  struct fg_error *err)
{
    *out = NULL;
    *n = 0;
    const struct fg_backend_selection *sel = NULL;
    struct secrets s;
    int rc = plain(o, &sel, err);
    if (rc == FG_OK)
        rc = load_secrets(&o->access, &s, err);
    if (rc != FG_OK)
        return rc;
    struct fg_http_opts h;
    http_opts(o, NULL, &s, &h);
    struct fg_http_ext x = {.log = o->log, .log_ctx = o->log_ctx};
    if (o->kind == FG_BACKEND_PARCA)
        rc = fg_parca_profile_types(&h, &x, o->url, out, n, err);
    else
        rc = fg_pyroscope_profile_types(&h, &x, o->url, sel->from_ms,
                                        sel->until_ms, out, n, err);
    secrets_release(&s);
    if (rc == FG_OK)
        sort_unique(*out, n);
    return rc;
}

int fg_backend_list_label_values(const struct fg_backend_req *o,
                                 const char *label, char ***out, size_t *n,
                                 struct fg_error *err)
{
    *out = NULL;
    *n = 0;
    if (!label)
        label = o->version_label ? o->version_label : "version";
    const struct fg_backend_selection *sel = NULL;
    struct secrets s = {0};
    int rc = plain(o, &sel, err);
    if (rc == FG_OK)
        rc = load_secrets(&o->access, &s, err);
    if (rc != FG_OK)
        return rc;
    struct fg_http_opts h;
    http_opts(o, NULL, &s, &h);
    struct fg_http_ext x = {.log = o->log, .log_ctx = o->log_ctx};
    if (o->kind == FG_BACKEND_PARCA)
        rc = fg_parca_label_values(&h, &x, o->url, label, sel->selector,
                                   o->profile_type, sel->from_ms,
                                   sel->until_ms, out, n, err);
    else
        rc = fg_pyroscope_label_values(&h, &x, o->url, label, sel->selector,
                                       sel->from_ms, sel->until_ms, out, n,
                                       err);
    if (rc == FG_OK)
        sort_unique(*out, n);
    secrets_release(&s);
    return rc;
}
