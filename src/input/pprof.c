/*
 * pprof.c - decode pprof protobuf into the profile model (see pprof.h).
 *
 * Strategy: the top-level Profile message is scanned by hand (tags and
 * lengths only), and each record (Location, Function, ...) is unpacked by
 * protobuf-c into a scratch arena that is reset between records.  The
 * whole unpacked message never exists at once, so peak memory is the
 * inflated bytes plus the compact model, and allocation is a pointer bump.
 * Records are processed in dependency order (strings, mappings, functions,
 * locations, samples) whatever their order in the file.
 *
 * Sample records (millions in a large profile, most of the decoding time
 * when each went through protobuf-c) are read by a hand-written parser
 * that accepts and rejects exactly what protobuf-c 1.4's unpack does for
 * the Sample message: packed and unpacked location_id and value, unknown
 * fields skipped, every label unpacked by protobuf-c (tests/fuzz and a
 * differential run against protobuf-c's unpack check the equivalence).
 *
 * Record ids are usually 1..n in file order (Go writes them so): that case
 * is detected and needs no id table at all.
 */
#include "input/pprof.h"
#include "core/arena.h"
#include "input/gz.h"
#include "core/util.h"

#include "profile.pb-c.h"

#include <stdlib.h>
#include <string.h>

/* A byte slice of the input. */
struct slice {
    const unsigned char *p;
    size_t n;
};

/* The byte range [from, to) of the input holding every top-level field
 * of one kind (and possibly others in between). */
struct span {
    size_t from, to;
    bool any;
};

/*
 * Map from a 64-bit record id to an index: the identity (ids 1..ident in
 * record order, the common case), a direct table when ids are small, or
 * open addressing.
 */
struct idmap {
    bool identity;
    size_t ident;     /* identity: ids 1..ident map to 0..ident-1 */
    uint32_t *dense;  /* id -> index + 1 (0: absent) when ids are small */
    size_t ndense;
    uint64_t *keys;   /* open addressing otherwise */
    uint32_t *vals;
    size_t nslots;
};

/* Ids of the records of one kind while they are decoded; the array is
 * only materialised once an id differs from its position + 1. */
struct idlist {
    uint64_t *ids;
    size_t n;         /* number of records */
};

/* One Sample as parsed (reused from sample to sample).  The buffers do
 * not grow for elements beyond keep_locs / keep_vals, which are counted
 * only: such a sample is rejected anyway (stack depth limit, value
 * count), so a hostile record cannot make them grow past the limits. */
struct sample_buf {
    uint64_t *locs;
    size_t nlocs, caplocs, keep_locs;
    int64_t *vals;
    size_t nvals, capvals, keep_vals;
    size_t nlabels;
    int64_t (*labs)[4];   /* key, str, num, num_unit of each label kept */
    size_t caplabs, keep_labs;
};

struct decoder {
    const char *source;
    const struct fg_limits *lim;
    struct fg_error *err;
    struct fg_profile *p;
    struct fg_arena *scratch;
    ProtobufCAllocator pballoc;
    const unsigned char *data;
    size_t len;

    /* string table */
    struct slice *strs;
    size_t nstrs, capstrs;
    size_t strbytes;

    /* records found by the scan */
    struct slice *maps;
    size_t nmaps, capmaps;
    size_t nlocs, nfuncs, nsamples;
    struct span locs_at, funcs_at, samples_at;
    size_t sample_refs; /* total location references (for one allocation) */
    struct slice *types;
    size_t ntypes, captypes;
    struct slice period_type;
    bool has_period_type;
    int64_t default_type_str;

    struct idmap map_ids, func_ids, loc_ids;
    const char **map_names;  /* mapping index -> "[basename]" or NULL */
    uint32_t *func_of;       /* Function record index -> model function */
    struct sample_buf sb;

    /* sample labels, moved into the profile's arena at the end */
    const char **lstr;       /* string index -> arena copy (lazily) */
    uint32_t *label_start;   /* NULL until a sample has a label */
    struct fg_label *labels;
    size_t nlabels, caplabels;
};

/* ---- protobuf wire scanning -------------------------------------------- */

static int read_varint(const unsigned char **pp, const unsigned char *end,
                       uint64_t *v)
{
    const unsigned char *p = *pp;
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (p >= end)
            return -1;
        unsigned char b = *p++;
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *pp = p;
            *v = r;
            return 0;
        }
    }
    return -1;
}

static int push_slice(struct slice **arr, size_t *n, size_t *cap,
                      const unsigned char *p, size_t len)
{
    *arr = fg_xgrow(*arr, cap, *n + 1, sizeof(**arr));
    (*arr)[*n].p = p;
    (*arr)[*n].n = len;
    (*n)++;
    return 0;
}

static void span_note(struct span *s, size_t from, size_t to)
{
    if (!s->any) {
        s->from = from;
        s->any = true;
    }
    s->to = to;
}

static int limit_error(struct decoder *d, const char *what, size_t limit,
                       const char *flag)
{
    return fg_error_set(d->err, FG_ELIMIT,
                        "%s: more than %zu %s (raise the limit with %s)",
                        d->source, limit, what, flag);
}

static int corrupt(struct decoder *d, const char *what)
{
    return fg_error_set(d->err, FG_EFORMAT,
                        "%s: not a valid pprof profile: %s", d->source, what);
}

/* Count location references of a Sample without unpacking it, so the
 * model's arrays can be allocated once. */
static size_t count_sample_locs(const unsigned char *p, size_t n)
{
    const unsigned char *end = p + n;
    size_t count = 0;
    while (p < end) {
        uint64_t key, v;
        if (read_varint(&p, end, &key))
            return count;
        unsigned wt = key & 7;
        uint64_t field = key >> 3;
        if (wt == 0) {
            if (read_varint(&p, end, &v))
                return count;
            if (field == 1)
                count++;
        } else if (wt == 2) {
            if (read_varint(&p, end, &v) || v > (uint64_t)(end - p))
                return count;
            if (field == 1) {
                for (const unsigned char *q = p; q < p + v; q++)
                    if (!(*q & 0x80))
                        count++;
            }
            p += v;
        } else if (wt == 1) {
            p += 8;
        } else if (wt == 5) {
            p += 4;
        } else {
            return count;
        }
    }
    return count;
}

static int scan(struct decoder *d, const unsigned char *data, size_t len)
{
    const unsigned char *p = data, *end = data + len;
    const struct fg_limits *lim = d->lim;
    while (p < end) {
        uint64_t key, v;
        const unsigned char *at = p;
        if (read_varint(&p, end, &key))
            return corrupt(d, "truncated field tag");
        unsigned wt = key & 7;
        uint64_t field = key >> 3;
        if (field == 0)
            return corrupt(d, "field number 0");
        if (wt == 0) {
            if (read_varint(&p, end, &v))
                return corrupt(d, "truncated varint");
            switch (field) {
            case 9: d->p->time_nanos = (int64_t)v; break;
            case 10: d->p->duration_nanos = (int64_t)v; break;
            case 12: d->p->period = (int64_t)v; break;
            case 14: d->default_type_str = (int64_t)v; break;
            default: break; /* drop/keep_frames, comment, doc_url */
            }
            continue;
        }
        if (wt == 1 || wt == 5) {
            size_t w = wt == 1 ? 8 : 4;
            if ((size_t)(end - p) < w)
                return corrupt(d, "truncated fixed-width field");
            p += w;
            continue;
        }
        if (wt != 2)
            return corrupt(d, "unsupported wire type");
        if (read_varint(&p, end, &v))
            return corrupt(d, "truncated length");
        if (v > (uint64_t)(end - p))
            return corrupt(d, "truncated message (a field runs past the "
                              "end of the data)");
        const unsigned char *body = p;
        size_t n = (size_t)v;
        p += n;
        size_t from = (size_t)(at - data), to = (size_t)(p - data);
        switch (field) {
        case 1:
            push_slice(&d->types, &d->ntypes, &d->captypes, body, n);
            break;
        case 2:
            if (++d->nsamples > lim->max_samples)
                return limit_error(d, "samples", lim->max_samples,
                                   "--max-samples");
            d->sample_refs += count_sample_locs(body, n);
            span_note(&d->samples_at, from, to);
            break;
        case 3:
            push_slice(&d->maps, &d->nmaps, &d->capmaps, body, n);
            break;
        case 4:
            if (d->nlocs >= lim->max_locations)
                return limit_error(d, "locations", lim->max_locations,
                                   "--max-locations");
            d->nlocs++;
            span_note(&d->locs_at, from, to);
            break;
        case 5:
            if (d->nfuncs >= lim->max_functions)
                return limit_error(d, "functions", lim->max_functions,
                                   "--max-functions");
            d->nfuncs++;
            span_note(&d->funcs_at, from, to);
            break;
        case 6:
            d->strbytes += n;
            if (d->strbytes > lim->max_strtab)
                return limit_error(d, "bytes of string table",
                                   lim->max_strtab, "--max-string-table");
            push_slice(&d->strs, &d->nstrs, &d->capstrs, body, n);
            break;
        case 11:
            d->period_type.p = body;
            d->period_type.n = n;
            d->has_period_type = true;
            break;
        default:
            break; /* packed comment list, unknown fields */
        }
    }
    return FG_OK;
}

/*
 * The next top-level length-delimited field number want at or after *pp
 * (within a span that scan() has validated, so no bounds checks fail).
 * Storing every record's position would cost 16 bytes per record; the
 * records of one kind are normally contiguous, so walking their span again
 * is cheaper than the memory.
 */
static bool next_record(const unsigned char **pp, const unsigned char *end,
                        uint64_t want, struct slice *out)
{
    const unsigned char *q = *pp;
    while (q < end) {
        uint64_t key = 0, v = 0;
        read_varint(&q, end, &key);
        unsigned wt = key & 7;
        if (wt == 0) {
            read_varint(&q, end, &v);
            continue;
        }
        if (wt == 1 || wt == 5) {
            q += wt == 1 ? 8 : 4;
            continue;
        }
        read_varint(&q, end, &v);
        if ((key >> 3) == want) {
            out->p = q;
            out->n = (size_t)v;
            *pp = q + v;
            return true;
        }
        q += v;
    }
    *pp = q;
    return false;
}

/* ---- id maps ------------------------------------------------------------ */

static void idmap_release(struct idmap *m)
{
    free(m->dense);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

static void idlist_init(struct idlist *l, size_t n)
{
    l->ids = NULL;
    l->n = n;
}

/* Record that record i has id; ids stay implicit while they are i + 1. */
static void idlist_set(struct idlist *l, size_t i, uint64_t id)
{
    if (!l->ids) {
        if (id == (uint64_t)i + 1)
            return;
        l->ids = fg_xcalloc(l->n ? l->n : 1, sizeof(uint64_t));
        for (size_t j = 0; j < i; j++)
            l->ids[j] = (uint64_t)j + 1;
    }
    l->ids[i] = id;
}

static uint64_t idlist_get(const struct idlist *l, size_t i)
{
    return l->ids ? l->ids[i] : (uint64_t)i + 1;
}

static void idlist_release(struct idlist *l)
{
    free(l->ids);
    l->ids = NULL;
}

static void idmap_prepare(struct idmap *m, const struct idlist *l)
{
    const uint64_t *ids = l->ids;
    size_t n = l->n;
    if (!ids) {
        m->identity = true;
        m->ident = n;
        return;
    }
    uint64_t max = 0;
    for (size_t i = 0; i < n; i++)
        if (ids[i] > max)
            max = ids[i];
    /* Ids are usually 1..n: a direct table is both smallest and fastest. */
    if (max < (uint64_t)8 * n + 1024) {
        m->ndense = (size_t)max + 1;
        m->dense = fg_xcalloc(m->ndense, sizeof(uint32_t));
    } else {
        size_t s = 64;
        while (s < n * 2)
            s *= 2;
        m->nslots = s;
        m->keys = fg_xcalloc(s, sizeof(uint64_t));
        m->vals = fg_xcalloc(s, sizeof(uint32_t));
    }
}

static uint32_t *idmap_slot(const struct idmap *m, uint64_t id, bool insert)
{
    if (m->dense)
        return id < m->ndense ? &m->dense[id] : NULL;
    if (!m->nslots)
        return NULL;
    size_t mask = m->nslots - 1;
    size_t i = (size_t)((id * 0x9E3779B97F4A7C15ull) >> 20) & mask;
    while (m->keys[i] != 0 && m->keys[i] != id)
        i = (i + 1) & mask;
    if (m->keys[i] == 0) {
        if (!insert)
            return NULL;
        m->keys[i] = id;
    }
    return &m->vals[i];
}

/* Returns 0 if added, 1 if the id is a duplicate. */
static int idmap_add(struct idmap *m, uint64_t id, uint32_t index)
{
    uint32_t *s = idmap_slot(m, id, true);
    if (*s)
        return 1;
    *s = index + 1;
    return 0;
}

static inline bool idmap_get(const struct idmap *m, uint64_t id,
                             uint32_t *index)
{
    if (id == 0)
        return false;
    if (m->identity) {
        if (id > m->ident)
            return false;
        *index = (uint32_t)(id - 1);
        return true;
    }
    const uint32_t *s = idmap_slot(m, id, false);
    if (!s || !*s)
        return false;
    *index = *s - 1;
    return true;
}

/* Build m from the ids of l; the index of the first duplicate id is
 * stored in *dup (returns 1) so the caller can name the record kind. */
static int idmap_build(struct idmap *m, const struct idlist *l, size_t *dup)
{
    idmap_prepare(m, l);
    if (m->identity)
        return 0;
    for (size_t i = 0; i < l->n; i++) {
        if (idmap_add(m, l->ids[i], (uint32_t)i)) {
            *dup = i;
            return 1;
        }
    }
    return 0;
}

/* ---- records ------------------------------------------------------------ */

static int get_string(struct decoder *d, int64_t idx, const char *field,
                      struct slice *out)
{
    if (idx < 0 || (uint64_t)idx >= d->nstrs)
        return fg_error_set(d->err, FG_EFORMAT,
                            "%s: not a valid pprof profile: %s refers to "
                            "string %lld but the string table has %zu "
                            "entries",
                            d->source, field, (long long)idx, d->nstrs);
    *out = d->strs[idx];
    return FG_OK;
}

static const char *arena_str(struct decoder *d, struct slice s)
{
    return fg_arena_strndup(d->p->arena, (const char *)s.p, s.n);
}

static int decode_types(struct decoder *d)
{
    struct fg_profile *p = d->p;
    p->n_types = d->ntypes;
    p->types = fg_arena_calloc(p->arena, d->ntypes ? d->ntypes : 1,
                               sizeof(*p->types));
    for (size_t i = 0; i <= d->ntypes; i++) {
        struct slice s = i < d->ntypes ? d->types[i] : d->period_type;
        if (i == d->ntypes && !d->has_period_type)
            break;
        fg_arena_reset(d->scratch);
        Perftools__Profiles__ValueType *vt =
            perftools__profiles__value_type__unpack(&d->pballoc, s.n, s.p);
        if (!vt)
            return corrupt(d, "bad sample_type or period_type");
        struct slice type = {NULL, 0}, unit = {NULL, 0};
        const char *field = i < d->ntypes ? "sample_type" : "period_type";
        if (get_string(d, vt->type, field, &type) ||
            get_string(d, vt->unit, field, &unit))
            return d->err ? d->err->code : FG_EFORMAT;
        struct fg_value_type *out =
            i < d->ntypes ? &p->types[i] : &p->period_type;
        out->type = arena_str(d, type);
        out->unit = arena_str(d, unit);
    }
    if (!d->has_period_type) {
        p->period_type.type = "";
        p->period_type.unit = "";
    }
    if (d->ntypes == 0)
        return corrupt(d, "no sample types");
    /* pprof: default_sample_type names a type; unset means the last. */
    p->default_type = d->ntypes - 1;
    if (d->default_type_str > 0) {
        struct slice want = {NULL, 0};
        if (get_string(d, d->default_type_str, "default_sample_type", &want))
            return FG_EFORMAT;
        for (size_t i = 0; i < d->ntypes; i++) {
            if (strlen(p->types[i].type) == want.n &&
                memcmp(p->types[i].type, want.p, want.n) == 0) {
                p->default_type = i;
                break;
            }
        }
    }
    return FG_OK;
}

static int decode_mappings(struct decoder *d)
{
    struct idlist ids;
    idlist_init(&ids, d->nmaps);
    int rc = FG_OK;
    size_t dup = 0;
    d->map_names = fg_xcalloc(d->nmaps ? d->nmaps : 1, sizeof(char *));
    for (size_t i = 0; i < d->nmaps; i++) {
        fg_arena_reset(d->scratch);
        Perftools__Profiles__Mapping *m =
            perftools__profiles__mapping__unpack(&d->pballoc, d->maps[i].n,
                                                 d->maps[i].p);
        if (!m) {
            rc = corrupt(d, "bad mapping record");
            goto out;
        }
        if (m->id == 0) {
            rc = corrupt(d, "mapping with id 0");
            goto out;
        }
        idlist_set(&ids, i, m->id);
        struct slice file = {NULL, 0};
        if ((rc = get_string(d, m->filename, "mapping.filename", &file)))
            goto out;
        if (file.n) {
            char *path = fg_xstrndup((const char *)file.p, file.n);
            char *name = fg_xasprintf("[%s]", fg_basename(path));
            d->map_names[i] = fg_arena_strndup(d->p->arena, name,
                                               strlen(name));
            free(name);
            free(path);
        }
    }
    if (idmap_build(&d->map_ids, &ids, &dup))
        rc = fg_error_set(d->err, FG_EFORMAT,
                          "%s: not a valid pprof profile: duplicate "
                          "mapping id %llu",
                          d->source, (unsigned long long)idlist_get(&ids, dup));
out:
    idlist_release(&ids);
    return rc;
}

/* ---- samples: a hand-written Sample parser --------------------------------
 *
 * What protobuf-c 1.4's protobuf_c_message_unpack does for
 * perftools.profiles.Sample (location_id = 1 and value = 2, repeated
 * [u]int64 declared packed; label = 3, repeated message), and therefore
 * what this parser does:
 *  - a field key is a varint of at most 5 bytes; wire types 0, 1, 2 and 5
 *    are accepted (others fail), with 10-byte varints, 8 and 4 bytes, and
 *    a length prefix of at most 5 bytes that fits in the record;
 *  - fields 1 and 2 take a varint (one element) or a length-delimited
 *    packed run of varints (each at most 10 bytes, the last terminated
 *    inside the run); a fixed-width wire type fails;
 *  - field 3 must be length-delimited and must unpack as a Label;
 *  - a key whose first byte is below 8 (field 0 in one byte) fails; any
 *    other field number, 0 in a longer encoding included, is skipped;
 *  - more than 134217712 fields fail (protobuf-c's slab capacity).
 */

#define PBC_MAX_FIELDS 134217712u

/* A varint of at most max bytes that ends before end (protobuf-c's
 * scan_varint / parse_tag_and_wiretype limits). */
static inline int read_varint_max(const unsigned char **pp,
                                  const unsigned char *end, unsigned max,
                                  uint64_t *v)
{
    const unsigned char *p = *pp;
    if (p < end && !(*p & 0x80)) { /* the common one-byte case */
        *v = *p;
        *pp = p + 1;
        return 0;
    }
    uint64_t r = 0;
    for (unsigned i = 0; i < max; i++) {
        if (p >= end)
            return -1;
        unsigned char b = *p++;
        r |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *pp = p;
            *v = r;
            return 0;
        }
    }
    return -1;
}

/* protobuf-c's scan_length_prefixed_data: a length prefix of at most 5
 * bytes that must fit in the data left. */
static inline int read_length(const unsigned char **pp,
                              const unsigned char *end, uint64_t *len)
{
    const unsigned char *p = *pp;
    uint64_t val = 0;
    for (unsigned i = 0; i < 5; i++) {
        if (p >= end)
            return -1;
        unsigned char b = *p++;
        val |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            if (val > (uint64_t)(end - p))
                return -1;
            *pp = p;
            *len = val;
            return 0;
        }
    }
    return -1;
}

/* ---- Function and Location records -----------------------------------------
 *
 * Also by hand, under the same rules of protobuf-c 1.4 (a key of at most 5
 * bytes whose first byte is not below 8 and whose field number protobuf-c
 * reads as 32 bits; varints of at most 10 bytes; fixed widths that fit; a
 * length prefix of at most 5 bytes that fits; other wire types fail; the
 * last occurrence of a scalar wins): every known field of Function and
 * Line is a varint scalar and fails with any other wire type, except
 * Location's bool is_folded (5), which takes any; Location's line (4)
 * must be length-delimited and unpack as a Line.  protobuf-c's
 * unpack of the two records was a third of the decoding time.
 */

/* One field of a record: its number, wire type and varint value, or the
 * body of a length-delimited one.  -1 where protobuf-c fails. */
struct pb_field {
    uint32_t num;
    unsigned wt;
    uint64_t v;
    const unsigned char *body;
    size_t n;
};

static inline int pb_field_next(const unsigned char **pp,
                                const unsigned char *end, size_t *fields,
                                struct pb_field *f)
{
    const unsigned char *p = *pp;
    uint64_t key;
    if (*p < 8 || read_varint_max(&p, end, 5, &key) ||
        ++*fields > PBC_MAX_FIELDS)
        return -1;
    f->wt = key & 7;
    f->num = (uint32_t)(key >> 3);
    switch (f->wt) {
    case 0:
        if (read_varint_max(&p, end, 10, &f->v))
            return -1;
        break;
    case 1:
    case 5: {
        size_t w = f->wt == 1 ? 8 : 4;
        if ((size_t)(end - p) < w)
            return -1;
        p += w;
        break;
    }
    case 2: {
        uint64_t len;
        if (read_length(&p, end, &len))
            return -1;
        f->body = p;
        f->n = (size_t)len;
        p += len;
        break;
    }
    default:
        return -1;
    }
    *pp = p;
    return 0;
}

struct pb_function {
    uint64_t id;
    int64_t name, system_name, filename;
};

static int parse_function(const unsigned char *p, size_t n,
                          struct pb_function *out)
{
    const unsigned char *end = p + n;
    size_t fields = 0;
    memset(out, 0, sizeof(*out));
    while (p < end) {
        struct pb_field f;
        if (pb_field_next(&p, end, &fields, &f))
            return -1;
        if (f.num < 1 || f.num > 5)
            continue; /* unknown: skipped */
        if (f.wt != 0)
            return -1;
        switch (f.num) {
        case 1: out->id = f.v; break;
        case 2: out->name = (int64_t)f.v; break;
        case 3: out->system_name = (int64_t)f.v; break;
        case 4: out->filename = (int64_t)f.v; break;
        default: break; /* start_line */
        }
    }
    return 0;
}

/* A Location: id, mapping id and the function id of each line (kept in
 * a buffer reused from record to record). */
struct pb_location {
    uint64_t id, mapping_id;
    uint64_t *fids;
    size_t nlines, cap;
};

static int parse_line(const unsigned char *p, size_t n, uint64_t *fid)
{
    const unsigned char *end = p + n;
    size_t fields = 0;
    *fid = 0;
    while (p < end) {
        struct pb_field f;
        if (pb_field_next(&p, end, &fields, &f))
            return -1;
        if (f.num < 1 || f.num > 3)
            continue;
        if (f.wt != 0)
            return -1;
        if (f.num == 1)
            *fid = f.v;
    }
    return 0;
}

static int parse_location(const unsigned char *p, size_t n,
                          struct pb_location *out)
{
    const unsigned char *end = p + n;
    size_t fields = 0;
    out->id = out->mapping_id = 0;
    out->nlines = 0;
    while (p < end) {
        struct pb_field f;
        if (pb_field_next(&p, end, &fields, &f))
            return -1;
        if (f.num < 1 || f.num > 5)
            continue;
        if (f.num == 4) {
            uint64_t fid;
            if (f.wt != 2 || parse_line(f.body, f.n, &fid))
                return -1;
            out->fids = fg_xgrow(out->fids, &out->cap, out->nlines + 1,
                                 sizeof(uint64_t));
            out->fids[out->nlines++] = fid;
            continue;
        }
        if (f.num == 5)
            continue; /* is_folded: protobuf-c reads a bool from any
                       * wire type */
        if (f.wt != 0)
            return -1;
        if (f.num == 1)
            out->id = f.v;
        else if (f.num == 2)
            out->mapping_id = f.v;
    }
    return 0;
}

static uint32_t intern_name(struct decoder *d, const char *s, size_t n)
{
    /* One hash and one probe; a new name is copied into the table's own
     * arena, which lives as long as the profile. */
    return fg_strtab_intern_copy(&d->p->func_index, s, n);
}

static int decode_functions(struct decoder *d)
{
    int rc = FG_OK;
    struct idlist ids;
    idlist_init(&ids, d->nfuncs);
    size_t dup = 0;
    d->func_of = fg_xcalloc(d->nfuncs ? d->nfuncs : 1, sizeof(uint32_t));
    const unsigned char *q = d->data + d->funcs_at.from;
    const unsigned char *end = d->data + d->funcs_at.to;
    for (size_t i = 0; i < d->nfuncs; i++) {
        struct slice rec = {NULL, 0};
        next_record(&q, end, 5, &rec);
        struct pb_function fn, *f = &fn;
        if (parse_function(rec.p, rec.n, f)) {
            rc = corrupt(d, "bad function record");
            goto out;
        }
        if (f->id == 0) {
            rc = corrupt(d, "function with id 0");
            goto out;
        }
        idlist_set(&ids, i, f->id);
        struct slice name = {NULL, 0}, other = {NULL, 0};
        if ((rc = get_string(d, f->name, "function.name", &name)) ||
            (rc = get_string(d, f->system_name, "function.system_name",
                             &other)) ||
            (rc = get_string(d, f->filename, "function.filename", &other)))
            goto out;
        /* An empty name is resolved per location (mapping or <unknown>),
         * as pprof's NodeInfo.NameComponents does. */
        d->func_of[i] = name.n ? intern_name(d, (const char *)name.p, name.n)
                               : UINT32_MAX;
    }
    if (idmap_build(&d->func_ids, &ids, &dup))
        rc = fg_error_set(d->err, FG_EFORMAT,
                          "%s: not a valid pprof profile: duplicate "
                          "function id %llu",
                          d->source, (unsigned long long)idlist_get(&ids, dup));
out:
    idlist_release(&ids);
    return rc;
}

static int decode_locations(struct decoder *d)
{
    int rc = FG_OK;
    struct fg_profile *p = d->p;
    struct idlist ids;
    idlist_init(&ids, d->nlocs);
    size_t dup = 0;
    uint32_t *frames = NULL;
    size_t nframes = 0, capframes = 0;
    uint32_t unknown = UINT32_MAX; /* "<unknown>", interned on first use */
    struct pb_location loc = {0, 0, NULL, 0, 0}, *l = &loc;
    p->n_locs = d->nlocs;
    p->loc_start = fg_arena_alloc(p->arena, (d->nlocs + 1) * sizeof(uint32_t));
    const unsigned char *q = d->data + d->locs_at.from;
    const unsigned char *end = d->data + d->locs_at.to;
    for (size_t i = 0; i < d->nlocs; i++) {
        struct slice rec = {NULL, 0};
        next_record(&q, end, 4, &rec);
        if (parse_location(rec.p, rec.n, l)) {
            rc = corrupt(d, "bad location record");
            goto out;
        }
        if (l->id == 0) {
            rc = corrupt(d, "location with id 0");
            goto out;
        }
        idlist_set(&ids, i, l->id);
        uint32_t mi = 0;
        bool has_map = l->mapping_id && idmap_get(&d->map_ids, l->mapping_id,
                                                  &mi);
        if (l->mapping_id && !has_map) {
            rc = fg_error_set(d->err, FG_EFORMAT,
                              "%s: not a valid pprof profile: location %llu "
                              "refers to missing mapping id %llu",
                              d->source, (unsigned long long)l->id,
                              (unsigned long long)l->mapping_id);
            goto out;
        }
        p->loc_start[i] = (uint32_t)nframes;
        frames = fg_xgrow(frames, &capframes, nframes + l->nlines + 1,
                          sizeof(uint32_t));
        /* Frames without a function name are named after the mapping's
         * file ("[libc.so.6]"), else "<unknown>", as pprof does. */
        const char *anon = has_map && d->map_names[mi] ? d->map_names[mi]
                                                       : NULL;
        if (l->nlines == 0) {
            if (anon) {
                frames[nframes++] = intern_name(d, anon, strlen(anon));
            } else {
                if (unknown == UINT32_MAX)
                    unknown = intern_name(d, "<unknown>", 9);
                frames[nframes++] = unknown;
            }
            continue;
        }
        for (size_t j = 0; j < l->nlines; j++) {
            uint64_t fid = l->fids[j];
            uint32_t fi;
            if (fid != 0 && !idmap_get(&d->func_ids, fid, &fi)) {
                rc = fg_error_set(d->err, FG_EFORMAT,
                                  "%s: not a valid pprof profile: location "
                                  "%llu refers to missing function id %llu",
                                  d->source, (unsigned long long)l->id,
                                  (unsigned long long)fid);
                goto out;
            }
            if (fid != 0 && d->func_of[fi] != UINT32_MAX) {
                frames[nframes++] = d->func_of[fi];
            } else if (anon) {
                frames[nframes++] = intern_name(d, anon, strlen(anon));
            } else {
                if (unknown == UINT32_MAX)
                    unknown = intern_name(d, "<unknown>", 9);
                frames[nframes++] = unknown;
            }
        }
    }
    p->loc_start[d->nlocs] = (uint32_t)nframes;
    p->loc_frames = fg_arena_alloc(p->arena, (nframes ? nframes : 1) *
                                                 sizeof(uint32_t));
    if (nframes)
        memcpy(p->loc_frames, frames, nframes * sizeof(uint32_t));
    if (idmap_build(&d->loc_ids, &ids, &dup))
        rc = fg_error_set(d->err, FG_EFORMAT,
                          "%s: not a valid pprof profile: duplicate "
                          "location id %llu",
                          d->source, (unsigned long long)idlist_get(&ids, dup));
out:
    free(loc.fids);
    free(frames);
    idlist_release(&ids);
    return rc;
}

static inline void sb_push_loc(struct sample_buf *sb, uint64_t v)
{
    if (sb->nlocs >= sb->caplocs && sb->nlocs < sb->keep_locs)
        sb->locs = fg_xgrow(sb->locs, &sb->caplocs, sb->nlocs + 1,
                            sizeof(uint64_t));
    if (sb->nlocs < sb->caplocs)
        sb->locs[sb->nlocs] = v;
    sb->nlocs++;
}

static inline void sb_push_val(struct sample_buf *sb, uint64_t v)
{
    if (sb->nvals >= sb->capvals && sb->nvals < sb->keep_vals)
        sb->vals = fg_xgrow(sb->vals, &sb->capvals, sb->nvals + 1,
                            sizeof(int64_t));
    if (sb->nvals < sb->capvals)
        sb->vals[sb->nvals] = (int64_t)v;
    sb->nvals++;
}

/* Parse one Sample body into d->sb; -1 where protobuf-c's unpack would
 * return NULL. */
static int parse_sample(struct decoder *d, const unsigned char *p, size_t n)
{
    struct sample_buf *sb = &d->sb;
    const unsigned char *end = p + n;
    size_t fields = 0;
    sb->nlocs = sb->nvals = sb->nlabels = 0;
    while (p < end) {
        uint64_t key, v;
        /* protobuf-c rejects a key whose first byte holds field number 0
         * (a longer encoding of 0 is an unknown field). */
        if (*p < 8 || read_varint_max(&p, end, 5, &key) ||
            ++fields > PBC_MAX_FIELDS)
            return -1;
        unsigned wt = key & 7;
        uint64_t field = key >> 3;
        bool known = field >= 1 && field <= 3;
        switch (wt) {
        case 0:
            if (read_varint_max(&p, end, 10, &v))
                return -1;
            if (field == 1)
                sb_push_loc(sb, v);
            else if (field == 2)
                sb_push_val(sb, v);
            else if (field == 3)
                return -1;
            break;
        case 1:
        case 5: {
            size_t w = wt == 1 ? 8 : 4;
            if ((size_t)(end - p) < w || known)
                return -1;
            p += w;
            break;
        }
        case 2: {
            if (read_length(&p, end, &v))
                return -1;
            const unsigned char *q = p, *e = p + v;
            p = e;
            if (field == 1 || field == 2) {
                while (q < e) {
                    uint64_t x;
                    if (read_varint_max(&q, e, 10, &x))
                        return -1;
                    if (field == 1)
                        sb_push_loc(sb, x);
                    else
                        sb_push_val(sb, x);
                }
            } else if (field == 3) {
                /* Labels are validated by protobuf-c itself; their string
                 * indexes are checked when the sample is stored. */
                fg_arena_reset(d->scratch);
                Perftools__Profiles__Label *l =
                    perftools__profiles__label__unpack(&d->pballoc,
                                                       (size_t)v, q);
                if (!l)
                    return -1;
                if (sb->nlabels >= sb->caplabs &&
                    sb->nlabels < sb->keep_labs)
                    sb->labs = fg_xgrow(sb->labs, &sb->caplabs,
                                        sb->nlabels + 1, sizeof(*sb->labs));
                if (sb->nlabels < sb->caplabs) {
                    sb->labs[sb->nlabels][0] = l->key;
                    sb->labs[sb->nlabels][1] = l->str;
                    sb->labs[sb->nlabels][2] = l->num;
                    sb->labs[sb->nlabels][3] = l->num_unit;
                }
                sb->nlabels++;
            }
            break;
        }
        default:
            return -1;
        }
    }
    return 0;
}

/* The arena copy of string idx, for labels (made once per string). */
static int label_string(struct decoder *d, int64_t idx, const char **out)
{
    struct slice sl = {NULL, 0};
    if (get_string(d, idx, "a sample label", &sl))
        return FG_EFORMAT;
    if (!d->lstr)
        d->lstr = fg_xcalloc(d->nstrs, sizeof(*d->lstr));
    if (!d->lstr[idx])
        d->lstr[idx] = arena_str(d, sl);
    *out = d->lstr[idx];
    return FG_OK;
}

/* Keep the labels of sample si as pprof reads them: a label with a
 * string value is a string label, else one with a number or a unit is
 * numeric, else it is dropped. */
static int store_labels(struct decoder *d, size_t si)
{
    struct sample_buf *sb = &d->sb;
    if (sb->nlabels > 0 && !d->label_start)
        d->label_start = fg_xcalloc(d->nsamples + 1, sizeof(uint32_t));
    if (!d->label_start)
        return FG_OK;
    d->label_start[si] = (uint32_t)d->nlabels;
    for (size_t i = 0; i < sb->nlabels; i++) {
        const int64_t *l = sb->labs[i];
        if (l[1] == 0 && l[2] == 0 && l[3] == 0)
            continue;
        if (d->nlabels >= UINT32_MAX - 1)
            return limit_error(d, "labels", UINT32_MAX - 1,
                               "smaller profiles");
        d->labels = fg_xgrow(d->labels, &d->caplabels, d->nlabels + 1,
                             sizeof(*d->labels));
        struct fg_label *out = &d->labels[d->nlabels];
        memset(out, 0, sizeof(*out));
        if (label_string(d, l[0], &out->key))
            return FG_EFORMAT;
        if (l[1] != 0) {
            if (label_string(d, l[1], &out->str))
                return FG_EFORMAT;
        } else {
            out->num = l[2];
            if (label_string(d, l[3], &out->unit))
                return FG_EFORMAT;
        }
        d->nlabels++;
    }
    d->label_start[si + 1] = (uint32_t)d->nlabels;
    return FG_OK;
}

static int decode_one_sample(struct decoder *d, const unsigned char *body,
                             size_t n, size_t si, size_t *ref)
{
    struct fg_profile *p = d->p;
    struct sample_buf *sb = &d->sb;
    if (parse_sample(d, body, n))
        return corrupt(d, "bad sample record");
    if (sb->nvals != p->n_types)
        return fg_error_set(d->err, FG_EFORMAT,
                            "%s: not a valid pprof profile: sample %zu has "
                            "%zu values but the profile has %zu sample "
                            "types",
                            d->source, si, sb->nvals, p->n_types);
    if (sb->nlocs > d->lim->max_depth)
        return fg_error_set(d->err, FG_ELIMIT,
                            "%s: sample %zu has a stack of %zu locations, "
                            "more than the limit of %zu (raise it with "
                            "--max-stack-depth)",
                            d->source, si, sb->nlocs, d->lim->max_depth);
    if (sb->nlabels > d->lim->max_labels)
        return fg_error_set(d->err, FG_ELIMIT,
                            "%s: sample %zu has %zu labels, more than the "
                            "limit of %zu (raise it with --max-labels)",
                            d->source, si, sb->nlabels, d->lim->max_labels);
    if (*ref + sb->nlocs > d->sample_refs)
        return corrupt(d, "inconsistent sample record");
    p->sample_start[si] = (uint32_t)*ref;
    uint32_t *out = p->sample_locs + *ref;
    const struct idmap *m = &d->loc_ids;
    for (size_t j = 0; j < sb->nlocs; j++) {
        uint64_t id = sb->locs[j];
        uint32_t li;
        if (m->identity && id - 1 < m->ident) {
            li = (uint32_t)(id - 1); /* id 0 wraps and takes the slow path */
        } else if (!idmap_get(m, id, &li)) {
            return fg_error_set(d->err, FG_EFORMAT,
                                "%s: not a valid pprof profile: sample %zu "
                                "refers to missing location id %llu",
                                d->source, si, (unsigned long long)id);
        }
        out[j] = li;
    }
    *ref += sb->nlocs;
    memcpy(p->values + si * p->n_types, sb->vals,
           p->n_types * sizeof(int64_t));
    return store_labels(d, si);
}

static int decode_samples(struct decoder *d)
{
    struct fg_profile *p = d->p;
    if (d->sample_refs >= UINT32_MAX)
        return limit_error(d, "location references", UINT32_MAX - 1,
                           "smaller profiles");
    p->n_samples = d->nsamples;
    p->sample_start = fg_arena_alloc(p->arena,
                                     (d->nsamples + 1) * sizeof(uint32_t));
    p->sample_locs = fg_arena_alloc(p->arena, (d->sample_refs ? d->sample_refs
                                                              : 1) *
                                                  sizeof(uint32_t));
    /* Every value takes at least one byte on the wire: a sample count
     * times type count beyond the input size is a lie, and allocating it
     * (80 GB from 1 KiB of gzip) must not be tried. */
    if (d->nsamples && p->n_types > d->len / d->nsamples)
        return fg_error_set(d->err, FG_EFORMAT,
                            "%s: not a valid pprof profile: %zu samples of "
                            "%zu values cannot fit in %zu bytes",
                            d->source, d->nsamples, p->n_types, d->len);
    p->values = fg_arena_alloc(p->arena, (d->nsamples ? d->nsamples : 1) *
                                             p->n_types * sizeof(int64_t));
    const unsigned char *q = d->data + d->samples_at.from;
    const unsigned char *end = d->data + d->samples_at.to;
    size_t si = 0, ref = 0;
    d->sb.keep_locs = d->lim->max_depth;
    d->sb.keep_vals = p->n_types;
    d->sb.keep_labs = d->lim->max_labels;
    struct slice rec;
    while (si < d->nsamples && next_record(&q, end, 2, &rec)) {
        int rc = decode_one_sample(d, rec.p, rec.n, si, &ref);
        if (rc)
            return rc;
        si++;
    }
    p->sample_start[si] = (uint32_t)ref;
    if (d->label_start && d->nlabels > 0) {
        /* entries before the first labelled sample are 0; every later
         * one was set by store_labels */
        p->label_start = fg_arena_alloc(p->arena,
                                        (si + 1) * sizeof(uint32_t));
        memcpy(p->label_start, d->label_start, (si + 1) * sizeof(uint32_t));
        p->n_labels = d->nlabels;
        size_t lb = d->nlabels * sizeof(*p->labels);
        p->labels = fg_arena_alloc(p->arena, lb);
        memcpy(p->labels, d->labels, lb);
    }
    return FG_OK;
}

static void decoder_release(struct decoder *d)
{
    free(d->strs);
    free(d->maps);
    free(d->types);
    free(d->map_names);
    free(d->func_of);
    free(d->sb.locs);
    free(d->sb.vals);
    free(d->sb.labs);
    free(d->lstr);
    free(d->label_start);
    free(d->labels);
    idmap_release(&d->map_ids);
    idmap_release(&d->func_ids);
    idmap_release(&d->loc_ids);
    fg_arena_free(d->scratch);
}

static int decode_raw(struct decoder *d, const unsigned char *data,
                      size_t len)
{
    int rc;
    d->data = data;
    d->len = len;
    if ((rc = scan(d, data, len)))
        return rc;
    if (d->nstrs == 0 || d->strs[0].n != 0)
        return corrupt(d, "the string table must start with the empty "
                          "string");
    if ((rc = decode_types(d)) || (rc = decode_mappings(d)) ||
        (rc = decode_functions(d)) || (rc = decode_locations(d)))
        return rc;
    /* The sample arrays are the largest part of the model: what only the
     * other records needed goes first, so the peak is lower (the string
     * table stays: sample labels refer to it). */
    free(d->func_of);
    free(d->map_names);
    d->func_of = NULL;
    d->map_names = NULL;
    /* every function is interned: the names' hashes stay, for the
     * comparison's union of names */
    fg_strtab_drop_slots(&d->p->func_index);
    idmap_release(&d->func_ids);
    idmap_release(&d->map_ids);
    if ((rc = decode_samples(d)))
        return rc;
    struct fg_profile *p = d->p;
    p->n_funcs = p->func_index.n;
    p->func_names = p->func_index.strs;
    return FG_OK;
}

/* fg_pprof_decode; owned, when not NULL, is data and is freed as soon as
 * it is no longer needed. */
static int decode_input(const unsigned char *data, size_t len,
                        unsigned char *owned, const char *source,
                        const struct fg_limits *lim, struct fg_profile **out,
                        struct fg_error *err)
{
    struct fg_limits deflim;
    if (!lim) {
        fg_limits_default(&deflim);
        lim = &deflim;
    }
    struct decoder d;
    memset(&d, 0, sizeof(d));
    d.source = source;
    d.lim = lim;
    d.err = err;
    d.scratch = fg_arena_new(64 * 1024);
    fg_arena_protobuf_allocator(d.scratch, &d.pballoc);
    struct fg_buf inflated;
    fg_buf_init(&inflated, 0);
    int rc = FG_OK;
    struct fg_profile *p = fg_xcalloc(1, sizeof(*p));
    p->arena = fg_arena_new(len < (1u << 20) ? 64 * 1024 : len / 2);
    p->source = fg_arena_strndup(p->arena, source, strlen(source));
    p->format = FG_FORMAT_PPROF;
    fg_strtab_init(&p->func_index);
    d.p = p;
    if (len == 0) {
        rc = fg_error_set(err, FG_EFORMAT, "%s: empty file", source);
        goto out;
    }
    if (fg_gz_is_gzip(data, len)) {
        p->gzipped = true;
        rc = fg_gz_inflate(data, len, lim->max_inflated, source, &inflated,
                           err);
        free(owned);
        owned = NULL;
        if (rc)
            goto out;
        data = (const unsigned char *)inflated.data;
        len = inflated.len;
        if (len == 0) {
            rc = fg_error_set(err, FG_EFORMAT,
                              "%s: empty profile inside the gzip stream",
                              source);
            goto out;
        }
    } else if (len > lim->max_inflated) {
        rc = limit_error(&d, "bytes of protobuf", lim->max_inflated,
                         "--max-decompressed-size");
        goto out;
    }
    rc = decode_raw(&d, data, len);
out:
    free(owned);
    decoder_release(&d);
    fg_buf_release(&inflated);
    if (rc) {
        fg_profile_free(p);
        p = NULL;
    }
    *out = p;
    return rc;
}

int fg_pprof_decode(const unsigned char *data, size_t len, const char *source,
                    const struct fg_limits *lim, struct fg_profile **out,
                    struct fg_error *err)
{
    return decode_input(data, len, NULL, source, lim, out, err);
}

int fg_pprof_decode_gz_owned(unsigned char *data, size_t len,
                             const char *source, const struct fg_limits *lim,
                             struct fg_profile **out, struct fg_error *err)
{
    return decode_input(data, len, data, source, lim, out, err);
}

bool fg_pprof_sniff(const unsigned char *data, size_t len)
{
    if (fg_gz_is_gzip(data, len))
        return true;
    if (len < 2)
        return false;
    /* A Profile starts with a length-delimited field 1..6 or 11 (Go
     * writes sample_type first); tags 0x0a..0x32 and 0x5a. */
    unsigned char tag = data[0];
    if ((tag & 7) == 2 && ((tag >> 3) >= 1 && (tag >> 3) <= 6))
        return true;
    if (tag == 0x5a)
        return true;
    /* Scalars 7..15 as varints. */
    if ((tag & 7) == 0 && (tag >> 3) >= 7 && (tag >> 3) <= 15)
        return true;
    return false;
}
