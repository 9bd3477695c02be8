/*
 * backend_opts.c - the backend options, times and selectors, and the
 * typed request built from them (backend_opts.h; fetching is in
 * net/backend.c).
 */
#include "config/backend_opts.h"
#include "core/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const char *const fg_backend_arg_options[] = {
    "backend", "url", "protocol", "profile-type", "selector",
    "version-label", "base-version", "candidate-version", "from", "until",
    "base-from", "base-until", "candidate-from", "candidate-until", "runs",
    "step", "max-nodes", "token-env", "token-file", "user", "password-env",
    "password-file", "tenant", "header", "cacert", "timeout",
    "connect-timeout", "retries", "retry-backoff", "max-response-size",
    "parallel", NULL};

const char *const fg_backend_flag_options[] = {"insecure", NULL};

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

/* ---- the typed request ---------------------------------------------------- */

#define PYROSCOPE_DEFAULT_TYPE "process_cpu:cpu:nanoseconds:cpu:nanoseconds"
#define PARCA_DEFAULT_TYPE "process_cpu:samples:count:cpu:nanoseconds:delta"

static const char *const side_names[2] = {"base", "candidate"};

static const char *kind_name(enum fg_backend_kind k)
{
    return k == FG_BACKEND_PARCA ? "parca" : "pyroscope";
}

static char *dup_or_null(const char *s)
{
    return s ? fg_xstrdup(s) : NULL;
}

static int resolve_access(const struct fg_backend_opts *o,
                          struct fg_backend_access *a, struct fg_error *err)
{
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
    if (o->token_env && o->token_file)
        return fg_error_set(err, FG_EUSAGE,
                            "give either --token-env or --token-file");
    if (o->password_env && o->password_file)
        return fg_error_set(err, FG_EUSAGE,
                            "give either --password-env or --password-file");
    a->bearer.env = dup_or_null(o->token_env);
    a->bearer.file = dup_or_null(o->token_file);
    a->user = dup_or_null(o->user);
    a->password.env = dup_or_null(o->password_env);
    a->password.file = dup_or_null(o->password_file);
    a->tenant = dup_or_null(o->tenant);
    a->headers = fg_xcalloc(o->n_headers + 1, sizeof(char *));
    for (size_t i = 0; i < o->n_headers; i++)
        a->headers[i] = fg_xstrdup(o->headers[i]);
    a->cacert = dup_or_null(o->cacert);
    a->insecure = o->insecure;
    a->timeout = o->timeout;
    a->connect_timeout = o->connect_timeout;
    a->retries = o->retries;
    a->backoff = o->backoff;
    a->max_response = o->max_response;
    a->parallel = o->parallel;
    return FG_OK;
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

/* The time range of a side (FG_SIDE_PLAIN: the common range). */
static int side_range(const struct fg_backend_opts *o, int side,
                      int64_t *from, int64_t *until, struct fg_error *err)
{
    const char *f = o->from ? o->from : "now-1h";
    const char *u = o->until ? o->until : "now";
    const char *fwhat = "--from", *uwhat = "--until";
    if (side < 2 && o->side_from[side]) {
        f = o->side_from[side];
        fwhat = side ? "--candidate-from" : "--base-from";
    }
    if (side < 2 && o->side_until[side]) {
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
    if (side < 2 && label && !o->version[side])
        return fg_error_set(err, FG_EUSAGE,
                            "--version-label '%s' needs --%s-version",
                            label, side_names[side]);
    if (side == FG_SIDE_PLAIN || !label)
        return fg_backend_selector_with(o->selector, NULL, NULL, out, err);
    return fg_backend_selector_with(o->selector, label, o->version[side],
                                    out, err);
}

/* One selection: selector, range and windows (--step: as many whole steps
 * as fit, ending at the newest data; else --runs). */
static int resolve_selection(const struct fg_backend_opts *o, int side,
                             const struct fg_limits *lim,
                             struct fg_backend_selection *sel,
                             struct fg_error *err)
{
    int rc = side_range(o, side, &sel->from_ms, &sel->until_ms, err);
    if (rc == FG_OK)
        rc = side_selector(o, side, &sel->selector, err);
    if (rc != FG_OK)
        return rc;
    int64_t span = sel->until_ms - sel->from_ms;
    if (o->step_ms > 0) {
        int64_t k = span / o->step_ms;
        if (k < 1)
            return fg_error_set(err, FG_EUSAGE,
                                "--step is longer than the time range");
        sel->n = (size_t)k;
        sel->from_ms = sel->until_ms - k * o->step_ms;
    } else {
        sel->n = o->runs ? o->runs : 1;
    }
    if (lim && lim->max_runs && sel->n > lim->max_runs)
        return fg_error_set(err, FG_ELIMIT,
                            "%zu windows exceed the limit of %zu runs per "
                            "side (raise with --max-runs)",
                            sel->n, lim->max_runs);
    if ((int64_t)sel->n > span / 1000)
        return fg_error_set(err, FG_EUSAGE,
                            "the time range is too short for %zu windows of "
                            "at least one second",
                            sel->n);
    return FG_OK;
}

int fg_backend_opts_resolve(const struct fg_backend_opts *o, unsigned want,
                            const struct fg_limits *lim,
                            struct fg_backend_req *req, struct fg_error *err)
{
    fg_backend_req_init(req);
    int rc = resolve_access(o, &req->access, err);
    if (rc != FG_OK || !want)
        return rc;
    if ((rc = check_target(o, err)))
        return rc;
    req->kind = o->kind;
    req->protocol = o->kind == FG_BACKEND_PYROSCOPE ? FG_PROTO_CONNECT
                    : o->protocol == FG_PROTO_GRPC_WEB ? FG_PROTO_GRPC_WEB
                                                        : FG_PROTO_REST;
    req->url = fg_xstrdup(o->url);
    req->profile_type = fg_xstrdup(
        o->profile_type ? o->profile_type
        : o->kind == FG_BACKEND_PARCA ? PARCA_DEFAULT_TYPE
                                      : PYROSCOPE_DEFAULT_TYPE);
    req->version_label =
        fg_xstrdup(o->version_label ? o->version_label : "version");
    req->max_nodes = o->max_nodes;
    for (int s = 0; s < 3 && rc == FG_OK; s++) {
        if (!(want & (1u << s)))
            continue;
        rc = resolve_selection(o, s, lim, &req->sel[s], err);
        req->have[s] = rc == FG_OK;
    }
    /* Both sides selecting the same data is almost always a forgotten
     * --candidate-version, and would pass any gate. */
    const struct fg_backend_selection *a = &req->sel[FG_SIDE_BASE],
                                      *b = &req->sel[FG_SIDE_CANDIDATE];
    if (rc == FG_OK && req->have[FG_SIDE_BASE] &&
        req->have[FG_SIDE_CANDIDATE] &&
        strcmp(a->selector, b->selector) == 0 && a->from_ms == b->from_ms &&
        a->until_ms == b->until_ms)
        rc = fg_error_set(err, FG_EUSAGE,
                          "base and candidate select the same data: give "
                          "--base-version and --candidate-version (with "
                          "--version-label), or --base-from/--base-until "
                          "and --candidate-from/--candidate-until");
    return rc;
}
