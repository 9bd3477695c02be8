/*
 * counts.c - what the tests count in a profile (STATISTICS 1.1-1.3): the
 * analysed type when it counts, samples/count, raw counts recovered from
 * a Go heap profile, value / sampling interval, or one event per record.
 */
#include "analysis/work.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/*
 * The sampling interval of values of type t: the period when it divides
 * every value, else the greatest common divisor of the values (converters
 * such as JFR-to-pprof write a nominal period that does not match the
 * values, which are still whole multiples of the real interval).  0 when
 * the values are not multiples of anything useful (gcd 1 with large
 * values) or the resulting count would be implausible.
 */
static int64_t sampling_interval(const struct fg_profile *p, size_t t)
{
    int64_t g = 0, total = 0;
    size_t records = 0;
    bool period_ok = p->period > 0;
    for (size_t s = 0; s < p->n_samples; s++) {
        int64_t v = p->values[s * p->n_types + t];
        if (v == 0)
            continue;
        if (v < 0)
            v = -v;
        records++;
        g = gcd64(v, g);
        if (period_ok && v % p->period != 0)
            period_ok = false;
        if (total < INT64_MAX - v)
            total += v;
    }
    if (period_ok && strcmp(p->period_type.unit, p->types[t].unit) == 0)
        return p->period;
    /* One sample record rarely stands for more than a thousand events; a
     * larger ratio means the gcd is not a sampling interval. */
    if (g > 1 && records && (double)total / (double)g <= 1000.0 * records)
        return g;
    return 0;
}

/*
 * Decide how to obtain sample counts for the analysed type t of p
 * (STATISTICS 1.1-1.3): the type itself when it counts, samples/count,
 * raw counts recovered from a Go heap profile, value / sampling interval,
 * or as a last resort the values rescaled to the number of sample records
 * (with a warning).
 */
void fg_counts_choose(const struct fg_profile *p, size_t t,
                          struct fg_count_spec *c, bool *approx)
{
    memset(c, 0, sizeof(*c));
    c->scale = 1.0;
    c->spec.mode = FG_AGG_RAW;
    long ct = fg_profile_count_type(p, t);
    const struct fg_value_type *a = &p->types[t];
    *approx = false;
    if (ct >= 0) {
        const struct fg_value_type *cty = &p->types[ct];
        size_t plen = strcspn(cty->type, "_");
        bool heap = strcmp(a->unit, "bytes") == 0 && p->period > 0 &&
                    strcmp(p->period_type.unit, "bytes") == 0 &&
                    strstr(cty->type, "_objects") != NULL &&
                    strncmp(a->type, cty->type, plen) == 0;
        c->spec.type = (size_t)ct;
        if (heap) {
            c->spec.mode = FG_AGG_HEAP_COUNTS;
            c->spec.aux = t;
            c->spec.rate = (double)p->period;
            c->label = "sampled objects recovered from the heap profile";
        } else {
            c->label = (size_t)ct == t ? "the analysed counts"
                                       : "samples/count";
        }
        return;
    }
    c->spec.type = t;
    int64_t iv = sampling_interval(p, t);
    if (iv > 0) {
        c->scale = 1.0 / (double)iv;
        c->label = "value / sampling interval";
        return;
    }
    *approx = true;
    c->label = "values rescaled to the number of samples";
}
