/* aggregate.c - per-function flat and cum (see aggregate.h). */
#include "flamegate/aggregate.h"
#include "flamegate/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int64_t fg_heap_raw_count(int64_t count, int64_t bytes, double rate)
{
    if (count <= 0 || bytes <= 0 || !(rate > 0))
        return count > 0 ? count : 0;
    double avg = (double)bytes / (double)count;
    double raw = (double)count * (1.0 - exp(-avg / rate));
    double r = floor(raw + 0.5);
    if (r < 1.0)
        r = 1.0; /* a recorded object was sampled at least once */
    return (int64_t)r;
}

void fg_agg_release(struct fg_agg *a)
{
    free(a->flat);
    free(a->cum);
    free(a->flat_sq);
    free(a->cum_sq);
    memset(a, 0, sizeof(*a));
}

static int overflow(const struct fg_profile *p, struct fg_error *err)
{
    return fg_error_set(err, FG_EFORMAT,
                        "%s: sample values overflow a 64-bit sum",
                        p->source);
}

int fg_aggregate(const struct fg_profile *p, const struct fg_agg_spec *spec,
                 struct fg_agg *out, struct fg_error *err)
{
    int rc = FG_OK;
    size_t nf = p->n_funcs;
    memset(out, 0, sizeof(*out));
    out->n_funcs = nf;
    out->flat = fg_xcalloc(nf ? nf : 1, sizeof(int64_t));
    out->cum = fg_xcalloc(nf ? nf : 1, sizeof(int64_t));
    if (spec->want_sq) {
        out->flat_sq = fg_xcalloc(nf ? nf : 1, sizeof(double));
        out->cum_sq = fg_xcalloc(nf ? nf : 1, sizeof(double));
    }
    double *fsq = out->flat_sq, *csq = out->cum_sq;
    /* stamp[f] == s + 1 when f was already counted for sample s: one
     * array for the whole pass instead of a set per sample. */
    uint32_t *stamp = fg_xcalloc(nf ? nf : 1, sizeof(uint32_t));
    const size_t nt = p->n_types;
    for (size_t s = 0; s < p->n_samples; s++) {
        int64_t w = p->values[s * nt + spec->type];
        if (spec->mode == FG_AGG_HEAP_COUNTS)
            w = fg_heap_raw_count(w, p->values[s * nt + spec->aux],
                                  spec->rate);
        if (w == 0)
            continue;
        if (__builtin_add_overflow(out->total, w, &out->total)) {
            rc = overflow(p, err);
            goto out;
        }
        uint32_t a = p->sample_start[s], b = p->sample_start[s + 1];
        if (a == b)
            continue; /* no stack: counts in the total only, like pprof */
        /* flat: innermost frame of the leaf location */
        uint32_t leaf = p->sample_locs[a];
        uint32_t f0 = p->loc_frames[p->loc_start[leaf]];
        if (p->loc_start[leaf] == p->loc_start[leaf + 1]) {
            /* cannot happen: every location has at least one frame */
            continue;
        }
        if (__builtin_add_overflow(out->flat[f0], w, &out->flat[f0])) {
            rc = overflow(p, err);
            goto out;
        }
        double w2 = (double)w * (double)w;
        if (fsq)
            fsq[f0] += w2;
        uint32_t mark = (uint32_t)s + 1;
        for (uint32_t i = a; i < b; i++) {
            uint32_t loc = p->sample_locs[i];
            for (uint32_t j = p->loc_start[loc]; j < p->loc_start[loc + 1];
                 j++) {
                uint32_t f = p->loc_frames[j];
                if (stamp[f] == mark)
                    continue;
                stamp[f] = mark;
                if (__builtin_add_overflow(out->cum[f], w, &out->cum[f])) {
                    rc = overflow(p, err);
                    goto out;
                }
                if (csq)
                    csq[f] += w2;
            }
        }
    }
out:
    free(stamp);
    if (rc)
        fg_agg_release(out);
    return rc;
}

int fg_aggregate_type(const struct fg_profile *p, size_t type,
                      struct fg_agg *out, struct fg_error *err)
{
    struct fg_agg_spec spec = {type, FG_AGG_RAW, 0, 0, false};
    return fg_aggregate(p, &spec, out, err);
}
