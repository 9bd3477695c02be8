/*
 * aggregate.h - per-function flat and cum values, exactly as pprof's graph
 * code computes them at the default "functions" granularity:
 *  - a sample's value goes to flat of its innermost frame
 *    (location_id[0], line[0]);
 *  - it goes to cum once for every distinct function on the stack, inlined
 *    frames included, so recursion counts once.
 * One pass over the samples with a per-function stamp array (no set per
 * sample).  Values are summed in int64 with overflow detection.
 */
#ifndef FLAMEGATE_AGGREGATE_H
#define FLAMEGATE_AGGREGATE_H

#include "flamegate/profile.h"

struct fg_agg {
    size_t n_funcs;  /* == profile->n_funcs */
    int64_t *flat;   /* owned, n_funcs entries */
    int64_t *cum;    /* owned, n_funcs entries */
    int64_t total;   /* sum of the value over all samples */
    double *flat_sq; /* owned when spec->want_sq: sum over samples of the
                      * squared value, per function (flat attribution) */
    double *cum_sq;  /* likewise for cum; together with flat/cum they
                      * give each function's concentration over its
                      * stacks, sum w^2 / (sum w)^2 */
};

/* Value transform applied per sample before summing. */
enum fg_agg_value {
    FG_AGG_RAW = 0,        /* values[type] as stored */
    FG_AGG_HEAP_COUNTS = 1 /* raw sampled counts recovered from a scaled
                            * heap profile (STATISTICS.md 1.3); type is
                            * the objects type, aux the matching bytes
                            * type, rate the sampling rate in bytes */
};

struct fg_agg_spec {
    size_t type;
    enum fg_agg_value mode;
    size_t aux;
    double rate;
    bool want_sq;    /* also fill flat_sq and cum_sq */
};

/*
 * Aggregate p for spec into out (owned by the caller; release with
 * fg_agg_release).  Errors: FG_EFORMAT when a sum overflows int64.
 */
int fg_aggregate(const struct fg_profile *p, const struct fg_agg_spec *spec,
                 struct fg_agg *out, struct fg_error *err) FG_MUST_CHECK;

/*
 * fg_aggregate for two specs in one pass over the samples (the walk of
 * the stacks is the cost): *out_a and *out_b are what fg_aggregate gives
 * for a and for b.  On error both are released.
 */
int fg_aggregate_two(const struct fg_profile *p, const struct fg_agg_spec *a,
                     const struct fg_agg_spec *b, struct fg_agg *out_a,
                     struct fg_agg *out_b, struct fg_error *err) FG_MUST_CHECK;

/* Shorthand for FG_AGG_RAW on sample type index type. */
int fg_aggregate_type(const struct fg_profile *p, size_t type,
                      struct fg_agg *out, struct fg_error *err) FG_MUST_CHECK;

void fg_agg_release(struct fg_agg *a);

/* Recover the raw sampled count of one heap record (STATISTICS.md 1.3,
 * Example G): round(count * (1 - exp(-(bytes / count) / rate))). */
int64_t fg_heap_raw_count(int64_t count, int64_t bytes, double rate);

#endif
