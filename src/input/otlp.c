/*
 * otlp.c - OpenTelemetry profiles, binary and JSON (see otlp.h).
 *
 * Both forms end up as the protobuf-c structures of otlp_profiles.proto,
 * in one arena: the binary form through protobuf-c's unpacker, the JSON
 * form by a small converter that fills the fields the reader uses.  One
 * conversion then checks every index and builds the profile; the frames
 * of each location and of each stack are resolved once and reused by
 * every sample that refers to them.
 */
#include "input/otlp.h"
#include "core/arena.h"
#include "input/build.h"
#include "input/json.h"
#include "core/util.h"

#include "otlp_profiles.pb-c.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OT(x) Opentelemetry__Proto__Profiles__V1development__##x
#define MAX_TYPES 256
#define UNSET UINT32_MAX

struct ot {
    const char *source;
    const struct fg_limits *lim;
    struct fg_error *err;
    const OT(ProfilesDictionary) *d;
    OT(ProfilesDictionary) empty;
    struct fg_build b;
    size_t ntypes;
    const char *tname[MAX_TYPES], *tunit[MAX_TYPES];
    uint32_t *func;             /* function -> id, UNSET: not named yet */
    uint32_t *loc_first, *loc_n;/* location -> frames[first, +n) */
    uint32_t *stk_first, *stk_n;/* stack -> sframes[first, +n) */
    uint32_t *frames, *sframes;
    size_t nframes, cap_frames, nsframes, cap_sframes;
    int64_t *vals;              /* one observation's values */
};

static int bad(struct ot *o, const char *fmt, ...) FG_PRINTF(2, 3);
static int bad(struct ot *o, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return fg_error_set(o->err, FG_EFORMAT,
                        "%s: not a valid OpenTelemetry profile: %s",
                        o->source, what);
}

/* string_table[i], checked. */
static int str(struct ot *o, int32_t i, const char *what, const char **s)
{
    if (i < 0 || (size_t)i >= o->d->n_string_table)
        return bad(o, "%s refers to string %d but the string table has %zu "
                      "entries",
                   what, (int)i, o->d->n_string_table);
    *s = o->d->string_table[i] ? o->d->string_table[i] : "";
    return FG_OK;
}

static int check_tables(struct ot *o)
{
    const OT(ProfilesDictionary) *d = o->d;
    size_t bytes = 0;
    for (size_t i = 0; i < d->n_string_table; i++) {
        bytes += d->string_table[i] ? strlen(d->string_table[i]) : 0;
        if (bytes > o->lim->max_strtab)
            return fg_error_set(o->err, FG_ELIMIT,
                                "%s: more than %zu bytes of string table "
                                "(raise the limit with --max-string-table)",
                                o->source, o->lim->max_strtab);
    }
    if (d->n_location_table > o->lim->max_locations)
        return fg_error_set(o->err, FG_ELIMIT,
                            "%s: more than %zu locations (raise the limit "
                            "with --max-locations)",
                            o->source, o->lim->max_locations);
    if (d->n_function_table > o->lim->max_functions)
        return fg_error_set(o->err, FG_ELIMIT,
                            "%s: more than %zu functions (raise the limit "
                            "with --max-functions)",
                            o->source, o->lim->max_functions);
    return FG_OK;
}

/* "[basename]" of the location's mapping file, else "<unknown>". */
static int anon_name(struct ot *o, const OT(Location) *l, size_t li,
                     uint32_t *id)
{
    int32_t mi = l->mapping_index;
    if (mi < 0 || (size_t)mi >= o->d->n_mapping_table)
        return bad(o, "location %zu refers to mapping %d but the mapping "
                      "table has %zu entries",
                   li, (int)mi, o->d->n_mapping_table);
    const char *file = "";
    const OT(Mapping) *m = o->d->mapping_table[mi];
    if (m && mi > 0) {
        int rc = str(o, m->filename_strindex, "a mapping's filename", &file);
        if (rc)
            return rc;
    }
    if (!*file)
        return fg_build_func(&o->b, "<unknown>", 9, id);
    const char *base = fg_basename(file);
    char *name = fg_xasprintf("[%s]", base);
    int rc = fg_build_func(&o->b, name, strlen(name), id);
    free(name);
    return rc;
}

static int line_name(struct ot *o, const OT(Location) *l, size_t li,
                     const OT(Line) *ln, uint32_t *id)
{
    int32_t fi = ln ? ln->function_index : 0;
    if (fi < 0 || (size_t)fi >= o->d->n_function_table)
        return bad(o, "location %zu refers to function %d but the function "
                      "table has %zu entries",
                   li, (int)fi, o->d->n_function_table);
    if (o->func[fi] != UNSET) {
        *id = o->func[fi];
        return FG_OK;
    }
    const OT(Function) *f = o->d->function_table[fi];
    const char *name = "";
    int rc = FG_OK;
    if (f) {
        rc = str(o, f->name_strindex, "a function's name", &name);
        if (!rc && !*name)
            rc = str(o, f->system_name_strindex, "a function's system name",
                     &name);
    }
    if (rc)
        return rc;
    if (!*name)
        return anon_name(o, l, li, id); /* depends on the location */
    rc = fg_build_func(&o->b, name, strlen(name), &o->func[fi]);
    *id = o->func[fi];
    return rc;
}

/* The frames of location li, innermost first. */
static int location(struct ot *o, int32_t li, size_t si)
{
    if (li < 0 || (size_t)li >= o->d->n_location_table)
        return bad(o, "stack %zu refers to location %d but the location "
                      "table has %zu entries",
                   si, (int)li, o->d->n_location_table);
    if (o->loc_n[li] != UNSET)
        return FG_OK;
    const OT(Location) *l = o->d->location_table[li];
    OT(Location) zero = OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__LOCATION__INIT;
    if (!l)
        l = &zero;
    size_t nl = l->n_lines ? l->n_lines : 1;
    o->frames = fg_xgrow(o->frames, &o->cap_frames, o->nframes + nl,
                         sizeof(uint32_t));
    o->loc_first[li] = (uint32_t)o->nframes;
    for (size_t j = 0; j < nl; j++) {
        uint32_t id;
        int rc = l->n_lines ? line_name(o, l, (size_t)li, l->lines[j], &id)
                            : anon_name(o, l, (size_t)li, &id);
        if (rc)
            return rc;
        o->frames[o->nframes++] = id;
    }
    o->loc_n[li] = (uint32_t)nl;
    return FG_OK;
}

/* The frames of stack si, leaf first. */
static int stack(struct ot *o, int32_t si, size_t pi, size_t sj)
{
    if (si < 0 || (size_t)si >= o->d->n_stack_table)
        return bad(o, "profile %zu sample %zu refers to stack %d but the "
                      "stack table has %zu entries",
                   pi, sj, (int)si, o->d->n_stack_table);
    if (o->stk_n[si] != UNSET)
        return FG_OK;
    const OT(Stack) *st = o->d->stack_table[si];
    size_t n = st ? st->n_location_indices : 0;
    size_t total = 0;
    for (size_t k = 0; k < n; k++) {
        int rc = location(o, st->location_indices[k], (size_t)si);
        if (rc)
            return rc;
        total += o->loc_n[st->location_indices[k]];
        if (total > o->lim->max_depth)
            return fg_error_set(o->err, FG_ELIMIT,
                                "%s: a stack deeper than %zu frames (raise "
                                "the limit with --max-stack-depth)",
                                o->source, o->lim->max_depth);
    }
    o->sframes = fg_xgrow(o->sframes, &o->cap_sframes, o->nsframes + total,
                          sizeof(uint32_t));
    o->stk_first[si] = (uint32_t)o->nsframes;
    for (size_t k = 0; k < n; k++) {
        int32_t li = st->location_indices[k];
        memcpy(o->sframes + o->nsframes, o->frames + o->loc_first[li],
               o->loc_n[li] * sizeof(uint32_t));
        o->nsframes += o->loc_n[li];
    }
    o->stk_n[si] = (uint32_t)total;
    return FG_OK;
}

/* Type index of a profile's sample type, added when new. */
static int type_of(struct ot *o, const OT(Profile) *p, size_t pi, size_t *t)
{
    const char *ty = "", *un = "";
    if (p->sample_type) {
        int rc = str(o, p->sample_type->type_strindex, "a sample type", &ty);
        rc = rc ? rc : str(o, p->sample_type->unit_strindex, "a sample unit",
                           &un);
        if (rc)
            return rc;
    }
    if (!*ty)
        ty = "samples";
    if (!*un)
        un = "count";
    for (size_t i = 0; i < o->ntypes; i++) {
        if (strcmp(o->tname[i], ty) == 0 && strcmp(o->tunit[i], un) == 0) {
            *t = i;
            return FG_OK;
        }
    }
    if (o->ntypes == MAX_TYPES)
        return bad(o, "profile %zu: more than %d sample types", pi,
                   MAX_TYPES);
    o->tname[o->ntypes] = ty;
    o->tunit[o->ntypes] = un;
    *t = o->ntypes++;
    return FG_OK;
}

/* Calls fn for every profile; stops at the first error. */
static int each_profile(struct ot *o, const OT(ProfilesData) *pd,
                        int (*fn)(struct ot *, const OT(Profile) *, size_t))
{
    size_t pi = 0;
    for (size_t r = 0; r < pd->n_resource_profiles; r++) {
        const OT(ResourceProfiles) *rp = pd->resource_profiles[r];
        for (size_t s = 0; rp && s < rp->n_scope_profiles; s++) {
            const OT(ScopeProfiles) *sp = rp->scope_profiles[s];
            for (size_t k = 0; sp && k < sp->n_profiles; k++) {
                if (!sp->profiles[k])
                    continue;
                int rc = fn(o, sp->profiles[k], pi++);
                if (rc)
                    return rc;
            }
        }
    }
    return FG_OK;
}

static int collect_type(struct ot *o, const OT(Profile) *p, size_t pi)
{
    size_t t;
    return type_of(o, p, pi, &t);
}

static int observe(struct ot *o, int32_t si, size_t t, int64_t v,
                   bool timed, uint64_t ts)
{
    for (uint32_t k = 0; k < o->stk_n[si]; k++) {
        int rc = fg_build_push(&o->b, o->sframes[o->stk_first[si] + k]);
        if (rc)
            return rc;
    }
    memset(o->vals, 0, o->b.p->n_types * sizeof(int64_t));
    o->vals[t] = v;
    return fg_build_end(&o->b, o->vals, timed, (int64_t)ts);
}

static int read_profile(struct ot *o, const OT(Profile) *p, size_t pi)
{
    size_t t;
    int rc = type_of(o, p, pi, &t);
    if (rc)
        return rc;
    if (pi == 0) {
        o->b.p->default_type = t;
        o->b.p->time_nanos = (int64_t)(p->time_unix_nano & INT64_MAX);
        o->b.p->duration_nanos = (int64_t)(p->duration_nano & INT64_MAX);
        const char *pt = "", *pu = "";
        if (p->period_type) {
            rc = str(o, p->period_type->type_strindex, "a period type", &pt);
            rc = rc ? rc : str(o, p->period_type->unit_strindex,
                               "a period unit", &pu);
            if (rc)
                return rc;
        }
        if (*pt) {
            struct fg_profile *m = o->b.p;
            m->period_type.type = fg_arena_strndup(m->arena, pt, strlen(pt));
            m->period_type.unit = fg_arena_strndup(m->arena, pu, strlen(pu));
            m->period = p->period;
        }
    }
    for (size_t j = 0; j < p->n_samples; j++) {
        const OT(Sample) *s = p->samples[j];
        if (!s)
            continue;
        size_t nv = s->n_values, nt = s->n_timestamps_unix_nano;
        if (nv && nt && nv != nt)
            return bad(o, "profile %zu sample %zu has %zu values but %zu "
                          "timestamps",
                       pi, j, nv, nt);
        if (!nv && !nt)
            return bad(o, "profile %zu sample %zu has neither values nor "
                          "timestamps",
                       pi, j);
        rc = stack(o, s->stack_index, pi, j);
        if (rc)
            return rc;
        if (o->stk_n[s->stack_index] == 0)
            continue; /* no frame: it belongs to no function */
        size_t n = nv ? nv : nt;
        for (size_t k = 0; k < n; k++) {
            uint64_t ts = nt ? s->timestamps_unix_nano[k] : 0;
            if (ts > (uint64_t)INT64_MAX)
                return bad(o, "profile %zu sample %zu: timestamp %llu is "
                              "out of range",
                           pi, j, (unsigned long long)ts);
            rc = observe(o, s->stack_index, t, nv ? s->values[k] : 1,
                         nt > 0, ts);
            if (rc)
                return rc;
        }
    }
    return FG_OK;
}

static int convert(const OT(ProfilesData) *pd, const char *source,
                   const struct fg_limits *lim, struct fg_profile **out,
                   struct fg_error *err)
{
    struct ot o;
    memset(&o, 0, sizeof(o));
    o.source = source;
    o.lim = lim;
    o.err = err;
    OT(ProfilesDictionary) empty =
        OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__PROFILES_DICTIONARY__INIT;
    o.d = pd->dictionary ? pd->dictionary : &empty;
    int rc = check_tables(&o);
    if (rc)
        return rc;
    rc = each_profile(&o, pd, collect_type);
    if (rc)
        return rc;
    if (o.ntypes == 0)
        return bad(&o, "no profiles");
    const OT(ProfilesDictionary) *d = o.d;
    o.func = fg_xmalloc((d->n_function_table + 1) * sizeof(uint32_t));
    o.loc_first = fg_xmalloc((d->n_location_table + 1) * sizeof(uint32_t));
    o.loc_n = fg_xmalloc((d->n_location_table + 1) * sizeof(uint32_t));
    o.stk_first = fg_xmalloc((d->n_stack_table + 1) * sizeof(uint32_t));
    o.stk_n = fg_xmalloc((d->n_stack_table + 1) * sizeof(uint32_t));
    memset(o.func, 0xff, (d->n_function_table + 1) * sizeof(uint32_t));
    memset(o.loc_n, 0xff, (d->n_location_table + 1) * sizeof(uint32_t));
    memset(o.stk_n, 0xff, (d->n_stack_table + 1) * sizeof(uint32_t));
    o.vals = fg_xcalloc(o.ntypes, sizeof(int64_t));
    fg_build_init(&o.b, FG_FORMAT_OTLP, source, o.ntypes, true, lim, err);
    for (size_t i = 0; i < o.ntypes; i++)
        fg_build_type(&o.b, i, o.tname[i], o.tunit[i]);
    o.ntypes = 0; /* read_profile finds them again, in the same order */
    rc = each_profile(&o, pd, read_profile);
    free(o.func);
    free(o.loc_first);
    free(o.loc_n);
    free(o.stk_first);
    free(o.stk_n);
    free(o.frames);
    free(o.sframes);
    free(o.vals);
    if (rc) {
        fg_build_release(&o.b);
        return rc;
    }
    return fg_build_finish(&o.b, true, out);
}

/* ---- binary ------------------------------------------------------------- */

static bool read_varint(const unsigned char **p, const unsigned char *end,
                        uint64_t *v)
{
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*p >= end)
            return false;
        unsigned char c = *(*p)++;
        r |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = r;
            return true;
        }
    }
    return false;
}

/* data[0..n) is a sequence of length-delimited fields numbered 1..maxf;
 * with cut, the data may end inside the last one (a file cut short is
 * still recognised, and then reported as truncated). */
static bool all_len(const unsigned char *p, size_t n, uint64_t maxf,
                    bool cut)
{
    const unsigned char *end = p + n;
    while (p < end) {
        uint64_t key, len;
        if (!read_varint(&p, end, &key))
            return cut;
        if ((key & 7) != 2 || (key >> 3) == 0 || (key >> 3) > maxf)
            return false;
        if (!read_varint(&p, end, &len))
            return cut;
        if (len > (uint64_t)(end - p))
            return cut;
        p += len;
    }
    return true;
}

bool fg_otlp_sniff(const unsigned char *data, size_t len)
{
    if (!data || len == 0)
        return false;
    const unsigned char *p = data, *end = data + len;
    size_t fields = 0, dicts = 0;
    while (p < end) {
        uint64_t key, n;
        if (!read_varint(&p, end, &key) || (key & 7) != 2 ||
            ((key >> 3) != 1 && (key >> 3) != 2) ||
            !read_varint(&p, end, &n))
            return false;
        /* a field running past the end: the file was cut short */
        bool cut = n > (uint64_t)(end - p);
        size_t have = cut ? (size_t)(end - p) : (size_t)n;
        /* ResourceProfiles (1): fields 1-3 and 1000, all length-delimited;
         * ProfilesDictionary (2): fields 1-7, all length-delimited. */
        if ((key >> 3) == 2) {
            if (++dicts > 1 || !all_len(p, have, 7, cut))
                return false;
        } else if (!all_len(p, have, 1000, cut)) {
            return false;
        }
        fields++;
        if (cut)
            break;
        p += n;
    }
    return fields > 0;
}

int fg_otlp_decode(const unsigned char *data, size_t len, const char *source,
                   const struct fg_limits *lim, struct fg_profile **out,
                   struct fg_error *err)
{
    struct fg_limits deflim;
    if (!lim) {
        fg_limits_default(&deflim);
        lim = &deflim;
    }
    *out = NULL;
    struct fg_arena *a = fg_arena_new(len < (1u << 20) ? 64 * 1024 : len);
    ProtobufCAllocator alloc;
    fg_arena_protobuf_allocator(a, &alloc);
    OT(ProfilesData) *pd =
        opentelemetry__proto__profiles__v1development__profiles_data__unpack(
            &alloc, len, data);
    int rc;
    if (!pd)
        rc = fg_error_set(err, FG_EFORMAT,
                          "%s: not a valid OpenTelemetry profile: malformed "
                          "protobuf (truncated or corrupt)",
                          source);
    else
        rc = convert(pd, source, lim, out, err);
    fg_arena_free(a);
    return rc;
}

/* ---- JSON ----------------------------------------------------------------- */

struct jc {
    struct fg_arena *a;
    const char *source;
    struct fg_error *err;
};

static int jbad(struct jc *c, const char *field)
{
    return fg_error_set(c->err, FG_EFORMAT,
                        "%s: not a valid OpenTelemetry profile: %s is not "
                        "of its protobuf type",
                        c->source, field);
}

static int j_i64(struct jc *c, const json_t *o, const char *camel,
                 const char *snake, int64_t *v)
{
    const json_t *x = fg_json_get(o, camel, snake);
    *v = 0;
    if (!x || json_is_null(x))
        return FG_OK;
    return fg_json_i64(x, v) ? FG_OK : jbad(c, camel);
}

static int j_i32(struct jc *c, const json_t *o, const char *camel,
                 const char *snake, int32_t *v)
{
    int64_t x;
    int rc = j_i64(c, o, camel, snake, &x);
    if (!rc && (x < INT32_MIN || x > INT32_MAX))
        rc = jbad(c, camel);
    *v = rc ? 0 : (int32_t)x;
    return rc;
}

/* The array member, or NULL and n = 0 when absent; an error when it is
 * there but not an array. */
static int j_arr(struct jc *c, const json_t *o, const char *camel,
                 const char *snake, const json_t **arr, size_t *n)
{
    const json_t *x = fg_json_get(o, camel, snake);
    *arr = NULL;
    *n = 0;
    if (!x || json_is_null(x))
        return FG_OK;
    if (!json_is_array(x))
        return jbad(c, camel);
    *arr = x;
    *n = json_array_size(x);
    return FG_OK;
}

static void *jalloc(struct jc *c, size_t n, size_t size)
{
    return fg_arena_calloc(c->a, n ? n : 1, size);
}

static int j_i32s(struct jc *c, const json_t *o, const char *camel,
                  const char *snake, int32_t **v, size_t *n)
{
    const json_t *arr;
    int rc = j_arr(c, o, camel, snake, &arr, n);
    *v = jalloc(c, *n, sizeof(int32_t));
    for (size_t i = 0; i < *n && !rc; i++) {
        int64_t x;
        if (!fg_json_i64(json_array_get(arr, i), &x) || x < INT32_MIN ||
            x > INT32_MAX)
            rc = jbad(c, camel);
        else
            (*v)[i] = (int32_t)x;
    }
    return rc;
}

static int j_value_type(struct jc *c, const json_t *o, const char *camel,
                        const char *snake, OT(ValueType) **vt)
{
    const json_t *x = fg_json_get(o, camel, snake);
    *vt = NULL;
    if (!x || json_is_null(x))
        return FG_OK;
    if (!json_is_object(x))
        return jbad(c, camel);
    *vt = jalloc(c, 1, sizeof(**vt));
    int rc = j_i32(c, x, "typeStrindex", "type_strindex",
                   &(*vt)->type_strindex);
    return rc ? rc : j_i32(c, x, "unitStrindex", "unit_strindex",
                           &(*vt)->unit_strindex);
}

static int j_sample(struct jc *c, const json_t *o, OT(Sample) **out)
{
    if (!json_is_object(o))
        return jbad(c, "a sample");
    OT(Sample) *s = jalloc(c, 1, sizeof(*s));
    *out = s;
    const json_t *arr;
    int rc = j_i32(c, o, "stackIndex", "stack_index", &s->stack_index);
    rc = rc ? rc : j_arr(c, o, "values", "values", &arr, &s->n_values);
    s->values = jalloc(c, s->n_values, sizeof(int64_t));
    for (size_t i = 0; i < s->n_values && !rc; i++)
        if (!fg_json_i64(json_array_get(arr, i), &s->values[i]))
            rc = jbad(c, "values");
    rc = rc ? rc : j_arr(c, o, "timestampsUnixNano", "timestamps_unix_nano",
                         &arr, &s->n_timestamps_unix_nano);
    s->timestamps_unix_nano =
        jalloc(c, s->n_timestamps_unix_nano, sizeof(uint64_t));
    for (size_t i = 0; i < s->n_timestamps_unix_nano && !rc; i++) {
        int64_t t;
        if (!fg_json_i64(json_array_get(arr, i), &t) || t < 0)
            rc = jbad(c, "timestampsUnixNano");
        else
            s->timestamps_unix_nano[i] = (uint64_t)t;
    }
    return rc;
}

static int j_profile(struct jc *c, const json_t *o, OT(Profile) **out)
{
    if (!json_is_object(o))
        return jbad(c, "a profile");
    OT(Profile) *p = jalloc(c, 1, sizeof(*p));
    *out = p;
    const json_t *arr;
    int64_t t = 0, d = 0;
    int rc = j_value_type(c, o, "sampleType", "sample_type", &p->sample_type);
    rc = rc ? rc : j_value_type(c, o, "periodType", "period_type",
                                &p->period_type);
    rc = rc ? rc : j_i64(c, o, "period", "period", &p->period);
    rc = rc ? rc : j_i64(c, o, "timeUnixNano", "time_unix_nano", &t);
    rc = rc ? rc : j_i64(c, o, "durationNano", "duration_nano", &d);
    p->time_unix_nano = (uint64_t)t;
    p->duration_nano = (uint64_t)d;
    rc = rc ? rc : j_arr(c, o, "samples", "samples", &arr, &p->n_samples);
    p->samples = jalloc(c, p->n_samples, sizeof(*p->samples));
    for (size_t i = 0; i < p->n_samples && !rc; i++)
        rc = j_sample(c, json_array_get(arr, i), &p->samples[i]);
    return rc;
}

static int j_profiles(struct jc *c, const json_t *root, OT(ProfilesData) *pd)
{
    const json_t *rps, *sps, *ps;
    int rc = j_arr(c, root, "resourceProfiles", "resource_profiles", &rps,
                   &pd->n_resource_profiles);
    pd->resource_profiles =
        jalloc(c, pd->n_resource_profiles, sizeof(*pd->resource_profiles));
    for (size_t r = 0; r < pd->n_resource_profiles && !rc; r++) {
        OT(ResourceProfiles) *rp = jalloc(c, 1, sizeof(*rp));
        pd->resource_profiles[r] = rp;
        rc = j_arr(c, json_array_get(rps, r), "scopeProfiles",
                   "scope_profiles", &sps, &rp->n_scope_profiles);
        rp->scope_profiles =
            jalloc(c, rp->n_scope_profiles, sizeof(*rp->scope_profiles));
        for (size_t s = 0; s < rp->n_scope_profiles && !rc; s++) {
            OT(ScopeProfiles) *sp = jalloc(c, 1, sizeof(*sp));
            rp->scope_profiles[s] = sp;
            rc = j_arr(c, json_array_get(sps, s), "profiles", "profiles",
                       &ps, &sp->n_profiles);
            sp->profiles = jalloc(c, sp->n_profiles, sizeof(*sp->profiles));
            for (size_t k = 0; k < sp->n_profiles && !rc; k++)
                rc = j_profile(c, json_array_get(ps, k), &sp->profiles[k]);
        }
    }
    return rc;
}

static int j_locations(struct jc *c, const json_t *arr,
                       OT(ProfilesDictionary) *d)
{
    d->location_table = jalloc(c, d->n_location_table,
                               sizeof(*d->location_table));
    for (size_t i = 0; i < d->n_location_table; i++) {
        const json_t *o = json_array_get(arr, i), *lines;
        if (!json_is_object(o))
            return jbad(c, "a location");
        OT(Location) *l = jalloc(c, 1, sizeof(*l));
        d->location_table[i] = l;
        int rc = j_i32(c, o, "mappingIndex", "mapping_index",
                       &l->mapping_index);
        rc = rc ? rc : j_arr(c, o, "lines", "lines", &lines, &l->n_lines);
        l->lines = jalloc(c, l->n_lines, sizeof(*l->lines));
        for (size_t k = 0; k < l->n_lines && !rc; k++) {
            const json_t *ln = json_array_get(lines, k);
            if (!json_is_object(ln))
                return jbad(c, "a line");
            l->lines[k] = jalloc(c, 1, sizeof(*l->lines[k]));
            rc = j_i32(c, ln, "functionIndex", "function_index",
                       &l->lines[k]->function_index);
        }
        if (rc)
            return rc;
    }
    return FG_OK;
}

static int j_dictionary(struct jc *c, const json_t *o,
                        OT(ProfilesDictionary) *d)
{
    if (!o || json_is_null(o))
        return FG_OK;
    if (!json_is_object(o))
        return jbad(c, "dictionary");
    const json_t *arr;
    int rc = j_arr(c, o, "stringTable", "string_table", &arr,
                   &d->n_string_table);
    d->string_table = jalloc(c, d->n_string_table, sizeof(char *));
    for (size_t i = 0; i < d->n_string_table && !rc; i++) {
        const json_t *s = json_array_get(arr, i);
        if (!json_is_string(s))
            return jbad(c, "stringTable");
        d->string_table[i] = fg_arena_strndup(c->a, json_string_value(s),
                                              json_string_length(s));
    }
    rc = rc ? rc : j_arr(c, o, "functionTable", "function_table", &arr,
                         &d->n_function_table);
    d->function_table = jalloc(c, d->n_function_table,
                               sizeof(*d->function_table));
    for (size_t i = 0; i < d->n_function_table && !rc; i++) {
        const json_t *f = json_array_get(arr, i);
        if (!json_is_object(f))
            return jbad(c, "a function");
        OT(Function) *fn = jalloc(c, 1, sizeof(*fn));
        d->function_table[i] = fn;
        rc = j_i32(c, f, "nameStrindex", "name_strindex",
                   &fn->name_strindex);
        rc = rc ? rc : j_i32(c, f, "systemNameStrindex",
                             "system_name_strindex",
                             &fn->system_name_strindex);
    }
    rc = rc ? rc : j_arr(c, o, "mappingTable", "mapping_table", &arr,
                         &d->n_mapping_table);
    d->mapping_table = jalloc(c, d->n_mapping_table,
                              sizeof(*d->mapping_table));
    for (size_t i = 0; i < d->n_mapping_table && !rc; i++) {
        const json_t *m = json_array_get(arr, i);
        if (!json_is_object(m))
            return jbad(c, "a mapping");
        OT(Mapping) *mp = jalloc(c, 1, sizeof(*mp));
        d->mapping_table[i] = mp;
        rc = j_i32(c, m, "filenameStrindex", "filename_strindex",
                   &mp->filename_strindex);
    }
    rc = rc ? rc : j_arr(c, o, "locationTable", "location_table", &arr,
                         &d->n_location_table);
    rc = rc ? rc : j_locations(c, arr, d);
    rc = rc ? rc : j_arr(c, o, "stackTable", "stack_table", &arr,
                         &d->n_stack_table);
    d->stack_table = jalloc(c, d->n_stack_table, sizeof(*d->stack_table));
    for (size_t i = 0; i < d->n_stack_table && !rc; i++) {
        const json_t *s = json_array_get(arr, i);
        if (!json_is_object(s))
            return jbad(c, "a stack");
        OT(Stack) *st = jalloc(c, 1, sizeof(*st));
        d->stack_table[i] = st;
        rc = j_i32s(c, s, "locationIndices", "location_indices",
                    &st->location_indices, &st->n_location_indices);
    }
    return rc;
}

int fg_otlp_from_json(const json_t *root, const char *source,
                      const struct fg_limits *lim, struct fg_profile **out,
                      struct fg_error *err)
{
    struct fg_limits deflim;
    if (!lim) {
        fg_limits_default(&deflim);
        lim = &deflim;
    }
    *out = NULL;
    struct jc c = {fg_arena_new(0), source, err};
    OT(ProfilesData) *pd = jalloc(&c, 1, sizeof(*pd));
    OT(ProfilesDictionary) *d = jalloc(&c, 1, sizeof(*d));
    int rc = j_dictionary(&c, json_object_get(root, "dictionary"), d);
    pd->dictionary = d;
    rc = rc ? rc : j_profiles(&c, root, pd);
    rc = rc ? rc : convert(pd, source, lim, out, err);
    fg_arena_free(c.a);
    return rc;
}

int fg_otlp_decode_json(const unsigned char *data, size_t len,
                        const char *source, const struct fg_limits *lim,
                        struct fg_profile **out, struct fg_error *err)
{
    *out = NULL;
    json_t *root = NULL;
    int rc = fg_json_parse(data, len, source, lim, &root, err);
    if (rc == FG_OK)
        rc = fg_otlp_from_json(root, source, lim, out, err);
    json_decref(root);
    return rc;
}
