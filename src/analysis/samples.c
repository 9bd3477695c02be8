/*
 * samples.c - the number of samples one profile holds, counted as the
 * comparison counts a run (fg_compare_count_samples, compare.h): the
 * public face of counts.c's choice, for commands that show sample counts
 * outside a comparison (top, fetch).
 */
#include "analysis/work.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int fg_compare_count_samples(const struct fg_profile *p, size_t t,
                             struct fg_sample_count *out,
                             struct fg_error *err)
{
    memset(out, 0, sizeof(*out));
    if (t >= p->n_types)
        return fg_error_set(err, FG_EUSAGE,
                            "%s: no sample type %zu (the profile has %zu)",
                            p->source ? p->source : "profile", t, p->n_types);
    struct fg_count_spec cs;
    fg_counts_choose(p, t, &cs, &out->approx);
    snprintf(out->how, sizeof(out->how), "%s", cs.label);
    if (out->approx) {
        /* one event per record holding a value, as table.c counts a
         * profile that says nothing else */
        for (size_t s = 0; s < p->n_samples; s++)
            out->samples += p->values[s * p->n_types + t] != 0;
        return FG_OK;
    }
    struct fg_agg a;
    int rc = fg_aggregate(p, &cs.spec, &a, err);
    if (rc != FG_OK)
        return rc;
    out->samples = fg_work_i64(floor((double)a.total * cs.scale + 0.5));
    fg_agg_release(&a);
    return FG_OK;
}
