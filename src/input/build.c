/*
 * build.c - assemble a profile from stacks of names (see build.h).
 *
 * Samples grow in malloc'd arrays and are copied into the profile's arena
 * once at the end, so the arena holds exactly the model and a failed read
 * frees everything in one go.
 */
#include "input/build.h"
#include "core/arena.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

bool fg_add_i64(int64_t a, int64_t b, int64_t *sum)
{
    if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b))
        return false;
    *sum = a + b;
    return true;
}

bool fg_mul_i64(int64_t a, int64_t b, int64_t *prod)
{
    if (a == 0 || b == 0) {
        *prod = 0;
        return true;
    }
    if ((a == -1 && b == INT64_MIN) || (b == -1 && a == INT64_MIN))
        return false;
    int64_t r = (int64_t)((uint64_t)a * (uint64_t)b);
    if (r / b != a)
        return false;
    *prod = r;
    return true;
}

void fg_build_init(struct fg_build *b, enum fg_profile_format fmt,
                   const char *source, size_t n_types, bool timed,
                   const struct fg_limits *lim, struct fg_error *err)
{
    memset(b, 0, sizeof(*b));
    if (!lim) {
        fg_limits_default(&b->deflim);
        lim = &b->deflim;
    }
    b->lim = lim;
    b->err = err;
    b->timed = timed;
    b->all_timed = timed;
    struct fg_profile *p = fg_xcalloc(1, sizeof(*p));
    p->arena = fg_arena_new(64 * 1024);
    p->source = fg_arena_strndup(p->arena, source, strlen(source));
    p->format = fmt;
    fg_strtab_init(&p->func_index);
    p->n_types = n_types ? n_types : 1;
    p->types = fg_arena_calloc(p->arena, p->n_types, sizeof(*p->types));
    for (size_t i = 0; i < p->n_types; i++) {
        p->types[i].type = "";
        p->types[i].unit = "";
    }
    p->default_type = p->n_types - 1;
    p->period_type.type = "";
    p->period_type.unit = "";
    b->p = p;
    b->source = p->source;
}

void fg_build_type(struct fg_build *b, size_t i, const char *type,
                   const char *unit)
{
    if (i >= b->p->n_types)
        return;
    b->p->types[i].type = fg_arena_strndup(b->p->arena, type, strlen(type));
    b->p->types[i].unit = fg_arena_strndup(b->p->arena, unit, strlen(unit));
}

static int limit(struct fg_build *b, size_t n, const char *what,
                 const char *flag)
{
    return fg_error_set(b->err, FG_ELIMIT,
                        "%s: more than %zu %s (raise the limit with %s)",
                        b->source, n, what, flag);
}

int fg_build_func(struct fg_build *b, const char *name, size_t len,
                  uint32_t *id)
{
    struct fg_profile *p = b->p;
    uint32_t f = fg_strtab_find(&p->func_index, name, len);
    if (f == UINT32_MAX) {
        if (p->func_index.n >= b->lim->max_functions)
            return limit(b, b->lim->max_functions, "functions",
                         "--max-functions");
        if (len > b->lim->max_strtab ||
            b->strbytes > b->lim->max_strtab - len)
            return limit(b, b->lim->max_strtab, "bytes of function names",
                         "--max-string-table");
        b->strbytes += len;
        const char *copy = fg_arena_strndup(p->arena, name, len);
        f = fg_strtab_intern(&p->func_index, copy, len);
    }
    *id = f;
    return FG_OK;
}

/* Frames in all samples: 16 per allowed sample (a stack's frames are
 * stored per sample, so a reader that expands shared stacks, e.g. an
 * evented speedscope profile, could otherwise grow quadratically), and
 * what the model's 32-bit indexes hold. */
static size_t sixteen_samples(const struct fg_build *b)
{
    size_t m = b->lim->max_samples;
    return m < SIZE_MAX / 16 ? m * 16 : SIZE_MAX;
}

static size_t max_refs(const struct fg_build *b)
{
    size_t cap = sixteen_samples(b);
    return cap < UINT32_MAX - 1 ? cap : UINT32_MAX - 1;
}

int fg_build_push(struct fg_build *b, uint32_t id)
{
    if (b->depth >= b->lim->max_depth)
        return fg_error_set(b->err, FG_ELIMIT,
                            "%s: a stack deeper than %zu frames (raise the "
                            "limit with --max-stack-depth)",
                            b->source, b->lim->max_depth);
    if (b->nrefs >= max_refs(b))
        return fg_error_set(b->err, FG_ELIMIT,
                            "%s: more than %zu frames in all samples "
                            "(raise the limit with --max-samples)",
                            b->source, max_refs(b));
    b->locs = fg_xgrow(b->locs, &b->cap_locs, b->nrefs + 1, sizeof(uint32_t));
    b->locs[b->nrefs++] = id;
    b->depth++;
    return FG_OK;
}

size_t fg_build_depth(const struct fg_build *b)
{
    return b->depth;
}

void fg_build_drop(struct fg_build *b)
{
    b->nrefs -= b->depth;
    b->depth = 0;
}

int fg_build_end(struct fg_build *b, const int64_t *values, bool has_time,
                 int64_t time)
{
    size_t nt = b->p->n_types;
    if (b->ns >= b->lim->max_samples)
        return limit(b, b->lim->max_samples, "samples", "--max-samples");
    /* every sample holds a value per type, given or not (OTLP profiles
     * each add a type): at most 16 values per allowed sample */
    if (nt > 1 && b->ns + 1 > sixteen_samples(b) / nt)
        return limit(b, sixteen_samples(b),
                     "sample values (samples times sample types)",
                     "--max-samples");
    b->start = fg_xgrow(b->start, &b->cap_start, b->ns + 2, sizeof(uint32_t));
    b->vals = fg_xgrow(b->vals, &b->cap_vals, (b->ns + 1) * nt,
                       sizeof(int64_t));
    b->start[b->ns] = (uint32_t)(b->nrefs - b->depth);
    memcpy(b->vals + b->ns * nt, values, nt * sizeof(int64_t));
    if (b->timed) {
        b->times = fg_xgrow(b->times, &b->cap_times, b->ns + 1,
                            sizeof(int64_t));
        b->times[b->ns] = has_time ? time : 0;
        b->all_timed = b->all_timed && has_time;
    }
    b->ns++;
    b->depth = 0;
    return FG_OK;
}

/* Copy n elements of size sz into the arena (at least one element, so
 * the model never holds NULL arrays). */
static void *to_arena(struct fg_arena *a, const void *src, size_t n,
                      size_t sz)
{
    void *dst = fg_arena_alloc(a, (n ? n : 1) * sz);
    if (n)
        memcpy(dst, src, n * sz);
    return dst;
}

int fg_build_finish(struct fg_build *b, bool allow_empty,
                    struct fg_profile **out)
{
    *out = NULL;
    struct fg_profile *p = b->p;
    if (!p)
        return fg_error_set(b->err, FG_EFORMAT, "profile already built");
    fg_build_drop(b);
    if (b->ns == 0 && !allow_empty) {
        int rc = fg_error_set(b->err, FG_EFORMAT, "%s: no samples",
                              b->source);
        fg_build_release(b);
        return rc;
    }
    size_t nf = p->func_index.n, ns = b->ns, nt = p->n_types;
    p->n_funcs = nf;
    p->func_names = p->func_index.strs;
    p->n_locs = nf;
    p->loc_start = fg_arena_alloc(p->arena, (nf + 1) * sizeof(uint32_t));
    p->loc_frames = fg_arena_alloc(p->arena, (nf ? nf : 1) * sizeof(uint32_t));
    for (size_t i = 0; i <= nf; i++)
        p->loc_start[i] = (uint32_t)i;
    for (size_t i = 0; i < nf; i++)
        p->loc_frames[i] = (uint32_t)i;
    p->n_samples = ns;
    p->sample_start = fg_arena_alloc(p->arena, (ns + 1) * sizeof(uint32_t));
    if (ns)
        memcpy(p->sample_start, b->start, ns * sizeof(uint32_t));
    p->sample_start[ns] = (uint32_t)b->nrefs;
    p->sample_locs = to_arena(p->arena, b->locs, b->nrefs, sizeof(uint32_t));
    p->values = to_arena(p->arena, b->vals, ns * nt, sizeof(int64_t));
    if (b->timed && b->all_timed && ns)
        p->sample_time = to_arena(p->arena, b->times, ns, sizeof(int64_t));
    b->p = NULL;
    fg_build_release(b);
    *out = p;
    return FG_OK;
}

void fg_build_release(struct fg_build *b)
{
    fg_profile_free(b->p);
    b->p = NULL;
    free(b->start);
    free(b->locs);
    free(b->vals);
    free(b->times);
    b->start = b->locs = NULL;
    b->vals = b->times = NULL;
    b->cap_start = b->cap_locs = b->cap_vals = b->cap_times = 0;
    b->ns = b->nrefs = b->depth = 0;
}
