/* flame.c - merged base/candidate stack tree (see flame.h). */
#include "flamegate/flame.h"
#include "flamegate/util.h"

#include <stdlib.h>
#include <string.h>

#define MAX_NODES (UINT32_MAX - 1u)

struct slot {
    uint32_t parent;
    uint32_t name;
    uint32_t node; /* 0 = empty (the root is never a child) */
};

/* Builder state: the tree under construction plus the (parent, name) ->
 * node hash table and the per-sample scratch arrays. */
struct builder {
    struct fg_flame *f;
    size_t cap;         /* capacity of f->nodes */
    struct slot *slots; /* the key is stored with the node index so a
                         * probe touches one cache line, not the node */
    size_t nslots;      /* power of two */
    uint32_t *path;     /* root-first name ids of the current sample */
    uint32_t *prev;     /* ... of the previous sample */
    uint32_t *nodes;    /* node index for each entry of prev */
    size_t prev_len;
    size_t path_cap;
};

static uint64_t mix(uint32_t parent, uint32_t name)
{
    uint64_t h = ((uint64_t)parent << 32) | name;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static void rehash(struct builder *b, size_t nslots)
{
    free(b->slots);
    b->slots = fg_xcalloc(nslots, sizeof(*b->slots));
    b->nslots = nslots;
    size_t mask = nslots - 1;
    for (size_t i = 1; i < b->f->n_nodes; i++) {
        const struct fg_flame_node *n = &b->f->nodes[i];
        size_t s = mix(n->parent, n->name) & mask;
        while (b->slots[s].node)
            s = (s + 1) & mask;
        b->slots[s] = (struct slot){n->parent, n->name, (uint32_t)i};
    }
}

/* Index of the child of parent named name, created when absent. */
static int child(struct builder *b, uint32_t parent, uint32_t name,
                 uint32_t *out, struct fg_error *err)
{
    struct fg_flame *f = b->f;
    size_t mask = b->nslots - 1;
    size_t s = mix(parent, name) & mask;
    while (b->slots[s].node) {
        if (b->slots[s].parent == parent && b->slots[s].name == name) {
            *out = b->slots[s].node;
            return FG_OK;
        }
        s = (s + 1) & mask;
    }
    if (f->n_nodes >= MAX_NODES)
        return fg_error_set(err, FG_ELIMIT,
                            "stack tree exceeds %u nodes", MAX_NODES);
    f->nodes = fg_xgrow(f->nodes, &b->cap, f->n_nodes + 1,
                        sizeof(*f->nodes));
    uint32_t i = (uint32_t)f->n_nodes++;
    struct fg_flame_node *n = &f->nodes[i];
    memset(n, 0, sizeof(*n));
    n->name = name;
    n->parent = parent;
    n->depth = f->nodes[parent].depth + 1;
    if (n->depth > f->max_depth)
        f->max_depth = n->depth;
    b->slots[s] = (struct slot){parent, name, i};
    if (f->n_nodes * 2 > b->nslots)
        rehash(b, b->nslots * 2);
    *out = i;
    return FG_OK;
}

static int add(int64_t *acc, int64_t v, struct fg_error *err)
{
    if (__builtin_add_overflow(*acc, v, acc))
        return fg_error_set(err, FG_EFORMAT, "stack tree value overflows");
    return FG_OK;
}

static int add_value(struct fg_flame_node *n, bool cand, int64_t v,
                     struct fg_error *err)
{
    return add(cand ? &n->cand : &n->base, v, err);
}

/* Root-first name ids of sample s into b->path; returns the depth. */
static size_t sample_path(struct builder *b, const struct fg_profile *p,
                          const uint32_t *ids, size_t s)
{
    size_t depth = 0;
    for (uint32_t l = p->sample_start[s]; l < p->sample_start[s + 1]; l++) {
        uint32_t loc = p->sample_locs[l];
        depth += p->loc_start[loc + 1] - p->loc_start[loc];
    }
    if (depth > b->path_cap) {
        size_t cap = b->path_cap;
        b->path = fg_xgrow(b->path, &cap, depth, sizeof(uint32_t));
        cap = b->path_cap;
        b->prev = fg_xgrow(b->prev, &cap, depth, sizeof(uint32_t));
        cap = b->path_cap;
        b->nodes = fg_xgrow(b->nodes, &cap, depth, sizeof(uint32_t));
        b->path_cap = cap;
    }
    /* The model is leaf first (locations, and frames innermost first), so
     * filling from the end gives the root-first path. */
    size_t at = depth;
    for (uint32_t l = p->sample_start[s]; l < p->sample_start[s + 1]; l++) {
        uint32_t loc = p->sample_locs[l];
        for (uint32_t j = p->loc_start[loc]; j < p->loc_start[loc + 1]; j++)
            b->path[--at] = ids[p->loc_frames[j]];
    }
    return depth;
}

static int add_sample(struct builder *b, size_t depth, int64_t v, bool cand,
                      struct fg_error *err)
{
    struct fg_flame *f = b->f;
    size_t same = 0;
    while (same < depth && same < b->prev_len &&
           b->path[same] == b->prev[same])
        same++;
    int rc = add_value(&f->nodes[0], cand, v, err);
    for (size_t i = 0; i < depth && rc == FG_OK; i++) {
        if (i >= same) {
            uint32_t parent = i ? b->nodes[i - 1] : 0;
            rc = child(b, parent, b->path[i], &b->nodes[i], err);
            b->prev[i] = b->path[i];
        }
        if (rc == FG_OK)
            rc = add_value(&f->nodes[b->nodes[i]], cand, v, err);
    }
    if (rc != FG_OK) {
        b->prev_len = 0;
        return rc;
    }
    b->prev_len = depth;
    struct fg_flame_node *leaf = &f->nodes[depth ? b->nodes[depth - 1] : 0];
    return add(cand ? &leaf->cand_self : &leaf->base_self, v, err);
}

static int add_profile(struct builder *b, const struct fg_profile *p,
                       size_t type, bool cand, struct fg_error *err)
{
    if (type >= p->n_types)
        return fg_error_set(err, FG_EUSAGE,
                            "'%s' has no sample type number %zu",
                            p->source ? p->source : "profile", type);
    uint32_t *ids = fg_xmalloc((p->n_funcs ? p->n_funcs : 1) *
                               sizeof(uint32_t));
    for (size_t i = 0; i < p->n_funcs; i++) {
        const char *name = p->func_names[i] ? p->func_names[i] : "";
        ids[i] = fg_strtab_intern_copy(&b->f->names, name, strlen(name));
    }
    b->prev_len = 0; /* ids differ between profiles */
    int rc = FG_OK;
    for (size_t s = 0; s < p->n_samples && rc == FG_OK; s++) {
        int64_t v = p->values[s * p->n_types + type];
        if (v == 0)
            continue;
        size_t depth = sample_path(b, p, ids, s);
        rc = add_sample(b, depth, v, cand, err);
    }
    free(ids);
    return rc;
}

struct name_key {
    const char *s;
    uint32_t len;
    uint32_t id;
};

static int cmp_names(const void *x, const void *y)
{
    const struct name_key *a = x, *b = y;
    int c = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);
    if (c)
        return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

struct kid_key {
    uint32_t rank;
    uint32_t node;
};

static int cmp_kids(const void *x, const void *y)
{
    const struct kid_key *a = x, *b = y;
    return a->rank < b->rank ? -1 : a->rank > b->rank;
}

/* rank[id] = position of name id in byte order. */
static uint32_t *name_ranks(const struct fg_strtab *t)
{
    size_t n = t->n ? t->n : 1;
    struct name_key *keys = fg_xmalloc(n * sizeof(*keys));
    for (size_t i = 0; i < t->n; i++) {
        keys[i].s = t->strs[i];
        keys[i].len = t->lens[i];
        keys[i].id = (uint32_t)i;
    }
    qsort(keys, t->n, sizeof(*keys), cmp_names);
    uint32_t *rank = fg_xmalloc(n * sizeof(uint32_t));
    for (size_t i = 0; i < t->n; i++)
        rank[keys[i].id] = (uint32_t)i;
    free(keys);
    return rank;
}

/* Child lists in CSR form, each sorted by name so the output does not
 * depend on the order samples were seen (flamegraph.pl sorts the same). */
static void link_children(struct fg_flame *f)
{
    for (size_t i = 1; i < f->n_nodes; i++)
        f->nodes[f->nodes[i].parent].n_children++;
    uint32_t at = 0;
    for (size_t i = 0; i < f->n_nodes; i++) {
        f->nodes[i].child_start = at;
        at += f->nodes[i].n_children;
        f->nodes[i].n_children = 0;
    }
    size_t nk = f->n_nodes > 1 ? f->n_nodes - 1 : 1;
    uint32_t *rank = name_ranks(&f->names);
    struct kid_key *keys = fg_xmalloc(nk * sizeof(*keys));
    for (size_t i = 1; i < f->n_nodes; i++) {
        struct fg_flame_node *p = &f->nodes[f->nodes[i].parent];
        struct kid_key *kk = &keys[p->child_start + p->n_children++];
        kk->rank = rank[f->nodes[i].name];
        kk->node = (uint32_t)i;
    }
    f->kids = fg_xmalloc(nk * sizeof(uint32_t));
    for (size_t i = 0; i < f->n_nodes; i++) {
        struct fg_flame_node *n = &f->nodes[i];
        if (n->n_children > 1)
            qsort(keys + n->child_start, n->n_children, sizeof(*keys),
                  cmp_kids);
    }
    for (size_t i = 0; i + 1 < f->n_nodes; i++)
        f->kids[i] = keys[i].node;
    free(keys);
    free(rank);
}

static int add_side(struct builder *b, struct fg_profile *const *ps,
                    size_t n, size_t type, bool cand, struct fg_error *err)
{
    int rc = FG_OK;
    for (size_t i = 0; i < n && rc == FG_OK; i++)
        rc = add_profile(b, ps[i], type, cand, err);
    return rc;
}

int fg_flame_build(struct fg_profile *const *base, size_t k,
                   struct fg_profile *const *cand, size_t m,
                   size_t base_type, size_t cand_type, struct fg_flame **out,
                   struct fg_error *err)
{
    struct builder b;
    memset(&b, 0, sizeof(b));
    struct fg_flame *f = fg_xcalloc(1, sizeof(*f));
    fg_strtab_init(&f->names);
    b.f = f;
    b.cap = 1024;
    f->nodes = fg_xcalloc(b.cap, sizeof(*f->nodes));
    f->n_nodes = 1;
    f->nodes[0].name = FG_FLAME_NONE;
    f->nodes[0].parent = FG_FLAME_NONE;
    rehash(&b, 2048);
    f->base_runs = k;
    f->cand_runs = m;

    int rc = add_side(&b, base, k, base_type, false, err);
    if (rc == FG_OK)
        rc = add_side(&b, cand, m, cand_type, true, err);
    if (rc != FG_OK)
        goto out;
    link_children(f);
    f->base_total = f->nodes[0].base;
    f->cand_total = f->nodes[0].cand;
    const struct fg_profile *first = k ? base[0] : m ? cand[0] : NULL;
    size_t t = k ? base_type : cand_type;
    f->sample_type = fg_xstrdup(first ? first->types[t].type : "");
    f->unit = fg_xstrdup(first ? first->types[t].unit : "");
    *out = f;
    f = NULL;
out:
    fg_flame_free(f);
    free(b.slots);
    free(b.path);
    free(b.prev);
    free(b.nodes);
    return rc;
}

void fg_flame_free(struct fg_flame *f)
{
    if (!f)
        return;
    free(f->nodes);
    free(f->kids);
    fg_strtab_release(&f->names);
    free(f->sample_type);
    free(f->unit);
    free(f);
}

const char *fg_flame_node_name(const struct fg_flame *f, size_t i)
{
    uint32_t n = f->nodes[i].name;
    return n == FG_FLAME_NONE ? "" : f->names.strs[n];
}
