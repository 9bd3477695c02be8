/*
 * fuzz_reader.h - what every input-format harness checks (static only;
 * include once, after fuzz_common.h).
 *
 * A reader either fails with FG_EFORMAT or FG_ELIMIT, no profile left
 * behind and a message naming the source, or returns a consistent model:
 * every index in range (fz_check_profile), every sample type aggregated
 * with flat <= cum, the default type selectable, the stack tree of the
 * profile against itself symmetric with the aggregate's total.
 */
#ifndef FG_FUZZ_READER_H
#define FG_FUZZ_READER_H

#include "flamegate/flame.h"

/* After a failed decode. */
static inline void fz_check_failure(int rc, struct fg_profile *const *p,
                                    size_t n, const struct fg_error *err,
                                    const char *source)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            fz_fail("failed decode left a profile behind");
    if (rc != FG_EFORMAT && rc != FG_ELIMIT)
        fz_fail("unexpected status %d: %s", rc, err->msg);
    if (!strstr(err->msg, source))
        fz_fail("error does not name the source: %s", err->msg);
}

/* After a successful decode; frees p. */
static inline void fz_check_decoded(struct fg_profile *p,
                                    enum fg_profile_format format)
{
    struct fg_error err;
    fz_check_profile(p);
    if (p->format != format)
        fz_fail("format %d, want %d", (int)p->format, (int)format);
    fz_aggregate_all(p);
    size_t idx;
    if (fg_profile_select_type(p, NULL, &idx, &err) != FG_OK ||
        idx >= p->n_types)
        fz_fail("default sample type not selectable");
    struct fg_agg a;
    memset(&a, 0, sizeof(a));
    bool have_total = fg_aggregate_type(p, idx, &a, &err) == FG_OK;
    struct fg_profile *one[1] = {p};
    struct fg_flame *f = NULL;
    int rc = fg_flame_build(one, 1, one, 1, idx, idx, &f, &err);
    if (rc == FG_OK) {
        if (f->base_total != f->cand_total)
            fz_fail("flame of a profile against itself is asymmetric");
        bool nonneg = true;
        for (size_t s = 0; s < p->n_samples && nonneg; s++)
            nonneg = p->values[s * p->n_types + idx] >= 0;
        if (have_total && nonneg && f->base_total != a.total)
            fz_fail("flame total %lld != aggregate total %lld",
                    (long long)f->base_total, (long long)a.total);
        fg_flame_free(f);
    } else if (rc != FG_EFORMAT && rc != FG_ELIMIT) {
        fz_fail("fg_flame_build returned %d: %s", rc, err.msg);
    }
    if (have_total)
        fg_agg_release(&a);
    fg_profile_free(p);
}

#endif
