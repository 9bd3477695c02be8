/*
 * cpuprofile.c - V8/Chrome .cpuprofile (see cpuprofile.h).
 *
 * Node ids are arbitrary integers: they are sorted once and found by
 * binary search.  Parents come from the children lists; each node's
 * depth is computed once by walking up with a visit mark, which finds
 * cycles without recursion.
 */
#include "input/cpuprofile.h"
#include "input/build.h"
#include "input/json.h"
#include "core/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

struct idx {
    int64_t id;
    uint32_t at;
};

struct cp {
    const char *source;
    const struct fg_limits *lim;
    struct fg_error *err;
    const json_t *nodes;
    size_t n;
    struct idx *ids;     /* sorted by id */
    uint32_t *parent;    /* node index -> parent index or NONE */
    uint32_t *func;      /* node index -> function id, NONE for (root) */
    int64_t *depth;      /* frames from the node up, -1 unknown, -2 open */
};

static int cmp_idx(const void *a, const void *b)
{
    const struct idx *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int corrupt(struct cp *c, const char *fmt, ...) FG_PRINTF(2, 3);
static int corrupt(struct cp *c, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return fg_error_set(c->err, FG_EFORMAT, "%s: not a valid cpuprofile: %s",
                        c->source, what);
}

static uint32_t find(const struct cp *c, int64_t id)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->ids[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->n && c->ids[lo].id == id ? c->ids[lo].at : NONE;
}

static int64_t node_id(const struct cp *c, uint32_t i)
{
    int64_t id = 0;
    fg_json_i64(json_object_get(json_array_get(c->nodes, i), "id"), &id);
    return id;
}

static int set_parent(struct cp *c, uint32_t child, uint32_t parent)
{
    if (child == parent)
        return corrupt(c, "node %lld is its own parent",
                       (long long)node_id(c, child));
    if (c->parent[child] != NONE && c->parent[child] != parent)
        return corrupt(c, "node %lld has two parents (also %lld)",
                       (long long)node_id(c, child),
                       (long long)node_id(c, parent));
    c->parent[child] = parent;
    return FG_OK;
}

static int index_nodes(struct cp *c, struct fg_build *b)
{
    c->ids = fg_xmalloc((c->n ? c->n : 1) * sizeof(*c->ids));
    c->parent = fg_xmalloc((c->n ? c->n : 1) * sizeof(uint32_t));
    c->func = fg_xmalloc((c->n ? c->n : 1) * sizeof(uint32_t));
    c->depth = fg_xmalloc((c->n ? c->n : 1) * sizeof(int64_t));
    for (size_t i = 0; i < c->n; i++) {
        const json_t *nd = json_array_get(c->nodes, i);
        if (!fg_json_i64(json_object_get(nd, "id"), &c->ids[i].id))
            return corrupt(c, "node %lld has no integer id",
                           (long long)i);
        c->ids[i].at = (uint32_t)i;
        c->parent[i] = NONE;
        c->depth[i] = -1;
        const json_t *fn =
            json_object_get(json_object_get(nd, "callFrame"), "functionName");
        const char *name = json_is_string(fn) ? json_string_value(fn) : "";
        size_t len = json_is_string(fn) ? json_string_length(fn) : 0;
        if (len == 0) {
            name = "(anonymous)";
            len = strlen(name);
        }
        c->func[i] = NONE;
        if (len == 6 && memcmp(name, "(root)", 6) == 0)
            continue;
        int rc = fg_build_func(b, name, len, &c->func[i]);
        if (rc)
            return rc;
    }
    qsort(c->ids, c->n, sizeof(*c->ids), cmp_idx);
    for (size_t i = 1; i < c->n; i++)
        if (c->ids[i].id == c->ids[i - 1].id)
            return corrupt(c, "duplicate node id %lld",
                           (long long)c->ids[i].id);
    for (size_t i = 0; i < c->n; i++) {
        const json_t *nd = json_array_get(c->nodes, i);
        const json_t *ch = json_object_get(nd, "children");
        if (ch && !json_is_array(ch))
            return corrupt(c, "node %lld: children is not an array",
                           (long long)node_id(c, (uint32_t)i));
        for (size_t k = 0; k < json_array_size(ch); k++) {
            int64_t id;
            uint32_t j;
            if (!fg_json_i64(json_array_get(ch, k), &id) ||
                (j = find(c, id)) == NONE)
                return corrupt(c, "node %lld lists child %lld, which is not "
                                  "a node",
                               (long long)node_id(c, i),
                               fg_json_i64(json_array_get(ch, k), &id)
                                   ? (long long)id
                                   : -1LL);
            int rc = set_parent(c, j, (uint32_t)i);
            if (rc)
                return rc;
        }
        const json_t *pj = json_object_get(nd, "parent");
        if (pj) {
            int64_t id;
            uint32_t j;
            if (!fg_json_i64(pj, &id) || (j = find(c, id)) == NONE)
                return corrupt(c, "node %lld has parent %lld, which is not "
                                  "a node",
                               (long long)node_id(c, i),
                               fg_json_i64(pj, &id) ? (long long)id : -1LL);
            int rc = set_parent(c, (uint32_t)i, j);
            if (rc)
                return rc;
        }
    }
    return FG_OK;
}

/* Frames of every node up to the root; a cycle is an error. */
static int depths(struct cp *c)
{
    uint32_t *path = fg_xmalloc((c->n ? c->n : 1) * sizeof(uint32_t));
    int rc = FG_OK;
    for (size_t i = 0; i < c->n && !rc; i++) {
        size_t np = 0;
        uint32_t at = (uint32_t)i;
        int64_t base = 0;
        while (at != NONE && c->depth[at] < 0) {
            if (c->depth[at] == -2) {
                rc = corrupt(c, "the parents of node %lld form a cycle",
                             (long long)node_id(c, at));
                break;
            }
            c->depth[at] = -2;
            path[np++] = at;
            at = c->parent[at];
        }
        if (rc)
            break;
        if (at != NONE)
            base = c->depth[at];
        while (np) {
            uint32_t x = path[--np];
            base += c->func[x] != NONE;
            c->depth[x] = base;
        }
        if ((size_t)c->depth[i] > c->lim->max_depth)
            rc = fg_error_set(c->err, FG_ELIMIT,
                              "%s: a stack deeper than %zu frames (raise "
                              "the limit with --max-stack-depth)",
                              c->source, c->lim->max_depth);
    }
    free(path);
    return rc;
}

static int push_stack(struct cp *c, struct fg_build *b, uint32_t at)
{
    int rc = FG_OK;
    for (; at != NONE && !rc; at = c->parent[at])
        if (c->func[at] != NONE)
            rc = fg_build_push(b, c->func[at]);
    return rc;
}

/* A profile without samples[]: one record per node with hits. */
static int from_hitcounts(struct cp *c, struct fg_build *b)
{
    int rc = FG_OK;
    for (size_t i = 0; i < c->n && !rc; i++) {
        int64_t hits = 0;
        const json_t *h = json_object_get(json_array_get(c->nodes, i),
                                          "hitCount");
        if (h && !fg_json_i64(h, &hits))
            return corrupt(c, "node %lld: hitCount is not an integer",
                           (long long)node_id(c, (uint32_t)i));
        if (hits <= 0)
            continue;
        rc = push_stack(c, b, (uint32_t)i);
        if (!rc && fg_build_depth(b) == 0)
            continue;
        rc = rc ? rc : fg_build_end(b, &hits, false, 0);
    }
    return rc;
}

static int from_samples(struct cp *c, struct fg_build *b,
                        const json_t *samples, const json_t *deltas,
                        int64_t start)
{
    size_t ns = json_array_size(samples);
    int64_t t = start, us = 0, next = 0;
    bool timed = deltas != NULL;
    for (size_t k = 0; k < ns; k++) {
        int64_t id, dt = 0;
        uint32_t at;
        if (!fg_json_i64(json_array_get(samples, k), &id) ||
            (at = find(c, id)) == NONE)
            return corrupt(c, "sample %lld refers to node %lld, which is "
                              "not in nodes",
                           (long long)k,
                           fg_json_i64(json_array_get(samples, k), &id)
                               ? (long long)id
                               : -1LL);
        if (timed) {
            if (k == 0 &&
                !fg_json_i64(json_array_get(deltas, 0), &dt))
                return corrupt(c, "timeDeltas[%lld] is not an integer",
                               0LL);
            if (k == 0 && !fg_add_i64(t, dt, &t))
                return corrupt(c, "sample %lld: time overflows",
                               (long long)k);
            next = 0;
            if (k + 1 < ns &&
                !fg_json_i64(json_array_get(deltas, k + 1), &next))
                return corrupt(c, "timeDeltas[%lld] is not an integer",
                               (long long)k + 1);
            if (!fg_mul_i64(t, 1000, &us))
                return corrupt(c, "sample %lld: time overflows",
                               (long long)k);
        }
        int rc = push_stack(c, b, at);
        if (rc)
            return rc;
        if (fg_build_depth(b) > 0) {
            int64_t v[2] = {1, next};
            rc = fg_build_end(b, v, timed, us);
            if (rc)
                return rc;
        }
        if (timed && !fg_add_i64(t, next, &t))
            return corrupt(c, "sample %lld: time overflows",
                           (long long)k + 1);
    }
    return FG_OK;
}

int fg_cpuprofile_from_json(const json_t *root, const char *source,
                            const struct fg_limits *lim,
                            struct fg_profile **out, struct fg_error *err)
{
    struct fg_limits deflim;
    if (!lim) {
        fg_limits_default(&deflim);
        lim = &deflim;
    }
    *out = NULL;
    const json_t *prof = json_is_array(json_object_get(root, "nodes"))
                             ? root
                             : json_object_get(root, "profile");
    struct cp c;
    memset(&c, 0, sizeof(c));
    c.source = source;
    c.lim = lim;
    c.err = err;
    c.nodes = json_object_get(prof, "nodes");
    c.n = json_array_size(c.nodes);
    const json_t *samples = json_object_get(prof, "samples");
    const json_t *deltas = json_object_get(prof, "timeDeltas");
    int64_t start = 0, end = 0;
    if (!json_is_array(c.nodes))
        return fg_error_set(err, FG_EFORMAT,
                            "%s: not a valid cpuprofile: no nodes array",
                            source);
    if ((samples && !json_is_array(samples)) ||
        (deltas && !json_is_array(deltas)))
        return fg_error_set(err, FG_EFORMAT,
                            "%s: not a valid cpuprofile: samples and "
                            "timeDeltas must be arrays",
                            source);
    if (!samples)
        deltas = NULL;
    if (deltas && json_array_size(deltas) != json_array_size(samples))
        return fg_error_set(err, FG_EFORMAT,
                            "%s: not a valid cpuprofile: %zu samples but %zu "
                            "timeDeltas",
                            source, json_array_size(samples),
                            json_array_size(deltas));
    const json_t *js = json_object_get(prof, "startTime");
    const json_t *je = json_object_get(prof, "endTime");
    if ((js && !fg_json_i64(js, &start)) || (je && !fg_json_i64(je, &end)))
        return fg_error_set(err, FG_EFORMAT,
                            "%s: not a valid cpuprofile: startTime and "
                            "endTime must be integers",
                            source);
    if (c.n > lim->max_locations)
        return fg_error_set(err, FG_ELIMIT,
                            "%s: more than %zu nodes (raise the limit with "
                            "--max-locations)",
                            source, lim->max_locations);
    struct fg_build b;
    fg_build_init(&b, FG_FORMAT_CPUPROFILE, source, deltas ? 2 : 1,
                  deltas != NULL, lim, err);
    fg_build_type(&b, 0, "samples", "count");
    if (deltas)
        fg_build_type(&b, 1, "wall", "microseconds");
    int64_t t0, t1;
    if (js && fg_mul_i64(start, 1000, &t0)) {
        b.p->time_nanos = t0;
        if (je && end >= start && fg_mul_i64(end - start, 1000, &t1))
            b.p->duration_nanos = t1;
    }
    int rc = index_nodes(&c, &b);
    rc = rc ? rc : depths(&c);
    if (!rc)
        rc = samples ? from_samples(&c, &b, samples, deltas, start)
                     : from_hitcounts(&c, &b);
    free(c.ids);
    free(c.parent);
    free(c.func);
    free(c.depth);
    if (rc) {
        fg_build_release(&b);
        return rc;
    }
    return fg_build_finish(&b, true, out);
}

int fg_cpuprofile_decode(const unsigned char *data, size_t len,
                         const char *source, const struct fg_limits *lim,
                         struct fg_profile **out, struct fg_error *err)
{
    *out = NULL;
    json_t *root = NULL;
    int rc = fg_json_parse(data, len, source, lim, &root, err);
    if (rc == FG_OK)
        rc = fg_cpuprofile_from_json(root, source, lim, out, err);
    json_decref(root);
    return rc;
}
