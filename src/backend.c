/*
 * backend.c - options, time ranges, selectors and fetching for the
 * profiling backends and live pprof endpoints (see backend.h).
 */
#include "flamegate/backend.h"
#include "flamegate/parca.h"
#include "flamegate/pprof.h"
#include "flamegate/pyroscope.h"
#include "flamegate/source.h"
#include "flamegate/util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define PYROSCOPE_DEFAULT_TYPE "process_cpu:cpu:nanoseconds:cpu:nanoseconds"
#define PARCA_DEFAULT_TYPE "process_cpu:samples:count:cpu:nanoseconds:delta"
#define MAX_SECRET 65536

const char *const fg_backend_arg_options[] = {
    "backend", "url", "protocol", "profile-type", "selector",
    "version-label", "base-version", "candidate-version", "from", "until",
    "base-from", "base-until", "candidate-from", "candidate-until", "runs",
    "step", "max-nodes", "token-env", "token-file", "user", "password-env",
    "password-file", "tenant", "header", "cacert", "timeout",
    "connect-timeout", "retries", "retry-backoff", "max-response-size",
    "parallel", NULL};

const char *const fg_backend_flag_options[] = {"insecure", NULL};

static const char *const side_names[2] = {"base", "candidate"};

void fg_backend_opts_init(struct fg_backend_opts *o)
{
    memset(o, 0, sizeof(*o));
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    o->now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    o->runs = 1;
    o->timeout = 60;
    o->connect_timeout = 10;
    o->retries = 3;
    o->backoff = 0.5;
    o->parallel = 4;
}

void fg_backend_opts_release(struct fg_backend_opts *o)
{
    char **strs[] = {&o->url, &o->profile_type, &o->selector,
                     &o->version_label, &o->version[0], &o->version[1],
                     &o->from, &o->until, &o->side_from[0],
                     &o->side_from[1], &o->side_until[0],
                     &o->side_until[1], &o->token_env, &o->token_file,
                     &o->user, &o->password_env, &o->password_file,
                     &o->tenant, &o->cacert};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        free(*strs[i]);
        *strs[i] = NULL;
    }
    for (size_t i = 0; i < o->n_headers; i++)
        free(o->headers[i]);
    free(o->headers);
    o->headers = NULL;
    o->n_headers = 0;
}

bool fg_backend_opts_active(const struct fg_backend_opts *o)
{
    return o && o->kind != FG_BACKEND_NONE;
}

bool fg_backend_is_url(const char *src)
{
    return src && (strncasecmp(src, "http://", 7) == 0 ||
                   strncasecmp(src, "https://", 8) == 0);
}

/* ---- durations and times --------------------------------------------- */

/* "1h30m", "90s", "250ms", "2d", "1w" (a bare number is seconds when
 * bare_seconds).  Returns false when s is not such a duration. */
static bool parse_duration(const char *s, bool bare_seconds, int64_t *ms)
{
    double total = 0;
    const char *p = s;
    if (!*p)
        return false;
    while (*p) {
        char *end;
        if (!isdigit((unsigned char)*p) && *p != '.')
            return false;
        double v = strtod(p, &end);
        if (end == p)
            return false;
        p = end;
        double unit;
        if (strncmp(p, "ms", 2) == 0) {
            unit = 1;
            p += 2;
        } else if (*p == 's') {
            unit = 1e3;
            p++;
        } else if (*p == 'm') {
            unit = 60e3;
            p++;
        } else if (*p == 'h') {
            unit = 3600e3;
            p++;
        } else if (*p == 'd') {
            unit = 86400e3;
            p++;
        } else if (*p == 'w') {
            unit = 7 * 86400e3;
            p++;
        } else if (*p == '\0' && bare_seconds && p == end && total == 0) {
            unit = 1e3;
        } else {
            return false;
        }
        total += v * unit;
    }
    if (total > 1e15)
        return false;
    *ms = (int64_t)(total + 0.5);
    return true;
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

/* RFC 3339 (or a bare date).  Returns false when malformed. */
static bool parse_rfc3339(const char *s, int64_t *ms)
{
    const char *p = s;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
        *p++ != '-' || !digits(&p, 2, &d))
        return false;
    int64_t frac_ms = 0;
    int64_t offset_s = 0;
    if (*p) {
        if (*p != 'T' && *p != 't' && *p != ' ')
            return false;
        p++;
        if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
            return false;
        if (*p == ':') {
            p++;
            if (!digits(&p, 2, &se))
                return false;
            if (*p == '.') {
                p++;
                int64_t scale = 100;
                if (!isdigit((unsigned char)*p))
                    return false;
                for (; isdigit((unsigned char)*p); p++) {
                    frac_ms += (*p - '0') * scale;
                    scale /= 10;
                }
            }
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1;
            int oh, om;
            if (!digits(&p, 2, &oh))
                return false;
            if (*p == ':')
                p++;
            if (!digits(&p, 2, &om) || oh > 23 || om > 59)
                return false;
            offset_s = sign * (oh * 3600 + om * 60);
        } else {
            return false; /* no zone: ambiguous, refused */
        }
        if (*p)
            return false;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        se > 60)
        return false;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    time_t t = timegm(&tm);
    *ms = ((int64_t)t - offset_s) * 1000 + frac_ms;
    return true;
}

int fg_backend_parse_time(const char *s, int64_t now_ms, const char *what,
                          int64_t *out_ms, struct fg_error *err)
{
    if (strcasecmp(s, "now") == 0) {
        *out_ms = now_ms;
        return FG_OK;
    }
    if (strncasecmp(s, "now", 3) == 0 && (s[3] == '-' || s[3] == '+')) {
        int64_t d;
        if (parse_duration(s + 4, false, &d)) {
            *out_ms = s[3] == '-' ? now_ms - d : now_ms + d;
            return FG_OK;
        }
    } else if (all_digits(s)) {
        size_t n = strlen(s);
        if (n <= 19) {
            int64_t v = (int64_t)strtoll(s, NULL, 10);
            *out_ms = n <= 11 ? v * 1000
                      : n <= 14 ? v
                      : n <= 17 ? v / 1000
                                : v / 1000000;
            return FG_OK;
        }
    } else if (parse_rfc3339(s, out_ms)) {
        return FG_OK;
    }
    return fg_error_set(err, FG_EUSAGE,
                        "invalid time '%s' for %s: use now, now-1h (units "
                        "ms, s, m, h, d, w), RFC 3339 like "
                        "2024-05-01T12:00:00Z, or Unix seconds or "
                        "milliseconds",
                        s, what);
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

/* ---- selectors --------------------------------------------------------- */

static bool is_identifier(const char *s)
{
    if (!*s || !(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return false;
    return true;
}

/* A Prometheus string literal. */
static int add_quoted(struct fg_buf *b, const char *s)
{
    int rc = fg_buf_addc(b, '"');
    for (; rc == FG_OK && *s; s++) {
        if (*s == '\\' || *s == '"')
            rc = fg_buf_addc(b, '\\');
        if (rc == FG_OK)
            rc = *s == '\n' ? fg_buf_adds(b, "\\n") : fg_buf_addc(b, *s);
    }
    return rc == FG_OK ? fg_buf_addc(b, '"') : rc;
}

int fg_backend_selector_with(const char *selector, const char *label,
                             const char *value, char **out,
                             struct fg_error *err)
{
    *out = NULL;
    const char *s = selector ? selector : "";
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n > 0 && s[0] == '{') {
        if (s[n - 1] != '}')
            return fg_error_set(err, FG_EUSAGE,
                                "selector '%s' has no closing '}'", selector);
        s++;
        n -= 2;
    } else if (memchr(s, '{', n)) {
        return fg_error_set(err, FG_EUSAGE,
                            "selector '%s': give only the {...} matchers; "
                            "the profile type goes in --profile-type",
                            selector);
    }
    while (n > 0 && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n > 0 && (isspace((unsigned char)s[n - 1]) || s[n - 1] == ','))
        n--;
    struct fg_buf b;
    fg_buf_init(&b, 0);
    int rc = fg_buf_addc(&b, '{');
    if (rc == FG_OK)
        rc = fg_buf_add(&b, s, n);
    if (rc == FG_OK && label) {
        if (n > 0)
            rc = fg_buf_addc(&b, ',');
        if (rc == FG_OK)
            rc = is_identifier(label) ? fg_buf_adds(&b, label)
                                      : add_quoted(&b, label);
        if (rc == FG_OK)
            rc = fg_buf_addc(&b, '=');
        if (rc == FG_OK)
            rc = add_quoted(&b, value ? value : "");
    }
    if (rc == FG_OK)
        rc = fg_buf_addc(&b, '}');
    if (rc != FG_OK)
        return fg_error_set(err, FG_ELIMIT, "selector too long");
    *out = fg_buf_detach(&b, NULL);
    return FG_OK;
}

/* ---- options ------------------------------------------------------------ */

static void set_str(char **field, const char *value)
{
    free(*field);
    *field = value ? fg_xstrdup(value) : NULL;
}

static int need_value(const char *name, const char *value,
                      struct fg_error *err)
{
    if (!value || !*value)
        return fg_error_set(err, FG_EUSAGE, "--%s needs a value", name);
    return FG_OK;
}

static int set_kind(struct fg_backend_opts *o, const char *v,
                    struct fg_error *err)
{
    if (strcasecmp(v, "pyroscope") == 0)
        o->kind = FG_BACKEND_PYROSCOPE;
    else if (strcasecmp(v, "parca") == 0)
        o->kind = FG_BACKEND_PARCA;
    else
        return fg_error_set(err, FG_EUSAGE,
                            "unknown backend '%s' (use pyroscope or parca)",
                            v);
    return FG_OK;
}

static int set_protocol(struct fg_backend_opts *o, const char *v,
                        struct fg_error *err)
{
    if (strcasecmp(v, "rest") == 0)
        o->protocol = FG_PROTO_REST;
    else if (strcasecmp(v, "grpc-web") == 0)
        o->protocol = FG_PROTO_GRPC_WEB;
    else if (strcasecmp(v, "connect") == 0)
        o->protocol = FG_PROTO_CONNECT;
    else
        return fg_error_set(err, FG_EUSAGE,
                            "unknown protocol '%s' (use rest or grpc-web for "
                            "Parca, connect for Pyroscope)",
                            v);
    return FG_OK;
}

static int set_header(struct fg_backend_opts *o, const char *v,
                      struct fg_error *err)
{
    const char *colon = strchr(v, ':');
    if (!colon || colon == v || strpbrk(v, "\r\n"))
        return fg_error_set(err, FG_EUSAGE,
                            "--header '%s' is not of the form 'Name: value'",
                            v);
    size_t nlen = (size_t)(colon - v);
    /* A credential on the command line would show up in ps and shell
     * history: point to the safe sources instead. */
    if ((nlen == 13 && strncasecmp(v, "Authorization", 13) == 0) ||
        (nlen == 19 && strncasecmp(v, "Proxy-Authorization", 19) == 0))
        return fg_error_set(err, FG_EUSAGE,
                            "refusing a credential in --header: use "
                            "--token-env/--token-file or --user with "
                            "--password-env/--password-file");
    o->headers = fg_xrealloc(o->headers,
                             (o->n_headers + 2) * sizeof(*o->headers));
    o->headers[o->n_headers++] = fg_xstrdup(v);
    o->headers[o->n_headers] = NULL;
    return FG_OK;
}

static int set_seconds(const char *name, const char *v, double *out,
                       struct fg_error *err)
{
    int64_t ms;
    if (!parse_duration(v, true, &ms) || ms <= 0 || ms > 86400000)
        return fg_error_set(err, FG_EUSAGE,
                            "invalid --%s '%s': use seconds (e.g. 30, 2.5) "
                            "or a duration (e.g. 90s, 5m)",
                            name, v);
    *out = (double)ms / 1000.0;
    return FG_OK;
}

static int set_number(struct fg_backend_opts *o, const char *name,
                      const char *v, struct fg_error *err)
{
    long l;
    int rc;
    char what[48];
    snprintf(what, sizeof(what), "--%s", name);
    if (strcmp(name, "runs") == 0) {
        rc = fg_parse_long(v, 1, 100000, &l, what, err);
        if (rc == FG_OK)
            o->runs = (size_t)l;
    } else if (strcmp(name, "max-nodes") == 0) {
        rc = fg_parse_long(v, 0, 1L << 40, &l, what, err);
        if (rc == FG_OK)
            o->max_nodes = l;
    } else if (strcmp(name, "retries") == 0) {
        rc = fg_parse_long(v, 0, 20, &l, what, err);
        if (rc == FG_OK)
            o->retries = (int)l;
    } else if (strcmp(name, "parallel") == 0) {
        rc = fg_parse_long(v, 1, 64, &l, what, err);
        if (rc == FG_OK)
            o->parallel = (int)l;
    } else if (strcmp(name, "max-response-size") == 0) {
        rc = fg_parse_size(v, &o->max_response, what, err);
    } else if (strcmp(name, "timeout") == 0) {
        rc = set_seconds(name, v, &o->timeout, err);
    } else if (strcmp(name, "connect-timeout") == 0) {
        rc = set_seconds(name, v, &o->connect_timeout, err);
    } else if (strcmp(name, "retry-backoff") == 0) {
        rc = fg_parse_double(v, 0, 60, &o->backoff, what, err);
    } else {
        int64_t ms;
        if (!parse_duration(v, true, &ms) || ms <= 0)
            return fg_error_set(err, FG_EUSAGE,
                                "invalid --step '%s': use a duration such "
                                "as 10m or 1h",
                                v);
        o->step_ms = ms;
        rc = FG_OK;
    }
    return rc;
}

/* Options whose value is stored as a string as given. */
static char **string_field(struct fg_backend_opts *o, const char *name)
{
    static const char *const names[] = {
        "profile-type", "selector", "version-label", "base-version",
        "candidate-version", "from", "until", "base-from", "base-until",
        "candidate-from", "candidate-until", "token-env", "token-file",
        "user", "password-env", "password-file", "tenant", "cacert", NULL};
    char **fields[] = {&o->profile_type, &o->selector, &o->version_label,
                       &o->version[0], &o->version[1], &o->from, &o->until,
                       &o->side_from[0], &o->side_until[0],
                       &o->side_from[1], &o->side_until[1], &o->token_env,
                       &o->token_file, &o->user, &o->password_env,
                       &o->password_file, &o->tenant, &o->cacert};
    for (size_t i = 0; names[i]; i++)
        if (strcmp(names[i], name) == 0)
            return fields[i];
    return NULL;
}

static bool is_time_option(const char *name)
{
    return strstr(name, "from") || strstr(name, "until");
}

int fg_backend_opts_set(struct fg_backend_opts *o, const char *name,
                        const char *value, struct fg_error *err)
{
    if (strcmp(name, "insecure") == 0) {
        o->insecure = !value || strcmp(value, "false") != 0;
        return FG_OK;
    }
    int rc = need_value(name, value, err);
    if (rc != FG_OK)
        return rc;
    if (strcmp(name, "backend") == 0)
        return set_kind(o, value, err);
    if (strcmp(name, "protocol") == 0)
        return set_protocol(o, value, err);
    if (strcmp(name, "header") == 0)
        return set_header(o, value, err);
    if (strcmp(name, "url") == 0) {
        if (!fg_backend_is_url(value))
            return fg_error_set(err, FG_EUSAGE,
                                "--url '%s' must start with http:// or "
                                "https://",
                                value);
        set_str(&o->url, value);
        return FG_OK;
    }
    char **field = string_field(o, name);
    if (field) {
        if (is_time_option(name)) {
            int64_t ms;
            char what[40];
            snprintf(what, sizeof(what), "--%s", name);
            rc = fg_backend_parse_time(value, o->now_ms, what, &ms, err);
            if (rc != FG_OK)
                return rc;
        }
        if (strcmp(name, "tenant") == 0 && strpbrk(value, "\r\n"))
            return fg_error_set(err, FG_EUSAGE,
                                "--tenant contains a line break");
        set_str(field, value);
        return FG_OK;
    }
    for (size_t i = 0; fg_backend_arg_options[i]; i++)
        if (strcmp(fg_backend_arg_options[i], name) == 0)
            return set_number(o, name, value, err);
    return fg_error_set(err, FG_EUSAGE, "unknown backend option '--%s'",
                        name);
}

/* ---- secrets and HTTP options -------------------------------------------- */

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

/* ---- planning a side ------------------------------------------------------ */

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

/* ---- fetching ------------------------------------------------------------- */

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

/* ---- decoding -------------------------------------------------------------- */

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

/* ---- listings ---------------------------------------------------------------- */

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
