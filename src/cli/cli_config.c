/*
 * cli_config.c - "flamegate config": print the effective settings of a
 * compare command line and where each value came from (defaults, the
 * config file, FLAMEGATE_* variables, flags), or list the ignore presets.
 *
 * The layers are applied exactly as "flamegate compare" applies them:
 * fg_config_setup (the file, its backend profile, the environment), then
 * the flags given here.
 */
#include "config/backend_opts.h"
#include "flamegate/buf.h"
#include "cli/cli.h"
#include "cli/cli_profile.h"
#include "config/config.h"
#include "core/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char config_usage[] =
    "usage: flamegate config [--show] [--config FILE]\n"
    "                        [--backend-profile NAME] [COMPARE OPTIONS]\n"
    "                        [BASE CANDIDATE]\n"
    "       flamegate config --list-presets [-v]\n"
    "\n"
    "Print the settings 'flamegate compare' would use with the same options,\n"
    "and where each value came from: the built-in default, the config file,\n"
    "an environment variable or the command line (later ones win, in that\n"
    "order).  Also checks the config file: unknown keys, wrong types, bad\n"
    "values and invalid patterns are errors (exit 2).\n"
    "\n"
    "The config file is FILE from --config, else $FLAMEGATE_CONFIG, else\n"
    ".flamegate.json in the working directory if it exists.  The backend\n"
    "profile is NAME from --backend-profile, else\n"
    "$FLAMEGATE_BACKEND_PROFILE, else the file's \"backend_profile\".\n"
    "Reference: docs/config.md.\n"
    "\n"
    "Options:\n"
    "      --show                  print the effective settings (default)\n"
    "      --list-presets          describe the ignore presets; with -v also\n"
    "                              print each preset's regular expression\n"
    "      --config FILE           the config file to use\n"
    "      --backend-profile NAME  a profile from the file's \"backends\"\n"
    "  -q, --quiet                 no warnings on standard error\n"
    "  -v, --verbose               with --list-presets: the regexes too\n"
    "  -h, --help                  show this help\n"
    "\n"
    "Every option of 'flamegate compare' and every backend option is\n"
    "accepted and shown as it would apply.\n"
    "\n"
    "Examples:\n"
    "  flamegate config --show\n"
    "  flamegate config --show --config ci/flamegate.json --min-change 20%\n"
    "  FLAMEGATE_ALPHA=0.01 flamegate config\n"
    "  flamegate config --list-presets\n"
    "\n";

enum {
    OPT_SHOW = 3000,
    OPT_LIST_PRESETS,
    OPT_CONFIG,
    OPT_PROFILE,
    OPT_SETTING = 3100,
    OPT_BACKEND_ARG = 3300,
    OPT_BACKEND_FLAG = 3500
};

/* One option from the command line, replayed after the lower layers. */
struct flag {
    const char *key;   /* settings key (backend options included) */
    const char *value; /* borrowed from argv, or "true" */
};

struct config_cli {
    bool show, list_presets, help;
    int verbose;
    const char *config_flag, *profile_flag;
    struct flag *flags;
    size_t n_flags, cap_flags;
    char **pos;
    int npos;
};

static const char *env_get(const char *name)
{
    return getenv(name);
}

/* True for the compare keys (fg_settings_keys), false for the options
 * only the backend has. */
static bool in_keys(const char *key)
{
    for (size_t i = 0; fg_settings_keys[i]; i++)
        if (strcmp(fg_settings_keys[i], key) == 0)
            return true;
    return false;
}

static struct option *build_longopts(void)
{
    static const struct option fixed[] = {
        {"show", no_argument, NULL, OPT_SHOW},
        {"list-presets", no_argument, NULL, OPT_LIST_PRESETS},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"backend-profile", required_argument, NULL, OPT_PROFILE},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'}};
    return fg_cli_options(fixed, sizeof(fixed) / sizeof(fixed[0]),
                          fg_settings_keys, OPT_SETTING, OPT_BACKEND_ARG,
                          OPT_BACKEND_FLAG);
}

static void add_flag(struct config_cli *c, const char *key, const char *value)
{
    c->flags = fg_xgrow(c->flags, &c->cap_flags, c->n_flags + 1,
                        sizeof(*c->flags));
    c->flags[c->n_flags++] = (struct flag){key, value};
}

/* 0: parsed; -1: usage error (reported). */
static int parse(struct config_cli *c, int argc, char **argv)
{
    struct option *longopts = build_longopts();
    int rc = 0, opt;
    while ((opt = getopt_long(argc, argv, "b:c:t:f:o:n:qvh", longopts,
                              NULL)) != -1) {
        const char *key = fg_settings_short_key(opt);
        if (key) {
            add_flag(c, key, optarg);
            continue;
        }
        if (opt >= OPT_BACKEND_FLAG) {
            add_flag(c, fg_backend_flag_options[opt - OPT_BACKEND_FLAG],
                     "true");
        } else if (opt >= OPT_BACKEND_ARG) {
            add_flag(c, fg_backend_arg_options[opt - OPT_BACKEND_ARG],
                     optarg);
        } else if (opt >= OPT_SETTING) {
            add_flag(c, fg_settings_keys[opt - OPT_SETTING], optarg);
        } else {
            switch (opt) {
            case OPT_SHOW: c->show = true; break;
            case OPT_LIST_PRESETS: c->list_presets = true; break;
            case OPT_CONFIG: c->config_flag = optarg; break;
            case OPT_PROFILE: c->profile_flag = optarg; break;
            case 'q': c->verbose = -1; break;
            case 'v': c->verbose++; break;
            case 'h': c->help = true; break;
            default: {
                char msg[256];
                fg_usage_error("config", "%s",
                               fg_cli_option_error("b:c:t:f:o:n:qvh", argv,
                                                   msg, sizeof(msg)));
                rc = -1;
                goto out;
            }
            }
        }
    }
    c->pos = argv + optind;
    c->npos = argc - optind;
    if (c->show && c->list_presets) {
        fg_usage_error("config", "give --show or --list-presets, not both");
        rc = -1;
    } else if (c->npos != 0 && c->npos != 2) {
        fg_usage_error("config",
                       "give BASE CANDIDATE or no positional arguments (got "
                       "%d)",
                       c->npos);
        rc = -1;
    }
out:
    free(longopts);
    return rc;
}

/* ---- --list-presets ----------------------------------------------------- */

/* Print text wrapped at 78 columns, every line indented by indent. */
static void wrapped(const char *lead, const char *text, int indent)
{
    int col = printf("%*s%s", indent, "", lead);
    const char *p = text;
    while (*p) {
        const char *sp = strchr(p, ' ');
        int len = sp ? (int)(sp - p) : (int)strlen(p);
        if (col + 1 + len > 78 && col > indent + (int)strlen(lead)) {
            col = printf("\n%*s", indent + 2, "") - 1;
        } else if (p != text) {
            putchar(' ');
            col++;
        }
        col += printf("%.*s", len, p);
        p += len;
        while (*p == ' ')
            p++;
    }
    putchar('\n');
}

static void list_presets(int verbose)
{
    for (size_t i = 0; i < fg_preset_count; i++) {
        const struct fg_preset *p = &fg_presets[i];
        printf("%s%s: %s\n", i ? "\n" : "", p->name, p->summary);
        for (size_t g = 0; g < p->n_groups; g++) {
            wrapped("- ", p->groups[g].frames, 2);
            wrapped("why: ", p->groups[g].why, 4);
        }
        if (p->tradeoff)
            wrapped("can hide: ", p->tradeoff, 2);
        if (verbose > 0) {
            char *re = fg_preset_regex(p);
            printf("  regex: %s\n", re);
            free(re);
        }
    }
    printf("\nUse them in the config file: \"ignore_presets\": "
           "[\"%s\"].\n",
           fg_presets[0].name);
}

/* ---- --show ------------------------------------------------------------- */

/* The patterns that the "gate-ignore"/"gate-only" key itself set, from every
 * source that set it (patterns accumulate across sources; rules and
 * presets have origins of their own and are listed under "rules"), and
 * those sources joined with " + ". */
static void pattern_list(const struct fg_settings *s, const char *key,
                         char **value, char **origins)
{
    enum fg_rule_kind k = key[5] == 'i' ? FG_RULE_IGNORE : FG_RULE_FOCUS;
    struct fg_buf v, o;
    fg_buf_init(&v, 0);
    fg_buf_init(&o, 0);
    int rc = FG_OK;
    for (size_t j = 0; j < s->origin_keys.n && !rc; j++) {
        if (strcmp(s->origin_keys.v[j], key) != 0)
            continue;
        const char *origin = s->origin_vals.v[j];
        rc = fg_buf_addf(&o, "%s%s", o.len ? " + " : "", origin);
        for (size_t i = 0; i < s->n_rules && !rc; i++)
            if (s->rules[i].kind == k && s->rules[i].origin &&
                strcmp(s->rules[i].origin, origin) == 0)
                rc = fg_buf_addf(&v, "%s%s", v.len ? ", " : "",
                                 s->rules[i].pattern);
    }
    *value = fg_buf_detach(&v, NULL);
    *origins = fg_buf_detach(&o, NULL);
    if (!**origins) {
        free(*origins);
        *origins = fg_xstrdup("default");
    }
}

static void row(const char *key, const char *value, const char *origin,
                int kw, int vw)
{
    printf("  %-*s  %-*s  %s\n", kw, key, vw, *value ? value : "(none)",
           origin);
}

static void show_settings(const struct fg_settings *s)
{
    int kw = 0, vw = 0;
    size_t n = 0;
    while (fg_settings_keys[n])
        n++;
    char **vals = fg_xcalloc(n, sizeof(char *));
    char **froms = fg_xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        const char *k = fg_settings_keys[i];
        if (strcmp(k, "gate-ignore") == 0 || strcmp(k, "gate-only") == 0) {
            pattern_list(s, k, &vals[i], &froms[i]);
        } else {
            vals[i] = fg_settings_value(s, k);
            froms[i] = fg_xstrdup(fg_settings_origin(s, k));
        }
        int kl = (int)strlen(k), vl = (int)strlen(vals[i]);
        kw = kl > kw ? kl : kw;
        vw = vl > vw ? vl : vw;
    }
    vw = vw > 32 ? 32 : vw;
    printf("settings:\n");
    row("SETTING", "VALUE", "FROM", kw, vw);
    for (size_t i = 0; i < n; i++) {
        row(fg_settings_keys[i], vals[i], froms[i], kw, vw);
        free(vals[i]);
        free(froms[i]);
    }
    free(vals);
    free(froms);
}

static void show_rules(const struct fg_settings *s)
{
    static const char *const kind[] = {"gate-ignore", "gate-only",
                                       "threshold"};
    if (s->n_rules == 0) {
        printf("\nrules: none\n");
        return;
    }
    printf("\nrules, in order (any matching gate-ignore rule ignores a "
           "function; the\nfirst matching threshold rule sets its gates and "
           "budget):\n");
    for (size_t i = 0; i < s->n_rules; i++) {
        const struct fg_rule *r = &s->rules[i];
        size_t len = strlen(r->pattern);
        printf("  %zu. %s ", i + 1, (size_t)r->kind < 3 ? kind[r->kind] : "?");
        if (r->preset)
            printf("preset '%s' = ", r->preset);
        printf("%s '%.*s%s'", r->is_glob ? "glob" : "regex",
               len > 64 ? 61 : (int)len, r->pattern, len > 64 ? "..." : "");
        const char *sep = ":";
        if (r->min_change >= 0) {
            printf("%s min change %g%%", sep, r->min_change * 100);
            sep = ",";
        }
        if (r->min_delta >= 0) {
            printf("%s min delta %g pp", sep, r->min_delta * 100);
            sep = ",";
        }
        if (r->max_share >= 0)
            printf("%s budget %g%%", sep, r->max_share * 100);
        printf("\n     from %s\n", r->origin ? r->origin : "?");
    }
}

/* Seconds as typed ("30", "2.5"). */
static char *seconds(double v)
{
    return fg_xasprintf("%g s", v);
}

/* The value of a backend-only option as text; headers show their names
 * only, since their values may carry credentials. */
static char *backend_value(const struct fg_backend_opts *o, const char *key)
{
    static const char *const kinds[] = {"none", "pyroscope", "parca"};
    static const char *const protos[] = {"default", "rest", "grpc-web",
                                         "connect"};
    const char *const strs[][2] = {
        {"url", o->url}, {"profile-type", o->profile_type},
        {"selector", o->selector}, {"version-label", o->version_label},
        {"base-version", o->version[0]},
        {"candidate-version", o->version[1]}, {"from", o->from},
        {"until", o->until}, {"base-from", o->side_from[0]},
        {"base-until", o->side_until[0]},
        {"candidate-from", o->side_from[1]},
        {"candidate-until", o->side_until[1]}, {"token-env", o->token_env},
        {"token-file", o->token_file}, {"user", o->user},
        {"password-env", o->password_env},
        {"password-file", o->password_file}, {"tenant", o->tenant},
        {"cacert", o->cacert}};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        if (strcmp(strs[i][0], key) == 0)
            return fg_xstrdup(strs[i][1] ? strs[i][1] : "");
    if (strcmp(key, "backend") == 0)
        return fg_xstrdup(kinds[(size_t)o->kind < 3 ? o->kind : 0]);
    if (strcmp(key, "protocol") == 0)
        return fg_xstrdup(protos[(size_t)o->protocol < 4 ? o->protocol : 0]);
    if (strcmp(key, "insecure") == 0)
        return fg_xstrdup(o->insecure ? "true" : "false");
    if (strcmp(key, "timeout") == 0)
        return seconds(o->timeout);
    if (strcmp(key, "connect-timeout") == 0)
        return seconds(o->connect_timeout);
    if (strcmp(key, "retry-backoff") == 0)
        return seconds(o->backoff);
    if (strcmp(key, "step") == 0)
        return seconds((double)o->step_ms / 1000.0);
    if (strcmp(key, "retries") == 0)
        return fg_xasprintf("%d", o->retries);
    if (strcmp(key, "parallel") == 0)
        return fg_xasprintf("%d", o->parallel);
    if (strcmp(key, "max-nodes") == 0)
        return fg_xasprintf("%lld", (long long)o->max_nodes);
    if (strcmp(key, "header") == 0) {
        struct fg_buf b;
        fg_buf_init(&b, 0);
        int rc = FG_OK;
        for (size_t i = 0; i < o->n_headers && !rc; i++) {
            const char *colon = strchr(o->headers[i], ':');
            int n = colon ? (int)(colon - o->headers[i])
                          : (int)strlen(o->headers[i]);
            rc = fg_buf_addf(&b, "%s%.*s: (hidden)", i ? ", " : "", n,
                             o->headers[i]);
        }
        return fg_buf_detach(&b, NULL);
    }
    return fg_xstrdup("(set)");
}

/* The backend-only options that a layer set, with their origins. */
static void show_backend(const struct fg_settings *s,
                         const struct fg_config *cfg)
{
    const char *const *lists[2] = {fg_backend_arg_options,
                                   fg_backend_flag_options};
    int kw = 6, vw = 5;
    size_t n = 0;
    for (size_t l = 0; l < 2; l++)
        for (size_t i = 0; lists[l][i]; i++) {
            const char *k = lists[l][i];
            if (in_keys(k) || strcmp(fg_settings_origin(s, k), "default") == 0)
                continue;
            char *v = backend_value(s->backend, k);
            int kl = (int)strlen(k), vl = (int)strlen(v);
            kw = kl > kw ? kl : kw;
            vw = vl > vw ? vl : vw;
            free(v);
            n++;
        }
    vw = vw > 32 ? 32 : vw;
    if (cfg->profile)
        printf("\nbackend profile: %s (from %s)\n", cfg->profile,
               cfg->profile_origin);
    if (n == 0) {
        printf("\nbackend: none (no backend options in the config, the "
               "environment or the command line)\n");
        return;
    }
    printf("\nbackend:\n");
    row("OPTION", "VALUE", "FROM", kw, vw);
    for (size_t l = 0; l < 2; l++)
        for (size_t i = 0; lists[l][i]; i++) {
            const char *k = lists[l][i];
            const char *origin = fg_settings_origin(s, k);
            if (in_keys(k) || strcmp(origin, "default") == 0)
                continue;
            char *v = backend_value(s->backend, k);
            row(k, v, origin, kw, vw);
            free(v);
        }
}

static int apply_flags(const struct config_cli *c, struct fg_settings *s,
                       struct fg_error *err)
{
    bool sides_given = false;
    for (size_t i = 0; i < c->n_flags; i++) {
        const struct flag *f = &c->flags[i];
        sides_given |= strcmp(f->key, "base") == 0 ||
                       strcmp(f->key, "candidate") == 0;
        int rc = fg_settings_set(s, f->key, f->value, "command line", err);
        if (rc)
            return rc;
    }
    if (c->npos == 2 && sides_given)
        return fg_error_set(err, FG_EUSAGE,
                            "give BASE CANDIDATE or --base and --candidate, "
                            "not both");
    if (c->npos == 2) {
        int rc = fg_settings_set(s, "base", c->pos[0], "command line", err);
        return rc ? rc
                  : fg_settings_set(s, "candidate", c->pos[1],
                                    "command line", err);
    }
    return FG_OK;
}

static int show(const struct config_cli *c)
{
    struct fg_settings s;
    struct fg_config cfg;
    struct fg_error err = {0, ""};
    fg_settings_init(&s);
    fg_config_init(&cfg);
    int rc = fg_config_setup(&cfg, &s, c->config_flag, c->profile_flag,
                             env_get, &err);
    if (!rc)
        rc = apply_flags(c, &s, &err);
    if (rc) {
        rc = fg_cli_fail(&err);
        goto out;
    }
    fg_cli_warn_unknown_env(c->verbose < 0);
    if (cfg.path)
        printf("config file: %s (from %s)\n\n", cfg.path,
               strcmp(cfg.located_by, "working directory") == 0
                   ? "the working directory"
                   : cfg.located_by);
    else
        printf("config file: none (no --config, no FLAMEGATE_CONFIG, no "
               "%s in the working directory)\n\n",
               FG_CONFIG_DEFAULT_NAME);
    show_settings(&s);
    show_rules(&s);
    show_backend(&s, &cfg);
    rc = FG_EXIT_PASS;
out:
    fg_config_release(&cfg);
    fg_settings_release(&s);
    return rc;
}

int fg_cmd_config(int argc, char **argv)
{
    struct config_cli c;
    memset(&c, 0, sizeof(c));
    int rc;
    if (parse(&c, argc, argv)) {
        rc = FG_EXIT_USAGE;
    } else if (c.help) {
        fputs(config_usage, stdout);
        rc = FG_EXIT_PASS;
    } else if (c.list_presets) {
        list_presets(c.verbose);
        rc = FG_EXIT_PASS;
    } else {
        rc = show(&c);
    }
    free(c.flags);
    return rc;
}
