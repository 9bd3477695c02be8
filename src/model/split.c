/* split.c - time blocks of one recording (see split.h). */
#include "model/split.h"
#include "core/arena.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *fg_profile_format_name(enum fg_profile_format f)
{
    switch (f) {
    case FG_FORMAT_PPROF:
        return "pprof";
    case FG_FORMAT_FOLDED:
        return "folded";
    case FG_FORMAT_FLAMEBEARER:
        return "Pyroscope flame-graph JSON";
    case FG_FORMAT_JFR:
        return "JFR";
    case FG_FORMAT_CPUPROFILE:
        return "cpuprofile";
    case FG_FORMAT_SPEEDSCOPE:
        return "speedscope";
    case FG_FORMAT_PERF_SCRIPT:
        return "perf script";
    case FG_FORMAT_OTLP:
        return "OTLP";
    }
    return "unknown";
}

void fg_profile_split_free(struct fg_profile **blocks, unsigned n)
{
    if (!blocks)
        return;
    for (unsigned i = 0; i < n; i++)
        fg_profile_free(blocks[i]);
    free(blocks);
}

static const char *dup(struct fg_arena *a, const char *s)
{
    return fg_arena_strndup(a, s, strlen(s));
}

/* A block with p's types, functions and locations, and room for ns
 * samples holding nrefs location references. */
static struct fg_profile *block_new(const struct fg_profile *p, unsigned i,
                                    unsigned n, size_t ns, size_t nrefs)
{
    struct fg_profile *b = fg_xcalloc(1, sizeof(*b));
    b->arena = fg_arena_new(64 * 1024);
    char *src = fg_xasprintf("%s [%u/%u]", p->source, i + 1, n);
    b->source = dup(b->arena, src);
    free(src);
    b->format = p->format;
    b->gzipped = p->gzipped;
    b->n_types = p->n_types;
    b->types = fg_arena_calloc(b->arena, p->n_types ? p->n_types : 1,
                               sizeof(*b->types));
    for (size_t t = 0; t < p->n_types; t++) {
        b->types[t].type = dup(b->arena, p->types[t].type);
        b->types[t].unit = dup(b->arena, p->types[t].unit);
    }
    b->default_type = p->default_type;
    b->period_type.type = dup(b->arena, p->period_type.type);
    b->period_type.unit = dup(b->arena, p->period_type.unit);
    b->period = p->period;
    fg_strtab_init(&b->func_index);
    for (size_t f = 0; f < p->n_funcs; f++) {
        size_t len = strlen(p->func_names[f]);
        /* names are unique in p, so ids stay the same */
        (void)fg_strtab_intern(&b->func_index,
                               fg_arena_strndup(b->arena, p->func_names[f],
                                                len),
                               len);
    }
    b->n_funcs = b->func_index.n;
    b->func_names = b->func_index.strs;
    b->n_locs = p->n_locs;
    b->loc_start = fg_arena_alloc(b->arena,
                                  (p->n_locs + 1) * sizeof(uint32_t));
    memcpy(b->loc_start, p->loc_start, (p->n_locs + 1) * sizeof(uint32_t));
    size_t nframes = p->loc_start[p->n_locs];
    b->loc_frames = fg_arena_alloc(b->arena,
                                   (nframes ? nframes : 1) * sizeof(uint32_t));
    if (nframes)
        memcpy(b->loc_frames, p->loc_frames, nframes * sizeof(uint32_t));
    b->sample_start = fg_arena_alloc(b->arena, (ns + 1) * sizeof(uint32_t));
    b->sample_locs = fg_arena_alloc(b->arena,
                                    (nrefs ? nrefs : 1) * sizeof(uint32_t));
    size_t nv = ns * p->n_types;
    b->values = fg_arena_alloc(b->arena, (nv ? nv : 1) * sizeof(int64_t));
    b->sample_time = fg_arena_alloc(b->arena,
                                    (ns ? ns : 1) * sizeof(int64_t));
    return b;
}

int fg_profile_split_time(const struct fg_profile *p, unsigned n,
                          struct fg_profile ***out, struct fg_error *err)
{
    *out = NULL;
    if (n == 0 || n > FG_SPLIT_MAX)
        return fg_error_set(err, FG_EUSAGE,
                            "cannot split into %u time blocks (1 to %d)", n,
                            FG_SPLIT_MAX);
    if (!p->sample_time)
        return fg_error_set(err, FG_EUSAGE,
                            "%s: a %s profile has no time per sample, so it "
                            "cannot be split into time blocks (formats that "
                            "carry one: JFR, cpuprofile, perf script, "
                            "evented speedscope, OTLP)",
                            p->source, fg_profile_format_name(p->format));
    int64_t t0 = 0, t1 = -1;
    for (size_t s = 0; s < p->n_samples; s++) {
        int64_t t = p->sample_time[s];
        if (s == 0 || t < t0)
            t0 = t;
        if (s == 0 || t > t1)
            t1 = t;
    }
    /* span = t1 - t0 + 1 may not fit in int64: work in uint64 */
    uint64_t span = (uint64_t)t1 - (uint64_t)t0 + 1;
    uint64_t q = span / n, r = span % n;
    uint64_t *bound = fg_xmalloc((n + 1) * sizeof(*bound)); /* offsets */
    for (unsigned i = 0; i <= n; i++)
        bound[i] = q * i + r * i / n;
    /* block of each sample, then counts per block */
    unsigned *which = fg_xmalloc((p->n_samples ? p->n_samples : 1) *
                                 sizeof(*which));
    size_t *ns = fg_xcalloc(n, sizeof(*ns)), *nrefs = fg_xcalloc(n,
                                                               sizeof(*nrefs));
    for (size_t s = 0; s < p->n_samples; s++) {
        uint64_t off = (uint64_t)p->sample_time[s] - (uint64_t)t0;
        unsigned lo = 0, hi = n - 1; /* last i with bound[i] <= off */
        while (lo < hi) {
            unsigned mid = (lo + hi + 1) / 2;
            if (bound[mid] <= off)
                lo = mid;
            else
                hi = mid - 1;
        }
        which[s] = lo;
        ns[lo]++;
        nrefs[lo] += p->sample_start[s + 1] - p->sample_start[s];
    }
    struct fg_profile **blocks = fg_xcalloc(n, sizeof(*blocks));
    for (unsigned i = 0; i < n; i++) {
        blocks[i] = block_new(p, i, n, ns[i], nrefs[i]);
        blocks[i]->time_nanos = (int64_t)((uint64_t)t0 + bound[i]);
        blocks[i]->duration_nanos = (int64_t)(bound[i + 1] - bound[i]);
    }
    size_t nt = p->n_types;
    for (size_t s = 0; s < p->n_samples; s++) {
        struct fg_profile *b = blocks[which[s]];
        size_t k = b->n_samples++;
        uint32_t from = p->sample_start[s], to = p->sample_start[s + 1];
        uint32_t at = k ? b->sample_start[k] : 0;
        b->sample_start[k] = at;
        memcpy(b->sample_locs + at, p->sample_locs + from,
               (to - from) * sizeof(uint32_t));
        b->sample_start[k + 1] = at + (to - from);
        memcpy(b->values + k * nt, p->values + s * nt, nt * sizeof(int64_t));
        b->sample_time[k] = p->sample_time[s];
    }
    for (unsigned i = 0; i < n; i++)
        if (blocks[i]->n_samples == 0)
            blocks[i]->sample_start[0] = 0;
    free(bound);
    free(which);
    free(ns);
    free(nrefs);
    *out = blocks;
    return FG_OK;
}
