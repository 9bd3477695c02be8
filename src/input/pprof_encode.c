/*
 * pprof_encode.c - encode a profile model as a pprof protobuf (see
 * src/input/pprof.h).
 *
 * The Profile is packed in sections: sample_type, then the samples, the
 * locations and the functions in batches, then the string table and the
 * scalar fields.  protobuf-c writes fields in field-number order and the
 * elements of a repeated field back to back, so the concatenation is
 * byte-identical to packing one Profile message holding everything, while
 * the message structs for millions of samples never exist at once.
 */
#include "input/pprof.h"
#include "flamegate/strtab.h"
#include "core/util.h"

#include "profile.pb-c.h"

#include <stdlib.h>
#include <string.h>

#define BATCH 16384

typedef Perftools__Profiles__Profile pb_profile;
typedef Perftools__Profiles__ValueType pb_value_type;
typedef Perftools__Profiles__Sample pb_sample;
typedef Perftools__Profiles__Location pb_location;
typedef Perftools__Profiles__Line pb_line;
typedef Perftools__Profiles__Function pb_function;

struct encoder {
    const struct fg_profile *p;
    struct fg_buf *out;
    struct fg_strtab strs;   /* string table: borrowed strings */
    uint32_t *func_str;      /* function -> string index */
    /* scratch reused by every batch */
    pb_sample *samples;
    pb_sample **sample_ptrs;
    uint64_t *ids;
    size_t cap_ids;
    pb_location *locs;
    pb_location **loc_ptrs;
    pb_line *lines;
    pb_line **line_ptrs;
    size_t cap_lines;
    pb_function *funcs;
    pb_function **func_ptrs;
};

static const char *str_or_empty(const char *s)
{
    return s ? s : "";
}

static int64_t intern(struct encoder *e, const char *s)
{
    s = str_or_empty(s);
    return fg_strtab_intern(&e->strs, s, strlen(s));
}

/* Reject a model whose arrays do not fit together instead of reading out
 * of bounds: it is a bug upstream, reported as a format error. */
static int check_model(const struct fg_profile *p, struct fg_error *err)
{
    const char *src = p->source ? p->source : "profile";
    if (p->n_types == 0 || !p->types || p->default_type >= p->n_types)
        return fg_error_set(err, FG_EFORMAT,
                            "%s: cannot encode: bad sample types", src);
    if (p->n_funcs && !p->func_names)
        return fg_error_set(err, FG_EFORMAT,
                            "%s: cannot encode: no function names", src);
    if (p->n_locs && (!p->loc_start || p->loc_start[0] != 0))
        return fg_error_set(err, FG_EFORMAT,
                            "%s: cannot encode: bad location table", src);
    for (size_t i = 0; i < p->n_locs; i++) {
        if (p->loc_start[i + 1] < p->loc_start[i])
            return fg_error_set(err, FG_EFORMAT,
                                "%s: cannot encode: bad frames of location "
                                "%zu", src, i);
        for (uint32_t j = p->loc_start[i]; j < p->loc_start[i + 1]; j++)
            if (p->loc_frames[j] >= p->n_funcs)
                return fg_error_set(err, FG_EFORMAT,
                                    "%s: cannot encode: location %zu refers "
                                    "to function %u of %zu",
                                    src, i, p->loc_frames[j], p->n_funcs);
    }
    if (p->n_samples && (!p->sample_start || p->sample_start[0] != 0 ||
                         !p->values))
        return fg_error_set(err, FG_EFORMAT,
                            "%s: cannot encode: bad sample table", src);
    for (size_t s = 0; s < p->n_samples; s++) {
        if (p->sample_start[s + 1] < p->sample_start[s])
            return fg_error_set(err, FG_EFORMAT,
                                "%s: cannot encode: bad stack of sample %zu",
                                src, s);
        for (uint32_t j = p->sample_start[s]; j < p->sample_start[s + 1]; j++)
            if (p->sample_locs[j] >= p->n_locs)
                return fg_error_set(err, FG_EFORMAT,
                                    "%s: cannot encode: sample %zu refers to "
                                    "location %u of %zu",
                                    src, s, p->sample_locs[j], p->n_locs);
    }
    return FG_OK;
}

/* Pack one section message at the end of the buffer. */
static int pack(struct encoder *e, const pb_profile *msg,
                struct fg_error *err)
{
    static const unsigned char zeros[4096];
    size_t n = perftools__profiles__profile__get_packed_size(msg);
    size_t start = e->out->len;
    /* Grow through the buffer API so its size limit applies, then pack in
     * place (no second copy of a large profile). */
    for (size_t left = n; left;) {
        size_t c = left < sizeof(zeros) ? left : sizeof(zeros);
        if (fg_buf_add(e->out, zeros, c))
            return fg_error_set(err, FG_ELIMIT,
                                "encoded profile exceeds %zu bytes",
                                e->out->max);
        left -= c;
    }
    size_t got = perftools__profiles__profile__pack(
        msg, (uint8_t *)e->out->data + start);
    if (got != n)
        return fg_error_set(err, FG_EFORMAT,
                            "protobuf packing wrote %zu bytes, expected %zu",
                            got, n);
    return FG_OK;
}

static int pack_samples(struct encoder *e, struct fg_error *err)
{
    const struct fg_profile *p = e->p;
    static const pb_sample init = PERFTOOLS__PROFILES__SAMPLE__INIT;
    for (size_t s0 = 0; s0 < p->n_samples; s0 += BATCH) {
        size_t n = p->n_samples - s0 < BATCH ? p->n_samples - s0 : BATCH;
        size_t r0 = p->sample_start[s0], r1 = p->sample_start[s0 + n];
        e->ids = fg_xgrow(e->ids, &e->cap_ids, r1 - r0 + 1, sizeof(uint64_t));
        for (size_t r = r0; r < r1; r++)
            e->ids[r - r0] = (uint64_t)p->sample_locs[r] + 1;
        for (size_t i = 0; i < n; i++) {
            size_t s = s0 + i;
            pb_sample *m = &e->samples[i];
            *m = init;
            m->n_location_id = p->sample_start[s + 1] - p->sample_start[s];
            m->location_id = e->ids + (p->sample_start[s] - r0);
            m->n_value = p->n_types;
            /* Read only: protobuf-c packs from it. */
            m->value = (int64_t *)(p->values + s * p->n_types);
            e->sample_ptrs[i] = m;
        }
        pb_profile msg = PERFTOOLS__PROFILES__PROFILE__INIT;
        msg.n_sample = n;
        msg.sample = e->sample_ptrs;
        int rc = pack(e, &msg, err);
        if (rc)
            return rc;
    }
    return FG_OK;
}

static int pack_locations(struct encoder *e, struct fg_error *err)
{
    const struct fg_profile *p = e->p;
    static const pb_location linit = PERFTOOLS__PROFILES__LOCATION__INIT;
    static const pb_line lninit = PERFTOOLS__PROFILES__LINE__INIT;
    for (size_t l0 = 0; l0 < p->n_locs; l0 += BATCH) {
        size_t n = p->n_locs - l0 < BATCH ? p->n_locs - l0 : BATCH;
        size_t f0 = p->loc_start[l0], f1 = p->loc_start[l0 + n];
        size_t cap = e->cap_lines;
        e->lines = fg_xgrow(e->lines, &cap, f1 - f0 + 1, sizeof(pb_line));
        cap = e->cap_lines;
        e->line_ptrs = fg_xgrow(e->line_ptrs, &cap, f1 - f0 + 1,
                                sizeof(pb_line *));
        e->cap_lines = cap;
        for (size_t f = f0; f < f1; f++) {
            pb_line *ln = &e->lines[f - f0];
            *ln = lninit;
            ln->function_id = (uint64_t)p->loc_frames[f] + 1;
            e->line_ptrs[f - f0] = ln;
        }
        for (size_t i = 0; i < n; i++) {
            size_t l = l0 + i;
            pb_location *m = &e->locs[i];
            *m = linit;
            m->id = (uint64_t)l + 1;
            m->n_line = p->loc_start[l + 1] - p->loc_start[l];
            m->line = e->line_ptrs + (p->loc_start[l] - f0);
            e->loc_ptrs[i] = m;
        }
        pb_profile msg = PERFTOOLS__PROFILES__PROFILE__INIT;
        msg.n_location = n;
        msg.location = e->loc_ptrs;
        int rc = pack(e, &msg, err);
        if (rc)
            return rc;
    }
    return FG_OK;
}

static int pack_functions(struct encoder *e, struct fg_error *err)
{
    const struct fg_profile *p = e->p;
    static const pb_function init = PERFTOOLS__PROFILES__FUNCTION__INIT;
    for (size_t f0 = 0; f0 < p->n_funcs; f0 += BATCH) {
        size_t n = p->n_funcs - f0 < BATCH ? p->n_funcs - f0 : BATCH;
        for (size_t i = 0; i < n; i++) {
            pb_function *m = &e->funcs[i];
            *m = init;
            m->id = (uint64_t)(f0 + i) + 1;
            /* Go writes the same string as name and system_name. */
            m->name = e->func_str[f0 + i];
            m->system_name = m->name;
            e->func_ptrs[i] = m;
        }
        pb_profile msg = PERFTOOLS__PROFILES__PROFILE__INIT;
        msg.n_function = n;
        msg.function = e->func_ptrs;
        int rc = pack(e, &msg, err);
        if (rc)
            return rc;
    }
    return FG_OK;
}

int fg_pprof_encode(const struct fg_profile *p, struct fg_buf *out,
                    struct fg_error *err)
{
    int rc = check_model(p, err);
    if (rc)
        return rc;
    struct encoder e;
    memset(&e, 0, sizeof(e));
    e.p = p;
    e.out = out;
    fg_strtab_init(&e.strs);
    pb_value_type *vt = fg_xcalloc(p->n_types + 1, sizeof(*vt));
    pb_value_type **vtp = fg_xcalloc(p->n_types + 1, sizeof(*vtp));
    e.samples = fg_xmalloc(BATCH * sizeof(*e.samples));
    e.sample_ptrs = fg_xmalloc(BATCH * sizeof(*e.sample_ptrs));
    e.locs = fg_xmalloc(BATCH * sizeof(*e.locs));
    e.loc_ptrs = fg_xmalloc(BATCH * sizeof(*e.loc_ptrs));
    e.funcs = fg_xmalloc(BATCH * sizeof(*e.funcs));
    e.func_ptrs = fg_xmalloc(BATCH * sizeof(*e.func_ptrs));
    e.func_str = fg_xmalloc((p->n_funcs + 1) * sizeof(uint32_t));

    /* String table: "" first (pprof requires it), then each distinct
     * string once. */
    intern(&e, "");
    static const pb_value_type vinit = PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
    for (size_t i = 0; i < p->n_types; i++) {
        vt[i] = vinit;
        vt[i].type = intern(&e, p->types[i].type);
        vt[i].unit = intern(&e, p->types[i].unit);
        vtp[i] = &vt[i];
    }
    const char *pt = str_or_empty(p->period_type.type);
    const char *pu = str_or_empty(p->period_type.unit);
    bool has_period_type = *pt || *pu;
    pb_value_type *period = &vt[p->n_types];
    *period = vinit;
    if (has_period_type) {
        period->type = intern(&e, pt);
        period->unit = intern(&e, pu);
    }
    for (size_t f = 0; f < p->n_funcs; f++)
        e.func_str[f] = (uint32_t)intern(&e, p->func_names[f]);

    pb_profile head = PERFTOOLS__PROFILES__PROFILE__INIT;
    head.n_sample_type = p->n_types;
    head.sample_type = vtp;
    if ((rc = pack(&e, &head, err)) || (rc = pack_samples(&e, err)) ||
        (rc = pack_locations(&e, err)) || (rc = pack_functions(&e, err)))
        goto out;

    pb_profile tail = PERFTOOLS__PROFILES__PROFILE__INIT;
    tail.n_string_table = e.strs.n;
    /* protobuf-c's field is char **; it only reads the strings. */
    tail.string_table = (char **)e.strs.strs;
    tail.time_nanos = p->time_nanos;
    tail.duration_nanos = p->duration_nanos;
    tail.period_type = has_period_type ? period : NULL;
    tail.period = p->period;
    /* pprof's default is the last type: only name another one. */
    if (p->default_type != p->n_types - 1)
        tail.default_sample_type = vt[p->default_type].type;
    rc = pack(&e, &tail, err);
out:
    fg_strtab_release(&e.strs);
    free(vt);
    free(vtp);
    free(e.samples);
    free(e.sample_ptrs);
    free(e.ids);
    free(e.locs);
    free(e.loc_ptrs);
    free(e.lines);
    free(e.line_ptrs);
    free(e.funcs);
    free(e.func_ptrs);
    free(e.func_str);
    return rc;
}
