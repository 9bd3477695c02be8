/*
 * fuzz_common.h - helpers shared by the libFuzzer harnesses (static only,
 * each harness includes it once).
 *
 * A harness reports a bug by calling fz_fail, which prints the reason and
 * aborts: libFuzzer then saves the input as crash-*.  Errors returned by the
 * library (FG_EFORMAT, FG_ELIMIT, ...) are the expected outcome for most
 * inputs and are not bugs; a crash, a sanitizer report, a leak, an
 * inconsistent model or a non-finite number in a result are.
 */
#ifndef FG_FUZZ_COMMON_H
#define FG_FUZZ_COMMON_H

#include "flamegate/aggregate.h"
#include "flamegate/profile.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fz_fail(const char *fmt, ...) FG_PRINTF(1, 2);
static void fz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz invariant violated: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/*
 * Limits small enough that one input cannot ask for gigabytes (the
 * defaults allow 2 GiB after gunzip, which libFuzzer's malloc limit would
 * report as a crash), large enough for every seed in the corpus.
 */
static inline void fz_limits(struct fg_limits *l)
{
    fg_limits_default(l);
    l->max_input = 64u << 20;
    l->max_inflated = 64u << 20;
    l->max_strtab = 16u << 20;
    l->max_samples = 1000000;
    l->max_locations = 1000000;
    l->max_functions = 1000000;
    l->max_depth = 200000;
    l->max_labels = 1000;
    l->max_http = 64u << 20;
    l->max_runs = 64;
}

/* Every index in the model points inside its array (profile.h). */
static inline void fz_check_profile(const struct fg_profile *p)
{
    if (!p || !p->arena || !p->source)
        fz_fail("profile without arena or source");
    if (p->n_types == 0 || !p->types)
        fz_fail("decoded profile has no sample types");
    if (p->default_type >= p->n_types)
        fz_fail("default_type %zu >= n_types %zu", p->default_type,
                p->n_types);
    for (size_t t = 0; t < p->n_types; t++)
        if (!p->types[t].type || !p->types[t].unit)
            fz_fail("sample type %zu has a NULL string", t);
    if (!p->period_type.type || !p->period_type.unit)
        fz_fail("period_type has a NULL string");
    if (p->n_funcs != p->func_index.n)
        fz_fail("n_funcs %zu != interned names %zu", p->n_funcs,
                p->func_index.n);
    for (size_t f = 0; f < p->n_funcs; f++)
        if (!p->func_names[f])
            fz_fail("function %zu has no name", f);
    if (p->loc_start[0] != 0)
        fz_fail("loc_start[0] != 0");
    for (size_t l = 0; l < p->n_locs; l++) {
        /* aggregate.c reads the first frame of every leaf location */
        if (p->loc_start[l + 1] <= p->loc_start[l])
            fz_fail("location %zu has no frame", l);
        for (uint32_t j = p->loc_start[l]; j < p->loc_start[l + 1]; j++)
            if (p->loc_frames[j] >= p->n_funcs)
                fz_fail("location %zu frame %u: function %u >= %zu", l, j,
                        p->loc_frames[j], p->n_funcs);
    }
    if (p->sample_start[0] != 0)
        fz_fail("sample_start[0] != 0");
    for (size_t s = 0; s < p->n_samples; s++) {
        if (p->sample_start[s + 1] < p->sample_start[s])
            fz_fail("sample_start decreases at %zu", s);
        for (uint32_t j = p->sample_start[s]; j < p->sample_start[s + 1]; j++)
            if (p->sample_locs[j] >= p->n_locs)
                fz_fail("sample %zu: location %u >= %zu", s,
                        p->sample_locs[j], p->n_locs);
    }
}

/*
 * Aggregate the sample types (the first FZ_MAX_TYPES and the default one:
 * each pass is O(samples + functions), so all 65,000 types a 128 KiB input
 * can declare would only measure the fuzzer's patience) and, where the
 * profile pairs a count type with one, the recovered heap counts, and
 * check the sums: no flat exceeds its cum when values are non-negative.
 * Overflow is an allowed error.
 */
#define FZ_MAX_TYPES 8
static inline void fz_aggregate_all(const struct fg_profile *p)
{
    for (size_t t = 0; t < p->n_types; t++) {
        if (t >= FZ_MAX_TYPES && t != p->default_type)
            continue;
        struct fg_agg a;
        struct fg_error err;
        memset(&a, 0, sizeof(a));
        int rc = fg_aggregate_type(p, t, &a, &err);
        if (rc == FG_OK) {
            if (a.n_funcs != p->n_funcs)
                fz_fail("aggregate has %zu functions, profile %zu",
                        a.n_funcs, p->n_funcs);
            bool nonneg = true;
            for (size_t s = 0; s < p->n_samples && nonneg; s++)
                nonneg = p->values[s * p->n_types + t] >= 0;
            /* flat sums to the total of samples with a stack (a sample
             * without locations has no innermost frame) */
            if (nonneg) {
                for (size_t f = 0; f < a.n_funcs; f++)
                    if (a.flat[f] > a.cum[f])
                        fz_fail("type %zu function %zu: flat %lld > cum "
                                "%lld",
                                t, f, (long long)a.flat[f],
                                (long long)a.cum[f]);
            }
            fg_agg_release(&a);
        } else if (rc != FG_EFORMAT) {
            fz_fail("fg_aggregate_type returned %d: %s", rc, err.msg);
        }
        long ct = fg_profile_count_type(p, t);
        if (ct >= 0 && (size_t)ct != t) {
            struct fg_agg_spec spec;
            memset(&spec, 0, sizeof(spec));
            spec.type = (size_t)ct;
            spec.mode = FG_AGG_HEAP_COUNTS;
            spec.aux = t;
            spec.rate = 524288.0;
            memset(&a, 0, sizeof(a));
            rc = fg_aggregate(p, &spec, &a, &err);
            if (rc == FG_OK)
                fg_agg_release(&a);
            else if (rc != FG_EFORMAT)
                fz_fail("fg_aggregate (heap counts) returned %d: %s", rc,
                        err.msg);
        }
    }
}

/* A C string name compared the way the encoder sees it: the encoder stores
 * names as C strings, and an empty name is read back as "<unknown>". */
static inline bool fz_same_name(const char *a, const char *b)
{
    if (!*a)
        a = "<unknown>";
    if (!*b)
        b = "<unknown>";
    return strcmp(a, b) == 0;
}

#endif
