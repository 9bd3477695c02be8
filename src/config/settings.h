/*
 * settings.h - every setting of "flamegate compare", addressable by key.
 *
 * Keys are the long option names ("min-change", "base", "gate-ignore",
 * ...).
 * The command line, FLAMEGATE_* environment variables and the config file
 * all go through fg_settings_set, applied in the order defaults, config
 * file, environment, flags, so later sources override earlier ones; the
 * origin of each key's current value is recorded for "config --show".
 * Repeatable keys append; for base, candidate and output a later source
 * replaces the list of an earlier one, while the patterns of the sample
 * filters (focus, ignore, hide, show-from, tagfocus, tagignore: pprof's)
 * and of the gate (gate-only, gate-ignore: which functions can fail)
 * accumulate across sources.
 */
#ifndef FLAMEGATE_SETTINGS_H
#define FLAMEGATE_SETTINGS_H

#include "flamegate/compare.h"
#include "flamegate/report.h"
#include "model/filter.h"

/* The sample filter keys: focus, ignore, hide, show-from, tagfocus,
 * tagignore (the order of struct fg_filter_spec). */
enum { FG_FILTER_TAGFOCUS = 4, FG_FILTER_KINDS = 6 };

enum fg_color { FG_COLOR_AUTO = 0, FG_COLOR_ALWAYS, FG_COLOR_NEVER };

struct fg_output {
    enum fg_report_format format;
    char *path; /* owned */
};

struct fg_strlist {
    char **v;
    size_t n, cap;
};

struct fg_backend_opts;

struct fg_settings {
    struct fg_compare_opts cmp;  /* cmp.rules points into rules below */
    struct fg_rule *rules;       /* owned; patterns owned via rule_strs */
    size_t n_rules, cap_rules;
    struct fg_strlist rule_strs; /* owned pattern/origin strings */
    struct fg_strlist filters[FG_FILTER_KINDS]; /* the sample filters,
                                 * checked (fg_settings_filter_spec) */
    char *sample_type;           /* owned */
    struct fg_limits lim;
    struct fg_strlist base, candidate;
    enum fg_report_format format;   /* standard output format */
    struct fg_output *outputs;      /* -o FORMAT=PATH */
    size_t n_outputs, cap_outputs;
    enum fg_color color;
    long top;                       /* -1: report default; 0: all rows */
    char *marker_id;                /* owned; NULL: "default" */
    bool on_error_pass;             /* --on-error pass */
    bool inconclusive_fail;         /* --inconclusive fail */
    long runs;                      /* --runs for URL sources */
    long split;                     /* --split: time blocks per recording
                                     * (1: none) */
    double *work[2];                /* owned: --base-work, --candidate-work
                                     * (cmp.base_work/cand_work point
                                     * here) */
    size_t n_work[2];
    int verbose;                    /* -v count; -1 quiet */
    char *config_path;              /* owned, the file used, or NULL */
    struct fg_backend_opts *backend; /* owned, or NULL when not built */

    /* origin of each key's value: parallel arrays (owned strings) */
    struct fg_strlist origin_keys, origin_vals;
    const char *replacing_origin;   /* list keys: who filled them last */
};

/* Defaults (documented in README and --help). */
void fg_settings_init(struct fg_settings *s);
void fg_settings_release(struct fg_settings *s);

/*
 * Set key to value (a string as typed on the command line; flags without
 * an argument take "true"/"false").  origin describes the source, e.g.
 * "command line", "environment FLAMEGATE_ALPHA", "config .flamegate.json".
 * Errors: FG_EUSAGE naming the key, the bad value and the origin.
 */
int fg_settings_set(struct fg_settings *s, const char *key, const char *value,
                    const char *origin, struct fg_error *err) FG_MUST_CHECK;

/* The key of a short option of compare (-b base, -c candidate,
 * -t sample-type, -f format, -o output, -n top), or NULL. */
const char *fg_settings_short_key(int c);

/* The index of a sample filter key (FG_FILTER_KINDS of them), or -1. */
int fg_settings_filter_index(const char *key);

/* The sample filters of s as a spec (pointing into s). */
void fg_settings_filter_spec(const struct fg_settings *s,
                             struct fg_filter_spec *spec);

/* True when key is a known setting (for config validation). */
bool fg_settings_known(const char *key);

/* NULL-terminated list of every key, in help order. */
extern const char *const fg_settings_keys[];

/* The origin recorded for key ("default" when never set). */
const char *fg_settings_origin(const struct fg_settings *s, const char *key);

/*
 * Apply FLAMEGATE_<KEY> environment variables (key upper-cased, '-' -> '_')
 * for every known key; getenv is passed in so the library reads no
 * environment itself.  Repeatable keys split on newlines.
 */
int fg_settings_apply_env(struct fg_settings *s,
                          const char *(*get)(const char *name),
                          struct fg_error *err) FG_MUST_CHECK;

/*
 * The FLAMEGATE_* variables of env ("NAME=value" strings, NULL-terminated,
 * e.g. environ) that no setting reads: one warning each, appended to out,
 * naming the nearest known variable when one is close ("did you mean
 * FLAMEGATE_MIN_CHANGE?").  A mistyped variable must not be ignored
 * silently.
 */
void fg_settings_env_unknown(char *const *env, struct fg_strlist *out);

/* The current value of key as text (malloc'd), for "config --show". */
char *fg_settings_value(const struct fg_settings *s, const char *key);

/*
 * Append a rule (pattern and origin are copied; the settings own them).
 * The returned rule is valid until the next rule is added; its
 * min_change/min_delta/max_share start at -1 (inherit / no budget).
 */
struct fg_rule *fg_settings_add_rule(struct fg_settings *s,
                                     enum fg_rule_kind kind,
                                     const char *pattern, bool is_glob,
                                     const char *origin);

void fg_strlist_add(struct fg_strlist *l, const char *s);
void fg_strlist_clear(struct fg_strlist *l);

#endif
