/* merge.c - profiles merged as pprof merges its sources (see merge.h). */
#include "model/merge.h"
#include "core/util.h"
#include "model/derive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool same_vt(const struct fg_value_type *a,
                    const struct fg_value_type *b)
{
    return strcmp(a->type, b->type) == 0 && strcmp(a->unit, b->unit) == 0;
}

/* pprof's compatible(): identical period type and sample types. */
static int check(const struct fg_profile *a, const struct fg_profile *b,
                 struct fg_error *err)
{
    bool ok = a->n_types == b->n_types &&
              same_vt(&a->period_type, &b->period_type);
    for (size_t t = 0; ok && t < a->n_types; t++)
        ok = same_vt(&a->types[t], &b->types[t]);
    if (ok)
        return FG_OK;
    char ta[256] = "", tb[256] = "";
    for (int k = 0; k < 2; k++) {
        const struct fg_profile *p = k ? b : a;
        char *buf = k ? tb : ta;
        size_t used = 0;
        for (size_t t = 0; t < p->n_types && used < sizeof(ta); t++)
            used += (size_t)snprintf(buf + used, sizeof(ta) - used, "%s%s/%s",
                                     t ? ", " : "", p->types[t].type,
                                     p->types[t].unit);
    }
    return fg_error_set(err, FG_EUSAGE,
                        "cannot merge '%s' (%s) with '%s' (%s): the sample "
                        "or period types differ",
                        a->source, ta, b->source, tb);
}

int fg_profile_merge(struct fg_profile *const *ps, size_t n,
                     const char *source, struct fg_profile **out,
                     struct fg_error *err)
{
    *out = NULL;
    if (n == 0)
        return fg_error_set(err, FG_EUSAGE, "no profiles to merge");
    for (size_t i = 1; i < n; i++) {
        int rc = check(ps[0], ps[i], err);
        if (rc)
            return rc;
    }
    struct fg_derive d;
    fg_derive_init(&d, ps[0], source);
    struct fg_profile *m = d.p;
    m->time_nanos = 0;
    m->duration_nanos = 0;
    m->period = 0;
    int rc = FG_OK;
    uint32_t *fmap = NULL, *lmap = NULL, *frames = NULL, *locs = NULL;
    size_t cf = 0, cl = 0, cfr = 0, clo = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const struct fg_profile *p = ps[i];
        if (m->time_nanos == 0 || p->time_nanos < m->time_nanos)
            m->time_nanos = p->time_nanos;
        m->duration_nanos += p->duration_nanos;
        if (m->period == 0 || m->period < p->period)
            m->period = p->period;
        fmap = fg_xgrow(fmap, &cf, p->n_funcs + 1, sizeof(*fmap));
        for (size_t f = 0; f < p->n_funcs; f++)
            fmap[f] = fg_derive_func(&d, p->func_names[f],
                                     p->func_index.n == p->n_funcs
                                         ? p->func_index.lens[f]
                                         : strlen(p->func_names[f]));
        lmap = fg_xgrow(lmap, &cl, p->n_locs + 1, sizeof(*lmap));
        for (size_t l = 0; l < p->n_locs; l++) {
            size_t a = p->loc_start[l], b = p->loc_start[l + 1];
            frames = fg_xgrow(frames, &cfr, b - a + 1, sizeof(*frames));
            for (size_t j = a; j < b; j++)
                frames[j - a] = fmap[p->loc_frames[j]];
            lmap[l] = fg_derive_loc(&d, frames, b - a);
        }
        for (size_t s = 0; s < p->n_samples && !rc; s++) {
            size_t a = p->sample_start[s], b = p->sample_start[s + 1];
            locs = fg_xgrow(locs, &clo, b - a + 1, sizeof(*locs));
            for (size_t j = a; j < b; j++)
                locs[j - a] = lmap[p->sample_locs[j]];
            const struct fg_label *lab = NULL;
            size_t nl = 0;
            if (p->label_start) {
                lab = p->labels + p->label_start[s];
                nl = p->label_start[s + 1] - p->label_start[s];
            }
            rc = fg_derive_sample(&d, locs, b - a,
                                  p->values + s * p->n_types,
                                  p->sample_time ? &p->sample_time[s] : NULL,
                                  lab, nl, err);
        }
    }
    free(fmap);
    free(lmap);
    free(frames);
    free(locs);
    if (rc) {
        fg_derive_release(&d);
        return rc;
    }
    return fg_derive_finish(&d, out, err);
}
