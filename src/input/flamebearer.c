/*
 * flamebearer.c - Pyroscope flame-graph JSON (see flamebearer.h).
 *
 * The levels are copied once into int64 arrays (checked while copying),
 * then each side is decoded on its own: absolute offsets per level, the
 * parent of every node by binary search on the level above (offsets never
 * decrease along a level), and one sample per node with self > 0 whose
 * stack follows the parents up to level 1.  That is O(nodes log width)
 * plus the frames written, whatever the depth.
 */
#include "input/flamebearer.h"
#include "core/arena.h"
#include "flamegate/aggregate.h"
#include "input/build.h"
#include "input/json.h"
#include "core/util.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct level {
    int64_t *v;     /* the level's numbers, chunk per node */
    size_t nodes;
    int64_t *x;     /* absolute offsets of the side being decoded */
    uint32_t *up;   /* parent index on the level above */
};

struct fb {
    const char *source;
    const struct fg_limits *lim;
    struct fg_error *err;
    size_t chunk;           /* 4 single, 7 double */
    size_t nlevels;
    struct level *lv;
    const json_t *names;
    size_t nnames;
    /* sample types */
    size_t ntypes;
    const char *type[2], *unit[2];
    int64_t rate;           /* 0.37 samples: 1e9 / rate per sample */
    bool counts_and_ns;
};

static int bad(struct fb *f, const char *what, size_t level, size_t node)
{
    return fg_error_set(f->err, FG_EFORMAT,
                        "%s: not valid flame-graph JSON: level %zu node "
                        "%zu: %s",
                        f->source, level, node, what);
}

/* metadata.name when it can name a sample type (v1 writes the type). */
static const char *plain_name(const char *s)
{
    if (!s || !*s || strlen(s) > 64)
        return NULL;
    for (const char *c = s; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("_.-:", *c))
            return NULL;
    return s;
}

static void map_units(struct fb *f, const char *units, int64_t rate,
                      const char *name)
{
    const char *n = plain_name(name);
    f->ntypes = 1;
    if (!units || !*units || strcmp(units, "samples") == 0) {
        if (rate >= 1000000) {
            f->type[0] = n ? n : "cpu";
            f->unit[0] = "nanoseconds";
        } else {
            f->type[0] = "samples";
            f->unit[0] = "count";
            if (rate > 0) {
                f->ntypes = 2;
                f->type[1] = "cpu";
                f->unit[1] = "nanoseconds";
                f->rate = rate;
                f->counts_and_ns = true;
            }
        }
        return;
    }
    static const struct {
        const char *units, *type, *unit;
    } map[] = {{"objects", "objects", "count"},
               {"goroutines", "goroutines", "count"},
               {"lock_samples", "lock_samples", "count"},
               {"bytes", "space", "bytes"},
               {"lock_nanoseconds", "lock_duration", "nanoseconds"}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(units, map[i].units) == 0) {
            f->type[0] = n ? n : map[i].type;
            f->unit[0] = map[i].unit;
            return;
        }
    }
    f->type[0] = n ? n : "value";
    f->unit[0] = units;
}

/* Copy and check every level; names checked here once. */
static int load_levels(struct fb *f, const json_t *levels)
{
    f->nlevels = json_array_size(levels);
    if (f->nlevels > f->lim->max_depth + 1)
        return fg_error_set(f->err, FG_ELIMIT,
                            "%s: a flame graph deeper than %zu levels (raise "
                            "the limit with --max-stack-depth)",
                            f->source, f->lim->max_depth);
    f->lv = fg_xcalloc(f->nlevels ? f->nlevels : 1, sizeof(*f->lv));
    for (size_t i = 0; i < f->nlevels; i++) {
        const json_t *a = json_array_get(levels, i);
        if (!json_is_array(a))
            return bad(f, "the level is not an array", i, 0);
        size_t len = json_array_size(a);
        if (len % f->chunk)
            return fg_error_set(f->err, FG_EFORMAT,
                                "%s: not valid flame-graph JSON: level %zu "
                                "has %zu numbers, not a multiple of %zu",
                                f->source, i, len, f->chunk);
        struct level *l = &f->lv[i];
        l->nodes = len / f->chunk;
        l->v = fg_xmalloc((len ? len : 1) * sizeof(int64_t));
        l->x = fg_xmalloc((l->nodes ? l->nodes : 1) * sizeof(int64_t));
        l->up = fg_xmalloc((l->nodes ? l->nodes : 1) * sizeof(uint32_t));
        for (size_t k = 0; k < len; k++) {
            if (!fg_json_i64(json_array_get(a, k), &l->v[k]))
                return bad(f, "a value is not an integer", i, k / f->chunk);
            if (l->v[k] < 0)
                return bad(f, "negative value", i, k / f->chunk);
        }
        for (size_t k = 0; k < l->nodes; k++) {
            int64_t ni = l->v[k * f->chunk + f->chunk - 1];
            if ((uint64_t)ni >= f->nnames) {
                char what[96];
                snprintf(what, sizeof(what),
                         "name index %lld but names has %zu entries",
                         (long long)ni, f->nnames);
                return bad(f, what, i, k);
            }
        }
    }
    return FG_OK;
}

/* Absolute offsets and parents of side s (0 left/single, 1 right). */
static int link_side(struct fb *f, size_t s)
{
    size_t o = s * 3, c = f->chunk;
    for (size_t i = 0; i < f->nlevels; i++) {
        struct level *l = &f->lv[i];
        int64_t end = 0;
        for (size_t k = 0; k < l->nodes; k++) {
            const int64_t *n = l->v + k * c + o;
            if (n[2] > n[1])
                return bad(f, "self larger than total", i, k);
            if (!fg_add_i64(end, n[0], &l->x[k]) ||
                !fg_add_i64(l->x[k], n[1], &end))
                return bad(f, "offsets overflow", i, k);
        }
        if (i < 2)
            continue; /* level 1 hangs from the root, which is no frame */
        const struct level *u = &f->lv[i - 1];
        for (size_t k = 0; k < l->nodes; k++) {
            int64_t x = l->x[k], t = l->v[k * c + o + 1];
            if (t == 0) {
                l->up[k] = UINT32_MAX; /* absent on this side */
                continue;
            }
            size_t lo = 0, hi = u->nodes; /* first node starting after x */
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (u->x[mid] <= x)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo == 0)
                return bad(f, "no node of the level above starts at or "
                              "before it",
                           i, k);
            size_t p = lo - 1;
            int64_t pend = u->x[p] + u->v[p * c + o + 1];
            if (x + t > pend)
                return bad(f, "it lies outside its parent (corrupt "
                              "offsets)",
                           i, k);
            l->up[k] = (uint32_t)p;
        }
    }
    return FG_OK;
}

static int name_id(struct fb *f, struct fg_build *b, size_t level,
                   size_t node, uint32_t *id)
{
    int64_t ni = f->lv[level].v[node * f->chunk + f->chunk - 1];
    const json_t *s = json_array_get(f->names, (size_t)ni);
    if (!json_is_string(s))
        return bad(f, "its name is not a string", level, node);
    return fg_build_func(b, json_string_value(s), json_string_length(s), id);
}

static int side_values(struct fb *f, int64_t self, int64_t *v)
{
    v[0] = self;
    if (!f->counts_and_ns)
        return FG_OK;
    if (1000000000 % f->rate == 0) {
        if (!fg_mul_i64(self, 1000000000 / f->rate, &v[1]))
            return fg_error_set(f->err, FG_EFORMAT,
                                "%s: sample count %lld overflows as "
                                "nanoseconds",
                                f->source, (long long)self);
        return FG_OK;
    }
    double ns = round((double)self * 1e9 / (double)f->rate);
    if (!(ns < 9.2e18))
        return fg_error_set(f->err, FG_EFORMAT,
                            "%s: sample count %lld overflows as nanoseconds",
                            f->source, (long long)self);
    v[1] = (int64_t)ns;
    return FG_OK;
}

/* The server cut the tree at its max-nodes: say how much is lost. */
static void warn_pruned(struct fg_profile *p)
{
    struct fg_agg a;
    struct fg_error err;
    uint32_t f = fg_strtab_find(&p->func_index, "other", 5);
    double share = 0;
    if (fg_aggregate_type(p, p->default_type, &a, &err) == FG_OK) {
        if (a.total > 0)
            share = (double)a.flat[f] / (double)a.total;
        fg_agg_release(&a);
    }
    char *w = fg_xasprintf("%s: the flame graph was pruned at the server's "
                           "max-nodes: 'other' holds %.1f%% of it, whose "
                           "functions are not known (render it again with "
                           "a larger max-nodes)",
                           p->source, 100.0 * share);
    p->warning = fg_arena_strndup(p->arena, w, strlen(w));
    free(w);
}

static int build_side(struct fb *f, size_t s, size_t nsides,
                      struct fg_profile **out)
{
    *out = NULL;
    int rc = link_side(f, s);
    if (rc)
        return rc;
    char *name = nsides == 1 ? fg_xstrdup(f->source)
                             : fg_xasprintf("%s (%s side)", f->source,
                                            s ? "candidate" : "base");
    struct fg_build b;
    fg_build_init(&b, FG_FORMAT_FLAMEBEARER, name, f->ntypes, false, f->lim,
                  f->err);
    free(name);
    for (size_t t = 0; t < f->ntypes; t++)
        fg_build_type(&b, t, f->type[t], f->unit[t]);
    if (f->counts_and_ns) {
        b.p->period_type.type = "cpu";
        b.p->period_type.unit = "nanoseconds";
        b.p->period = (int64_t)llround(1e9 / (double)f->rate);
    }
    size_t o = s * 3, c = f->chunk;
    for (size_t i = 1; i < f->nlevels && !rc; i++) {
        for (size_t k = 0; k < f->lv[i].nodes && !rc; k++) {
            int64_t self = f->lv[i].v[k * c + o + 2];
            if (self <= 0)
                continue;
            size_t node = k;
            uint32_t id;
            for (size_t j = i; j >= 1 && !rc; j--) {
                rc = name_id(f, &b, j, node, &id);
                rc = rc ? rc : fg_build_push(&b, id);
                if (j > 1)
                    node = f->lv[j].up[node];
            }
            int64_t v[2];
            rc = rc ? rc : side_values(f, self, v);
            rc = rc ? rc : fg_build_end(&b, v, false, 0);
        }
    }
    if (rc) {
        fg_build_release(&b);
        return rc;
    }
    rc = fg_build_finish(&b, true, out);
    if (rc == FG_OK && fg_flamebearer_pruned(*out))
        warn_pruned(*out);
    return rc;
}

static const char *str_member(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int fg_flamebearer_from_json(const json_t *root, const char *source,
                             const struct fg_limits *lim,
                             struct fg_profile *out[2], size_t *n,
                             struct fg_error *err)
{
    struct fg_limits deflim;
    if (!lim) {
        fg_limits_default(&deflim);
        lim = &deflim;
    }
    out[0] = out[1] = NULL;
    *n = 0;
    struct fb f;
    memset(&f, 0, sizeof(f));
    f.source = source;
    f.lim = lim;
    f.err = err;
    const json_t *fbj = json_object_get(root, "flamebearer");
    const json_t *levels = json_object_get(fbj, "levels");
    f.names = json_object_get(fbj, "names");
    if (!json_is_object(fbj) || !json_is_array(levels) ||
        !json_is_array(f.names))
        return fg_error_set(err, FG_EFORMAT,
                            "%s: not valid flame-graph JSON: \"flamebearer\" "
                            "needs \"names\" and \"levels\" arrays",
                            source);
    f.nnames = json_array_size(f.names);
    /* v1 files keep the metadata beside the flame graph; older servers
     * put its fields inside it. */
    const json_t *meta = json_object_get(root, "metadata");
    if (!json_is_object(meta))
        meta = fbj;
    const char *format = str_member(meta, "format");
    if (!format)
        format = str_member(fbj, "format");
    bool two = format ? strcmp(format, "double") == 0
                      : json_object_get(root, "leftTicks") != NULL;
    if (format && !two && strcmp(format, "single") != 0)
        return fg_error_set(err, FG_EFORMAT,
                            "%s: unknown flame-graph format '%s' (single or "
                            "double)",
                            source, format);
    f.chunk = two ? 7 : 4;
    int64_t rate = 0;
    const json_t *jr = json_object_get(meta, "sampleRate");
    if (jr && (!fg_json_i64(jr, &rate) || rate < 0))
        return fg_error_set(err, FG_EFORMAT,
                            "%s: metadata.sampleRate is not a non-negative "
                            "integer",
                            source);
    map_units(&f, str_member(meta, "units"), rate,
              str_member(meta, "name"));
    int rc = load_levels(&f, levels);
    size_t nsides = two ? 2 : 1;
    for (size_t s = 0; s < nsides && !rc; s++)
        rc = build_side(&f, s, nsides, &out[s]);
    for (size_t i = 0; i < f.nlevels && f.lv; i++) {
        free(f.lv[i].v);
        free(f.lv[i].x);
        free(f.lv[i].up);
    }
    free(f.lv);
    if (rc) {
        fg_profile_free(out[0]);
        fg_profile_free(out[1]);
        out[0] = out[1] = NULL;
        return rc;
    }
    *n = nsides;
    return FG_OK;
}

int fg_flamebearer_decode(const unsigned char *data, size_t len,
                          const char *source, const struct fg_limits *lim,
                          struct fg_profile *out[2], size_t *n,
                          struct fg_error *err)
{
    out[0] = out[1] = NULL;
    *n = 0;
    json_t *root = NULL;
    int rc = fg_json_parse(data, len, source, lim, &root, err);
    if (rc == FG_OK)
        rc = fg_flamebearer_from_json(root, source, lim, out, n, err);
    json_decref(root);
    return rc;
}

bool fg_flamebearer_pruned(const struct fg_profile *p)
{
    return fg_strtab_find(&p->func_index, "other", 5) != UINT32_MAX;
}
