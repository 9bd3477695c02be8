/* cli_profile.c - sample counts, reader warnings and sample filters of
 * loaded profiles (see cli_profile.h). */
#include "cli/cli_profile.h"
#include "flamegate/compare.h"
#include "cli/cli.h"
#include "config/settings.h"

#include <math.h>
#include <stdio.h>

int64_t fg_cli_sample_count(const struct fg_profile *p, size_t t)
{
    struct fg_sample_count c;
    struct fg_error err;
    if (fg_compare_count_samples(p, t, &c, &err) != FG_OK)
        return (int64_t)p->n_samples;
    return c.samples;
}

void fg_cli_profile_warning(const struct fg_profile *p, bool quiet)
{
    if (p && p->warning && !quiet)
        fg_msg_warn("%s", p->warning);
}

int fg_cli_filter(const struct fg_filter *f, const struct fg_filter_spec *spec,
                  const struct fg_profile *in, struct fg_profile **out,
                  bool quiet, struct fg_error *err)
{
    struct fg_filter_stats st;
    int rc = fg_filter_apply(f, in, out, &st, err);
    if (rc)
        return rc;
    fg_cli_filter_warn(spec, &st, in->source, quiet);
    return FG_OK;
}

void fg_cli_filter_warn(const struct fg_filter_spec *spec,
                        const struct fg_filter_stats *st, const char *where,
                        bool quiet)
{
    /* pprof's "Interpreted '...' as range, not regexp" */
    for (int k = 0; k < 2 && !quiet; k++) {
        const char *const *v = k ? spec->tagignore : spec->tagfocus;
        size_t n = k ? spec->n_tagignore : spec->n_tagfocus;
        for (size_t i = 0; i < n; i++)
            if (fg_filter_tag_is_range(v[i]))
                fg_msg_note("--%s '%s' is read as a numeric range, not a "
                            "regular expression (as pprof does)",
                            k ? "tagignore" : "tagfocus", v[i]);
    }
    const struct {
        size_t given;
        bool matched;
        const char *what;
    } checks[] = {
        {spec->n_focus, st->focus, "--focus"},
        {spec->n_ignore, st->ignore, "--ignore"},
        {spec->n_hide, st->hide, "--hide"},
        {spec->n_show_from, st->show_from, "--show-from"},
        {spec->n_tagfocus, st->tagfocus, "--tagfocus"},
        {spec->n_tagignore, st->tagignore, "--tagignore"},
    };
    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]) && !quiet; i++)
        if (checks[i].given && !checks[i].matched)
            fg_msg_warn("%s: %s matched no samples", where, checks[i].what);
}

extern char **environ;

void fg_cli_warn_unknown_env(bool quiet)
{
    struct fg_strlist w = {0};
    fg_settings_env_unknown(environ, &w);
    for (size_t i = 0; i < w.n && !quiet; i++)
        fg_msg_warn("%s", w.v[i]);
    fg_strlist_clear(&w);
}
