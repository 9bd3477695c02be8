/*
 * rules.c - function-name rules (--ignore, --focus, config rules): compiled
 * once per comparison, then applied to each row: ignore/focus, and the
 * first matching threshold rule sets the row's gates and budget.
 */
#include "analysis/work.h"
#include "core/util.h"

#include <fnmatch.h>
#include <regex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fg_rules_compile(const struct fg_compare_opts *o,
                         struct fg_rules *cr, struct fg_error *err)
{
    cr->n = o->n_rules;
    cr->re = fg_xcalloc(cr->n ? cr->n : 1, sizeof(regex_t));
    cr->ok = fg_xcalloc(cr->n ? cr->n : 1, sizeof(bool));
    cr->any_focus = false;
    for (size_t i = 0; i < cr->n; i++) {
        const struct fg_rule *r = &o->rules[i];
        if (r->kind == FG_RULE_FOCUS)
            cr->any_focus = true;
        if (r->is_glob)
            continue;
        int e = regcomp(&cr->re[i], r->pattern, REG_EXTENDED | REG_NOSUB);
        if (e) {
            char msg[256];
            regerror(e, &cr->re[i], msg, sizeof(msg));
            return fg_error_set(err, FG_EUSAGE,
                                "invalid regular expression '%s'%s%s: %s",
                                r->pattern, r->origin ? " from " : "",
                                r->origin ? r->origin : "", msg);
        }
        cr->ok[i] = true;
    }
    return FG_OK;
}

void fg_rules_free(struct fg_rules *cr)
{
    for (size_t i = 0; i < cr->n; i++)
        if (cr->ok[i])
            regfree(&cr->re[i]);
    free(cr->re);
    free(cr->ok);
}

static bool rule_matches(const struct fg_rules *cr,
                         const struct fg_rule *r, size_t i, const char *name)
{
    if (r->is_glob)
        return fnmatch(r->pattern, name, 0) == 0;
    return cr->ok[i] && regexec(&cr->re[i], name, 0, NULL, 0) == 0;
}

/* Apply rules to one row: ignore/focus, then the first matching threshold
 * rule sets the gates and the budget. */
void fg_rules_apply(const struct fg_compare_opts *o,
                        const struct fg_rules *cr, const char *name,
                        struct fg_func_result *f)
{
    bool focused = !cr->any_focus;
    f->min_change = o->min_change;
    f->min_delta = o->min_delta;
    bool threshold_done = false;
    for (size_t i = 0; i < cr->n; i++) {
        const struct fg_rule *r = &o->rules[i];
        if (!rule_matches(cr, r, i, name))
            continue;
        if (r->kind == FG_RULE_IGNORE)
            f->flags |= FG_F_IGNORED;
        else if (r->kind == FG_RULE_FOCUS)
            focused = true;
        else if (!threshold_done) {
            threshold_done = true;
            f->rule = r;
            if (r->min_change >= 0)
                f->min_change = r->min_change;
            if (r->min_delta >= 0)
                f->min_delta = r->min_delta;
        }
    }
    if (!focused)
        f->flags |= FG_F_IGNORED;
}

/* True when a rule of this kind matches name. */
static bool kind_matches(const struct fg_compare_opts *o,
                         const struct fg_rules *cr, enum fg_rule_kind kind,
                         const char *name)
{
    for (size_t i = 0; i < cr->n; i++) {
        const struct fg_rule *r = &o->rules[i];
        if (r->kind == kind && rule_matches(cr, r, i, name))
            return true;
    }
    return false;
}

bool fg_rules_ignores(const struct fg_compare_opts *o,
                      const struct fg_rules *cr, const char *name)
{
    return kind_matches(o, cr, FG_RULE_IGNORE, name);
}

bool fg_rules_threshold(const struct fg_compare_opts *o,
                        const struct fg_rules *cr, const char *name)
{
    return kind_matches(o, cr, FG_RULE_THRESHOLD, name);
}
