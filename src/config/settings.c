/* settings.c - key-addressable compare settings (see settings.h). */
#include "config/settings.h"
#include "config/backend_opts.h"
#include "config/config.h"
#include "core/pattern.h"
#include "model/split.h"
#include "core/util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every key, in help order.  Backend keys are handled by backend.c when
 * that module is built in (see fg_settings_set). */
const char *const fg_settings_keys[] = {
    "base", "candidate", "sample-type", "metric", "focus", "ignore", "hide",
    "show-from", "tagfocus", "tagignore", "gate-only", "gate-ignore",
    "folded-column",
    "alpha", "min-change", "min-delta", "min-share", "min-count",
    "min-samples", "normalize", "test", "format", "output", "color", "top",
    "marker-id", "on-error", "inconclusive", "runs", "split", "env-noise",
    "base-work", "candidate-work",
    "max-input-size", "max-decompressed-size", "max-string-table",
    "max-samples", "max-locations", "max-functions", "max-stack-depth",
    "max-labels", "max-response-size", "max-runs", NULL};

void fg_strlist_add(struct fg_strlist *l, const char *s)
{
    l->v = fg_xgrow(l->v, &l->cap, l->n + 1, sizeof(char *));
    l->v[l->n++] = fg_xstrdup(s);
}

void fg_strlist_clear(struct fg_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

void fg_settings_init(struct fg_settings *s)
{
    memset(s, 0, sizeof(*s));
    fg_compare_opts_default(&s->cmp);
    fg_limits_default(&s->lim);
    s->format = FG_REPORT_TEXT;
    s->color = FG_COLOR_AUTO;
    s->runs = 1;
    s->top = -1;
    s->split = 1;
    s->backend = fg_xcalloc(1, sizeof(*s->backend));
    fg_backend_opts_init(s->backend);
}

static void clear_outputs(struct fg_settings *s)
{
    for (size_t i = 0; i < s->n_outputs; i++)
        free(s->outputs[i].path);
    free(s->outputs);
    s->outputs = NULL;
    s->n_outputs = s->cap_outputs = 0;
}

void fg_settings_release(struct fg_settings *s)
{
    free(s->work[0]);
    free(s->work[1]);
    fg_strlist_clear(&s->base);
    fg_strlist_clear(&s->candidate);
    fg_strlist_clear(&s->rule_strs);
    for (int i = 0; i < FG_FILTER_KINDS; i++)
        fg_strlist_clear(&s->filters[i]);
    fg_strlist_clear(&s->origin_keys);
    fg_strlist_clear(&s->origin_vals);
    clear_outputs(s);
    free(s->rules);
    free(s->sample_type);
    free(s->marker_id);
    free(s->config_path);
    if (s->backend) {
        fg_backend_opts_release(s->backend);
        free(s->backend);
    }
    memset(s, 0, sizeof(*s));
}

static bool in_list(const char *const *list, const char *key)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], key) == 0)
            return true;
    return false;
}

/* Backend keys (backend.h) are settings too: the config file and the
 * environment reach them the same way as compare's own keys. */
static bool backend_key(const char *key)
{
    return in_list(fg_backend_arg_options, key) ||
           in_list(fg_backend_flag_options, key);
}

const char *fg_settings_short_key(int c)
{
    switch (c) {
    case 'b': return "base";
    case 'c': return "candidate";
    case 't': return "sample-type";
    case 'f': return "format";
    case 'o': return "output";
    case 'n': return "top";
    default: return NULL;
    }
}

bool fg_settings_known(const char *key)
{
    return in_list(fg_settings_keys, key) || backend_key(key);
}

const char *fg_settings_origin(const struct fg_settings *s, const char *key)
{
    for (size_t i = s->origin_keys.n; i-- > 0;)
        if (strcmp(s->origin_keys.v[i], key) == 0)
            return s->origin_vals.v[i];
    return "default";
}

/* Record origin; returns true when this is the first value of key from
 * this origin (list keys then drop values of earlier origins). */
static bool record(struct fg_settings *s, const char *key, const char *origin)
{
    const char *prev = fg_settings_origin(s, key);
    bool fresh = strcmp(prev, origin) != 0;
    if (fresh) {
        fg_strlist_add(&s->origin_keys, key);
        fg_strlist_add(&s->origin_vals, origin);
    }
    return fresh;
}

static int bad(struct fg_error *err, const char *key, const char *value,
               const char *origin, const char *want)
{
    return fg_error_set(err, FG_EUSAGE,
                        "invalid value '%s' for '%s' (from %s): expected %s",
                        value, key, origin, want);
}

static int set_number(const char *key, const char *value, const char *origin,
                      double lo, double hi, double *out, struct fg_error *err)
{
    struct fg_error e;
    if (fg_parse_double(value, lo, hi, out, key, &e))
        return fg_error_set(err, FG_EUSAGE, "%s (from %s)", e.msg, origin);
    return FG_OK;
}

/*
 * A percentage: "10%" or a bare "10" (percent, or percentage points for
 * min-delta), as a fraction.  With refuse_fraction (min-change, which
 * read a bare 0.5 as 50% before), a bare number in (0, 1] is refused as
 * ambiguous instead of silently changing meaning.
 */
static int set_fraction(const char *key, const char *value,
                        const char *origin, bool refuse_fraction,
                        double *out, struct fg_error *err)
{
    char tmp[64];
    size_t n = strlen(value);
    bool pct = n > 0 && n < sizeof(tmp) && value[n - 1] == '%';
    if (pct) {
        memcpy(tmp, value, n - 1);
        tmp[n - 1] = '\0';
        value = tmp;
    }
    double v;
    int rc = set_number(key, value, origin, 0, 1e6, &v, err);
    if (rc)
        return rc;
    if (refuse_fraction && !pct && v > 0 && v <= 1.0)
        return fg_error_set(err, FG_EUSAGE,
                            "'%s' for '%s' (from %s) is ambiguous: it is in "
                            "percent; write '%s%%' for %s percent, or "
                            "'%g%%' for %g%%",
                            value, key, origin, value, value, v * 100,
                            v * 100);
    *out = v / 100.0;
    return FG_OK;
}

struct fg_rule *fg_settings_add_rule(struct fg_settings *s,
                                     enum fg_rule_kind kind,
                                     const char *pattern, bool is_glob,
                                     const char *origin)
{
    s->rules = fg_xgrow(s->rules, &s->cap_rules, s->n_rules + 1,
                        sizeof(*s->rules));
    fg_strlist_add(&s->rule_strs, pattern);
    const char *pat = s->rule_strs.v[s->rule_strs.n - 1];
    fg_strlist_add(&s->rule_strs, origin);
    struct fg_rule *r = &s->rules[s->n_rules++];
    memset(r, 0, sizeof(*r));
    r->kind = kind;
    r->pattern = pat;
    r->min_change = -1;
    r->min_delta = -1;
    r->max_share = -1;
    r->is_glob = is_glob;
    r->origin = s->rule_strs.v[s->rule_strs.n - 1];
    s->cmp.rules = s->rules;
    s->cmp.n_rules = s->n_rules;
    return r;
}

static int parse_output(struct fg_settings *s, const char *value,
                        const char *origin, struct fg_error *err)
{
    const char *eq = strchr(value, '=');
    if (!eq || eq == value || !eq[1])
        return bad(err, "output", value, origin,
                   "FORMAT=PATH, e.g. markdown=report.md");
    char fmt[32];
    size_t n = (size_t)(eq - value);
    if (n >= sizeof(fmt))
        return bad(err, "output", value, origin, "a known FORMAT=PATH");
    memcpy(fmt, value, n);
    fmt[n] = '\0';
    enum fg_report_format f;
    if (fg_report_format_parse(fmt, &f))
        return bad(err, "output", value, origin,
                   "FORMAT one of text, markdown, json, html, folded");
    s->outputs = fg_xgrow(s->outputs, &s->cap_outputs, s->n_outputs + 1,
                          sizeof(*s->outputs));
    s->outputs[s->n_outputs].format = f;
    s->outputs[s->n_outputs].path = fg_xstrdup(eq + 1);
    s->n_outputs++;
    return FG_OK;
}

/* --base-work / --candidate-work: one number (every run did that much
 * work) or a comma-separated number per run; replaces earlier values. */
static int set_work(struct fg_settings *s, const char *key,
                    const char *value, const char *origin,
                    struct fg_error *err)
{
    int side = key[0] == 'c';
    size_t n = 0;
    double *v = NULL;
    char *copy = fg_xstrdup(value), *save = NULL;
    int rc = FG_OK;
    for (char *t = strtok_r(copy, ",", &save); t && !rc;
         t = strtok_r(NULL, ",", &save)) {
        char *end = NULL;
        errno = 0;
        double d = strtod(t, &end);
        while (end && *end == ' ')
            end++;
        if (end == t || *end || errno || !(d > 0) || !isfinite(d)) {
            rc = bad(err, key, value, origin,
                     "a positive number of work units, or one per run "
                     "separated by commas");
            break;
        }
        v = fg_xrealloc(v, (n + 1) * sizeof(*v));
        v[n++] = d;
    }
    free(copy);
    if (!rc && n == 0)
        rc = bad(err, key, value, origin, "a positive number");
    if (rc) {
        free(v);
        return rc;
    }
    free(s->work[side]);
    s->work[side] = v;
    s->n_work[side] = n;
    if (side) {
        s->cmp.cand_work = v;
        s->cmp.n_cand_work = n;
    } else {
        s->cmp.base_work = v;
        s->cmp.n_base_work = n;
    }
    return FG_OK;
}

static int set_enum(const char *key, const char *value, const char *origin,
                    const char *const *names, int *out, const char *want,
                    struct fg_error *err)
{
    for (int i = 0; names[i]; i++) {
        if (strcmp(names[i], value) == 0) {
            *out = i;
            return FG_OK;
        }
    }
    return bad(err, key, value, origin, want);
}

/* The size limits by key (fg_settings_keys spells the same names). */
static const struct {
    const char *key;
    size_t off;
} limit_keys[] = {
    {"max-input-size", offsetof(struct fg_limits, max_input)},
    {"max-decompressed-size", offsetof(struct fg_limits, max_inflated)},
    {"max-string-table", offsetof(struct fg_limits, max_strtab)},
    {"max-samples", offsetof(struct fg_limits, max_samples)},
    {"max-locations", offsetof(struct fg_limits, max_locations)},
    {"max-functions", offsetof(struct fg_limits, max_functions)},
    {"max-stack-depth", offsetof(struct fg_limits, max_depth)},
    {"max-labels", offsetof(struct fg_limits, max_labels)},
    {"max-response-size", offsetof(struct fg_limits, max_http)},
    {"max-runs", offsetof(struct fg_limits, max_runs)},
};

/* The field of l that key sets, or NULL when key is not a limit. */
static size_t *limit_field(struct fg_limits *l, const char *key)
{
    for (size_t i = 0; i < sizeof(limit_keys) / sizeof(limit_keys[0]); i++)
        if (strcmp(limit_keys[i].key, key) == 0)
            return (size_t *)(void *)((char *)l + limit_keys[i].off);
    return NULL;
}

static int set_limit(struct fg_settings *s, const char *key,
                     const char *value, const char *origin,
                     struct fg_error *err)
{
    size_t *field = limit_field(&s->lim, key);
    if (!field)
        return 1; /* not a limit key */
    size_t v;
    struct fg_error e;
    if (fg_parse_size(value, &v, key, &e) || v == 0)
        return bad(err, key, value, origin,
                   "a positive size (N, NK, NM or NG)");
    *field = v;
    return FG_OK;
}

/* The filter keys, in the order of struct fg_filter_spec. */
static const char *const filter_keys[FG_FILTER_KINDS] = {
    "focus", "ignore", "hide", "show-from", "tagfocus", "tagignore"};

int fg_settings_filter_index(const char *key)
{
    for (int i = 0; i < FG_FILTER_KINDS; i++)
        if (strcmp(filter_keys[i], key) == 0)
            return i;
    return -1;
}

void fg_settings_filter_spec(const struct fg_settings *s,
                             struct fg_filter_spec *spec)
{
    const struct fg_strlist *f = s->filters;
    *spec = (struct fg_filter_spec){
        (const char *const *)f[0].v, f[0].n, (const char *const *)f[1].v,
        f[1].n, (const char *const *)f[2].v, f[2].n,
        (const char *const *)f[3].v, f[3].n, (const char *const *)f[4].v,
        f[4].n, (const char *const *)f[5].v, f[5].n};
}

/* A function-name regex of a filter: the guard, then regcomp. */
static int check_regex(const char *key, const char *value,
                       struct fg_error *err)
{
    if (!*value)
        return fg_error_set(err, FG_EUSAGE, "--%s: empty regular expression",
                            key);
    struct fg_error pe;
    if (fg_pattern_check(value, &pe))
        return fg_error_set(err, FG_EUSAGE, "--%s: %s", key, pe.msg);
    regex_t re;
    int rc = regcomp(&re, value, REG_EXTENDED | REG_NOSUB);
    if (rc) {
        char msg[256];
        regerror(rc, &re, msg, sizeof(msg));
        return fg_error_set(err, FG_EUSAGE,
                            "--%s: invalid regular expression '%s': %s", key,
                            value, msg);
    }
    regfree(&re);
    return FG_OK;
}

static int set_list(struct fg_settings *s, const char *key, const char *value,
                    const char *origin, bool fresh, struct fg_error *err)
{
    (void)err;
    if (strcmp(key, "base") == 0 || strcmp(key, "candidate") == 0) {
        struct fg_strlist *l = key[0] == 'b' ? &s->base : &s->candidate;
        if (fresh)
            fg_strlist_clear(l);
        fg_strlist_add(l, value);
        return FG_OK;
    }
    int fk = fg_settings_filter_index(key);
    if (fk >= 0) {
        /* pprof's sample filters; checked here so that the error names
         * the origin, and accumulated across sources like the rules */
        struct fg_error pe;
        if (fk >= FG_FILTER_TAGFOCUS) {
            char opt[32];
            snprintf(opt, sizeof(opt), "--%s", key);
            if (fg_filter_check_tag(value, opt, &pe))
                return fg_error_set(err, FG_EUSAGE, "%s (from %s)", pe.msg,
                                    origin);
        } else if (check_regex(key, value, &pe)) {
            return fg_error_set(err, FG_EUSAGE, "%s (from %s)", pe.msg,
                                origin);
        }
        fg_strlist_add(&s->filters[fk], value);
        return FG_OK;
    }
    if (strcmp(key, "gate-ignore") == 0 || strcmp(key, "gate-only") == 0) {
        /* Patterns accumulate across sources: a flag adds to the config
         * file's ignore rules and presets instead of silently dropping
         * them. */
        enum fg_rule_kind k =
            key[5] == 'i' ? FG_RULE_IGNORE : FG_RULE_FOCUS;
        /* glibc's regcomp can take gigabytes on nested quantifiers */
        struct fg_error pe;
        if (fg_pattern_check(value, &pe))
            return fg_error_set(err, FG_EUSAGE, "%s (from %s)", pe.msg,
                                origin);
        fg_settings_add_rule(s, k, value, false, origin);
        return FG_OK;
    }
    if (strcmp(key, "output") == 0) {
        if (fresh)
            clear_outputs(s);
        return parse_output(s, value, origin, err);
    }
    return 1;
}

int fg_settings_set(struct fg_settings *s, const char *key, const char *value,
                    const char *origin, struct fg_error *err)
{
    static const char *const metrics[] = {"flat", "cum", "both", NULL};
    /* in enum fg_normalize order */
    static const char *const norms[] = {"robust", "total",    "none",
                                        "median", "duration", "work", NULL};
    static const char *const tests[] = {"auto", "binomial", "moderated-t",
                                        NULL};
    static const char *const colors[] = {"auto", "always", "never", NULL};
    static const char *const pass_fail[] = {"fail", "pass", NULL};
    if (!fg_settings_known(key))
        return fg_error_set(err, FG_EUSAGE, "unknown setting '%s' (from %s)",
                            key, origin);
    bool fresh = record(s, key, origin);
    if (backend_key(key)) {
        struct fg_error be;
        if (fg_backend_opts_set(s->backend, key, value, &be))
            return fg_error_set(err, FG_EUSAGE, "%s (from %s)", be.msg,
                                origin);
        /* "runs" and "max-response-size" are also compare settings */
        if (!in_list(fg_settings_keys, key))
            return FG_OK;
    }
    int rc = set_list(s, key, value, origin, fresh, err);
    if (rc <= 0)
        return rc;
    rc = set_limit(s, key, value, origin, err);
    if (rc <= 0)
        return rc;
    int e = 0;
    double d;
    if (strcmp(key, "sample-type") == 0) {
        free(s->sample_type);
        s->sample_type = fg_xstrdup(value);
        s->cmp.sample_type = s->sample_type;
    } else if (strcmp(key, "metric") == 0) {
        if ((rc = set_enum(key, value, origin, metrics, &e,
                           "flat, cum or both", err)))
            return rc;
        s->cmp.metric = (enum fg_metric)e;
    } else if (strcmp(key, "normalize") == 0) {
        if ((rc = set_enum(key, value, origin, norms, &e,
                           "robust, total, median, duration, work or none",
                           err)))
            return rc;
        s->cmp.normalize = (enum fg_normalize)e;
    } else if (strcmp(key, "test") == 0) {
        if ((rc = set_enum(key, value, origin, tests, &e,
                           "auto, binomial or moderated-t", err)))
            return rc;
        s->cmp.test = (enum fg_test)e;
    } else if (strcmp(key, "alpha") == 0) {
        if ((rc = set_number(key, value, origin, 1e-12, 0.5, &d, err)))
            return rc;
        s->cmp.alpha = d;
    } else if (strcmp(key, "min-change") == 0) {
        return set_fraction(key, value, origin, true, &s->cmp.min_change,
                            err);
    } else if (strcmp(key, "min-delta") == 0) {
        /* percentage points: "0.5" means 0.5 pp, "0.5%" likewise */
        if ((rc = set_fraction(key, value, origin, false, &d, err)))
            return rc;
        s->cmp.min_delta = d;
    } else if (strcmp(key, "min-share") == 0) {
        if ((rc = set_fraction(key, value, origin, false, &d, err)))
            return rc;
        s->cmp.min_share = d;
    } else if (strcmp(key, "split") == 0) {
        struct fg_error pe;
        if (fg_parse_long(value, 1, FG_SPLIT_MAX, &s->split, key, &pe))
            return bad(err, key, value, origin,
                       "a whole number from 1 to 1000");
    } else if (strcmp(key, "folded-column") == 0) {
        long v;
        struct fg_error pe;
        if (fg_parse_long(value, 1, 2, &v, key, &pe))
            return bad(err, key, value, origin, "1 or 2");
        s->lim.folded_column = (unsigned)v;
    } else if (strcmp(key, "min-count") == 0 ||
               strcmp(key, "min-samples") == 0 || strcmp(key, "top") == 0 ||
               strcmp(key, "runs") == 0) {
        long v;
        struct fg_error pe;
        long lo = strcmp(key, "runs") == 0 ? 1 : 0;
        if (fg_parse_long(value, lo, 1000000000L, &v, key, &pe))
            return bad(err, key, value, origin, "a whole number");
        if (key[0] == 't')
            s->top = v;
        else if (key[0] == 'r')
            s->runs = v;
        else if (strcmp(key, "min-count") == 0)
            s->cmp.min_count = v;
        else
            s->cmp.min_samples = v;
    } else if (strcmp(key, "format") == 0) {
        if (fg_report_format_parse(value, &s->format))
            return bad(err, key, value, origin,
                       "text, markdown, json, html or folded");
    } else if (strcmp(key, "color") == 0) {
        if ((rc = set_enum(key, value, origin, colors, &e,
                           "auto, always or never", err)))
            return rc;
        s->color = (enum fg_color)e;
    } else if (strcmp(key, "marker-id") == 0) {
        for (const char *c = value; *c; c++)
            if (!isalnum((unsigned char)*c) && !strchr("-_.", *c))
                return bad(err, key, value, origin,
                           "letters, digits, '-', '_' or '.'");
        free(s->marker_id);
        s->marker_id = fg_xstrdup(value);
    } else if (strcmp(key, "env-noise") == 0) {
        static const char *const off_on[] = {"false", "true", NULL};
        static const char *const off_on2[] = {"off", "on", NULL};
        if (set_enum(key, value, origin, off_on, &e, "on or off", err) &&
            (rc = set_enum(key, value, origin, off_on2, &e, "on or off", err)))
            return rc;
        s->cmp.env_noise = e == 1;
    } else if (strcmp(key, "base-work") == 0 ||
               strcmp(key, "candidate-work") == 0) {
        if ((rc = set_work(s, key, value, origin, err)))
            return rc;
    } else if (strcmp(key, "on-error") == 0 ||
               strcmp(key, "inconclusive") == 0) {
        if ((rc = set_enum(key, value, origin, pass_fail, &e,
                           "pass or fail", err)))
            return rc;
        if (key[0] == 'o')
            s->on_error_pass = e == 1;
        else
            s->inconclusive_fail = e == 0;
    }
    return FG_OK;
}

/* "FLAMEGATE_" + key upper-cased, '-' as '_' (name has room for 96). */
static void env_name(const char *key, char *name, size_t cap)
{
    size_t n = (size_t)snprintf(name, cap, "FLAMEGATE_");
    for (const char *k = key; *k && n + 1 < cap; k++)
        name[n++] = *k == '-' ? '_' : (char)toupper((unsigned char)*k);
    name[n] = '\0';
}

static int apply_env_list(struct fg_settings *s, const char *const *keys,
                          const char *(*get)(const char *name),
                          struct fg_error *err)
{
    for (size_t i = 0; keys[i]; i++) {
        if (keys != fg_settings_keys && in_list(fg_settings_keys, keys[i]))
            continue; /* shared key: applied with the compare keys */
        char name[96];
        env_name(keys[i], name, sizeof(name));
        const char *v = get(name);
        if (!v || !*v)
            continue;
        char *origin = fg_xasprintf("environment %s", name);
        char *copy = fg_xstrdup(v);
        int rc = FG_OK;
        for (char *line = copy; line && !rc;) {
            char *nl = strchr(line, '\n');
            if (nl)
                *nl = '\0';
            if (*line)
                rc = fg_settings_set(s, keys[i], line, origin, err);
            line = nl ? nl + 1 : NULL;
        }
        free(copy);
        free(origin);
        if (rc)
            return rc;
    }
    return FG_OK;
}

int fg_settings_apply_env(struct fg_settings *s,
                          const char *(*get)(const char *name),
                          struct fg_error *err)
{
    int rc = apply_env_list(s, fg_settings_keys, get, err);
    if (!rc)
        rc = apply_env_list(s, fg_backend_arg_options, get, err);
    if (!rc)
        rc = apply_env_list(s, fg_backend_flag_options, get, err);
    return rc;
}

/* Variables of that prefix read elsewhere: the config file and backend
 * profile (config.c), and the GitHub Action's own (action/run.sh). */
static const char *const env_other[] = {"CONFIG", "BACKEND_PROFILE", "BIN",
                                        "BUILD_DIR", NULL};

void fg_settings_env_unknown(char *const *env, struct fg_strlist *out)
{
    static const char pre[] = "FLAMEGATE_";
    const char *const *lists[] = {fg_settings_keys, fg_backend_arg_options,
                                  fg_backend_flag_options};
    for (size_t e = 0; env && env[e]; e++) {
        const char *eq = strchr(env[e], '=');
        size_t len = eq ? (size_t)(eq - env[e]) : strlen(env[e]);
        if (len <= sizeof(pre) - 1 || strncmp(env[e], pre, sizeof(pre) - 1))
            continue;
        char var[96];
        if (len >= sizeof(var))
            len = sizeof(var) - 1;
        memcpy(var, env[e], len);
        var[len] = '\0';
        bool known = in_list(env_other, var + sizeof(pre) - 1);
        char best[96] = "", name[96];
        size_t best_d = SIZE_MAX;
        for (size_t l = 0; l < 3 && !known; l++) {
            for (size_t i = 0; lists[l][i] && !known; i++) {
                env_name(lists[l][i], name, sizeof(name));
                size_t d = fg_edit_distance(var + sizeof(pre) - 1,
                                            name + sizeof(pre) - 1);
                known = d == 0;
                if (d < best_d) {
                    best_d = d;
                    snprintf(best, sizeof(best), "%s", name);
                }
            }
        }
        for (size_t i = 0; env_other[i] && !known; i++) {
            snprintf(name, sizeof(name), "%s%s", pre, env_other[i]);
            size_t d = fg_edit_distance(var, name);
            if (d < best_d) {
                best_d = d;
                snprintf(best, sizeof(best), "%s", name);
            }
        }
        if (known)
            continue;
        /* the same bar as the config's "did you mean" */
        size_t stem = strlen(var) - (sizeof(pre) - 1);
        char *msg =
            best_d <= 2 && best_d <= stem / 2
                ? fg_xasprintf("unknown environment variable %s is ignored "
                               "(did you mean %s?)",
                               var, best)
                : fg_xasprintf("unknown environment variable %s is ignored "
                               "(no flamegate setting of that name)",
                               var);
        fg_strlist_add(out, msg);
        free(msg);
    }
}

static char *join_list(const struct fg_strlist *l)
{
    struct fg_buf b;
    fg_buf_init(&b, 0);
    for (size_t i = 0; i < l->n; i++)
        if (fg_buf_addf(&b, "%s%s", i ? ", " : "", l->v[i]))
            break;
    return fg_buf_detach(&b, NULL);
}

char *fg_settings_value(const struct fg_settings *s, const char *key)
{
    const struct fg_compare_opts *c = &s->cmp;
    if (strcmp(key, "base") == 0)
        return join_list(&s->base);
    if (strcmp(key, "candidate") == 0)
        return join_list(&s->candidate);
    int fk = fg_settings_filter_index(key);
    if (fk >= 0)
        return join_list(&s->filters[fk]);
    if (strcmp(key, "gate-ignore") == 0 || strcmp(key, "gate-only") == 0) {
        struct fg_strlist l = {0};
        enum fg_rule_kind k =
            key[5] == 'i' ? FG_RULE_IGNORE : FG_RULE_FOCUS;
        for (size_t i = 0; i < s->n_rules; i++)
            if (s->rules[i].kind == k)
                fg_strlist_add(&l, s->rules[i].pattern);
        char *v = join_list(&l);
        fg_strlist_clear(&l);
        return v;
    }
    if (strcmp(key, "output") == 0) {
        struct fg_buf b;
        fg_buf_init(&b, 0);
        for (size_t i = 0; i < s->n_outputs; i++)
            if (fg_buf_addf(&b, "%s%s=%s", i ? ", " : "",
                            fg_report_format_name(s->outputs[i].format),
                            s->outputs[i].path))
                break;
        return fg_buf_detach(&b, NULL);
    }
    if (strcmp(key, "sample-type") == 0)
        return fg_xstrdup(s->sample_type ? s->sample_type
                                         : "(profile default)");
    if (strcmp(key, "metric") == 0)
        return fg_xstrdup(fg_metric_name(c->metric));
    if (strcmp(key, "normalize") == 0)
        return fg_xstrdup(fg_normalize_name(c->normalize));
    if (strcmp(key, "test") == 0)
        return fg_xstrdup(fg_test_name(c->test));
    if (strcmp(key, "alpha") == 0)
        return fg_xasprintf("%g", c->alpha);
    if (strcmp(key, "min-change") == 0)
        return fg_xasprintf("%g%%", c->min_change * 100);
    if (strcmp(key, "min-delta") == 0)
        return fg_xasprintf("%g (percentage points)", c->min_delta * 100);
    if (strcmp(key, "min-share") == 0)
        return fg_xasprintf("%g%%", c->min_share * 100);
    if (strcmp(key, "min-count") == 0)
        return fg_xasprintf("%lld", (long long)c->min_count);
    if (strcmp(key, "min-samples") == 0)
        return fg_xasprintf("%lld", (long long)c->min_samples);
    if (strcmp(key, "format") == 0)
        return fg_xstrdup(fg_report_format_name(s->format));
    if (strcmp(key, "color") == 0)
        return fg_xstrdup(s->color == FG_COLOR_AUTO     ? "auto"
                          : s->color == FG_COLOR_ALWAYS ? "always"
                                                        : "never");
    if (strcmp(key, "top") == 0)
        return s->top > 0    ? fg_xasprintf("%ld", s->top)
               : s->top == 0 ? fg_xstrdup("0 (every row)")
                             : fg_xstrdup("(report default)");
    if (strcmp(key, "folded-column") == 0)
        return s->lim.folded_column
                   ? fg_xasprintf("%u", s->lim.folded_column)
                   : fg_xstrdup("(two-count files refused)");
    if (strcmp(key, "marker-id") == 0)
        return fg_xstrdup(s->marker_id ? s->marker_id : "default");
    if (strcmp(key, "on-error") == 0)
        return fg_xstrdup(s->on_error_pass ? "pass" : "fail");
    if (strcmp(key, "inconclusive") == 0)
        return fg_xstrdup(s->inconclusive_fail ? "fail" : "pass");
    if (strcmp(key, "env-noise") == 0)
        return fg_xstrdup(c->env_noise ? "on" : "off");
    if (strcmp(key, "base-work") == 0 || strcmp(key, "candidate-work") == 0) {
        int side = key[0] == 'c';
        struct fg_buf b;
        fg_buf_init(&b, 0);
        for (size_t i = 0; i < s->n_work[side]; i++)
            if (fg_buf_addf(&b, "%s%g", i ? "," : "", s->work[side][i]))
                break;
        return s->n_work[side] ? fg_buf_detach(&b, NULL)
                               : fg_xstrdup("(not set)");
    }
    if (strcmp(key, "runs") == 0)
        return fg_xasprintf("%ld", s->runs);
    if (strcmp(key, "split") == 0)
        return s->split > 1 ? fg_xasprintf("%ld", s->split)
                            : fg_xstrdup("1 (each recording is one run)");
    struct fg_limits lim = s->lim;
    const size_t *field = limit_field(&lim, key);
    if (field)
        return fg_xasprintf("%zu", *field);
    return fg_xstrdup("");
}
