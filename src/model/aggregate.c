/* aggregate.c - per-function flat and cum (see aggregate.h). */
#include "flamegate/aggregate.h"
#include "core/util.h"

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

/*
 * Everything the pass updates for one function, side by side: a large
 * profile's functions are touched in random order, and one cache line per
 * visit instead of one per array is most of the speed (measured: 30-40%
 * less time than separate arrays on 1M-stack profiles).  stamp[f] == s + 1
 * when f was already counted for sample s: one array for the whole pass
 * instead of a set per sample.
 */
struct acc {
    int64_t flat, cum;
    double flat_sq, cum_sq;
    uint32_t stamp;
};

#define PF_FAR 16
#define PF_NEAR 8

/* The only frame of location l, or UINT32_MAX when it has several (or, in
 * a malformed model, none): most locations are not inlined. */
static uint32_t *single_frames(const struct fg_profile *p)
{
    uint32_t *one = fg_xmalloc((p->n_locs ? p->n_locs : 1) * sizeof(*one));
    for (size_t l = 0; l < p->n_locs; l++)
        one[l] = p->loc_start[l + 1] - p->loc_start[l] == 1
                     ? p->loc_frames[p->loc_start[l]]
                     : UINT32_MAX;
    return one;
}

static void agg_init(struct fg_agg *out, const struct fg_agg_spec *spec,
                     size_t nf)
{
    memset(out, 0, sizeof(*out));
    out->n_funcs = nf;
    out->flat = fg_xcalloc(nf ? nf : 1, sizeof(int64_t));
    out->cum = fg_xcalloc(nf ? nf : 1, sizeof(int64_t));
    if (spec->want_sq) {
        out->flat_sq = fg_xcalloc(nf ? nf : 1, sizeof(double));
        out->cum_sq = fg_xcalloc(nf ? nf : 1, sizeof(double));
    }
}

/* The value of sample s under spec. */
static inline int64_t sample_weight(const struct fg_profile *p,
                                    const struct fg_agg_spec *spec, size_t s)
{
    const size_t nt = p->n_types;
    int64_t w = p->values[s * nt + spec->type];
    if (spec->mode == FG_AGG_HEAP_COUNTS)
        w = fg_heap_raw_count(w, p->values[s * nt + spec->aux], spec->rate);
    return w;
}

/*
 * One pass over the samples for one or two specs (spec[1] NULL for one):
 * the walk of the stacks (locations, frames, the per-function stamp) is
 * the cost, so counts and analysed values come from the same walk.  A
 * sample adds to a spec only where its value under that spec is not 0,
 * exactly as two separate passes would.
 */
static int aggregate_n(const struct fg_profile *p,
                       const struct fg_agg_spec *const spec[2],
                       struct fg_agg *const out[2], struct fg_error *err)
{
    int rc = FG_OK;
    size_t nf = p->n_funcs;
    const int n = spec[1] ? 2 : 1;
    for (int k = 0; k < n; k++)
        agg_init(out[k], spec[k], nf);
    struct acc *acc = fg_xcalloc((nf ? nf : 1) * (size_t)n, sizeof(*acc));
    uint32_t *one = single_frames(p);
    const size_t ns = p->n_samples;
    for (size_t s = 0; s < ns; s++) {
        /* Two-stage prefetch: the frames of a sample PF_FAR ahead, then
         * the accumulators of one PF_NEAR ahead, whose frames are in
         * cache by then.  The pass is bound by these random reads (a
         * 10^6-stack profile's accumulators do not fit in cache). */
        if (s + PF_FAR < ns) {
            uint32_t a = p->sample_start[s + PF_FAR],
                     b = p->sample_start[s + PF_FAR + 1];
            for (uint32_t i = a; i < b; i++)
                __builtin_prefetch(&one[p->sample_locs[i]]);
        }
        if (s + PF_NEAR < ns) {
            uint32_t a = p->sample_start[s + PF_NEAR],
                     b = p->sample_start[s + PF_NEAR + 1];
            for (uint32_t i = a; i < b; i++) {
                uint32_t f = one[p->sample_locs[i]];
                if (f != UINT32_MAX)
                    __builtin_prefetch(&acc[(size_t)f * (size_t)n], 1);
            }
        }
        int64_t w[2] = {sample_weight(p, spec[0], s),
                        n > 1 ? sample_weight(p, spec[1], s) : 0};
        if (w[0] == 0 && w[1] == 0)
            continue;
        for (int k = 0; k < n; k++)
            if (__builtin_add_overflow(out[k]->total, w[k], &out[k]->total)) {
                rc = overflow(p, err);
                goto out;
            }
        uint32_t a = p->sample_start[s], b = p->sample_start[s + 1];
        if (a == b)
            continue; /* no stack: counts in the total only, like pprof */
        /* flat: innermost frame of the leaf location */
        uint32_t leaf = p->sample_locs[a];
        uint32_t f0 = one[leaf];
        if (f0 == UINT32_MAX) {
            if (p->loc_start[leaf] == p->loc_start[leaf + 1])
                continue; /* cannot happen: every location has a frame */
            f0 = p->loc_frames[p->loc_start[leaf]];
        }
        double w2[2];
        for (int k = 0; k < n; k++) {
            struct acc *x = &acc[(size_t)f0 * (size_t)n + (size_t)k];
            if (__builtin_add_overflow(x->flat, w[k], &x->flat)) {
                rc = overflow(p, err);
                goto out;
            }
            w2[k] = (double)w[k] * (double)w[k];
            x->flat_sq += w2[k];
        }
        uint32_t mark = (uint32_t)s + 1;
        for (uint32_t i = a; i < b; i++) {
            uint32_t loc = p->sample_locs[i];
            uint32_t single = one[loc], j = 0, jend = 1;
            if (single == UINT32_MAX) {
                j = p->loc_start[loc];
                jend = p->loc_start[loc + 1];
            }
            for (; j < jend; j++) {
                uint32_t f = single != UINT32_MAX ? single : p->loc_frames[j];
                struct acc *x = &acc[(size_t)f * (size_t)n];
                if (x->stamp == mark)
                    continue;
                x->stamp = mark;
                for (int k = 0; k < n; k++) {
                    if (__builtin_add_overflow(x[k].cum, w[k], &x[k].cum)) {
                        rc = overflow(p, err);
                        goto out;
                    }
                    x[k].cum_sq += w2[k];
                }
            }
        }
    }
    for (int k = 0; k < n; k++) {
        for (size_t f = 0; f < nf; f++) {
            const struct acc *x = &acc[f * (size_t)n + (size_t)k];
            out[k]->flat[f] = x->flat;
            out[k]->cum[f] = x->cum;
            if (spec[k]->want_sq) {
                out[k]->flat_sq[f] = x->flat_sq;
                out[k]->cum_sq[f] = x->cum_sq;
            }
        }
    }
out:
    free(one);
    free(acc);
    if (rc)
        for (int k = 0; k < n; k++)
            fg_agg_release(out[k]);
    return rc;
}

int fg_aggregate(const struct fg_profile *p, const struct fg_agg_spec *spec,
                 struct fg_agg *out, struct fg_error *err)
{
    const struct fg_agg_spec *specs[2] = {spec, NULL};
    struct fg_agg *outs[2] = {out, NULL};
    return aggregate_n(p, specs, outs, err);
}

int fg_aggregate_two(const struct fg_profile *p, const struct fg_agg_spec *a,
                     const struct fg_agg_spec *b, struct fg_agg *out_a,
                     struct fg_agg *out_b, struct fg_error *err)
{
    const struct fg_agg_spec *specs[2] = {a, b};
    struct fg_agg *outs[2] = {out_a, out_b};
    return aggregate_n(p, specs, outs, err);
}

int fg_aggregate_type(const struct fg_profile *p, size_t type,
                      struct fg_agg *out, struct fg_error *err)
{
    struct fg_agg_spec spec = {type, FG_AGG_RAW, 0, 0, false};
    return fg_aggregate(p, &spec, out, err);
}
