/*
 * counts.c - what the tests count in a profile (STATISTICS 1.1-1.3): the
 * analysed type when it counts, samples/count, raw counts recovered from
 * a Go heap profile, value / sampling interval, or one event per record.
 */
#include "analysis/work.h"
#include "core/units.h"

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
 * The sampling interval of values of type t.  A declared period above 1
 * that divides every value is trusted (Go, JFR via pprof).  Otherwise the
 * greatest common divisor of the values: converters write a nominal period
 * that does not fit (JFR-to-pprof), or a period of 1 unit while the values
 * are multiples of the real interval (Node.js: 1 us and 10 ms steps; .NET:
 * 1 ns and 1 ms steps), and taking the period would count every
 * microsecond as a sample.  0 when nothing useful divides the values (gcd
 * 1) or the count would be implausible.  *from_gcd says which applied.
 */
static int64_t sampling_interval(const struct fg_profile *p, size_t t,
                                 bool *from_gcd)
{
    int64_t g = 0, total = 0;
    size_t records = 0;
    bool period_ok = p->period > 1 &&
                     strcmp(p->period_type.unit, p->types[t].unit) == 0;
    for (size_t s = 0; s < p->n_samples; s++) {
        int64_t v = p->values[s * p->n_types + t];
        if (v == 0)
            continue;
        if (v < 0)
            v = v == INT64_MIN ? INT64_MAX : -v;
        records++;
        g = gcd64(v, g);
        if (period_ok && v % p->period != 0)
            period_ok = false;
        if (total < INT64_MAX - v)
            total += v;
    }
    *from_gcd = false;
    if (period_ok)
        return p->period;
    /* One sample record rarely stands for more than a thousand events; a
     * larger ratio means the gcd is not a sampling interval. */
    if (g > 1 && records && (double)total / (double)g <= 1000.0 * records) {
        *from_gcd = true;
        return g;
    }
    return 0;
}

/* True when count type ct counts the events of type t: non-zero in every
 * record where t is (contentions/count next to delay/nanoseconds), and
 * not zero altogether (.NET's exception/count next to cpu/nanoseconds). */
static bool counts_events_of(const struct fg_profile *p, size_t ct, size_t t)
{
    bool any = false;
    for (size_t s = 0; s < p->n_samples; s++) {
        const int64_t *v = p->values + s * p->n_types;
        if (v[t] != 0 && v[ct] == 0)
            return false;
        any = any || v[ct] != 0;
    }
    return any;
}

/* The X_objects/count and X_space/bytes pair of a Go heap profile that
 * type t belongs to (t is either), or false. */
static bool heap_pair(const struct fg_profile *p, size_t t, size_t *objects,
                      size_t *space)
{
    if (!(p->period > 0) || strcmp(p->period_type.unit, "bytes") != 0)
        return false;
    const char *name = p->types[t].type, *us = strrchr(name, '_');
    if (!us)
        return false;
    size_t plen = (size_t)(us - name);
    long o = -1, sp = -1;
    for (size_t i = 0; i < p->n_types; i++) {
        const struct fg_value_type *x = &p->types[i];
        if (strncmp(x->type, name, plen) != 0 || x->type[plen] != '_')
            continue;
        if (strcmp(x->type + plen, "_objects") == 0 &&
            strcmp(x->unit, "count") == 0)
            o = (long)i;
        else if (strcmp(x->type + plen, "_space") == 0 &&
                 strcmp(x->unit, "bytes") == 0)
            sp = (long)i;
    }
    if (o < 0 || sp < 0 || ((size_t)o != t && (size_t)sp != t))
        return false;
    *objects = (size_t)o;
    *space = (size_t)sp;
    return true;
}

/*
 * Decide how to obtain sample counts for the analysed type t of p
 * (STATISTICS 1.1-1.3), and say how in c->label: raw counts recovered
 * from a Go heap profile (whether *_space or *_objects is analysed: both
 * hold scaled estimates), the type itself when it counts, samples/count or
 * another count type that counts the same events, value / sampling
 * interval, or as a last resort the values rescaled to the number of
 * sample records (with a warning).
 */
void fg_counts_choose(const struct fg_profile *p, size_t t,
                      struct fg_count_spec *c, bool *approx)
{
    memset(c, 0, sizeof(*c));
    c->scale = 1.0;
    c->spec.mode = FG_AGG_RAW;
    c->spec.type = t;
    *approx = false;
    const struct fg_value_type *a = &p->types[t];
    size_t obj, space;
    if (heap_pair(p, t, &obj, &space)) {
        char rate[32];
        c->spec.mode = FG_AGG_HEAP_COUNTS;
        c->spec.type = obj;
        c->spec.aux = space;
        c->spec.rate = (double)p->period;
        snprintf(c->label, sizeof(c->label),
                 "sampled objects recovered from the heap profile's %s "
                 "(sampling rate %s)",
                 p->types[obj].type,
                 fg_units_format((double)p->period, "bytes", rate,
                                 sizeof(rate)));
        return;
    }
    if (strcmp(a->unit, "count") == 0) {
        snprintf(c->label, sizeof(c->label), "the analysed counts (%s)",
                 a->type);
        return;
    }
    long ct = fg_profile_count_type(p, t);
    if (ct >= 0 && counts_events_of(p, (size_t)ct, t)) {
        c->spec.type = (size_t)ct;
        snprintf(c->label, sizeof(c->label), "%s/%s", p->types[ct].type,
                 p->types[ct].unit);
        return;
    }
    bool from_gcd;
    int64_t iv = sampling_interval(p, t, &from_gcd);
    if (iv > 0) {
        char a1[32], a2[32];
        c->scale = 1.0 / (double)iv;
        fg_units_format((double)iv, a->unit, a1, sizeof(a1));
        if (!from_gcd)
            snprintf(c->label, sizeof(c->label),
                     "%s / the sampling period %s", a->type, a1);
        else if (p->period > 0)
            snprintf(c->label, sizeof(c->label),
                     "%s / %s, the step of its values (the declared "
                     "period is %s)",
                     a->type, a1,
                     fg_units_format((double)p->period, p->period_type.unit,
                                     a2, sizeof(a2)));
        else
            snprintf(c->label, sizeof(c->label),
                     "%s / %s, the step of its values (no sampling period "
                     "given)",
                     a->type, a1);
        return;
    }
    *approx = true;
    snprintf(c->label, sizeof(c->label),
             "values rescaled to the number of sample records");
}
