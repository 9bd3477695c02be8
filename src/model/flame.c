/* flame.c - merged base/candidate stack tree (see flame.h). */
#include "flamegate/flame.h"
#include "core/strsort.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

#define MAX_NODES (UINT32_MAX - 1u)
/* Samples walked at once.  Each probe of the slot table is a cache miss
 * on a large tree; interleaving several samples and prefetching the next
 * slot of each overlaps those misses (about 2x faster on 1M stacks). */
#define LANES 8

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

struct slot {
    uint32_t parent;
    uint32_t name;
    uint32_t node; /* 0 = empty (the root is never a child) */
};

/* One sample being walked root to leaf. */
struct lane {
    uint32_t *path;  /* root-first name ids */
    uint32_t *nodes; /* nodes[j]: node of path[0..j], valid for j < i */
    uint32_t *tmp;   /* the next sample's path, before the swap */
    size_t cap;
    size_t depth;
    size_t i;        /* next level to resolve */
    uint64_t h;      /* hash of (parent, path[i]), already prefetched */
    int64_t v;
    bool cand;
    bool busy;
};

/* Builder state: the tree under construction, the (parent, name) -> node
 * hash table, and the lanes. */
struct builder {
    struct fg_flame *f;
    size_t cap;         /* capacity of f->nodes */
    struct slot *slots; /* the key is stored with the node index so a
                         * probe touches one cache line, not the node */
    size_t nslots;      /* power of two */
    struct lane lanes[LANES];
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

/* Index of the child of parent named name (h = mix(parent, name)),
 * created at depth when absent. */
static int child(struct builder *b, uint32_t parent, uint32_t name,
                 uint64_t h, size_t depth, uint32_t *out,
                 struct fg_error *err)
{
    struct fg_flame *f = b->f;
    size_t mask = b->nslots - 1;
    size_t s = h & mask;
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
    n->depth = (uint32_t)depth;
    if (depth > f->max_depth)
        f->max_depth = depth;
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

/* Only the stack's last node gets the value here (as self); totals are
 * summed bottom-up once at the end, so a frame costs one probe of the
 * slot table and no write to the node. */
static int finish(struct builder *b, struct lane *l, struct fg_error *err)
{
    struct fg_flame_node *leaf =
        &b->f->nodes[l->depth ? l->nodes[l->depth - 1] : 0];
    l->busy = false;
    return add(l->cand ? &leaf->cand_self : &leaf->base_self, l->v, err);
}

static void aim(struct builder *b, struct lane *l)
{
    uint32_t parent = l->i ? l->nodes[l->i - 1] : 0;
    l->h = mix(parent, l->path[l->i]);
    PREFETCH(&b->slots[l->h & (b->nslots - 1)]);
}

/* Put sample s in the lane.  The model is leaf first (locations, and
 * frames innermost first), so filling from the end gives the root-first
 * path; the prefix shared with the lane's previous sample keeps its
 * nodes. */
static int load(struct builder *b, struct lane *l, const struct fg_profile *p,
                const uint32_t *ids, size_t s, size_t type, bool cand,
                struct fg_error *err)
{
    size_t depth = 0;
    for (uint32_t k = p->sample_start[s]; k < p->sample_start[s + 1]; k++) {
        uint32_t loc = p->sample_locs[k];
        depth += p->loc_start[loc + 1] - p->loc_start[loc];
    }
    if (depth > l->cap) {
        size_t cap = l->cap;
        l->tmp = fg_xgrow(l->tmp, &cap, depth, sizeof(uint32_t));
        cap = l->cap;
        l->path = fg_xgrow(l->path, &cap, depth, sizeof(uint32_t));
        cap = l->cap;
        l->nodes = fg_xgrow(l->nodes, &cap, depth, sizeof(uint32_t));
        l->cap = cap;
    }
    size_t at = depth;
    for (uint32_t k = p->sample_start[s]; k < p->sample_start[s + 1]; k++) {
        uint32_t loc = p->sample_locs[k];
        for (uint32_t j = p->loc_start[loc]; j < p->loc_start[loc + 1]; j++)
            l->tmp[--at] = ids[p->loc_frames[j]];
    }
    size_t same = 0;
    while (same < depth && same < l->depth && l->tmp[same] == l->path[same])
        same++;
    uint32_t *t = l->path;
    l->path = l->tmp;
    l->tmp = t;
    l->depth = depth;
    l->i = same;
    l->v = p->values[s * p->n_types + type];
    l->cand = cand;
    l->busy = true;
    if (l->i == depth)
        return finish(b, l, err);
    aim(b, l);
    return FG_OK;
}

static int step(struct builder *b, struct lane *l, struct fg_error *err)
{
    uint32_t parent = l->i ? l->nodes[l->i - 1] : 0;
    int rc = child(b, parent, l->path[l->i], l->h, l->i + 1,
                   &l->nodes[l->i], err);
    if (rc != FG_OK)
        return rc;
    if (++l->i == l->depth)
        return finish(b, l, err);
    aim(b, l);
    return FG_OK;
}

/* Loading a sample is three dependent random reads per frame (location,
 * frame, name id) into arrays larger than the cache: they are requested
 * for samples PF_FAR, PF_MID and PF_NEAR ahead, each stage once the
 * previous one's data has arrived. */
#define PF_FAR 24
#define PF_MID 16
#define PF_NEAR 8

static void prefetch_sample(const struct fg_profile *p, const uint32_t *ids,
                            size_t s)
{
    if (s + PF_FAR < p->n_samples)
        for (uint32_t k = p->sample_start[s + PF_FAR];
             k < p->sample_start[s + PF_FAR + 1]; k++)
            PREFETCH(&p->loc_start[p->sample_locs[k]]);
    if (s + PF_MID < p->n_samples)
        for (uint32_t k = p->sample_start[s + PF_MID];
             k < p->sample_start[s + PF_MID + 1]; k++)
            PREFETCH(&p->loc_frames[p->loc_start[p->sample_locs[k]]]);
    if (s + PF_NEAR < p->n_samples)
        for (uint32_t k = p->sample_start[s + PF_NEAR];
             k < p->sample_start[s + PF_NEAR + 1]; k++) {
            uint32_t loc = p->sample_locs[k];
            if (p->loc_start[loc] < p->loc_start[loc + 1])
                PREFETCH(&ids[p->loc_frames[p->loc_start[loc]]]);
        }
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
        size_t len = strlen(name);
        ids[i] = fg_strtab_intern_copy_hashed(
            &b->f->names, name, len, fg_profile_name_hash(p, i, name, len));
    }
    int rc = FG_OK;
    size_t s = 0;
    bool any = true;
    while (any && rc == FG_OK) {
        any = false;
        for (size_t k = 0; k < LANES && rc == FG_OK; k++) {
            struct lane *l = &b->lanes[k];
            if (l->busy) {
                rc = step(b, l, err);
                any = true;
                continue;
            }
            while (s < p->n_samples && p->values[s * p->n_types + type] == 0)
                s++;
            if (s < p->n_samples) {
                prefetch_sample(p, ids, s);
                rc = load(b, l, p, ids, s++, type, cand, err);
                any = true;
            }
        }
    }
    free(ids);
    return rc;
}

/* Node totals from the self values: a node is created after its parent,
 * so one pass from the last node to the first adds each into its parent. */
static int sum_totals(struct fg_flame *f, struct fg_error *err)
{
    for (size_t i = 0; i < f->n_nodes; i++) {
        f->nodes[i].base = f->nodes[i].base_self;
        f->nodes[i].cand = f->nodes[i].cand_self;
    }
    for (size_t i = f->n_nodes; i-- > 1;) {
        struct fg_flame_node *n = &f->nodes[i], *p = &f->nodes[n->parent];
        int rc = add(&p->base, n->base, err);
        if (rc == FG_OK)
            rc = add(&p->cand, n->cand, err);
        if (rc != FG_OK)
            return rc;
    }
    return FG_OK;
}

/* rank[id] = position of name id in byte order (no name holds a NUL:
 * they were interned by strlen). */
static uint32_t *name_ranks(const struct fg_strtab *t)
{
    size_t n = t->n ? t->n : 1;
    struct fg_strsort_ent *keys = fg_xmalloc(n * sizeof(*keys));
    for (size_t i = 0; i < t->n; i++) {
        keys[i].s = (const unsigned char *)t->strs[i];
        keys[i].id = (uint32_t)i;
    }
    fg_strsort(keys, t->n);
    uint32_t *rank = fg_xmalloc(n * sizeof(uint32_t));
    for (size_t i = 0; i < t->n; i++)
        rank[keys[i].id] = (uint32_t)i;
    free(keys);
    return rank;
}

/* Child lists in CSR form, each sorted by name so the output does not
 * depend on the order samples were seen (flamegraph.pl sorts the same):
 * the nodes are put in name order by a counting sort on the names' ranks,
 * then appended to their parents' lists in that order, so every list
 * comes out sorted without a comparison sort per node. */
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
    size_t nn = f->names.n;
    uint32_t *rank = name_ranks(&f->names);
    uint32_t *first = fg_xcalloc(nn + 1, sizeof(uint32_t));
    for (size_t i = 1; i < f->n_nodes; i++)
        first[rank[f->nodes[i].name] + 1]++;
    for (size_t r = 0; r < nn; r++)
        first[r + 1] += first[r];
    uint32_t *by_name = fg_xmalloc(nk * sizeof(uint32_t));
    for (size_t i = 1; i < f->n_nodes; i++)
        by_name[first[rank[f->nodes[i].name]]++] = (uint32_t)i;
    free(first);
    free(rank);
    f->kids = fg_xmalloc(nk * sizeof(uint32_t));
    for (size_t k = 0; k + 1 < f->n_nodes; k++) {
        uint32_t i = by_name[k];
        struct fg_flame_node *p = &f->nodes[f->nodes[i].parent];
        f->kids[p->child_start + p->n_children++] = i;
    }
    free(by_name);
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
    if (rc == FG_OK)
        rc = sum_totals(f, err);
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
    for (size_t i = 0; i < LANES; i++) {
        free(b.lanes[i].path);
        free(b.lanes[i].nodes);
        free(b.lanes[i].tmp);
    }
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
