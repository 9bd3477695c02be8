/*
 * jfr.c - Java Flight Recorder reader (see jfr.h).
 *
 * Layout of a chunk (OpenJDK jdk.jfr.internal.consumer.ChunkHeader,
 * ChunkParser, MetadataReader, StringParser): a big-endian header
 *   magic "FLR\0", major u16, minor u16, chunk size i64, constant-pool
 *   offset i64, metadata offset i64, start nanos i64, duration nanos i64,
 *   start ticks i64, ticks per second i64, file state u8, 2 bytes, flags u8
 * (flags bit 0: integers are LEB128 varints, bit 2: compressed ticks),
 * then events: size, type id, payload.  Type 0 is the metadata event
 * (a string table and an element tree root > metadata > class > field),
 * type 1 a checkpoint (constant pools; each names the previous one by a
 * relative offset, 0 ending the chain).  Every other event is laid out as
 * its class's fields say: primitives, strings (an encoding byte: null,
 * empty, constant-pool reference, UTF-8, char array, Latin-1), constant
 * pool keys for constantPool fields, inline structs otherwise, and a count
 * before the elements of array fields.
 *
 * Constant-pool entries are not decoded up front: each (type, key) maps to
 * the byte offset of its value, decoded when an event refers to it (a
 * method once per chunk, a stack trace once per chunk).
 */
#include "input/jfr.h"
#include "core/arena.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JFR_HEADER 68
#define MAX_NEST 32         /* inline struct nesting */

enum prim {
    P_STRUCT = 0, P_BOOL, P_BYTE, P_CHAR, P_SHORT, P_INT, P_LONG, P_FLOAT,
    P_DOUBLE, P_STRING
};

struct jfield {
    const char *name;
    int64_t type_id;
    uint32_t cls;           /* index into chunk classes */
    bool cp;                /* value is a constant-pool key */
    bool array;
};

struct jclass {
    int64_t id;
    const char *name;
    enum prim prim;
    uint32_t nfields;
    struct jfield *fields;
};

/* Event kinds read, and the value slots they fill. */
enum kind {
    K_EXEC, K_ALLOC_SAMPLE, K_NEW_TLAB, K_OUTSIDE_TLAB, K_MONITOR, K_PARK,
    K_SETTING, K_N
};

enum slot {
    S_SAMPLES, S_CPU, S_AS_OBJ, S_AS_BYTES, S_NT_OBJ, S_NT_BYTES, S_NT_SIZE,
    S_OT_OBJ, S_OT_BYTES, S_LK_CNT, S_LK_DELAY, S_PK_CNT, S_PK_DELAY, S_N
};

static const struct {
    const char *type, *unit;
} slot_types[S_N] = {
    {"samples", "count"},
    {"cpu", "nanoseconds"},
    {"alloc_sample_objects", "count"},
    {"alloc_sample_bytes", "bytes"},
    {"alloc_in_new_tlab_objects", "count"},
    {"alloc_in_new_tlab_bytes", "bytes"},
    {"alloc_in_new_tlab_size", "bytes"},
    {"alloc_outside_tlab_objects", "count"},
    {"alloc_outside_tlab_bytes", "bytes"},
    {"lock_contentions", "count"},
    {"lock_delay", "nanoseconds"},
    {"park_contentions", "count"},
    {"park_delay", "nanoseconds"},
};

static const struct {
    const char *event;
    const char *v1, *v2;    /* value fields */
    int count_slot, v1_slot, v2_slot;
    bool v1_ticks;          /* v1 is a duration in ticks */
} kinds[K_N] = {
    {"jdk.ExecutionSample", NULL, NULL, S_SAMPLES, -1, -1, false},
    {"jdk.ObjectAllocationSample", "weight", NULL, S_AS_OBJ, S_AS_BYTES, -1,
     false},
    {"jdk.ObjectAllocationInNewTLAB", "tlabSize", "allocationSize", S_NT_OBJ,
     S_NT_BYTES, S_NT_SIZE, false},
    {"jdk.ObjectAllocationOutsideTLAB", "allocationSize", NULL, S_OT_OBJ,
     S_OT_BYTES, -1, false},
    {"jdk.JavaMonitorEnter", "duration", NULL, S_LK_CNT, S_LK_DELAY, -1,
     true},
    {"jdk.ThreadPark", "duration", NULL, S_PK_CNT, S_PK_DELAY, -1, true},
    {"jdk.ActiveSetting", NULL, NULL, -1, -1, -1, false},
};

/* (type, key) -> value; open addressing, keys never removed. */
struct map_ent {
    int64_t type, key;
    uint64_t val;
    bool used;
};

struct map {
    struct map_ent *e;
    size_t cap, n;
};

struct rd {
    size_t pos, end;
};

struct dec {
    const unsigned char *data;
    size_t len;
    const char *source;
    const struct fg_limits *lim;
    struct fg_error *err;
    struct fg_profile *p;
    uint64_t budget;        /* decoding steps left (hostile nesting) */

    /* the current chunk */
    size_t cstart, cend;
    bool compressed, cticks;
    int64_t start_nanos, start_ticks, tps, ticks_base;
    struct fg_arena *ca;
    struct jclass *cls;
    size_t ncls;
    uint32_t c_string, c_stack, c_frame, c_method, c_class, c_symbol;
    int f_method_type, f_method_name, f_class_name, f_symbol_string,
        f_stack_frames, f_frame_method;
    uint32_t kcls[K_N];
    int kf_time[K_N], kf_stack[K_N], kf_v1[K_N], kf_v2[K_N];
    int kf_sid, kf_sname, kf_svalue;
    struct map pool, methods, stacks;
    uint32_t *stk;          /* frames of the cached stacks */
    size_t nstk, capstk;
    struct map pstacks;     /* the previous chunk's stacks and frames */
    uint32_t *pstk;

    /* the samples */
    uint32_t *sstart, *slocs;
    int64_t *vals, *times;
    size_t ns, caps, nrefs, caprefs, capv, capt;
    bool present[S_N];
    size_t strbytes;
    int64_t period_ns;      /* 0 none, -1 conflicting */
    size_t nstackref, ndangling; /* this chunk: events with a stack trace
                                  * key, and keys not in the pools */
    int64_t first_dangling;
};

#define NONE UINT32_MAX

/* ---- errors ------------------------------------------------------------ */

static int bad(struct dec *d, size_t at, const char *what)
{
    return fg_error_set(d->err, FG_EFORMAT,
                        "%s: not a valid JFR file: %s (at byte %zu)",
                        d->source, what, at);
}

static int truncated(struct dec *d, size_t at)
{
    return bad(d, at, "truncated");
}

static int limit(struct dec *d, const char *what, size_t n, const char *flag)
{
    return fg_error_set(d->err, FG_ELIMIT,
                        "%s: more than %zu %s (raise the limit with %s)",
                        d->source, n, what, flag);
}

static int step(struct dec *d, size_t at)
{
    if (d->budget == 0)
        return bad(d, at, "too deeply nested or repetitive to decode");
    d->budget--;
    return FG_OK;
}

/* ---- primitive reads ---------------------------------------------------- */

static int rd_u8(struct dec *d, struct rd *r, uint8_t *v)
{
    if (r->pos >= r->end)
        return truncated(d, r->pos);
    *v = d->data[r->pos++];
    return FG_OK;
}

static int rd_fixed(struct dec *d, struct rd *r, size_t n, uint64_t *v)
{
    if (r->end - r->pos < n)
        return truncated(d, r->pos);
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x = (x << 8) | d->data[r->pos + i];
    r->pos += n;
    *v = x;
    return FG_OK;
}

/* JFR's varint: 7 bits a byte, low first, the 9th byte holds 8 bits. */
static int rd_varint(struct dec *d, struct rd *r, uint64_t *v)
{
    uint64_t x = 0;
    for (unsigned i = 0; i < 9; i++) {
        if (r->pos >= r->end)
            return truncated(d, r->pos);
        uint8_t b = d->data[r->pos++];
        if (i == 8) {
            x |= (uint64_t)b << 56;
            break;
        }
        x |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80))
            break;
    }
    *v = x;
    return FG_OK;
}

static int rd_long(struct dec *d, struct rd *r, int64_t *v)
{
    uint64_t x = 0;
    int rc = d->compressed ? rd_varint(d, r, &x) : rd_fixed(d, r, 8, &x);
    *v = (int64_t)x;
    return rc;
}

/* An int: 32 bits; a varint with more is corrupt (the JDK would silently
 * truncate it; a count or size built that way is never meant). */
static int rd_int(struct dec *d, struct rd *r, int64_t *v)
{
    size_t at = r->pos;
    uint64_t x = 0;
    int rc;
    if (!d->compressed) {
        rc = rd_fixed(d, r, 4, &x);
        *v = (int32_t)(uint32_t)x;
        return rc;
    }
    if ((rc = rd_varint(d, r, &x)))
        return rc;
    /* 32 bits, or a negative int sign-extended to 64 */
    if (x > UINT32_MAX && !((int64_t)x < 0 && (int64_t)x >= INT32_MIN))
        return bad(d, at, "varint overflows a 32-bit int");
    *v = x <= UINT32_MAX ? (int32_t)(uint32_t)x : (int64_t)x;
    return FG_OK;
}

/* A count or size: an int in 0..max. */
static int rd_count(struct dec *d, struct rd *r, size_t max, const char *what,
                    size_t *n)
{
    size_t at = r->pos;
    int64_t v;
    int rc = rd_int(d, r, &v);
    if (rc)
        return rc;
    if (v < 0 || (uint64_t)v > max) {
        char msg[96];
        snprintf(msg, sizeof(msg), "%s %lld is negative or past the end",
                 what, (long long)v);
        return bad(d, at, msg);
    }
    *n = (size_t)v;
    return FG_OK;
}

/* ---- maps ------------------------------------------------------------------ */

static uint64_t map_hash(int64_t t, int64_t k)
{
    uint64_t h = (uint64_t)k * 0x9e3779b97f4a7c15ULL ^ (uint64_t)t * 0xc2b2ae3d27d4eb4fULL;
    return h ^ (h >> 29);
}

static struct map_ent *map_slot(const struct map *m, int64_t t, int64_t k)
{
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)map_hash(t, k) & mask;; i = (i + 1) & mask) {
        struct map_ent *e = &m->e[i];
        if (!e->used || (e->type == t && e->key == k))
            return e;
    }
}

static bool map_get(const struct map *m, int64_t t, int64_t k, uint64_t *v)
{
    if (!m->cap)
        return false;
    struct map_ent *e = map_slot(m, t, k);
    if (!e->used)
        return false;
    *v = e->val;
    return true;
}

static void map_put(struct map *m, int64_t t, int64_t k, uint64_t v)
{
    if ((m->n + 1) * 2 > m->cap) {
        struct map old = *m;
        m->cap = old.cap ? old.cap * 2 : 256;
        m->e = fg_xcalloc(m->cap, sizeof(*m->e));
        m->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.e[i].used)
                *map_slot(m, old.e[i].type, old.e[i].key) = old.e[i], m->n++;
        free(old.e);
    }
    struct map_ent *e = map_slot(m, t, k);
    if (!e->used)
        m->n++;
    e->type = t;
    e->key = k;
    e->val = v;
    e->used = true;
}

static void map_clear(struct map *m)
{
    free(m->e);
    memset(m, 0, sizeof(*m));
}

/* ---- strings ----------------------------------------------------------- */

struct jstr {
    const char *s;              /* UTF-8, NUL-terminated, in the chunk arena */
    size_t n;
    bool null;
};

static size_t utf8_put(char *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xc0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xe0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        o[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    o[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

static int read_string(struct dec *d, struct rd *r, int depth,
                       struct jstr *out);

static int read_char_array(struct dec *d, struct rd *r, size_t n,
                           struct jstr *out)
{
    char *o = fg_arena_alloc(d->ca, n * 3 + 1);
    size_t k = 0;
    uint32_t hi = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t c;
        int rc = d->compressed ? rd_varint(d, r, &c) : rd_fixed(d, r, 2, &c);
        if (rc)
            return rc;
        c &= 0xffff;
        if (c >= 0xd800 && c < 0xdc00) {
            if (hi)
                k += utf8_put(o + k, 0xfffd);
            hi = (uint32_t)c;
            continue;
        }
        if (c >= 0xdc00 && c < 0xe000 && hi) {
            /* a pair takes 4 bytes out of the 6 reserved for two units */
            k += utf8_put(o + k, 0x10000 + ((hi - 0xd800) << 10) +
                                     ((uint32_t)c - 0xdc00));
            hi = 0;
            continue;
        }
        if (hi) {
            k += utf8_put(o + k, 0xfffd);
            hi = 0;
        }
        k += utf8_put(o + k, (c >= 0xdc00 && c < 0xe000) ? 0xfffd
                                                         : (uint32_t)c);
    }
    if (hi)
        k += utf8_put(o + k, 0xfffd);
    o[k] = '\0';
    out->s = o;
    out->n = k;
    return FG_OK;
}

static int read_string(struct dec *d, struct rd *r, int depth,
                       struct jstr *out)
{
    size_t at = r->pos;
    uint8_t enc = 0;
    int rc = rd_u8(d, r, &enc);
    if (rc)
        return rc;
    memset(out, 0, sizeof(*out));
    size_t n = 0;
    switch (enc) {
    case 0: /* null */
        out->null = true;
        out->s = "";
        return FG_OK;
    case 1: /* empty */
        out->s = "";
        return FG_OK;
    case 2: { /* constant-pool reference to java.lang.String */
        int64_t key;
        uint64_t off;
        if ((rc = rd_long(d, r, &key)))
            return rc;
        if (depth > 0 || d->c_string == NONE ||
            !map_get(&d->pool, d->cls[d->c_string].id, key, &off))
            return bad(d, at, "string constant-pool reference out of range");
        struct rd sub = {(size_t)off, d->cend};
        return read_string(d, &sub, depth + 1, out);
    }
    case 3: /* UTF-8 */
    case 5: /* Latin-1 */
        if ((rc = rd_count(d, r, r->end - r->pos, "string length", &n)))
            return rc;
        if (enc == 3) {
            out->s = fg_arena_strndup(d->ca, (const char *)d->data + r->pos,
                                      n);
            out->n = n;
        } else {
            char *o = fg_arena_alloc(d->ca, n * 2 + 1);
            size_t k = 0;
            for (size_t i = 0; i < n; i++)
                k += utf8_put(o + k, d->data[r->pos + i]);
            o[k] = '\0';
            out->s = o;
            out->n = k;
        }
        r->pos += n;
        return FG_OK;
    case 4: /* char array */
        if ((rc = rd_count(d, r, r->end - r->pos, "string length", &n)))
            return rc;
        return read_char_array(d, r, n, out);
    default:
        return bad(d, at, "unknown string encoding");
    }
}

/* ---- values ---------------------------------------------------------------- */

static int read_single(struct dec *d, struct rd *r, uint32_t cls, bool cp,
                       int depth, int64_t *out);

/* Read (or skip) one field; a scalar integer, boolean or key lands in
 * *out when out is not NULL. */
static int read_field(struct dec *d, struct rd *r, const struct jfield *f,
                      int depth, int64_t *out)
{
    if (!f->array)
        return read_single(d, r, f->cls, f->cp, depth, out);
    size_t n;
    int rc = rd_count(d, r, r->end - r->pos, "array length", &n);
    for (size_t i = 0; rc == FG_OK && i < n; i++)
        rc = read_single(d, r, f->cls, f->cp, depth, NULL);
    return rc;
}

static int read_single(struct dec *d, struct rd *r, uint32_t cls, bool cp,
                       int depth, int64_t *out)
{
    int64_t v = 0;
    uint64_t u = 0;
    uint8_t b = 0;
    int rc;
    if ((rc = step(d, r->pos)))
        return rc;
    if (cp) {
        rc = rd_long(d, r, &v);
        if (out)
            *out = v;
        return rc;
    }
    const struct jclass *c = &d->cls[cls];
    switch (c->prim) {
    case P_BOOL:
    case P_BYTE:
        rc = rd_u8(d, r, &b);
        v = c->prim == P_BYTE ? (int8_t)b : b;
        break;
    case P_CHAR:
    case P_SHORT:
        if (d->compressed) {
            rc = rd_varint(d, r, &u);
        } else {
            rc = rd_fixed(d, r, 2, &u);
            if (c->prim == P_SHORT)
                u = (uint64_t)(int64_t)(int16_t)u;
        }
        v = (int64_t)u;
        break;
    case P_INT:
        rc = rd_int(d, r, &v);
        break;
    case P_LONG:
        rc = rd_long(d, r, &v);
        break;
    case P_FLOAT:
        rc = rd_fixed(d, r, 4, &u);
        break;
    case P_DOUBLE:
        rc = rd_fixed(d, r, 8, &u);
        break;
    case P_STRING: {
        struct jstr s;
        rc = read_string(d, r, 0, &s);
        break;
    }
    case P_STRUCT:
        if (depth >= MAX_NEST)
            return bad(d, r->pos, "types nested too deeply");
        for (uint32_t i = 0; rc == FG_OK && i < c->nfields; i++)
            rc = read_field(d, r, &c->fields[i], depth + 1, NULL);
        break;
    }
    if (out)
        *out = v;
    return rc;
}

/* Read string field f at r into *s: inline, or a key into a pool of
 * strings. */
static int read_field_str(struct dec *d, struct rd *r, const struct jfield *f,
                          struct jstr *s)
{
    if (f->array || d->cls[f->cls].prim != P_STRING)
        return bad(d, r->pos, "a string field is not a string");
    if (!f->cp)
        return read_string(d, r, 0, s);
    int64_t key;
    uint64_t off;
    size_t at = r->pos;
    int rc = rd_long(d, r, &key);
    if (rc)
        return rc;
    if (!map_get(&d->pool, f->type_id, key, &off))
        return bad(d, at, "string constant-pool reference out of range");
    struct rd sub = {(size_t)off, d->cend};
    return read_string(d, &sub, 1, s);
}

/* Walk the fields of class cls at r up to field want (an index), read
 * into *v (an integer, boolean or key), or into *s when s is not NULL (a
 * string field); r is left after that field. */
static int read_member(struct dec *d, struct rd *r, uint32_t cls, int want,
                       int64_t *v, struct jstr *s)
{
    const struct jclass *c = &d->cls[cls];
    for (int i = 0; i < (int)c->nfields; i++) {
        const struct jfield *f = &c->fields[i];
        if (i == want && s)
            return read_field_str(d, r, f, s);
        int rc = read_field(d, r, f, 0, i == want ? v : NULL);
        if (rc || i == want)
            return rc;
    }
    return bad(d, r->pos, "missing field");
}

/* ---- metadata ----------------------------------------------------------- */

struct mstrs {
    struct jstr *s;
    size_t n;
};

enum ctx { CTX_ROOT, CTX_TOP, CTX_METADATA, CTX_CLASS, CTX_OTHER };

static int rd_mstr(struct dec *d, struct rd *r, const struct mstrs *t,
                   const char **s)
{
    size_t at = r->pos;
    size_t i = 0;
    int rc = rd_count(d, r, SIZE_MAX / 2, "string index", &i);
    if (rc)
        return rc;
    if (i >= t->n)
        return bad(d, at, "metadata string index out of range");
    *s = t->s[i].s;
    return FG_OK;
}

static bool parse_i64(const char *s, int64_t *v)
{
    if (!s || !*s)
        return false;
    char *end;
    long long x = strtoll(s, &end, 10);
    if (*end)
        return false;
    *v = x;
    return true;
}

static int parse_element(struct dec *d, struct rd *r, const struct mstrs *t,
                         enum ctx ctx, int depth, size_t *ncap)
{
    size_t at = r->pos;
    const char *name;
    size_t na, nc;
    int rc;
    if (depth > 32)
        return bad(d, at, "metadata nested too deeply");
    if ((rc = step(d, at)) || (rc = rd_mstr(d, r, t, &name)) ||
        (rc = rd_count(d, r, (r->end - r->pos) / 2, "attribute count", &na)))
        return rc;
    const char *id = NULL, *nm = NULL, *cl = NULL, *cpool = NULL,
               *dim = NULL;
    for (size_t i = 0; i < na; i++) {
        const char *k, *v;
        if ((rc = rd_mstr(d, r, t, &k)) || (rc = rd_mstr(d, r, t, &v)))
            return rc;
        if (strcmp(k, "id") == 0)
            id = v;
        else if (strcmp(k, "name") == 0)
            nm = v;
        else if (strcmp(k, "class") == 0)
            cl = v;
        else if (strcmp(k, "constantPool") == 0)
            cpool = v;
        else if (strcmp(k, "dimension") == 0)
            dim = v;
    }
    if ((rc = rd_count(d, r, (r->end - r->pos) / 3, "element count", &nc)))
        return rc;
    enum ctx child = CTX_OTHER;
    if (ctx == CTX_ROOT) {
        child = CTX_TOP;
    } else if (ctx == CTX_TOP && strcmp(name, "metadata") == 0) {
        child = CTX_METADATA;
        /* the classes are this element's children */
        d->cls = fg_arena_calloc(d->ca, nc ? nc : 1, sizeof(*d->cls));
        *ncap = nc;
        d->ncls = 0;
    } else if (ctx == CTX_METADATA && strcmp(name, "class") == 0) {
        if (d->ncls >= *ncap)
            return bad(d, at, "metadata class outside the class list");
        struct jclass *c = &d->cls[d->ncls];
        if (!parse_i64(id, &c->id) || !nm)
            return bad(d, at, "metadata class without id or name");
        c->name = nm;
        c->fields = fg_arena_calloc(d->ca, nc ? nc : 1, sizeof(*c->fields));
        c->nfields = 0;
        d->ncls++;
        child = CTX_CLASS;
    } else if (ctx == CTX_CLASS && strcmp(name, "field") == 0) {
        struct jclass *c = &d->cls[d->ncls - 1];
        struct jfield *f = &c->fields[c->nfields++];
        if (!nm || !parse_i64(cl, &f->type_id))
            return bad(d, at, "metadata field without name or class");
        f->name = nm;
        f->cp = cpool && strcmp(cpool, "true") == 0;
        f->array = dim && strcmp(dim, "0") != 0;
    }
    for (size_t i = 0; i < nc; i++)
        if ((rc = parse_element(d, r, t, child, depth + 1, ncap)))
            return rc;
    return FG_OK;
}

static int cmp_class(const void *a, const void *b)
{
    const struct jclass *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static uint32_t find_class_id(const struct dec *d, int64_t id)
{
    size_t lo = 0, hi = d->ncls;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (d->cls[mid].id < id)
            lo = mid + 1;
        else if (d->cls[mid].id > id)
            hi = mid;
        else
            return (uint32_t)mid;
    }
    return NONE;
}

static uint32_t find_class(const struct dec *d, const char *name)
{
    for (size_t i = 0; i < d->ncls; i++)
        if (strcmp(d->cls[i].name, name) == 0)
            return (uint32_t)i;
    return NONE;
}

static int find_field(const struct dec *d, uint32_t cls, const char *name)
{
    if (cls == NONE)
        return -1;
    for (uint32_t i = 0; i < d->cls[cls].nfields; i++)
        if (strcmp(d->cls[cls].fields[i].name, name) == 0)
            return (int)i;
    return -1;
}

static enum prim prim_of(const char *n)
{
    static const struct {
        const char *name;
        enum prim p;
    } t[] = {{"boolean", P_BOOL}, {"byte", P_BYTE}, {"char", P_CHAR},
             {"short", P_SHORT},  {"int", P_INT},   {"long", P_LONG},
             {"float", P_FLOAT},  {"double", P_DOUBLE},
             {"java.lang.String", P_STRING}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (strcmp(n, t[i].name) == 0)
            return t[i].p;
    return P_STRUCT;
}

static int read_metadata(struct dec *d, size_t off)
{
    struct rd r = {d->cstart + off, d->cend};
    size_t at = r.pos;
    size_t size, nstr, ncap = 0;
    int64_t type, skip;
    int rc;
    if ((rc = rd_count(d, &r, d->cend - at, "metadata size", &size)))
        return rc;
    if (r.pos > at + size)
        return bad(d, at, "metadata event shorter than its size field");
    r.end = at + size;
    if ((rc = rd_long(d, &r, &type)))
        return rc;
    if (type != 0)
        return bad(d, at, "metadata offset does not point at the metadata event");
    for (int i = 0; i < 3; i++) /* start time, duration, metadata id */
        if ((rc = rd_long(d, &r, &skip)))
            return rc;
    if ((rc = rd_count(d, &r, r.end - r.pos, "metadata string count", &nstr)))
        return rc;
    struct mstrs t;
    t.n = nstr;
    t.s = fg_arena_calloc(d->ca, nstr ? nstr : 1, sizeof(*t.s));
    for (size_t i = 0; i < nstr; i++)
        if ((rc = read_string(d, &r, 1, &t.s[i])))
            return rc;
    d->ncls = 0;
    d->cls = NULL;
    if ((rc = parse_element(d, &r, &t, CTX_ROOT, 0, &ncap)))
        return rc;
    if (!d->cls)
        return bad(d, at, "metadata without a class list");
    qsort(d->cls, d->ncls, sizeof(*d->cls), cmp_class);
    for (size_t i = 0; i < d->ncls; i++) {
        struct jclass *c = &d->cls[i];
        if (i && c->id == d->cls[i - 1].id)
            return bad(d, at, "two metadata classes with one id");
        c->prim = prim_of(c->name);
        for (uint32_t k = 0; k < c->nfields; k++) {
            c->fields[k].cls = find_class_id(d, c->fields[k].type_id);
            if (c->fields[k].cls == NONE)
                return bad(d, at, "metadata field of an undefined type");
        }
    }
    d->c_string = find_class(d, "java.lang.String");
    d->c_stack = find_class(d, "jdk.types.StackTrace");
    d->c_frame = find_class(d, "jdk.types.StackFrame");
    d->c_method = find_class(d, "jdk.types.Method");
    d->c_class = find_class(d, "java.lang.Class");
    d->c_symbol = find_class(d, "jdk.types.Symbol");
    d->f_method_type = find_field(d, d->c_method, "type");
    d->f_method_name = find_field(d, d->c_method, "name");
    d->f_class_name = find_field(d, d->c_class, "name");
    d->f_symbol_string = find_field(d, d->c_symbol, "string");
    d->f_stack_frames = find_field(d, d->c_stack, "frames");
    d->f_frame_method = find_field(d, d->c_frame, "method");
    bool stacks = d->f_method_name >= 0 && d->f_stack_frames >= 0 &&
                  d->f_frame_method >= 0;
    for (int k = 0; k < K_N; k++) {
        uint32_t c = find_class(d, kinds[k].event);
        d->kcls[k] = NONE;
        d->kf_time[k] = find_field(d, c, "startTime");
        d->kf_stack[k] = find_field(d, c, "stackTrace");
        d->kf_v1[k] = kinds[k].v1 ? find_field(d, c, kinds[k].v1) : -1;
        d->kf_v2[k] = kinds[k].v2 ? find_field(d, c, kinds[k].v2) : -1;
        if (c == NONE)
            continue;
        if (k == K_SETTING) {
            d->kf_sid = find_field(d, c, "id");
            d->kf_sname = find_field(d, c, "name");
            d->kf_svalue = find_field(d, c, "value");
            if (d->kf_sid >= 0 && d->kf_sname >= 0 && d->kf_svalue >= 0)
                d->kcls[k] = c;
            continue;
        }
        if (stacks && d->kf_stack[k] >= 0 &&
            (!kinds[k].v1 || d->kf_v1[k] >= 0))
            d->kcls[k] = c;
    }
    return FG_OK;
}

/* ---- constant pools -------------------------------------------------------- */

static int read_pools(struct dec *d, size_t off)
{
    size_t pos = d->cstart + off;
    size_t *seen = NULL, nseen = 0, capseen = 0;
    int rc = FG_OK;
    for (;;) {
        for (size_t i = 0; i < nseen; i++)
            if (seen[i] == pos) {
                rc = bad(d, pos, "constant-pool chain loops");
                goto out;
            }
        seen = fg_xgrow(seen, &capseen, nseen + 1, sizeof(*seen));
        seen[nseen++] = pos;
        struct rd r = {pos, d->cend};
        size_t size, npools;
        int64_t type, delta, skip;
        uint8_t flags;
        if ((rc = rd_count(d, &r, d->cend - pos, "checkpoint size", &size)))
            goto out;
        if (r.pos > pos + size) {
            rc = bad(d, pos, "checkpoint shorter than its size field");
            goto out;
        }
        r.end = pos + size;
        if ((rc = rd_long(d, &r, &type)))
            goto out;
        if (type != 1) {
            rc = bad(d, pos, "constant-pool offset does not point at a checkpoint");
            goto out;
        }
        if ((rc = rd_long(d, &r, &skip)) || (rc = rd_long(d, &r, &skip)) ||
            (rc = rd_long(d, &r, &delta)) || (rc = rd_u8(d, &r, &flags)) ||
            (rc = rd_count(d, &r, r.end - r.pos, "pool count", &npools)))
            goto out;
        for (size_t i = 0; i < npools; i++) {
            int64_t tid;
            size_t n, at = r.pos;
            if ((rc = rd_long(d, &r, &tid)) ||
                (rc = rd_count(d, &r, r.end - r.pos, "pool size", &n)))
                goto out;
            uint32_t c = find_class_id(d, tid);
            if (c == NONE) {
                rc = bad(d, at, "constant pool of an undefined type");
                goto out;
            }
            for (size_t k = 0; k < n; k++) {
                int64_t key;
                if ((rc = rd_long(d, &r, &key)))
                    goto out;
                map_put(&d->pool, tid, key, r.pos);
                if ((rc = read_single(d, &r, c, false, 0, NULL)))
                    goto out;
            }
        }
        if (delta == 0)
            break;
        /* the JDK checks the same: the next one lies inside the chunk */
        if ((delta < 0 && (uint64_t)-delta > pos - d->cstart - JFR_HEADER) ||
            (delta > 0 && (uint64_t)delta >= d->cend - pos)) {
            rc = bad(d, pos, "constant-pool chain points outside the chunk");
            goto out;
        }
        pos = (size_t)((int64_t)pos + delta);
    }
out:
    free(seen);
    return rc;
}

/* ---- stacks ------------------------------------------------------------------ */

static int pool_entry(struct dec *d, uint32_t cls, int64_t key, size_t at,
                      const char *what, struct rd *r)
{
    uint64_t off;
    if (cls == NONE || !map_get(&d->pool, d->cls[cls].id, key, &off)) {
        char msg[128];
        snprintf(msg, sizeof(msg), "%s %lld is not in the constant pool",
                 what, (long long)key);
        return bad(d, at, msg);
    }
    r->pos = (size_t)off;
    r->end = d->cend;
    return FG_OK;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return n > 0;
}

/* Length of a hidden-class address suffix starting at s[0] ([./+]0xHEX,
 * then optionally /DIGITS) that runs to s[n], else 0. */
static size_t address_suffix(const char *s, size_t n)
{
    if (n < 4 || !strchr("./+", s[0]) || s[1] != '0' || s[2] != 'x')
        return 0;
    size_t i = 3;
    while (i < n && is_hex(s[i]))
        i++;
    if (i == 3)
        return 0;
    if (i == n || (s[i] == '/' && all_digits(s + i + 1, n - i - 1)))
        return n;
    return 0;
}

size_t fg_jfr_class_name(const char *s, size_t n, char *out)
{
    static const char *const accessors[] = {
        "GeneratedMethodAccessor", "GeneratedConstructorAccessor",
        "GeneratedSerializationConstructorAccessor"};
    size_t keep = n;
    const char *lam = NULL;
    for (size_t i = 0; i + 8 <= n; i++)
        if (memcmp(s + i, "$$Lambda", 8) == 0)
            lam = s + i + 8;
    if (lam) {
        /* Foo$$Lambda$88+0x00007f66.../1790421142, Foo$$Lambda$88/0x...,
         * Foo$$Lambda.0x...: Pyroscope's merge of generated classes */
        size_t at = (size_t)(lam - s), i = at;
        if (i < n && s[i] == '$') {
            i++;
            while (i < n && s[i] >= '0' && s[i] <= '9')
                i++;
        }
        if ((i == n && i > at + 1) || (i < n && address_suffix(s + i, n - i)))
            keep = at;
    } else {
        for (size_t i = n; i-- > 0;)
            if ((s[i] == '/' || s[i] == '+') &&
                address_suffix(s + i, n - i)) {
                /* a hidden class: LambdaForm$MH/0x0000000800c0, or
                 * java.lang.invoke.LambdaForm$MH+0x00007fc748009400/92732
                 * (JDK 17's JFR names some in dotted form) */
                keep = i;
                break;
            }
        for (size_t a = 0; keep == n && a < 3; a++) {
            size_t l = strlen(accessors[a]);
            size_t d = n;
            while (d > 0 && s[d - 1] >= '0' && s[d - 1] <= '9')
                d--;
            if (d < n && d >= l && memcmp(s + d - l, accessors[a], l) == 0)
                keep = d;
        }
    }
    memcpy(out, s, keep);
    if (keep == n)
        return n;
    out[keep] = '_';
    return keep + 1;
}

/* Symbol text of a class-name or method-name key. */
static int symbol(struct dec *d, int64_t key, size_t at, struct jstr *s)
{
    struct rd r;
    int rc = pool_entry(d, d->c_symbol, key, at, "symbol", &r);
    if (rc)
        return rc;
    if (d->f_symbol_string < 0)
        return bad(d, at, "jdk.types.Symbol without a string field");
    return read_member(d, &r, d->c_symbol, d->f_symbol_string, NULL, s);
}

static int method_func(struct dec *d, int64_t key, size_t at, uint32_t *fid)
{
    uint64_t v;
    if (map_get(&d->methods, 0, key, &v)) {
        *fid = (uint32_t)v;
        return FG_OK;
    }
    struct rd r;
    int64_t ckey = 0, nkey = 0;
    struct jstr cname = {"", 0, true}, mname = {"", 0, true};
    int rc = pool_entry(d, d->c_method, key, at, "method", &r);
    if (rc || (rc = read_member(d, &r, d->c_method, d->f_method_name, &nkey,
                                NULL)))
        return rc;
    if (d->f_method_type >= 0) {
        rc = pool_entry(d, d->c_method, key, at, "method", &r);
        if (!rc)
            rc = read_member(d, &r, d->c_method, d->f_method_type, &ckey,
                             NULL);
        if (rc)
            return rc;
    }
    if (nkey && (rc = symbol(d, nkey, at, &mname)))
        return rc;
    if (ckey && d->f_class_name >= 0) {
        int64_t skey = 0;
        if ((rc = pool_entry(d, d->c_class, ckey, at, "class", &r)) ||
            (rc = read_member(d, &r, d->c_class, d->f_class_name, &skey,
                              NULL)))
            return rc;
        if (skey && (rc = symbol(d, skey, at, &cname)))
            return rc;
    }
    size_t n = cname.n + 2 + mname.n;
    char *name = fg_arena_alloc(d->ca, n + 1);
    size_t k = 0;
    if (cname.n) {
        k = fg_jfr_class_name(cname.s, cname.n, name);
        name[k++] = '.';
    }
    memcpy(name + k, mname.s, mname.n);
    k += mname.n;
    name[k] = '\0';
    struct fg_profile *p = d->p;
    uint32_t id = fg_strtab_find(&p->func_index, name, k);
    if (id == UINT32_MAX) {
        if (p->func_index.n >= d->lim->max_functions)
            return limit(d, "functions", d->lim->max_functions,
                         "--max-functions");
        d->strbytes += k + 1;
        if (d->strbytes > d->lim->max_strtab)
            return limit(d, "bytes of names", d->lim->max_strtab,
                         "--max-string-table");
        id = fg_strtab_intern(&p->func_index,
                              fg_arena_strndup(p->arena, name, k), k);
    }
    map_put(&d->methods, 0, key, id);
    *fid = id;
    return FG_OK;
}

/* Frames of stack trace key, leaf first: d->stk[*start .. *start + *n). */
static int stack_frames(struct dec *d, int64_t key, size_t at, size_t *start,
                        size_t *n)
{
    uint64_t v;
    if (map_get(&d->stacks, 0, key, &v)) {
        /* the frame count is stored just before the frames */
        *start = (size_t)v;
        *n = d->stk[*start - 1];
        return FG_OK;
    }
    struct rd r;
    int rc = pool_entry(d, d->c_stack, key, at, "stack trace", &r);
    if (rc)
        return rc;
    const struct jclass *c = &d->cls[d->c_stack];
    size_t first = d->nstk + 1, depth = 0;
    d->stk = fg_xgrow(d->stk, &d->capstk, first, sizeof(*d->stk));
    d->nstk = first;
    for (int i = 0; i < (int)c->nfields; i++) {
        const struct jfield *f = &c->fields[i];
        if (i != d->f_stack_frames || !f->array || f->cp ||
            f->cls != d->c_frame) {
            if (i == d->f_stack_frames)
                return bad(d, r.pos, "stack trace frames are not a frame array");
            if ((rc = read_field(d, &r, f, 0, NULL)))
                return rc;
            continue;
        }
        if ((rc = rd_count(d, &r, r.end - r.pos, "frame count", &depth)))
            return rc;
        if (depth > d->lim->max_depth)
            return fg_error_set(d->err, FG_ELIMIT,
                                "%s: a stack of %zu frames is deeper than %zu "
                                "(raise the limit with --max-stack-depth)",
                                d->source, depth, d->lim->max_depth);
        for (size_t k = 0; k < depth; k++) {
            int64_t mkey = 0;
            uint32_t fid = 0;
            if ((rc = step(d, r.pos)) ||
                (rc = read_member(d, &r, d->c_frame, d->f_frame_method, &mkey,
                                  NULL)))
                return rc;
            /* the rest of the frame (line, bytecode index, type) */
            const struct jclass *fc = &d->cls[d->c_frame];
            for (uint32_t j = (uint32_t)d->f_frame_method + 1;
                 j < fc->nfields; j++)
                if ((rc = read_field(d, &r, &fc->fields[j], 0, NULL)))
                    return rc;
            if ((rc = method_func(d, mkey, r.pos, &fid)))
                return rc;
            d->stk = fg_xgrow(d->stk, &d->capstk, d->nstk + 1,
                              sizeof(*d->stk));
            d->stk[d->nstk++] = fid;
        }
    }
    d->stk[first - 1] = (uint32_t)depth;
    map_put(&d->stacks, 0, key, first);
    *start = first;
    *n = depth;
    return FG_OK;
}

/* ---- events -------------------------------------------------------------- */

/* ticks -> nanoseconds without overflow for any tick rate. */
static bool ticks_ns(int64_t ticks, int64_t tps, int64_t *ns)
{
    int64_t q = ticks / tps, r = ticks % tps;
    int64_t a;
    if (__builtin_mul_overflow(q, (int64_t)1000000000, &a))
        return false;
    double frac = (double)r * 1e9 / (double)tps;
    return !__builtin_add_overflow(a, (int64_t)frac, ns);
}

static int64_t parse_period(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || !(v > 0) || v > 1e12)
        return 0;
    while (*end == ' ')
        end++;
    double mul = strcmp(end, "ns") == 0   ? 1
                 : strcmp(end, "us") == 0 ? 1e3
                 : strcmp(end, "ms") == 0 ? 1e6
                 : strcmp(end, "s") == 0  ? 1e9
                                          : 0;
    return (int64_t)(v * mul + 0.5);
}

static int active_setting(struct dec *d, size_t pos, size_t end)
{
    const struct jclass *c = &d->cls[d->kcls[K_SETTING]];
    struct rd r = {pos, end};
    int64_t id = 0;
    struct jstr name = {"", 0, true}, value = {"", 0, true};
    for (int i = 0; i < (int)c->nfields; i++) {
        int rc;
        if (i == d->kf_sname || i == d->kf_svalue)
            rc = read_field_str(d, &r, &c->fields[i],
                                i == d->kf_sname ? &name : &value);
        else
            rc = read_field(d, &r, &c->fields[i], 0,
                            i == d->kf_sid ? &id : NULL);
        if (rc)
            return rc;
    }
    if (d->kcls[K_EXEC] == NONE || id != d->cls[d->kcls[K_EXEC]].id ||
        strcmp(name.s, "period") != 0)
        return FG_OK;
    int64_t ns = parse_period(value.s);
    if (ns <= 0)
        return FG_OK;
    if (d->period_ns == 0)
        d->period_ns = ns;
    else if (d->period_ns != ns)
        d->period_ns = -1;
    return FG_OK;
}

static int add_sample(struct dec *d, int k, int64_t t,
                      const uint32_t *frames, size_t nframes, int64_t v1,
                      int64_t v2)
{
    if (d->ns >= d->lim->max_samples)
        return limit(d, "samples", d->lim->max_samples, "--max-samples");
    if (d->nrefs + nframes > UINT32_MAX)
        return limit(d, "frames in all samples", UINT32_MAX,
                     "--max-samples");
    d->sstart = fg_xgrow(d->sstart, &d->caps, d->ns + 2, sizeof(uint32_t));
    d->vals = fg_xgrow(d->vals, &d->capv, (d->ns + 1) * S_N, sizeof(int64_t));
    d->times = fg_xgrow(d->times, &d->capt, d->ns + 1, sizeof(int64_t));
    d->slocs = fg_xgrow(d->slocs, &d->caprefs, d->nrefs + nframes + 1,
                        sizeof(uint32_t));
    d->sstart[d->ns] = (uint32_t)d->nrefs;
    memcpy(d->slocs + d->nrefs, frames, nframes * sizeof(uint32_t));
    d->nrefs += nframes;
    int64_t *v = d->vals + d->ns * S_N;
    memset(v, 0, S_N * sizeof(*v));
    v[kinds[k].count_slot] = 1;
    d->present[kinds[k].count_slot] = true;
    if (kinds[k].v1_slot >= 0) {
        v[kinds[k].v1_slot] = v1;
        d->present[kinds[k].v1_slot] = true;
    }
    if (kinds[k].v2_slot >= 0 && d->kf_v2[k] >= 0) {
        v[kinds[k].v2_slot] = v2;
        d->present[kinds[k].v2_slot] = true;
    }
    d->times[d->ns] = t;
    d->ns++;
    return FG_OK;
}

static int event(struct dec *d, int k, size_t pos, size_t end)
{
    if (k == K_SETTING)
        return active_setting(d, pos, end);
    const struct jclass *c = &d->cls[d->kcls[k]];
    struct rd r = {pos, end};
    int64_t ticks = 0, skey = 0, v1 = 0, v2 = 0;
    for (int i = 0; i < (int)c->nfields; i++) {
        int64_t *out = i == d->kf_time[k]    ? &ticks
                       : i == d->kf_stack[k] ? &skey
                       : i == d->kf_v1[k]    ? &v1
                       : i == d->kf_v2[k]    ? &v2
                                             : NULL;
        int rc = read_field(d, &r, &c->fields[i], 0, out);
        if (rc)
            return rc;
    }
    if (skey == 0)
        return FG_OK; /* no stack trace recorded */
    /* A key missing from the chunk's pools is a null stack trace to the
     * JDK's reader (ConstantMap logs it and resolves null): real files
     * have a few such events at a chunk rotation.  They are skipped, and
     * counted: a chunk where most are missing is corrupt (read_chunk). */
    uint64_t off;
    d->nstackref++;
    size_t fstart = 0, n = 0;
    const uint32_t *frames = d->stk;
    int rc = FG_OK;
    if (!map_get(&d->stacks, 0, skey, &off) &&
        !map_get(&d->pool, d->cls[d->c_stack].id, skey, &off)) {
        /* An event written just before a chunk rotation may name a stack
         * trace of the previous chunk (the JDK's reader resolves it when
         * it reads the whole file): one that an event there used. */
        if (!map_get(&d->pstacks, 0, skey, &off)) {
            if (d->ndangling++ == 0)
                d->first_dangling = skey;
            return FG_OK;
        }
        frames = d->pstk;
        fstart = (size_t)off;
        n = d->pstk[fstart - 1];
    } else if ((rc = stack_frames(d, skey, pos, &fstart, &n))) {
        return rc;
    } else {
        frames = d->stk;
    }
    if (n == 0)
        return FG_OK;
    if (d->cticks) {
        /* compressed ticks (JDK TimeConverter.unpackStartTicks) */
        if (ticks > d->start_ticks)
            d->ticks_base = ticks;
        else
            ticks += d->ticks_base;
    }
    int64_t t = 0, rel;
    if (d->kf_time[k] >= 0 &&
        (__builtin_sub_overflow(ticks, d->start_ticks, &rel) ||
         !ticks_ns(rel, d->tps, &t) ||
         __builtin_add_overflow(t, d->start_nanos, &t)))
        return bad(d, pos, "event time out of range");
    if (d->kf_time[k] < 0)
        t = d->start_nanos;
    if (kinds[k].v1_ticks && !ticks_ns(v1, d->tps, &v1))
        return bad(d, pos, "event duration out of range");
    return add_sample(d, k, t, frames + fstart, n, v1, v2);
}

static int read_events(struct dec *d)
{
    size_t pos = d->cstart + JFR_HEADER;
    while (pos < d->cend) {
        struct rd r = {pos, d->cend};
        size_t size;
        int64_t type;
        int rc = rd_count(d, &r, d->cend - pos, "event size", &size);
        if (rc)
            return rc;
        if (size == 0 || r.pos > pos + size)
            return bad(d, pos, "event of size zero or shorter than its header");
        r.end = pos + size;
        if ((rc = rd_long(d, &r, &type)))
            return rc;
        for (int k = 0; k < K_N; k++) {
            if (d->kcls[k] != NONE && type == d->cls[d->kcls[k]].id) {
                if ((rc = event(d, k, r.pos, r.end)))
                    return rc;
                break;
            }
        }
        pos += size;
    }
    return FG_OK;
}

/* ---- chunks and the whole file --------------------------------------------- */

static int64_t be64(const unsigned char *b)
{
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x = (x << 8) | b[i];
    return (int64_t)x;
}

static int read_chunk(struct dec *d, size_t start, size_t *next)
{
    const unsigned char *h = d->data + start;
    if (d->len - start < JFR_HEADER)
        return truncated(d, d->len);
    if (memcmp(h, "FLR\0", 4) != 0)
        return bad(d, start, "no chunk magic 'FLR\\0'");
    unsigned major = (unsigned)(h[4] << 8 | h[5]);
    unsigned minor = (unsigned)(h[6] << 8 | h[7]);
    if (major != 1 && major != 2) {
        return fg_error_set(d->err, FG_EFORMAT,
                            "%s: JFR version %u.%u is not supported "
                            "(1.x and 2.x are)",
                            d->source, major, minor);
    }
    int64_t size = be64(h + 8), cpoff = be64(h + 16), moff = be64(h + 24);
    d->start_nanos = be64(h + 32);
    d->start_ticks = be64(h + 48);
    d->tps = be64(h + 56);
    d->compressed = (h[67] & 1) != 0;
    d->cticks = (h[67] & 4) != 0;
    d->ticks_base = 0;
    if (size < JFR_HEADER || (uint64_t)size > d->len - start)
        return bad(d, start + 8, "chunk size past the end of the file");
    if (moff < JFR_HEADER || moff >= size || cpoff < JFR_HEADER ||
        cpoff >= size)
        return bad(d, start + 16, "metadata or constant-pool offset outside "
                                  "the chunk");
    if (d->tps <= 0)
        return bad(d, start + 56, "ticks per second is not positive");
    d->cstart = start;
    d->cend = start + (size_t)size;
    d->ca = fg_arena_new(64 * 1024);
    int rc = read_metadata(d, (size_t)moff);
    if (!rc)
        rc = read_pools(d, (size_t)cpoff);
    d->nstackref = d->ndangling = 0;
    if (!rc)
        rc = read_events(d);
    if (!rc && d->ndangling * 2 > d->nstackref)
        rc = fg_error_set(d->err, FG_EFORMAT,
                          "%s: not a valid JFR file: %zu of %zu events of "
                          "the chunk at byte %zu refer to a stack trace that "
                          "is not in the constant pool (first: stack trace "
                          "%lld)",
                          d->source, d->ndangling, d->nstackref, start,
                          (long long)d->first_dangling);
    map_clear(&d->pool);
    map_clear(&d->methods);
    /* keep this chunk's resolved stacks for the next one (event()) */
    map_clear(&d->pstacks);
    free(d->pstk);
    d->pstacks = d->stacks;
    d->pstk = d->stk;
    memset(&d->stacks, 0, sizeof(d->stacks));
    d->stk = NULL;
    d->nstk = d->capstk = 0;
    fg_arena_free(d->ca);
    d->ca = NULL;
    d->cls = NULL;
    d->ncls = 0;
    *next = d->cend;
    return rc;
}

bool fg_jfr_sniff(const unsigned char *data, size_t len)
{
    return len >= 4 && memcmp(data, "FLR\0", 4) == 0;
}

static void build(struct dec *d)
{
    struct fg_profile *p = d->p;
    if (d->present[S_SAMPLES] && d->period_ns > 0)
        d->present[S_CPU] = true;
    size_t nt = 0, map[S_N];
    for (int s = 0; s < S_N; s++)
        if (d->present[s])
            map[nt++] = (size_t)s;
    p->n_types = nt;
    p->types = fg_arena_calloc(p->arena, nt, sizeof(*p->types));
    for (size_t i = 0; i < nt; i++) {
        p->types[i].type = slot_types[map[i]].type;
        p->types[i].unit = slot_types[map[i]].unit;
    }
    p->default_type = 0; /* samples/count when present, it comes first */
    size_t ns = d->ns;
    p->n_samples = ns;
    p->values = fg_arena_alloc(p->arena, ns * nt * sizeof(int64_t));
    for (size_t s = 0; s < ns; s++) {
        int64_t *v = d->vals + s * S_N;
        if (d->present[S_CPU])
            v[S_CPU] = v[S_SAMPLES] * d->period_ns;
        for (size_t i = 0; i < nt; i++)
            p->values[s * nt + i] = v[map[i]];
    }
    if (d->present[S_CPU]) {
        p->period_type.type = "cpu";
        p->period_type.unit = "nanoseconds";
        p->period = d->period_ns;
    }
    d->sstart[ns] = (uint32_t)d->nrefs;
    p->sample_start = fg_arena_alloc(p->arena, (ns + 1) * sizeof(uint32_t));
    memcpy(p->sample_start, d->sstart, (ns + 1) * sizeof(uint32_t));
    p->sample_locs = fg_arena_alloc(p->arena, d->nrefs * sizeof(uint32_t) + 4);
    memcpy(p->sample_locs, d->slocs, d->nrefs * sizeof(uint32_t));
    p->sample_time = fg_arena_alloc(p->arena, ns * sizeof(int64_t));
    memcpy(p->sample_time, d->times, ns * sizeof(int64_t));
    /* one location per function, as for folded stacks */
    size_t nf = p->func_index.n;
    p->n_funcs = nf;
    p->func_names = p->func_index.strs;
    p->n_locs = nf;
    p->loc_start = fg_arena_alloc(p->arena, (nf + 1) * sizeof(uint32_t));
    p->loc_frames = fg_arena_alloc(p->arena, (nf + 1) * sizeof(uint32_t));
    for (size_t i = 0; i <= nf; i++)
        p->loc_start[i] = (uint32_t)i;
    for (size_t i = 0; i < nf; i++)
        p->loc_frames[i] = (uint32_t)i;
}

int fg_jfr_decode(const unsigned char *data, size_t len, const char *source,
                  const struct fg_limits *lim, struct fg_profile **out,
                  struct fg_error *err)
{
    struct fg_limits deflim;
    if (!lim) {
        fg_limits_default(&deflim);
        lim = &deflim;
    }
    *out = NULL;
    struct dec d;
    memset(&d, 0, sizeof(d));
    d.data = data;
    d.len = len;
    d.source = source;
    d.lim = lim;
    d.err = err;
    d.budget = 64 * (uint64_t)len + 1000000;
    struct fg_profile *p = fg_xcalloc(1, sizeof(*p));
    d.p = p;
    p->arena = fg_arena_new(64 * 1024);
    p->source = fg_arena_strndup(p->arena, source, strlen(source));
    p->format = FG_FORMAT_JFR;
    p->period_type.type = "";
    p->period_type.unit = "";
    fg_strtab_init(&p->func_index);
    int rc = FG_OK;
    if (!fg_jfr_sniff(data, len)) {
        rc = bad(&d, 0, "no chunk magic 'FLR\\0'");
        goto out;
    }
    bool first = true;
    for (size_t pos = 0; pos < len;) {
        size_t next = len;
        if ((rc = read_chunk(&d, pos, &next)))
            goto out;
        if (first) {
            p->time_nanos = d.start_nanos;
            first = false;
        }
        int64_t dur = be64(data + pos + 40), end;
        if (!__builtin_add_overflow(d.start_nanos, dur, &end) &&
            end - p->time_nanos > p->duration_nanos)
            p->duration_nanos = end - p->time_nanos;
        pos = next;
    }
    if (d.ns == 0) {
        rc = fg_error_set(err, FG_EFORMAT,
                          "%s: the JFR recording has no events with a stack "
                          "trace that flamegate reads (jdk.ExecutionSample, "
                          "jdk.ObjectAllocationSample, "
                          "jdk.ObjectAllocationInNewTLAB/OutsideTLAB, "
                          "jdk.JavaMonitorEnter, jdk.ThreadPark)",
                          source);
        goto out;
    }
    build(&d);
out:
    map_clear(&d.pool);
    map_clear(&d.methods);
    map_clear(&d.stacks);
    map_clear(&d.pstacks);
    fg_arena_free(d.ca);
    free(d.stk);
    free(d.pstk);
    free(d.sstart);
    free(d.slocs);
    free(d.vals);
    free(d.times);
    if (rc) {
        fg_profile_free(p);
        p = NULL;
    }
    *out = p;
    return rc;
}
