/*
 * config.c - load the JSON project config into struct fg_settings, keep its
 * backend profiles, and apply the layers below the command line (see
 * config.h, docs/config.md).
 */
#include "config/config.h"
#include "config/backend_opts.h"
#include "core/pattern.h"
#include "core/util.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void fg_config_init(struct fg_config *c)
{
    memset(c, 0, sizeof(*c));
}

void fg_config_release(struct fg_config *c)
{
    free(c->path);
    for (size_t i = 0; i < c->n_profiles; i++) {
        free(c->profiles[i].name);
        fg_strlist_clear(&c->profiles[i].keys);
        fg_strlist_clear(&c->profiles[i].values);
    }
    free(c->profiles);
    free(c->backend_profile);
    free(c->profile);
    free(c->profile_origin);
    memset(c, 0, sizeof(*c));
}

const struct fg_config_profile *
fg_config_profile_find(const struct fg_config *c, const char *name)
{
    for (size_t i = 0; i < c->n_profiles; i++)
        if (strcmp(c->profiles[i].name, name) == 0)
            return &c->profiles[i];
    return NULL;
}

static bool in_list(const char *const *list, const char *key)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], key) == 0)
            return true;
    return false;
}

bool fg_config_is_backend_option(const char *name, bool *is_flag)
{
    bool flag = in_list(fg_backend_flag_options, name);
    if (is_flag)
        *is_flag = flag;
    return flag || in_list(fg_backend_arg_options, name);
}

/* ---- locating the file and the layers ----------------------------------- */

int fg_config_locate(const char *explicit_path, char **out,
                     struct fg_error *err)
{
    struct stat st;
    *out = NULL;
    if (explicit_path) {
        if (stat(explicit_path, &st) != 0)
            return fg_error_set_errno(err, FG_EIO, errno,
                                      "cannot read config '%s'",
                                      explicit_path);
        if (S_ISDIR(st.st_mode))
            return fg_error_set(err, FG_EIO,
                                "cannot read config '%s': is a directory",
                                explicit_path);
        *out = fg_xstrdup(explicit_path);
        return FG_OK;
    }
    /* Anything but "absent" is the user's file: let loading report it. */
    if (stat(FG_CONFIG_DEFAULT_NAME, &st) == 0 || errno != ENOENT)
        *out = fg_xstrdup(FG_CONFIG_DEFAULT_NAME);
    return FG_OK;
}

static void list_profiles(const struct fg_config *c, char *buf, size_t n)
{
    size_t used = 0;
    snprintf(buf, n, "none defined");
    for (size_t i = 0; i < c->n_profiles && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? ", " : "",
                                 c->profiles[i].name);
}

int fg_config_apply_profile(struct fg_config *c, struct fg_settings *s,
                            const char *name,
                            const char *(*get)(const char *name),
                            struct fg_error *err)
{
    const char *from = "command line";
    if (!name && get) {
        const char *v = get("FLAMEGATE_BACKEND_PROFILE");
        if (v && *v) {
            name = v;
            from = "environment FLAMEGATE_BACKEND_PROFILE";
        }
    }
    char *file_origin = c->path ? fg_xasprintf("config %s", c->path) : NULL;
    if (!name && c->backend_profile) {
        name = c->backend_profile;
        from = file_origin;
    }
    int rc = FG_OK;
    const struct fg_config_profile *p = name ? fg_config_profile_find(c, name)
                                             : NULL;
    if (!name) {
        /* no profile: nothing to do */
    } else if (!p && !c->path) {
        rc = fg_error_set(err, FG_EUSAGE,
                          "backend profile '%s' (from %s) needs a config "
                          "file: none was given with --config and there is "
                          "no %s here",
                          name, from, FG_CONFIG_DEFAULT_NAME);
    } else if (!p) {
        char names[512];
        list_profiles(c, names, sizeof(names));
        rc = fg_error_set(err, FG_EUSAGE,
                          "unknown backend profile '%s' (from %s); config "
                          "'%s' has: %s",
                          name, from, c->path, names);
    } else {
        free(c->profile);
        free(c->profile_origin);
        c->profile = fg_xstrdup(name);
        c->profile_origin = fg_xstrdup(from);
        char *origin = fg_xasprintf("%s, backend profile %s", file_origin,
                                    name);
        for (size_t i = 0; i < p->keys.n && !rc; i++)
            rc = fg_settings_set(s, p->keys.v[i], p->values.v[i], origin,
                                 err);
        free(origin);
    }
    free(file_origin);
    return rc;
}

int fg_config_setup(struct fg_config *c, struct fg_settings *s,
                    const char *config_flag, const char *profile_flag,
                    const char *(*get)(const char *name),
                    struct fg_error *err)
{
    const char *explicit_path = config_flag;
    const char *by = "--config";
    if (!explicit_path && get) {
        const char *v = get("FLAMEGATE_CONFIG");
        if (v && *v) {
            explicit_path = v;
            by = "FLAMEGATE_CONFIG";
        }
    }
    char *path = NULL;
    int rc = fg_config_locate(explicit_path, &path, err);
    if (!rc && path) {
        c->located_by = explicit_path ? by : "working directory";
        rc = fg_config_load(c, s, path, err);
    }
    free(path);
    if (!rc)
        rc = fg_config_apply_profile(c, s, profile_flag, get, err);
    if (!rc && get)
        rc = fg_settings_apply_env(s, get, err);
    return rc;
}

/* ---- loading ------------------------------------------------------------ */

struct loader {
    struct fg_config *c;
    struct fg_settings *s;
    const char *name;   /* file name for messages */
    char *origin;       /* "config NAME" */
    struct fg_error *err;
};

static int fail(struct loader *L, const char *fmt, ...) FG_PRINTF(2, 3);

/* "config 'NAME': <message>" */
static int fail(struct loader *L, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return fg_error_set(L->err, FG_EUSAGE, "config '%s': %s", L->name, msg);
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static int wrong_type(struct loader *L, const char *path, const json_t *v,
                      const char *want)
{
    return fail(L, "'%s' must be %s, not %s", path, want, type_name(v));
}

/* Key spelling: "min_change" and "min-change" are the same key. */
static void dash_form(const char *key, char *out, size_t n)
{
    size_t i = 0;
    for (; key[i] && i + 1 < n; i++)
        out[i] = key[i] == '_' ? '-' : key[i];
    out[i] = '\0';
}

/* The shortest "%.Ng" that reads back as the same double, so 0.1 stays
 * "0.1" in messages and "config --show". */
static void format_number(const json_t *v, char *buf, size_t n)
{
    if (json_is_integer(v)) {
        snprintf(buf, n, "%lld", (long long)json_integer_value(v));
        return;
    }
    double d = json_real_value(v);
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            return;
    }
}

/* ---- "did you mean" ----------------------------------------------------- */

static const char *const top_special[] = {"rules", "ignore-presets",
                                          "backends", "backend-profile",
                                          "sample-focus", "sample-ignore",
                                          NULL};
static const char *const rule_keys[] = {"match", "glob", "ignore",
                                        "gate-ignore", "gate-only",
                                        "min-change", "min-delta",
                                        "max-share", "reason", NULL};
/* Config spellings of the sample filters whose flag name is taken by the
 * old meaning of the key (see renamed_key). */
static const char *const top_aliases[] = {"sample-focus", "sample-ignore",
                                          NULL};

static void consider(const char *key, const char *cand, const char **best,
                     size_t *best_d)
{
    size_t d = fg_edit_distance(key, cand);
    if (d < *best_d) {
        *best_d = d;
        *best = cand;
    }
}

/* Unknown key at path (the user's spelling), with a suggestion among the
 * keys valid at that level. */
static int unknown_key(struct loader *L, const char *path, const char *key,
                       const char *const *a, const char *const *b,
                       const char *const *c)
{
    char dkey[64];
    dash_form(key, dkey, sizeof(dkey));
    if (strcmp(dkey, "token") == 0 || strcmp(dkey, "password") == 0)
        return fail(L,
                    "unknown key '%s': secrets are never read from the "
                    "config; use token_env or token_file (password_env, "
                    "password_file)",
                    path);
    const char *best = NULL;
    size_t best_d = 3;
    const char *const *lists[] = {a, b, c};
    for (size_t l = 0; l < 3; l++)
        for (size_t i = 0; lists[l] && lists[l][i]; i++)
            consider(dkey, lists[l][i], &best, &best_d);
    if (!best || best_d > strlen(dkey) / 2)
        return fail(L, "unknown key '%s'", path);
    /* Suggest in the user's style: underscores if they used them. */
    char sugg[64];
    size_t i = 0;
    for (; best[i] && i + 1 < sizeof(sugg); i++)
        sugg[i] = best[i] == '-' && strchr(key, '_') ? '_' : best[i];
    sugg[i] = '\0';
    return fail(L, "unknown key '%s' (did you mean '%s'?)", path, sugg);
}

static int check_regex(struct loader *L, const char *path, const char *pat)
{
    if (!*pat)
        return fail(L, "'%s' is an empty pattern", path);
    struct fg_error e = {0, ""};
    if (fg_pattern_check(pat, &e))
        return fail(L, "'%s': %s", path, e.msg);
    regex_t re;
    int rc = regcomp(&re, pat, REG_EXTENDED | REG_NOSUB);
    if (rc) {
        char msg[256];
        regerror(rc, &re, msg, sizeof(msg));
        return fail(L, "'%s': invalid regular expression '%s': %s", path,
                    pat, msg);
    }
    regfree(&re);
    return FG_OK;
}

/* ---- settings keys ------------------------------------------------------ */

/* JSON types by key: K_SCALAR is a string or a number (backend options
 * such as "timeout" and "url"), K_BOOL a backend flag ("insecure"). */
enum kind { K_STRING, K_LIST, K_NUMBER, K_INT, K_SIZE, K_SCALAR, K_BOOL };

static enum kind setting_kind(const char *key)
{
    static const char *const lists[] = {
        "base",      "candidate", "ignore",   "focus",     "hide",
        "show-from", "tagfocus",  "tagignore", "gate-only", "gate-ignore",
        "output",    "header",    NULL};
    static const char *const numbers[] = {"alpha", "min-change", "min-delta",
                                          "min-share", NULL};
    static const char *const ints[] = {"min-count", "min-samples", "top",
                                       "runs", "folded-column", NULL};
    static const char *const bools[] = {"env-noise", NULL};
    static const char *const scalars[] = {"base-work", "candidate-work",
                                          NULL};
    bool is_flag = false;
    if (in_list(bools, key))
        return K_BOOL;
    if (in_list(scalars, key))
        return K_SCALAR;
    if (in_list(lists, key))
        return K_LIST;
    if (in_list(numbers, key))
        return K_NUMBER;
    if (in_list(ints, key))
        return K_INT;
    if (strncmp(key, "max-", 4) == 0 && in_list(fg_settings_keys, key))
        return K_SIZE;
    if (fg_config_is_backend_option(key, &is_flag))
        return is_flag ? K_BOOL : K_SCALAR;
    return K_STRING;
}

static bool is_pattern_key(const char *key)
{
    static const char *const regex_keys[] = {
        "ignore", "focus", "hide", "show-from", "gate-only", "gate-ignore",
        NULL};
    return in_list(regex_keys, key);
}

/* One scalar of a key as text, type-checked for its kind (for K_LIST: one
 * element). */
static int setting_text(struct loader *L, const char *path, enum kind k,
                        const json_t *v, char *buf, size_t n,
                        const char **out)
{
    switch (k) {
    case K_LIST:
    case K_STRING:
        if (!json_is_string(v))
            return wrong_type(L, path, v, "a string");
        *out = json_string_value(v);
        return FG_OK;
    case K_BOOL:
        if (!json_is_boolean(v))
            return wrong_type(L, path, v, "true or false");
        *out = json_is_true(v) ? "true" : "false";
        return FG_OK;
    case K_SCALAR:
    case K_NUMBER:
        if (json_is_string(v)) {
            *out = json_string_value(v);
            return FG_OK;
        }
        if (!json_is_number(v))
            return wrong_type(L, path, v,
                              k == K_SCALAR
                                  ? "a string or a number"
                                  : "a number or a string like \"10%\"");
        break;
    case K_INT:
        if (json_is_real(v)) {
            double d = json_real_value(v);
            if (d != floor(d) || fabs(d) >= 1e15)
                return fail(L, "'%s' must be a whole number, not %g", path,
                            d);
            snprintf(buf, n, "%.0f", d);
            *out = buf;
            return FG_OK;
        }
        if (!json_is_integer(v))
            return wrong_type(L, path, v, "a whole number");
        break;
    case K_SIZE:
        if (json_is_string(v)) {
            *out = json_string_value(v);
            return FG_OK;
        }
        if (!json_is_integer(v))
            return wrong_type(L, path, v,
                              "a whole number or a string like \"64M\"");
        break;
    }
    format_number(v, buf, n);
    *out = buf;
    return FG_OK;
}

/*
 * The values of key (dash form) at path as text, each passed to
 * put(ctx, key, text): one for scalars, one per element for a list key
 * given an array.  Patterns of "ignore"/"focus" are checked here so the
 * error names the path.
 */
static int each_value(struct loader *L, const char *path, const char *dkey,
                      const json_t *v,
                      int (*put)(struct loader *L, void *ctx,
                                 const char *path, const char *key,
                                 const char *text),
                      void *ctx)
{
    enum kind k = setting_kind(dkey);
    char buf[64], ipath[192];
    const char *text = NULL;
    int rc;
    if (k == K_LIST && !json_is_string(v) && !json_is_array(v))
        return wrong_type(L, path, v, "a string or an array of strings");
    size_t n = k == K_LIST && json_is_array(v) ? json_array_size(v) : 1;
    for (size_t i = 0; i < n; i++) {
        const json_t *item = v;
        const char *ip = path;
        if (k == K_LIST && json_is_array(v)) {
            item = json_array_get(v, i);
            snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
            ip = ipath;
        }
        if ((rc = setting_text(L, ip, k, item, buf, sizeof(buf), &text)))
            return rc;
        if (is_pattern_key(dkey) && (rc = check_regex(L, ip, text)))
            return rc;
        if ((rc = put(L, ctx, ip, dkey, text)))
            return rc;
    }
    return FG_OK;
}

static int put_setting(struct loader *L, void *ctx, const char *path,
                       const char *key, const char *text)
{
    (void)ctx;
    int rc = fg_settings_set(L->s, key, text, L->origin, L->err);
    /* A long value can push "(from config NAME)" out of the message. */
    if (rc && L->err && !strstr(L->err->msg, L->origin))
        return fail(L, "'%s': %.200s...", path, L->err->msg);
    return rc;
}

/* ---- backend profiles --------------------------------------------------- */

struct profile_ctx {
    struct fg_config_profile *p;
    struct fg_backend_opts scratch; /* validates values at load time */
};

static int put_profile(struct loader *L, void *ctx, const char *path,
                       const char *key, const char *text)
{
    struct profile_ctx *pc = ctx;
    struct fg_error e = {0, ""};
    if (fg_backend_opts_set(&pc->scratch, key, text, &e))
        return fail(L, "'%s': %s", path, e.msg);
    fg_strlist_add(&pc->p->keys, key);
    fg_strlist_add(&pc->p->values, text);
    return FG_OK;
}

static int load_profile(struct loader *L, const char *name, const json_t *obj)
{
    char path[256];
    snprintf(path, sizeof(path), "backends.%s", name);
    if (!*name)
        return fail(L, "'backends' has a profile with an empty name");
    if (!json_is_object(obj))
        return wrong_type(L, path, obj, "an object of backend options");
    struct fg_config *c = L->c;
    c->profiles = fg_xrealloc(c->profiles,
                              (c->n_profiles + 1) * sizeof(*c->profiles));
    struct fg_config_profile *p = &c->profiles[c->n_profiles++];
    memset(p, 0, sizeof(*p));
    p->name = fg_xstrdup(name);
    struct profile_ctx pc = {p, {0}};
    fg_backend_opts_init(&pc.scratch);
    int rc = FG_OK;
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        char dkey[64], kpath[320];
        dash_form(key, dkey, sizeof(dkey));
        snprintf(kpath, sizeof(kpath), "%s.%s", path, key);
        if (!fg_config_is_backend_option(dkey, NULL)) {
            rc = unknown_key(L, kpath, key, fg_backend_arg_options,
                             fg_backend_flag_options, NULL);
            break;
        }
        for (size_t i = 0; i < p->keys.n && !rc; i++)
            if (strcmp(p->keys.v[i], dkey) == 0)
                rc = fail(L, "'%s': '%s' is given twice", path, dkey);
        if (rc || (rc = each_value(L, kpath, dkey, v, put_profile, &pc)))
            break;
    }
    fg_backend_opts_release(&pc.scratch);
    return rc;
}

static int load_backends(struct loader *L, const json_t *v)
{
    if (!json_is_object(v))
        return wrong_type(L, "backends", v,
                          "an object of named backend profiles");
    const char *name;
    const json_t *obj;
    json_object_foreach((json_t *)v, name, obj) {
        int rc = load_profile(L, name, obj);
        if (rc)
            return rc;
    }
    return FG_OK;
}

/* ---- rules and presets -------------------------------------------------- */

enum rule_unit { U_CHANGE, U_POINTS, U_SHARE };

/*
 * A rule threshold as a fraction.  The units follow the global flags:
 * every bare number is in percent ("10" or "10%"), min_delta in
 * percentage points; a bare number in (0, 1] for min_change (which read
 * it as a fraction once) and below 1 for max_share is refused as
 * ambiguous rather than read as a tiny threshold or budget.
 */
static int rule_value(struct loader *L, const char *path, const json_t *v,
                      enum rule_unit u, double *out)
{
    char buf[64];
    const char *text = NULL;
    bool pct = false;
    if (json_is_string(v)) {
        text = json_string_value(v);
        size_t n = strlen(text);
        if (n > 0 && n < sizeof(buf) && text[n - 1] == '%') {
            memcpy(buf, text, n - 1);
            buf[n - 1] = '\0';
            text = buf;
            pct = true;
        }
    } else if (json_is_number(v)) {
        format_number(v, buf, sizeof(buf));
        text = buf;
    } else {
        return wrong_type(L, path, v,
                          u == U_SHARE ? "a number or a string like \"30%\""
                                       : "a number or a string like "
                                         "\"10%\"");
    }
    double d;
    struct fg_error e;
    char what[224];
    snprintf(what, sizeof(what), "'%s'", path);
    if (fg_parse_double(text, 0, 1e6, &d, what, &e))
        return fail(L, "%s", e.msg);
    switch (u) {
    case U_CHANGE:
        /* in percent like --min-change; a bare number up to 1 was a
         * fraction once: refused rather than read differently */
        if (!pct && d > 0 && d <= 1)
            return fail(L,
                        "'%s': %s is ambiguous: min_change is in percent; "
                        "write \"%s%%\" for %s%%, or %g for %g%%",
                        path, text, text, text, d * 100, d * 100);
        *out = d / 100.0;
        return FG_OK;
    case U_POINTS:
        if (d > 100)
            return fail(L, "'%s': %s percentage points is more than 100",
                        path, text);
        *out = d / 100.0;
        return FG_OK;
    case U_SHARE:
        if (d > 100)
            return fail(L, "'%s': a share of %s%% is more than 100%%", path,
                        text);
        if (!pct && d > 0 && d < 1)
            return fail(L,
                        "'%s': %s is ambiguous: max_share is in percent; "
                        "write \"%s%%\" for %s%%, or %g for %g%%",
                        path, text, text, text, d * 100, d * 100);
        *out = d / 100.0;
        return FG_OK;
    }
    return FG_OK;
}

static int rule_bool(struct loader *L, const char *path, const json_t *v,
                     bool *out)
{
    if (!json_is_boolean(v))
        return wrong_type(L, path, v, "true or false");
    *out = json_is_true(v);
    return FG_OK;
}

/* A rule object being read. */
struct rule_spec {
    const char *pattern;
    bool is_glob, ignore, focus;
    double th[3]; /* min_change, min_delta, max_share; < 0: not given */
};

static int rule_key(struct loader *L, const char *path, const char *kpath,
                    const char *key, const json_t *v, struct rule_spec *r)
{
    char dkey[64];
    dash_form(key, dkey, sizeof(dkey));
    if (strcmp(dkey, "match") == 0 || strcmp(dkey, "glob") == 0) {
        if (r->pattern)
            return fail(L, "'%s' has both \"match\" and \"glob\"; give one",
                        path);
        if (!json_is_string(v))
            return wrong_type(L, kpath, v, "a string");
        r->pattern = json_string_value(v);
        r->is_glob = dkey[0] == 'g';
        if (!*r->pattern)
            return fail(L, "'%s' is an empty pattern", kpath);
        return r->is_glob ? FG_OK : check_regex(L, kpath, r->pattern);
    }
    if (strcmp(dkey, "ignore") == 0 || strcmp(dkey, "gate-ignore") == 0)
        return rule_bool(L, kpath, v, &r->ignore);
    if (strcmp(dkey, "gate-only") == 0)
        return rule_bool(L, kpath, v, &r->focus);
    if (strcmp(dkey, "focus") == 0)
        return fail(L,
                    "'%s': \"focus\" is no longer a rule key: a rule that "
                    "selects the functions that can fail the gate is "
                    "\"gate_only\": true (--focus now keeps the samples "
                    "whose stack passes through a function, as pprof's)",
                    kpath);
    if (strcmp(dkey, "min-change") == 0)
        return rule_value(L, kpath, v, U_CHANGE, &r->th[0]);
    if (strcmp(dkey, "min-delta") == 0)
        return rule_value(L, kpath, v, U_POINTS, &r->th[1]);
    if (strcmp(dkey, "max-share") == 0)
        return rule_value(L, kpath, v, U_SHARE, &r->th[2]);
    if (strcmp(dkey, "reason") == 0) /* free text for the readers */
        return json_is_string(v) ? FG_OK : wrong_type(L, kpath, v, "a string");
    return unknown_key(L, kpath, key, rule_keys, NULL, NULL);
}

static int load_rule(struct loader *L, size_t idx, const json_t *obj)
{
    char path[64], kpath[192];
    snprintf(path, sizeof(path), "rules[%zu]", idx);
    if (!json_is_object(obj))
        return wrong_type(L, path, obj, "an object");
    struct rule_spec r = {NULL, false, false, false, {-1, -1, -1}};
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        snprintf(kpath, sizeof(kpath), "%s.%s", path, key);
        int rc = rule_key(L, path, kpath, key, v, &r);
        if (rc)
            return rc;
    }
    bool thresholds = r.th[0] >= 0 || r.th[1] >= 0 || r.th[2] >= 0;
    if (!r.pattern)
        return fail(L,
                    "'%s' needs \"match\" (a regular expression) or "
                    "\"glob\" (a shell pattern)",
                    path);
    if (r.ignore && r.focus)
        return fail(L, "'%s' cannot be both gate_ignore and gate_only",
                    path);
    if ((r.ignore || r.focus) && thresholds)
        return fail(L,
                    "'%s': a %s rule takes no min_change, min_delta or "
                    "max_share; make a separate rule",
                    path, r.ignore ? "gate_ignore" : "gate_only");
    if (!r.ignore && !r.focus && !thresholds)
        return fail(L,
                    "'%s' does nothing: give \"ignore\": true, "
                    "\"gate_only\": true, or min_change, min_delta or "
                    "max_share",
                    path);
    enum fg_rule_kind kind = r.ignore  ? FG_RULE_IGNORE
                             : r.focus ? FG_RULE_FOCUS
                                       : FG_RULE_THRESHOLD;
    char *origin = fg_xasprintf("%s, %s", L->origin, path);
    struct fg_rule *rule =
        fg_settings_add_rule(L->s, kind, r.pattern, r.is_glob, origin);
    free(origin);
    rule->min_change = r.th[0];
    rule->min_delta = r.th[1];
    rule->max_share = r.th[2];
    return FG_OK;
}

static int load_rules(struct loader *L, const json_t *v)
{
    if (!json_is_array(v))
        return wrong_type(L, "rules", v, "an array of rule objects");
    size_t i;
    const json_t *obj;
    json_array_foreach(v, i, obj) {
        int rc = load_rule(L, i, obj);
        if (rc)
            return rc;
    }
    return FG_OK;
}

static int load_presets(struct loader *L, const char *key, const json_t *v)
{
    bool single = json_is_string(v);
    if (!single && !json_is_array(v))
        return wrong_type(L, key, v, "an array of preset names");
    size_t n = single ? 1 : json_array_size(v);
    for (size_t i = 0; i < n; i++) {
        const json_t *item = single ? v : json_array_get(v, i);
        char path[96];
        if (single)
            snprintf(path, sizeof(path), "%s", key);
        else
            snprintf(path, sizeof(path), "%s[%zu]", key, i);
        if (!json_is_string(item))
            return wrong_type(L, path, item, "a preset name (a string)");
        const char *name = json_string_value(item);
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++)
            dup = strcmp(json_string_value(json_array_get(v, j)), name) == 0;
        if (dup)
            continue;
        /* where in the file, as for rules[i]; the rule carries the
         * preset's name itself (fg_rule.preset) */
        char *origin = fg_xasprintf("%s, %s", L->origin, path);
        struct fg_error e = {0, ""};
        int rc = fg_preset_apply(L->s, name, origin, &e);
        free(origin);
        if (rc)
            return fail(L, "'%s': %s", path, e.msg);
    }
    return FG_OK;
}

/* ---- the document ------------------------------------------------------- */

/*
 * "focus" and "ignore" named the functions to test; the flags of those
 * names are now pprof's sample filters.  A config file written for the
 * old meaning must not change meaning silently: the keys are refused,
 * naming both spellings.
 */
static int renamed_key(struct loader *L, const char *key, const char *dkey)
{
    bool focus = dkey[0] == 'f';
    return fail(L,
                "'%s' is no longer a config key: for %s (its old meaning) "
                "write \"%s\"; for pprof's sample filter (%s) write "
                "\"sample_%s\"",
                key,
                focus ? "the only functions the gate tests"
                      : "functions the gate does not test",
                focus ? "gate_only" : "gate_ignore",
                focus ? "keep the samples whose stack passes through a "
                        "matching function"
                      : "drop the samples whose stack passes through a "
                        "matching function",
                dkey);
}

static int load_default_profile(struct loader *L, const json_t *v)
{
    if (!json_is_string(v))
        return wrong_type(L, "backend_profile", v,
                          "the name of a profile in \"backends\"");
    const char *name = json_string_value(v);
    if (!fg_config_profile_find(L->c, name)) {
        char names[512];
        list_profiles(L->c, names, sizeof(names));
        return fail(L,
                    "'backend_profile': no backend profile '%s' in "
                    "\"backends\" (%s)",
                    name, names);
    }
    L->c->backend_profile = fg_xstrdup(name);
    return FG_OK;
}

static int load_top(struct loader *L, const json_t *root)
{
    if (!json_is_object(root))
        return fail(L, "the top level must be an object, not %s",
                    type_name(root));
    const char *key;
    const json_t *v;
    const json_t *profile = NULL;
    struct fg_strlist seen = {0};
    int rc = FG_OK;
    json_object_foreach((json_t *)root, key, v) {
        char dkey[64];
        dash_form(key, dkey, sizeof(dkey));
        for (size_t i = 0; i < seen.n && !rc; i++)
            if (strcmp(seen.v[i], dkey) == 0)
                rc = fail(L, "'%s' is given twice (once with '-', once "
                             "with '_')",
                          key);
        if (rc)
            break;
        fg_strlist_add(&seen, dkey);
        if (strcmp(dkey, "rules") == 0)
            rc = load_rules(L, v);
        else if (strcmp(dkey, "ignore-presets") == 0)
            rc = load_presets(L, key, v);
        else if (strcmp(dkey, "backends") == 0)
            rc = load_backends(L, v);
        else if (strcmp(dkey, "backend-profile") == 0)
            profile = v;
        else if (strcmp(dkey, "focus") == 0 || strcmp(dkey, "ignore") == 0)
            rc = renamed_key(L, key, dkey);
        else if (in_list(top_aliases, dkey))
            rc = each_value(L, key, dkey + strlen("sample-"), v, put_setting,
                            NULL);
        else if (fg_settings_known(dkey))
            rc = each_value(L, key, dkey, v, put_setting, NULL);
        else
            rc = unknown_key(L, key, key, fg_settings_keys, top_special,
                             fg_backend_arg_options);
        if (rc)
            break;
    }
    /* Checked last: "backends" may follow "backend_profile". */
    if (!rc && profile)
        rc = load_default_profile(L, profile);
    fg_strlist_clear(&seen);
    return rc;
}

int fg_config_load_buffer(struct fg_config *c, struct fg_settings *s,
                          const char *text, size_t len, const char *name,
                          struct fg_error *err)
{
    struct loader L = {c, s, name, fg_xasprintf("config %s", name), err};
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    int rc;
    if (!root) {
        rc = fg_error_set(err, FG_EFORMAT,
                          "config '%s': invalid JSON at line %d, column %d: "
                          "%s",
                          name, je.line, je.column, je.text);
        goto out;
    }
    free(c->path);
    c->path = fg_xstrdup(name);
    free(s->config_path);
    s->config_path = fg_xstrdup(name);
    rc = load_top(&L, root);
out:
    json_decref(root);
    free(L.origin);
    return rc;
}

int fg_config_load(struct fg_config *c, struct fg_settings *s,
                   const char *path, struct fg_error *err)
{
    unsigned char *data = NULL;
    size_t len = 0;
    struct fg_error e = {0, ""};
    int rc = fg_read_file(path, FG_CONFIG_MAX_SIZE, &data, &len, &e);
    if (rc) {
        rc = fg_error_set(err, rc, "config: %s", e.msg);
        goto out;
    }
    rc = fg_config_load_buffer(c, s, (const char *)data, len, path, err);
out:
    free(data);
    return rc;
}
