/* derive.c - a new profile from parts of others (see derive.h). */
#include "model/derive.h"
#include "core/arena.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

static const char *dup(struct fg_arena *a, const char *s)
{
    return fg_arena_strndup(a, s ? s : "", s ? strlen(s) : 0);
}

void fg_derive_init(struct fg_derive *d, const struct fg_profile *tmpl,
                    const char *source)
{
    memset(d, 0, sizeof(*d));
    struct fg_profile *p = fg_xcalloc(1, sizeof(*p));
    d->p = p;
    p->arena = fg_arena_new(64 * 1024);
    fg_strtab_init(&p->func_index);
    fg_strtab_init(&d->lstr);
    p->source = dup(p->arena, source);
    p->format = tmpl->format;
    p->gzipped = tmpl->gzipped;
    p->n_types = tmpl->n_types;
    p->types = fg_arena_calloc(p->arena, tmpl->n_types ? tmpl->n_types : 1,
                               sizeof(*p->types));
    for (size_t t = 0; t < tmpl->n_types; t++) {
        p->types[t].type = dup(p->arena, tmpl->types[t].type);
        p->types[t].unit = dup(p->arena, tmpl->types[t].unit);
    }
    p->default_type = tmpl->default_type;
    p->period_type.type = dup(p->arena, tmpl->period_type.type);
    p->period_type.unit = dup(p->arena, tmpl->period_type.unit);
    p->period = tmpl->period;
    p->time_nanos = tmpl->time_nanos;
    p->duration_nanos = tmpl->duration_nanos;
    d->timed = true;
}

uint32_t fg_derive_func(struct fg_derive *d, const char *name, size_t len)
{
    struct fg_profile *p = d->p;
    uint32_t id = fg_strtab_find(&p->func_index, name, len);
    if (id != UINT32_MAX)
        return id;
    const char *copy = fg_arena_strndup(p->arena, name, len);
    return fg_strtab_intern(&p->func_index, copy, len);
}

uint32_t fg_derive_loc(struct fg_derive *d, const uint32_t *frames, size_t n)
{
    d->loc_start = fg_xgrow(d->loc_start, &d->cap_ls, d->nlocs + 2,
                            sizeof(uint32_t));
    d->loc_frames = fg_xgrow(d->loc_frames, &d->cap_lf, d->nframes + n + 1,
                             sizeof(uint32_t));
    d->loc_start[d->nlocs] = (uint32_t)d->nframes;
    if (n)
        memcpy(d->loc_frames + d->nframes, frames, n * sizeof(uint32_t));
    d->nframes += n;
    return (uint32_t)d->nlocs++;
}

/* A label string in the new profile's arena, shared by equal strings. */
static const char *label_str(struct fg_derive *d, const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    uint32_t id = fg_strtab_find(&d->lstr, s, len);
    if (id != UINT32_MAX)
        return d->lstr.strs[id];
    const char *copy = fg_arena_strndup(d->p->arena, s, len);
    (void)fg_strtab_intern(&d->lstr, copy, len);
    return copy;
}

int fg_derive_sample(struct fg_derive *d, const uint32_t *locs, size_t n,
                     const int64_t *values, const int64_t *time,
                     const struct fg_label *labels, size_t nl,
                     struct fg_error *err)
{
    size_t nt = d->p->n_types;
    if (d->nrefs + n >= UINT32_MAX || d->nlabels + nl >= UINT32_MAX ||
        d->nframes >= UINT32_MAX)
        return fg_error_set(err, FG_ELIMIT,
                            "%s: more than 2^32 stack or label entries",
                            d->p->source);
    d->sample_start = fg_xgrow(d->sample_start, &d->cap_ss, d->ns + 2,
                               sizeof(uint32_t));
    d->sample_locs = fg_xgrow(d->sample_locs, &d->cap_sl, d->nrefs + n + 1,
                              sizeof(uint32_t));
    d->values = fg_xgrow(d->values, &d->cap_v, (d->ns + 1) * nt + 1,
                         sizeof(int64_t));
    d->sample_start[d->ns] = (uint32_t)d->nrefs;
    if (n)
        memcpy(d->sample_locs + d->nrefs, locs, n * sizeof(uint32_t));
    d->nrefs += n;
    if (nt)
        memcpy(d->values + d->ns * nt, values, nt * sizeof(int64_t));
    if (d->timed && time) {
        d->times = fg_xgrow(d->times, &d->cap_t, d->ns + 1, sizeof(int64_t));
        d->times[d->ns] = *time;
    } else {
        d->timed = false;
    }
    d->label_start = fg_xgrow(d->label_start, &d->cap_lbs, d->ns + 2,
                              sizeof(uint32_t));
    d->label_start[d->ns] = (uint32_t)d->nlabels;
    if (nl) {
        d->labelled = true;
        d->labels = fg_xgrow(d->labels, &d->cap_lb, d->nlabels + nl,
                             sizeof(*d->labels));
        for (size_t i = 0; i < nl; i++) {
            struct fg_label *l = &d->labels[d->nlabels + i];
            l->key = label_str(d, labels[i].key);
            l->str = label_str(d, labels[i].str);
            l->num = labels[i].num;
            l->unit = labels[i].str ? NULL : label_str(d, labels[i].unit);
        }
        d->nlabels += nl;
    }
    d->ns++;
    return FG_OK;
}

/* A copy of n elements of size in the arena (at least one element). */
static void *keep(struct fg_arena *a, const void *src, size_t n, size_t size)
{
    void *dst = fg_arena_alloc(a, (n ? n : 1) * size);
    if (n)
        memcpy(dst, src, n * size);
    return dst;
}

int fg_derive_finish(struct fg_derive *d, struct fg_profile **out,
                     struct fg_error *err)
{
    (void)err;
    struct fg_profile *p = d->p;
    struct fg_arena *a = p->arena;
    p->n_funcs = p->func_index.n;
    p->func_names = p->func_index.strs;
    p->n_locs = d->nlocs;
    if (d->nlocs == 0)
        d->loc_start = fg_xgrow(d->loc_start, &d->cap_ls, 1,
                                sizeof(uint32_t));
    d->loc_start[d->nlocs] = (uint32_t)d->nframes;
    p->loc_start = keep(a, d->loc_start, d->nlocs + 1, sizeof(uint32_t));
    p->loc_frames = keep(a, d->loc_frames, d->nframes, sizeof(uint32_t));
    p->n_samples = d->ns;
    d->sample_start = fg_xgrow(d->sample_start, &d->cap_ss, d->ns + 1,
                               sizeof(uint32_t));
    d->sample_start[d->ns] = (uint32_t)d->nrefs;
    p->sample_start = keep(a, d->sample_start, d->ns + 1, sizeof(uint32_t));
    p->sample_locs = keep(a, d->sample_locs, d->nrefs, sizeof(uint32_t));
    p->values = keep(a, d->values, d->ns * p->n_types, sizeof(int64_t));
    p->sample_time = d->timed && d->ns > 0
                         ? keep(a, d->times, d->ns, sizeof(int64_t))
                         : NULL;
    if (d->labelled) {
        d->label_start[d->ns] = (uint32_t)d->nlabels;
        p->label_start = keep(a, d->label_start, d->ns + 1,
                              sizeof(uint32_t));
        p->labels = keep(a, d->labels, d->nlabels, sizeof(*d->labels));
        p->n_labels = d->nlabels;
    }
    d->p = NULL;
    fg_derive_release(d);
    *out = p;
    return FG_OK;
}

void fg_derive_release(struct fg_derive *d)
{
    fg_profile_free(d->p);
    fg_strtab_release(&d->lstr);
    free(d->loc_start);
    free(d->loc_frames);
    free(d->sample_start);
    free(d->sample_locs);
    free(d->label_start);
    free(d->values);
    free(d->times);
    free(d->labels);
    memset(d, 0, sizeof(*d));
}
