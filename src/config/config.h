/*
 * config.h - the project config file (JSON) and the ignore presets.
 *
 * A team commits its gate settings next to its code: ".flamegate.json" in
 * the working directory, or the file named by --config.  The file holds
 * every compare setting by key (the long option name, with '_' or '-'),
 * per-function rules (ignore, focus, thresholds and budgets), opt-in
 * ignore presets and named backend profiles.  The reference is
 * docs/config.md; examples/flamegate.json is a documented example.
 *
 * Precedence (settings.h): defaults, then the config file, then FLAMEGATE_*
 * environment variables, then the command line.  fg_config_load is the
 * config layer of that chain: it writes into a struct fg_settings through
 * fg_settings_set (origin "config PATH"), so later layers override it.
 *
 * Backend options (--url, --profile-type, ...) are settings keys too, at
 * the top level of the file or grouped in named backend profiles
 * ("backends": {"prod": {...}}).  A profile is part of the config layer:
 * fg_config_apply_profile replays the chosen one through fg_settings_set
 * after the file and before the environment.  Profile values are checked
 * at load time, so a typo fails before anything is fetched.
 */
#ifndef FLAMEGATE_CONFIG_H
#define FLAMEGATE_CONFIG_H

#include "analysis/envnoise.h"
#include "config/settings.h"

/* The file looked for in the working directory when --config is absent. */
#define FG_CONFIG_DEFAULT_NAME ".flamegate.json"

/* Larger config files are refused (a config is a few KiB). */
#define FG_CONFIG_MAX_SIZE ((size_t)1 << 20)

/* A named group of backend options: "backends": {"prod": {...}}. */
struct fg_config_profile {
    char *name;               /* owned */
    struct fg_strlist keys;   /* option names, dash form, in file order */
    struct fg_strlist values; /* as text; "true"/"false" for flags */
};

struct fg_config {
    char *path;                       /* owned: the file loaded, or NULL */
    const char *located_by;           /* static: "--config",
                                       * "FLAMEGATE_CONFIG" or "working
                                       * directory" (fg_config_setup) */
    struct fg_config_profile *profiles; /* owned, n_profiles entries */
    size_t n_profiles;
    char *backend_profile;            /* owned: the file's
                                       * "backend_profile", or NULL */
    char *profile;                    /* owned: the profile applied by
                                       * fg_config_apply_profile, or NULL */
    char *profile_origin;             /* owned: where its name came from */
};

void fg_config_init(struct fg_config *c);
void fg_config_release(struct fg_config *c);

/*
 * The file to use: explicit_path when not NULL (it must be a readable
 * file), else FG_CONFIG_DEFAULT_NAME in the working directory when it
 * exists, else none.  *out is a malloc'd path or NULL (no config).
 * Errors: FG_EIO naming the explicit path.
 */
int fg_config_locate(const char *explicit_path, char **out,
                     struct fg_error *err) FG_MUST_CHECK;

/*
 * The layers below the command line, for a command's option parser:
 *   1. locate the config: config_flag (the --config value, or NULL), else
 *      the FLAMEGATE_CONFIG variable, else FG_CONFIG_DEFAULT_NAME if it
 *      exists, else none;
 *   2. load it into c and s (fg_config_load);
 *   3. apply the backend profile (fg_config_apply_profile with
 *      profile_flag, the --backend-profile value or NULL);
 *   4. apply the FLAMEGATE_* variables (fg_settings_apply_env).
 * get reads the environment (the CLI passes a getenv wrapper; tests a
 * fake).  The command line goes on top.
 */
int fg_config_setup(struct fg_config *c, struct fg_settings *s,
                    const char *config_flag, const char *profile_flag,
                    const char *(*get)(const char *name),
                    struct fg_error *err) FG_MUST_CHECK;

/*
 * Load the JSON config at path into s (the settings it names, backend
 * options included, its rules and presets; origin "config PATH") and c
 * (the backend profiles, not applied yet; c must be freshly initialised).
 * c->path and s->config_path are set.  Errors name the file and the key
 * path ("rules[2].max_share"): FG_EIO when unreadable, FG_EFORMAT for
 * invalid JSON (with line and column), FG_EUSAGE for unknown keys, wrong
 * types, bad values, invalid regular expressions and unknown presets or
 * profiles.  On error s and c may hold part of the file; release them.
 */
int fg_config_load(struct fg_config *c, struct fg_settings *s,
                   const char *path, struct fg_error *err) FG_MUST_CHECK;

/* The same from text (len bytes, need not be NUL-terminated); name is the
 * file name used in origins and messages. */
int fg_config_load_buffer(struct fg_config *c, struct fg_settings *s,
                          const char *text, size_t len, const char *name,
                          struct fg_error *err) FG_MUST_CHECK;

/* The profile called name, or NULL. */
const struct fg_config_profile *
fg_config_profile_find(const struct fg_config *c, const char *name);

/*
 * Apply backend profile `name` (the --backend-profile value; NULL: the
 * FLAMEGATE_BACKEND_PROFILE variable read through get, which may be NULL;
 * else the file's "backend_profile"; no profile when all are unset) to s
 * through fg_settings_set, with origin "config PATH, backend profile
 * NAME".  Records c->profile and c->profile_origin.  Errors: FG_EUSAGE for
 * an unknown name (listing the defined ones, or saying that no config was
 * loaded), or a value the settings refuse.
 */
int fg_config_apply_profile(struct fg_config *c, struct fg_settings *s,
                            const char *name,
                            const char *(*get)(const char *name),
                            struct fg_error *err) FG_MUST_CHECK;

/* True when name (dash form) is a backend option: one of
 * fg_backend_arg_options or fg_backend_flag_options. */
bool fg_config_is_backend_option(const char *name, bool *is_flag);


/* ---- ignore presets (the environment classes of analysis/envnoise.h) ---- */

/*
 * Add preset `name` to s as one ignore rule (the anchored regex) whose
 * origin is origin (copied), e.g. "config .flamegate.json, preset
 * go-gc".  Errors: FG_EUSAGE for an unknown name, listing the known ones.
 */
int fg_preset_apply(struct fg_settings *s, const char *name,
                    const char *origin, struct fg_error *err) FG_MUST_CHECK;

#endif
