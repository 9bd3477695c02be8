/*
 * presets.c - ignore presets: a family of environment-driven frames
 * (analysis/envnoise.h) applied as one ignore rule of the settings.
 */
#include "config/config.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fg_preset_apply(struct fg_settings *s, const char *name,
                    const char *origin, struct fg_error *err)
{
    const struct fg_preset *p = fg_preset_find(name);
    if (!p) {
        char known[512] = "";
        size_t n = 0;
        for (size_t i = 0; i < fg_preset_count && n < sizeof(known); i++)
            n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s",
                                  i ? ", " : "", fg_presets[i].name);
        return fg_error_set(err, FG_EUSAGE,
                            "unknown ignore preset '%s' (known: %s)", name,
                            known);
    }
    char *re = fg_preset_regex(p);
    fg_settings_add_rule(s, FG_RULE_IGNORE, re, false, origin)->preset =
        p->name;
    free(re);
    return FG_OK;
}
