/* jfrwrite.c - synthetic JFR files (see jfrwrite.h). */
#include "jfrwrite.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jw {
    unsigned char *p;
    size_t n, cap;
    bool compressed;
};

static void jw_byte(struct jw *w, unsigned c)
{
    if (w->n + 1 > w->cap) {
        w->cap = w->cap ? w->cap * 2 : 256;
        w->p = realloc(w->p, w->cap);
        if (!w->p)
            abort();
    }
    w->p[w->n++] = (unsigned char)c;
}

static void jw_bytes(struct jw *w, const void *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        jw_byte(w, ((const unsigned char *)d)[i]);
}

static void jw_be(struct jw *w, uint64_t v, unsigned n)
{
    for (unsigned i = n; i-- > 0;)
        jw_byte(w, (unsigned)(v >> (8 * i)) & 0xff);
}

static void jw_varint(struct jw *w, uint64_t v)
{
    for (int i = 0; i < 8 && v >= 0x80; i++) {
        jw_byte(w, (unsigned)(v & 0x7f) | 0x80);
        v >>= 7;
    }
    jw_byte(w, (unsigned)v);
}

static void jw_long(struct jw *w, int64_t v)
{
    if (w->compressed)
        jw_varint(w, (uint64_t)v);
    else
        jw_be(w, (uint64_t)v, 8);
}

static void jw_int(struct jw *w, int64_t v)
{
    if (w->compressed)
        jw_varint(w, (uint64_t)v);
    else
        jw_be(w, (uint64_t)v, 4);
}

static void jw_utf8(struct jw *w, const char *s)
{
    jw_byte(w, 3);
    jw_int(w, (int64_t)strlen(s));
    jw_bytes(w, s, strlen(s));
}

static void jw_latin1(struct jw *w, const char *s)
{
    jw_byte(w, 5);
    jw_int(w, (int64_t)strlen(s));
    jw_bytes(w, s, strlen(s));
}

static void jw_chars(struct jw *w, const char *s)
{
    jw_byte(w, 4);
    jw_int(w, (int64_t)strlen(s));
    for (const char *c = s; *c; c++) {
        if (w->compressed)
            jw_varint(w, (unsigned char)*c);
        else
            jw_be(w, (unsigned char)*c, 2);
    }
}

/* An event: size (counting itself), then the payload. */
static void jw_event(struct jw *w, struct jw *payload)
{
    size_t n = payload->n;
    if (w->compressed) {
        size_t size = n + 1;
        for (;;) {
            size_t len = 1;
            for (size_t v = size; v >= 0x80; v >>= 7)
                len++;
            if (len + n == size)
                break;
            size++;
        }
        jw_varint(w, size);
    } else {
        jw_be(w, n + 4, 4);
    }
    jw_bytes(w, payload->p, n);
    free(payload->p);
    payload->p = NULL;
    payload->n = payload->cap = 0;
}

/* ---- metadata ----------------------------------------------------------- */

struct strs {
    const char *s[128];
    size_t n;
};

static int64_t si(struct strs *t, const char *s)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->s[i], s) == 0)
            return (int64_t)i;
    t->s[t->n] = s;
    return (int64_t)t->n++;
}

struct fdef {
    const char *name;
    int type;       /* index into the class list below */
    bool cp, array;
};

struct cdef {
    const char *name;
    const char *super;
    struct fdef f[5];
};

enum {
    T_LONG, T_INT, T_BOOL, T_STRING, T_SYMBOL, T_CLASS, T_METHOD, T_FRAME,
    T_STACK, T_EXEC, T_ALLOC, T_PARK, T_SETTING, T_OTHER, T_N
};

static const struct cdef classes[T_N] = {
    {"long", NULL, {{0}}},
    {"int", NULL, {{0}}},
    {"boolean", NULL, {{0}}},
    {"java.lang.String", NULL, {{0}}},
    {"jdk.types.Symbol", NULL, {{"string", T_STRING, false, false}}},
    {"java.lang.Class", NULL, {{"name", T_SYMBOL, true, false}}},
    {"jdk.types.Method", NULL,
     {{"type", T_CLASS, true, false}, {"name", T_SYMBOL, true, false}}},
    {"jdk.types.StackFrame", NULL,
     {{"method", T_METHOD, true, false}, {"lineNumber", T_INT, false, false}}},
    {"jdk.types.StackTrace", NULL,
     {{"truncated", T_BOOL, false, false}, {"frames", T_FRAME, false, true}}},
    {"jdk.ExecutionSample", "jdk.jfr.Event",
     {{"startTime", T_LONG, false, false},
      {"stackTrace", T_STACK, true, false}}},
    {"jdk.ObjectAllocationSample", "jdk.jfr.Event",
     {{"startTime", T_LONG, false, false},
      {"stackTrace", T_STACK, true, false},
      {"weight", T_LONG, false, false}}},
    {"jdk.ThreadPark", "jdk.jfr.Event",
     {{"startTime", T_LONG, false, false},
      {"duration", T_LONG, false, false},
      {"stackTrace", T_STACK, true, false}}},
    {"jdk.ActiveSetting", "jdk.jfr.Event",
     {{"startTime", T_LONG, false, false},
      {"id", T_LONG, false, false},
      {"name", T_STRING, false, false},
      {"value", T_STRING, false, false}}},
    {"jdk.GarbageCollection", "jdk.jfr.Event",
     {{"startTime", T_LONG, false, false},
      {"gcId", T_INT, false, false},
      {"name", T_STRING, false, false}}},
};

static int64_t type_id(int t, int64_t base)
{
    return base + 20 + t;
}

static void metadata(struct jw *w, int64_t idbase)
{
    struct strs t = {{0}, 0};
    struct jw body = {NULL, 0, 0, w->compressed};
    char ids[T_N][24];
    /* element tree first into body (indices), then strings before it */
    si(&t, "root");
    jw_int(&body, si(&t, "root"));
    jw_int(&body, 0);
    jw_int(&body, 2);
    jw_int(&body, si(&t, "metadata"));
    jw_int(&body, 0);
    jw_int(&body, T_N);
    for (int c = 0; c < T_N; c++)
        snprintf(ids[c], sizeof(ids[c]), "%lld",
                 (long long)type_id(c, idbase));
    for (int c = 0; c < T_N; c++) {
        size_t nf = 0;
        while (nf < 5 && classes[c].f[nf].name)
            nf++;
        jw_int(&body, si(&t, "class"));
        jw_int(&body, classes[c].super ? 3 : 2);
        jw_int(&body, si(&t, "id"));
        jw_int(&body, si(&t, ids[c]));
        jw_int(&body, si(&t, "name"));
        jw_int(&body, si(&t, classes[c].name));
        if (classes[c].super) {
            jw_int(&body, si(&t, "superType"));
            jw_int(&body, si(&t, classes[c].super));
        }
        jw_int(&body, (int64_t)nf + (c == T_EXEC)); /* + one annotation */
        for (size_t k = 0; k < nf; k++) {
            const struct fdef *f = &classes[c].f[k];
            int na = 2 + f->cp + f->array;
            jw_int(&body, si(&t, "field"));
            jw_int(&body, na);
            jw_int(&body, si(&t, "name"));
            jw_int(&body, si(&t, f->name));
            jw_int(&body, si(&t, "class"));
            jw_int(&body, si(&t, ids[f->type]));
            if (f->cp) {
                jw_int(&body, si(&t, "constantPool"));
                jw_int(&body, si(&t, "true"));
            }
            if (f->array) {
                jw_int(&body, si(&t, "dimension"));
                jw_int(&body, si(&t, "1"));
            }
            jw_int(&body, 0);
        }
        if (c == T_EXEC) { /* an annotation element, ignored */
            jw_int(&body, si(&t, "annotation"));
            jw_int(&body, 1);
            jw_int(&body, si(&t, "class"));
            jw_int(&body, si(&t, ids[T_LONG]));
            jw_int(&body, 0);
        }
    }
    jw_int(&body, si(&t, "region"));
    jw_int(&body, 1);
    jw_int(&body, si(&t, "gmtOffset"));
    jw_int(&body, si(&t, "0"));
    jw_int(&body, 0);

    struct jw ev = {NULL, 0, 0, w->compressed};
    jw_long(&ev, 0);    /* type: metadata */
    jw_long(&ev, 0);    /* start */
    jw_long(&ev, 0);    /* duration */
    jw_long(&ev, 1 + idbase); /* metadata id: a new one per change */
    jw_int(&ev, (int64_t)t.n);
    for (size_t i = 0; i < t.n; i++)
        jw_utf8(&ev, t.s[i]);
    jw_bytes(&ev, body.p, body.n);
    free(body.p);
    jw_event(w, &ev);
}

/* ---- one chunk ---------------------------------------------------------- */

struct chunk_opts {
    bool compressed;
    int64_t idbase, keybase, start_nanos;
    enum jfrw_variant v;
};

static void checkpoint(struct jw *w, const struct chunk_opts *o)
{
    struct jw ev = {NULL, 0, 0, w->compressed};
    int64_t k = o->keybase, id = o->idbase;
    jw_long(&ev, 1);
    jw_long(&ev, 0);
    jw_long(&ev, 0);
    jw_long(&ev, 0);    /* delta: the only checkpoint */
    jw_byte(&ev, 1);    /* flush */
    jw_int(&ev, 5);
    /* java.lang.String: one entry, referenced by a symbol */
    jw_long(&ev, type_id(T_STRING, id));
    jw_int(&ev, 1);
    jw_long(&ev, k + 1);
    jw_utf8(&ev, "java/lang/String");
    /* symbols: Main, main (UTF-8), work (Latin-1), java/lang/String
     * (string pool), indexOf (char array) */
    jw_long(&ev, type_id(T_SYMBOL, id));
    jw_int(&ev, 5);
    jw_long(&ev, k + 1);
    jw_utf8(&ev, "Main");
    jw_long(&ev, k + 2);
    jw_utf8(&ev, "main");
    jw_long(&ev, k + 3);
    jw_latin1(&ev, "work");
    jw_long(&ev, k + 4);
    jw_byte(&ev, 2);
    jw_long(&ev, k + 1);
    jw_long(&ev, k + 5);
    jw_chars(&ev, "indexOf");
    /* classes */
    jw_long(&ev, type_id(T_CLASS, id));
    jw_int(&ev, 2);
    jw_long(&ev, k + 1);
    jw_long(&ev, k + 1);
    jw_long(&ev, k + 2);
    jw_long(&ev, k + 4);
    /* methods: Main.main, Main.work, java/lang/String.indexOf */
    jw_long(&ev, type_id(T_METHOD, id));
    jw_int(&ev, 3);
    jw_long(&ev, k + 1);
    jw_long(&ev, k + 1);
    jw_long(&ev, o->v == JFRW_CP_RANGE ? 99 : k + 2);
    jw_long(&ev, k + 2);
    jw_long(&ev, k + 1);
    jw_long(&ev, k + 3);
    jw_long(&ev, k + 3);
    jw_long(&ev, k + 2);
    jw_long(&ev, k + 5);
    /* stack traces, leaf first */
    static const int64_t st1[] = {2, 1}, st2[] = {3, 2, 1};
    jw_long(&ev, type_id(T_STACK, id));
    jw_int(&ev, 2);
    for (int s = 0; s < 2; s++) {
        const int64_t *fr = s ? st2 : st1;
        int n = s ? 3 : 2;
        jw_long(&ev, k + 1 + s);
        jw_byte(&ev, 0);
        if (s == 1 && o->v == JFRW_HUGE_COUNT) {
            jw_int(&ev, 0x7fffffff);
            continue;
        }
        jw_int(&ev, n);
        for (int f = 0; f < n; f++) {
            jw_long(&ev, k + fr[f]);
            jw_int(&ev, 10 + f);
        }
    }
    jw_event(w, &ev);
}

static void events(struct jw *w, const struct chunk_opts *o)
{
    int64_t id = o->idbase, k = o->keybase;
    const int64_t t0 = 1000, step = 100000000; /* 100 ms at 1 GHz */
    struct jw ev = {NULL, 0, 0, w->compressed};
    /* the period setting for jdk.ExecutionSample */
    jw_long(&ev, type_id(T_SETTING, id));
    jw_long(&ev, t0);
    jw_long(&ev, type_id(T_EXEC, id));
    jw_utf8(&ev, "period");
    jw_latin1(&ev, "10 ms");
    jw_event(w, &ev);
    for (int i = 0; i < 5; i++) {
        jw_long(&ev, type_id(T_EXEC, id));
        jw_long(&ev, t0 + i * step);
        int64_t st = i < 3 ? k + 1 : k + 2;
        if (o->v == JFRW_MISSING_STACK && i > 0)
            st = 7; /* 4 of the 7 events */
        if (o->v == JFRW_PREV_STACK && o->keybase && i == 0)
            st = 1; /* chunk 1's [Main.work, Main.main] */
        jw_long(&ev, st);
        jw_event(w, &ev);
    }
    if (o->v == JFRW_VARINT_OVERFLOW)
        jw_bytes(w, "\xff\xff\xff\xff\xff\x7f", 6);
    jw_long(&ev, type_id(T_ALLOC, id));
    jw_long(&ev, t0 + 5 * step);
    jw_long(&ev, k + 2);
    jw_long(&ev, 4096);
    jw_event(w, &ev);
    jw_long(&ev, type_id(T_PARK, id));
    jw_long(&ev, t0 + 6 * step);
    jw_long(&ev, 5000000);
    jw_long(&ev, k + 1);
    jw_event(w, &ev);
    jw_long(&ev, type_id(T_OTHER, id));
    jw_long(&ev, t0 + 7 * step);
    jw_int(&ev, 42);
    jw_chars(&ev, "G1 Young");
    jw_event(w, &ev);
}

static void chunk(struct jw *out, const struct chunk_opts *o)
{
    struct jw w = {NULL, 0, 0, o->compressed};
    jw_bytes(&w, o->v == JFRW_BAD_MAGIC && o->keybase ? "FLX" : "FLR", 4);
    jw_be(&w, o->v == JFRW_BAD_VERSION ? 3 : 2, 2);
    jw_be(&w, 1, 2);
    for (int i = 0; i < 7; i++) /* size, cp, metadata, nanos, duration,
                                 * ticks, ticks/s: patched below */
        jw_be(&w, 0, 8);
    jw_be(&w, 0, 3);
    jw_byte(&w, o->compressed ? 1 : 0);
    size_t meta = w.n;
    metadata(&w, o->idbase);
    size_t cp = w.n;
    checkpoint(&w, o);
    events(&w, o);
    uint64_t size = w.n + (o->v == JFRW_CHUNK_SIZE ? 1000 : 0);
    uint64_t hdr[7] = {size, cp, meta, (uint64_t)o->start_nanos,
                       800000000, 1000, 1000000000};
    for (int i = 0; i < 7; i++)
        for (int b = 0; b < 8; b++)
            w.p[8 + 8 * i + b] = (unsigned char)(hdr[i] >> (56 - 8 * b));
    jw_bytes(out, w.p, w.n);
    free(w.p);
}

const char *fg_jfrw_name(enum jfrw_variant v)
{
    static const char *const names[JFRW_N] = {
        "jfr-valid.jfr",      "jfr-truncated.jfr",   "jfr-bad-version.jfr",
        "jfr-bad-magic.jfr",  "jfr-cp-range.jfr",    "jfr-missing-stack.jfr",
        "jfr-huge-count.jfr", "jfr-chunk-size.jfr",  "jfr-varint-overflow.jfr",
        "jfr-fixed-ints.jfr",  "jfr-prev-chunk-stack.jfr",
    };
    return names[v];
}

void fg_jfrw_build(struct fg_buf *b, enum jfrw_variant v)
{
    struct jw out = {NULL, 0, 0, true};
    struct chunk_opts o = {v != JFRW_FIXED_INTS, 0, 0, JFRW_START_NANOS, v};
    chunk(&out, &o);
    if (v == JFRW_VALID || v == JFRW_BAD_MAGIC || v == JFRW_PREV_STACK) {
        struct chunk_opts o2 = {true, 1000, 100,
                                JFRW_START_NANOS + 10000000000LL, v};
        chunk(&out, &o2);
    }
    size_t n = out.n;
    if (v == JFRW_TRUNCATED)
        n = n * 2 / 3;
    if (fg_buf_add(b, out.p, n))
        abort();
    free(out.p);
}
