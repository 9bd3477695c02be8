/* synth.c - synthetic profile generator (see tests/lib/synth.h). */
#include "synth.h"
#include "core/arena.h"
#include "core/util.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FUNCS 50000000
#define MAX_STACKS 50000000
#define MAX_DEPTH_CAP 4096

/* Shape of the tree.  The probabilities are per node; see synth.h. */
#define P_SELF 0.10     /* an inner node is also the end of a stack */
#define P_REC 0.01      /* a call is recursive */
#define P_INLINE 0.08   /* a new location gets an inlined callee frame */
#define P_FRESH 0.5     /* use a not yet used function while there is one */
#define SPLIT_SHAPE 0.7 /* Gamma shape of sibling subtree sizes (< 1: skew) */
#define SITES 3         /* call sites per (caller, callee): 0..SITES-1 */
#define REC_SITE 7      /* call site reserved for recursive calls */
#define SITE_BLOCK 8    /* sites of sibling j live in block j / pool size */

struct fg_synth_tree {
    struct fg_arena *arena; /* names */
    size_t n_funcs;
    const char **names;     /* = index.strs */
    struct fg_strtab index;
    size_t n_locs;
    uint32_t *loc_start;    /* n_locs + 1 */
    uint32_t *loc_frames;   /* innermost first */
    size_t n_inlined;
    size_t n_stacks;
    uint32_t *stack_start;  /* n_stacks + 1 */
    uint32_t *stack_locs;   /* leaf first */
    uint32_t *leaf;         /* stack -> leaf function */
    double *weight;         /* stack -> expected weight, sums to 1 */
    double *latent;         /* stack -> weight added only in runs with
                             * latent (a new subtree), or NULL */
    size_t latent_first;    /* first stack of the subtree (node 0) */
    double latent_total;    /* their weight: share * the caller's cum */
    double *flat;           /* function -> expected flat share */
    size_t n_recursive;
    size_t max_depth;
};

/* Function names.  The first indices are fixed (roots, hot runtime leaves,
 * names that need escaping) when F is large enough; the rest combine the
 * word lists below like Go symbols. */
static const char *const root_names[] = {
    "runtime.goexit", "runtime.main", "runtime.mstart",
};
static const char *const hot_names[] = {
    "runtime.mallocgc", "runtime.memmove", "syscall.Syscall",
    "runtime.scanobject", "runtime.mapaccess2_faststr",
    "encoding/json.(*decodeState).object", "runtime.futex",
    "compress/flate.(*compressor).deflate",
};
static const char *const special_names[] = {
    "std::vector<int, std::allocator<int> >::push_back(int const&)",
    "<alloc::vec::Vec<T> as core::clone::Clone>::clone",
    "block in `Parser#parse_line'",
    "tokenize|split (lexer.rb:17)",
    "Query.`run`|<cached>",
    "<module> (app.py:1)",
};
static const char *const services[] = {
    "shop", "billing", "search", "auth", "ledger", "catalog", "gateway",
    "feeds",
};
static const char *const modules[] = {
    "cart", "order", "price", "stock", "user", "session", "cache", "index",
    "query", "render", "codec", "queue", "store", "rpc", "metrics",
    "config", "retry", "pool", "ship", "tax", "promo", "report", "audit",
    "limits",
};
static const char *const stdpkgs[] = {
    "net/http", "encoding/json", "bufio", "bytes", "strings", "sort",
    "sync", "time", "fmt", "io", "crypto/tls", "compress/gzip",
    "database/sql", "regexp", "strconv", "reflect", "context", "os", "net",
    "math/big",
};
static const char *const types[] = {
    "Service", "Handler", "Client", "Server", "Store", "Cache", "Decoder",
    "Encoder", "Builder", "Reader", "Writer", "Pool", "Queue", "Index",
    "Tree", "Parser", "Conn", "Batch", "Worker", "Router",
};
static const char *const verbs[] = {
    "Get", "Put", "Load", "Save", "Parse", "Encode", "Decode", "Build",
    "Find", "Update", "Delete", "List", "Scan", "Merge", "Sort", "Flush",
    "Read", "Write", "Handle", "Serve", "Check", "Apply", "Resolve",
    "Compute", "Render", "Fetch", "Lookup", "Insert", "Compact", "Validate",
};
static const char *const nouns[] = {
    "", "Item", "Items", "Order", "User", "Key", "Value", "Batch", "Page",
    "Row", "Rows", "Entry", "Index", "Token", "Request", "Response",
    "Header", "Body", "Config", "State", "Node", "Record", "Block", "Chunk",
    "Field",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

void fg_synth_opts_default(struct fg_synth_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->seed = 1;
    o->n_funcs = 200;
    o->n_stacks = 1000;
    o->depth = 8;
    o->max_depth = 0;
    o->zipf = 1.0;
    o->special_names = true;
}

void fg_synth_run_opts_default(struct fg_synth_run_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->latent_scale = 1.0;
    o->seed = 1;
    o->n_samples = 10000;
    o->cv = 0.1;
    o->n_types = 2;
}

uint32_t fg_synth_seed(uint32_t seed, uint32_t index)
{
    uint64_t z = ((uint64_t)seed << 32 | index) + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (uint32_t)(z ^ (z >> 32));
}

static size_t urand(gsl_rng *r, size_t n)
{
    return (size_t)gsl_rng_uniform_int(r, (unsigned long)n);
}

static const char *pick_word(gsl_rng *r, const char *const *list, size_t n)
{
    return list[urand(r, n)];
}

/* Intern name as function number t->n_funcs; duplicates get Go's closure
 * suffix ".funcN" until unique. */
static void add_name(struct fg_synth_tree *t, const char *name)
{
    char buf[320];
    size_t len = strlen(name);
    const char *s = name;
    for (unsigned k = 1; fg_strtab_find(&t->index, s, len) != UINT32_MAX;
         k++) {
        snprintf(buf, sizeof(buf), "%s.func%u", name, k);
        s = buf;
        len = strlen(buf);
    }
    const char *copy = fg_arena_strndup(t->arena, s, len);
    fg_strtab_intern(&t->index, copy, len);
}

static void make_names(struct fg_synth_tree *t, gsl_rng *r, size_t F,
                       bool special, size_t *nfixed)
{
    char pkg[160], name[256];
    size_t i;
    *nfixed = 0;
    if (F >= 32) {
        for (i = 0; i < COUNT(root_names); i++)
            add_name(t, root_names[i]);
        for (i = 0; i < COUNT(hot_names); i++)
            add_name(t, hot_names[i]);
        for (i = 0; special && i < COUNT(special_names); i++)
            add_name(t, special_names[i]);
        *nfixed = t->index.n;
    }
    while (t->index.n < F) {
        if (urand(r, 4) == 0)
            snprintf(pkg, sizeof(pkg), "%s",
                     pick_word(r, stdpkgs, COUNT(stdpkgs)));
        else
            snprintf(pkg, sizeof(pkg), "github.com/acme/%s/internal/%s",
                     pick_word(r, services, COUNT(services)),
                     pick_word(r, modules, COUNT(modules)));
        const char *verb = pick_word(r, verbs, COUNT(verbs));
        const char *noun = pick_word(r, nouns, COUNT(nouns));
        size_t form = urand(r, 20);
        if (form < 8)
            snprintf(name, sizeof(name), "%s.%s%s", pkg, verb, noun);
        else if (form < 17)
            snprintf(name, sizeof(name), "%s.(*%s).%s%s", pkg,
                     pick_word(r, types, COUNT(types)), verb, noun);
        else
            snprintf(name, sizeof(name), "%s.%s.%s%s", pkg,
                     pick_word(r, types, COUNT(types)), verb, noun);
        add_name(t, name);
    }
    t->n_funcs = t->index.n;
    t->names = t->index.strs;
}

struct slot {
    uint64_t key;
    uint32_t val; /* location + 1, 0: empty */
};

/* Tree construction state. */
struct builder {
    gsl_rng *r;
    struct fg_synth_tree *t;
    size_t depth;      /* D */
    size_t hard;       /* max depth */
    size_t F, pool0, P; /* functions; pool [pool0, pool0 + P) */
    size_t nroots;     /* root functions 0..nroots-1 in use, or 0 */
    size_t next_fresh;
    uint32_t *path_loc;  /* [1..hard]: locations of the current path */
    uint32_t *path_func; /* outer function of each */
    /* location map (function, site) -> location + 1; key and value in one
     * slot, so a probe touches one cache line */
    struct slot *slots;
    size_t nslots;
    size_t cap_locs, cap_frames, n_frames;
    size_t cap_stacks, cap_refs, n_refs;
    /* sibling subtree sizes, a stack of frames indexed by top */
    unsigned *cnt;
    size_t cap_cnt, top;
    double *w;
    size_t cap_w;
    int rc;
};

static size_t hot_pick(struct builder *b)
{
    /* u^3 puts a third of the picks on the first 4% of the pool: a few
     * functions are the leaves of many stacks, as in real profiles. */
    double u = gsl_rng_uniform(b->r);
    size_t i = (size_t)((double)b->P * u * u * u);
    return b->pool0 + (i < b->P ? i : b->P - 1);
}

/* A function for an inner node: not yet used ones first (so that most
 * functions appear), else uniform; leaves prefer the hot functions. */
static size_t pick(struct builder *b, bool leaf)
{
    if (b->next_fresh < b->F && gsl_rng_uniform(b->r) < P_FRESH)
        return b->next_fresh++;
    if (leaf)
        return hot_pick(b);
    return b->pool0 + urand(b->r, b->P);
}

static uint64_t mix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return k;
}

static void map_grow(struct builder *b)
{
    size_t n = b->nslots ? b->nslots * 2 : 1024;
    struct slot *slots = fg_xcalloc(n, sizeof(*slots));
    for (size_t i = 0; i < b->nslots; i++) {
        if (!b->slots[i].val)
            continue;
        size_t j = mix64(b->slots[i].key) & (n - 1);
        while (slots[j].val)
            j = (j + 1) & (n - 1);
        slots[j] = b->slots[i];
    }
    free(b->slots);
    b->slots = slots;
    b->nslots = n;
}

static uint32_t get_loc(struct builder *b, size_t g, size_t site)
{
    struct fg_synth_tree *t = b->t;
    uint64_t key = (uint64_t)g << 32 | (uint64_t)site;
    if ((t->n_locs + 1) * 2 > b->nslots)
        map_grow(b);
    size_t i = mix64(key) & (b->nslots - 1);
    while (b->slots[i].val) {
        if (b->slots[i].key == key)
            return b->slots[i].val - 1;
        i = (i + 1) & (b->nslots - 1);
    }
    if (t->n_locs >= UINT32_MAX - 1) {
        b->rc = FG_ELIMIT;
        return 0;
    }
    uint32_t id = (uint32_t)t->n_locs++;
    b->slots[i].key = key;
    b->slots[i].val = id + 1;
    t->loc_start = fg_xgrow(t->loc_start, &b->cap_locs, t->n_locs + 1,
                            sizeof(uint32_t));
    t->loc_frames = fg_xgrow(t->loc_frames, &b->cap_frames, b->n_frames + 2,
                             sizeof(uint32_t));
    t->loc_start[id] = (uint32_t)b->n_frames;
    if (b->F >= 2 && gsl_rng_uniform(b->r) < P_INLINE) {
        size_t h = hot_pick(b);
        if (h != g) {
            t->loc_frames[b->n_frames++] = (uint32_t)h;
            t->n_inlined++;
        }
    }
    t->loc_frames[b->n_frames++] = (uint32_t)g;
    t->loc_start[id + 1] = (uint32_t)b->n_frames;
    return id;
}

static void push(struct builder *b, size_t d, size_t g, size_t site)
{
    b->path_loc[d] = get_loc(b, g, site);
    b->path_func[d] = (uint32_t)g;
}

/* The path 1..d is a stack: store it leaf first. */
static void emit(struct builder *b, size_t d)
{
    struct fg_synth_tree *t = b->t;
    if (b->n_refs + d >= UINT32_MAX) {
        b->rc = FG_ELIMIT;
        return;
    }
    t->stack_start = fg_xgrow(t->stack_start, &b->cap_stacks,
                              t->n_stacks + 2, sizeof(uint32_t));
    t->stack_locs = fg_xgrow(t->stack_locs, &b->cap_refs, b->n_refs + d,
                             sizeof(uint32_t));
    for (size_t i = d; i >= 1; i--)
        t->stack_locs[b->n_refs++] = b->path_loc[i];
    t->stack_start[++t->n_stacks] = (uint32_t)b->n_refs;
    if (d > t->max_depth)
        t->max_depth = d;
}

static size_t target_depth(struct builder *b)
{
    double D = (double)b->depth;
    double x = D + gsl_ran_gaussian(b->r, D / 3.0);
    if (x < 1)
        return 1;
    if (x > (double)b->hard)
        return b->hard;
    return (size_t)llround(x);
}

/* A subtree with one stack: a call chain down to a target depth, at least
 * one level below d when the node at d already ends a stack. */
static void chain(struct builder *b, size_t d, bool below)
{
    size_t t = target_depth(b);
    if (below && t <= d)
        t = d + 1;
    while (d < t && !b->rc) {
        if (d == 0 && b->nroots)
            push(b, 1, 0, 0);
        else if (d >= 1 && gsl_rng_uniform(b->r) < P_REC)
            push(b, d + 1, b->path_func[d], REC_SITE);
        else
            push(b, d + 1, pick(b, d + 1 == t), urand(b->r, SITES));
        d++;
    }
    if (d == 0) /* t >= 1, so only reached with an error set */
        return;
    emit(b, d);
}

static size_t gcd(size_t a, size_t b)
{
    while (b) {
        size_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

static void build(struct builder *b, size_t d, size_t n);

/* Split n >= 2 stacks below the node at depth d among k distinct
 * children. */
static void split(struct builder *b, size_t d, size_t n)
{
    bool roots = d == 0 && b->nroots;
    size_t k;
    if (roots) {
        k = n < b->nroots ? n : b->nroots;
    } else if (d + 1 >= b->hard) {
        k = n;
    } else {
        /* Fan-out such that big subtrees reach about depth D. */
        double rem = b->depth > d ? (double)(b->depth - d) : 1.0;
        double kk = pow((double)n, 1.0 / rem) *
                    (0.5 + gsl_rng_uniform(b->r));
        k = kk < 2 ? 2 : kk >= (double)n ? n : (size_t)llround(kk);
    }
    size_t base = b->top;
    b->cnt = fg_xgrow(b->cnt, &b->cap_cnt, base + k, sizeof(unsigned));
    b->top = base + k;
    if (k < n) {
        b->w = fg_xgrow(b->w, &b->cap_w, k, sizeof(double));
        for (size_t j = 0; j < k; j++)
            b->w[j] = gsl_ran_gamma(b->r, SPLIT_SHAPE, 1.0) + 1e-12;
        gsl_ran_multinomial(b->r, k, (unsigned)(n - k), b->w, b->cnt + base);
    } else {
        memset(b->cnt + base, 0, k * sizeof(unsigned));
    }
    /* Children are leaves mostly at the last fan-out. */
    size_t g0 = roots ? 0 : pick(b, d + 1 >= b->depth) - b->pool0;
    size_t step = 1 + urand(b->r, b->P < 64 ? b->P : 64);
    if (gcd(step, b->P) != 1)
        step = 1;
    bool rec = !roots && d >= 1 && gsl_rng_uniform(b->r) < P_REC;
    for (size_t j = 0; j < k && !b->rc; j++) {
        /* Siblings must differ: distinct functions g0 + j * step (mod P)
         * for j < P, distinct site blocks beyond, a site of its own for
         * the recursive call. */
        if (roots) {
            push(b, d + 1, j, 0);
        } else if (j == 0 && rec) {
            size_t a = d - urand(b->r, d < 3 ? d : 3);
            push(b, d + 1, b->path_func[a], REC_SITE);
        } else {
            size_t g = b->pool0 + (g0 + j * step) % b->P;
            push(b, d + 1, g,
                 SITE_BLOCK * (j / b->P) + urand(b->r, SITES));
        }
        build(b, d + 1, 1 + (size_t)b->cnt[base + j]);
    }
    b->top = base;
}

/* Place n >= 1 distinct stacks in the subtree of the node at depth d. */
static void build(struct builder *b, size_t d, size_t n)
{
    bool self = false;
    while (!b->rc) {
        if (n == 1) {
            chain(b, d, self);
            return;
        }
        /* d < hard: the other stacks need room below. */
        if (!self && d >= 1 && d < b->hard &&
            gsl_rng_uniform(b->r) < P_SELF) {
            emit(b, d);
            self = true;
            n--;
            continue;
        }
        split(b, d, n);
        return;
    }
}

static void finish_weights(struct fg_synth_tree *t, gsl_rng *r, double zipf)
{
    size_t S = t->n_stacks;
    uint32_t *rank = fg_xmalloc(S * sizeof(uint32_t));
    for (size_t s = 0; s < S; s++)
        rank[s] = (uint32_t)s;
    gsl_ran_shuffle(r, rank, S, sizeof(uint32_t));
    t->weight = fg_xmalloc(S * sizeof(double));
    double sum = 0;
    for (size_t s = 0; s < S; s++) {
        t->weight[s] = pow((double)rank[s] + 1.0, -zipf);
        sum += t->weight[s];
    }
    free(rank);
    t->leaf = fg_xmalloc(S * sizeof(uint32_t));
    t->flat = fg_xcalloc(t->n_funcs, sizeof(double));
    for (size_t s = 0; s < S; s++) {
        t->weight[s] /= sum;
        uint32_t loc = t->stack_locs[t->stack_start[s]];
        t->leaf[s] = t->loc_frames[t->loc_start[loc]];
        t->flat[t->leaf[s]] += t->weight[s];
    }
    /* Stacks with a function on them twice (recursion). */
    uint32_t *stamp = fg_xcalloc(t->n_funcs, sizeof(uint32_t));
    for (size_t s = 0; s < S; s++) {
        bool rec = false;
        for (uint32_t i = t->stack_start[s]; i < t->stack_start[s + 1]; i++) {
            uint32_t loc = t->stack_locs[i];
            for (uint32_t j = t->loc_start[loc]; j < t->loc_start[loc + 1];
                 j++) {
                uint32_t f = t->loc_frames[j];
                rec |= stamp[f] == s + 1;
                stamp[f] = (uint32_t)s + 1;
            }
        }
        t->n_recursive += rec;
    }
    free(stamp);
}

static int check_opts(const struct fg_synth_opts *o, struct fg_error *err)
{
    if (o->n_funcs < 1 || o->n_funcs > MAX_FUNCS)
        return fg_error_set(err, FG_EUSAGE,
                            "the number of functions must be between 1 and "
                            "%d", MAX_FUNCS);
    if (o->n_stacks < 1 || o->n_stacks > MAX_STACKS)
        return fg_error_set(err, FG_EUSAGE,
                            "the number of stacks must be between 1 and %d",
                            MAX_STACKS);
    if (o->depth < 1 || o->depth > 1000)
        return fg_error_set(err, FG_EUSAGE,
                            "the mean depth must be between 1 and 1000");
    if (o->max_depth > MAX_DEPTH_CAP)
        return fg_error_set(err, FG_EUSAGE,
                            "the maximum depth must be at most %d",
                            MAX_DEPTH_CAP);
    if (!(o->zipf >= 0 && o->zipf <= 10))
        return fg_error_set(err, FG_EUSAGE,
                            "the zipf exponent must be between 0 and 10");
    return FG_OK;
}

int fg_synth_tree_new(const struct fg_synth_opts *o,
                      struct fg_synth_tree **out, struct fg_error *err)
{
    *out = NULL;
    int rc = check_opts(o, err);
    if (rc)
        return rc;
    struct fg_synth_tree *t = fg_xcalloc(1, sizeof(*t));
    t->arena = fg_arena_new(o->n_funcs * 48 + 4096);
    fg_strtab_init(&t->index);
    struct builder b;
    memset(&b, 0, sizeof(b));
    b.r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!b.r)
        fg_xmalloc(SIZE_MAX); /* fatal, like every allocation failure */
    gsl_rng_set(b.r, o->seed);

    size_t nfixed;
    make_names(t, b.r, o->n_funcs, o->special_names, &nfixed);
    b.t = t;
    b.F = t->n_funcs;
    b.depth = o->depth;
    b.hard = o->max_depth ? o->max_depth : 2 * o->depth + 16;
    if (b.hard > MAX_DEPTH_CAP)
        b.hard = MAX_DEPTH_CAP;
    /* Root functions only make sense with room for a real stack below. */
    size_t nroots = nfixed ? COUNT(root_names) : 0;
    b.pool0 = nroots;
    b.P = b.F - b.pool0;
    b.nroots = o->depth >= 3 && b.hard >= 3 ? nroots : 0;
    b.next_fresh = b.pool0;
    b.path_loc = fg_xcalloc(b.hard + 2, sizeof(uint32_t));
    b.path_func = fg_xcalloc(b.hard + 2, sizeof(uint32_t));
    t->stack_start = fg_xgrow(NULL, &b.cap_stacks, 1, sizeof(uint32_t));
    t->stack_start[0] = 0;
    t->loc_start = fg_xgrow(NULL, &b.cap_locs, 1, sizeof(uint32_t));
    t->loc_start[0] = 0;

    build(&b, 0, o->n_stacks);
    if (b.rc) {
        rc = fg_error_set(err, b.rc,
                          "synthetic tree too large: more than 2^32 "
                          "locations or stack entries");
        goto out;
    }
    finish_weights(t, b.r, o->zipf);
    *out = t;
    t = NULL;
out:
    gsl_rng_free(b.r);
    free(b.path_loc);
    free(b.path_func);
    free(b.slots);
    free(b.cnt);
    free(b.w);
    fg_synth_tree_free(t);
    return rc;
}

void fg_synth_tree_free(struct fg_synth_tree *t)
{
    if (!t)
        return;
    fg_strtab_release(&t->index);
    fg_arena_free(t->arena);
    free(t->loc_start);
    free(t->loc_frames);
    free(t->stack_start);
    free(t->stack_locs);
    free(t->leaf);
    free(t->weight);
    free(t->latent);
    free(t->flat);
    free(t);
}

void fg_synth_tree_stats(const struct fg_synth_tree *t,
                         struct fg_synth_stats *st)
{
    st->n_funcs = t->n_funcs;
    st->n_locs = t->n_locs;
    st->n_inlined_locs = t->n_inlined;
    st->n_stacks = t->n_stacks;
    st->n_recursive = t->n_recursive;
    st->n_frames = t->stack_start[t->n_stacks];
    st->mean_depth = (double)st->n_frames / (double)t->n_stacks;
    st->max_depth = t->max_depth;
}

size_t fg_synth_n_funcs(const struct fg_synth_tree *t)
{
    return t->n_funcs;
}

size_t fg_synth_n_stacks(const struct fg_synth_tree *t)
{
    return t->n_stacks;
}

const char *fg_synth_func_name(const struct fg_synth_tree *t, size_t f)
{
    return t->names[f];
}

long fg_synth_find_func(const struct fg_synth_tree *t, const char *name)
{
    uint32_t id = fg_strtab_find(&t->index, name, strlen(name));
    return id == UINT32_MAX ? -1 : (long)id;
}

size_t fg_synth_stack_leaf(const struct fg_synth_tree *t, size_t s)
{
    return t->leaf[s];
}

double fg_synth_stack_weight(const struct fg_synth_tree *t, size_t s)
{
    return t->weight[s];
}

const uint32_t *fg_synth_stack_locs(const struct fg_synth_tree *t, size_t s,
                                    size_t *n)
{
    *n = t->stack_start[s + 1] - t->stack_start[s];
    return t->stack_locs + t->stack_start[s];
}

double fg_synth_flat_share(const struct fg_synth_tree *t, size_t f)
{
    return t->flat[f];
}

long fg_synth_pick_func(const struct fg_synth_tree *t, double target,
                        double min_share, double *share)
{
    long best = -1;
    double bestd = 0;
    for (size_t f = 0; f < t->n_funcs; f++) {
        double s = t->flat[f];
        if (s <= 0 || s < min_share)
            continue;
        double dist = fabs(s - target);
        if (best < 0 || dist < bestd) {
            best = (long)f;
            bestd = dist;
        }
    }
    if (share)
        *share = best >= 0 ? t->flat[best] : 0;
    return best;
}

static int check_regress(const struct fg_synth_tree *t,
                         const struct fg_synth_regression *rg, size_t n,
                         struct fg_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (rg[i].func >= t->n_funcs)
            return fg_error_set(err, FG_EUSAGE,
                                "regression function %zu out of range "
                                "(%zu functions)", rg[i].func, t->n_funcs);
        if (!(rg[i].factor > 0 && rg[i].factor < 1e12))
            return fg_error_set(err, FG_EUSAGE,
                                "regression factor of '%s' must be positive",
                                t->names[rg[i].func]);
    }
    return FG_OK;
}

/* Per-function factor (malloc'd), or NULL when there is no regression. */
static double *factors(const struct fg_synth_tree *t,
                       const struct fg_synth_regression *rg, size_t n)
{
    if (!n)
        return NULL;
    double *fac = fg_xmalloc(t->n_funcs * sizeof(double));
    for (size_t f = 0; f < t->n_funcs; f++)
        fac[f] = 1.0;
    for (size_t i = 0; i < n; i++)
        fac[rg[i].func] *= rg[i].factor;
    return fac;
}

int fg_synth_expected_flat(const struct fg_synth_tree *t,
                           const struct fg_synth_regression *regress,
                           size_t n_regress, double *flat,
                           struct fg_error *err)
{
    int rc = check_regress(t, regress, n_regress, err);
    if (rc)
        return rc;
    double *fac = factors(t, regress, n_regress);
    double sum = 0;
    for (size_t f = 0; f < t->n_funcs; f++) {
        flat[f] = t->flat[f] * (fac ? fac[f] : 1.0);
        sum += flat[f];
    }
    for (size_t f = 0; f < t->n_funcs; f++)
        flat[f] /= sum;
    free(fac);
    return FG_OK;
}

/* Draw per-stack counts: regression factors, Gamma noise, multinomial. */
static unsigned *draw(const struct fg_synth_tree *t,
                      const struct fg_synth_run_opts *o)
{
    size_t S = t->n_stacks;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
        fg_xmalloc(SIZE_MAX); /* fatal */
    gsl_rng_set(r, o->seed);
    double *fac = factors(t, o->regress, o->n_regress);
    double *w = fg_xmalloc(S * sizeof(double));
    double sum = 0;
    double shape = o->cv > 0 ? 1.0 / (o->cv * o->cv) : 0;
    /* the first latent_k nodes of the subtree (parents come first, so
     * they form a subtree), rescaled to latent_scale times its weight */
    double lsum = 0, lscale = 0;
    size_t lk = o->latent_k ? o->latent_k : SIZE_MAX;
    if (o->latent && t->latent) {
        for (size_t s = t->latent_first; s < S && s - t->latent_first < lk;
             s++)
            lsum += t->latent[s];
        lscale = lsum > 0 ? o->latent_scale * t->latent_total / lsum : 0;
    }
    for (size_t s = 0; s < S; s++) {
        w[s] = t->weight[s];
        if (lscale > 0 && s >= t->latent_first && s - t->latent_first < lk)
            w[s] += t->latent[s] * lscale;
        w[s] *= fac ? fac[t->leaf[s]] : 1.0;
        if (o->cv > 0)
            w[s] *= gsl_ran_gamma(r, shape, 1.0 / shape);
        sum += w[s];
    }
    if (!(sum > 0)) /* every Gamma draw underflowed: drop the noise */
        for (size_t s = 0; s < S; s++)
            w[s] = t->weight[s];
    unsigned *cnt = fg_xmalloc(S * sizeof(unsigned));
    gsl_ran_multinomial(r, S, (unsigned)o->n_samples, w, cnt);
    free(w);
    free(fac);
    gsl_rng_free(r);
    return cnt;
}

static const char *adup(struct fg_arena *a, const char *s)
{
    return fg_arena_strndup(a, s, strlen(s));
}

static void set_types(struct fg_profile *p, const struct fg_synth_run_opts *o)
{
    struct fg_arena *a = p->arena;
    p->n_types = o->n_types;
    p->types = fg_arena_calloc(a, o->n_types, sizeof(*p->types));
    p->types[0].type = adup(a, "samples");
    p->types[0].unit = adup(a, "count");
    if (o->n_types == 2) {
        p->types[1].type = adup(a, "cpu");
        p->types[1].unit = adup(a, "nanoseconds");
        p->period_type = p->types[1];
        p->period = 10000000;
    } else {
        p->period_type = p->types[0];
        p->period = 1;
    }
    p->default_type = o->n_types - 1;
    /* Fixed epoch (2024-01-01) plus the seed: deterministic output. */
    p->time_nanos = (1704067200 + (int64_t)o->seed) * 1000000000;
    int64_t dur = (int64_t)o->n_samples * 10000000 / 4;
    p->duration_nanos = dur < 1000000000 ? 1000000000 : dur;
}

/* What a run keeps: referenced locations and functions, renumbered in
 * tree order, and the sizes of the model's arrays. */
struct selection {
    uint32_t *locmap;  /* tree location -> profile location, or UINT32_MAX */
    uint32_t *funcmap; /* tree function -> profile function, or UINT32_MAX */
    size_t nsamples, nrefs, nlocs, nframes, nfuncs;
};

static bool kept(const struct fg_synth_run_opts *o, const unsigned *cnt,
                 size_t s)
{
    return cnt[s] || o->all_stacks;
}

static void select_used(const struct fg_synth_tree *t,
                        const struct fg_synth_run_opts *o,
                        const unsigned *cnt, struct selection *sel)
{
    memset(sel, 0, sizeof(*sel));
    sel->locmap = fg_xmalloc((t->n_locs + 1) * sizeof(uint32_t));
    sel->funcmap = fg_xmalloc(t->n_funcs * sizeof(uint32_t));
    memset(sel->locmap, 0xff, t->n_locs * sizeof(uint32_t));
    memset(sel->funcmap, 0xff, t->n_funcs * sizeof(uint32_t));
    /* Mark with 0, then number the marked ones in order. */
    for (size_t s = 0; s < t->n_stacks; s++) {
        if (!kept(o, cnt, s))
            continue;
        sel->nsamples++;
        for (uint32_t i = t->stack_start[s]; i < t->stack_start[s + 1]; i++)
            sel->locmap[t->stack_locs[i]] = 0;
        sel->nrefs += t->stack_start[s + 1] - t->stack_start[s];
    }
    for (size_t l = 0; l < t->n_locs; l++) {
        if (sel->locmap[l])
            continue;
        sel->locmap[l] = (uint32_t)sel->nlocs++;
        for (uint32_t j = t->loc_start[l]; j < t->loc_start[l + 1]; j++)
            sel->funcmap[t->loc_frames[j]] = 0;
        sel->nframes += t->loc_start[l + 1] - t->loc_start[l];
    }
    for (size_t f = 0; f < t->n_funcs; f++)
        if (!sel->funcmap[f])
            sel->funcmap[f] = (uint32_t)sel->nfuncs++;
}

static void fill_functions(struct fg_profile *p, const struct fg_synth_tree *t,
                           const struct selection *sel)
{
    fg_strtab_init(&p->func_index);
    for (size_t f = 0; f < t->n_funcs; f++) {
        if (sel->funcmap[f] == UINT32_MAX)
            continue;
        uint32_t len = t->index.lens[f];
        fg_strtab_intern(&p->func_index,
                         fg_arena_strndup(p->arena, t->names[f], len), len);
    }
    p->n_funcs = p->func_index.n;
    p->func_names = p->func_index.strs;
}

static void fill_locations(struct fg_profile *p,
                           const struct fg_synth_tree *t,
                           const struct selection *sel)
{
    p->n_locs = sel->nlocs;
    p->loc_start = fg_arena_alloc(p->arena,
                                  (sel->nlocs + 1) * sizeof(uint32_t));
    p->loc_frames = fg_arena_alloc(p->arena, (sel->nframes ? sel->nframes
                                                           : 1) *
                                                 sizeof(uint32_t));
    size_t k = 0;
    for (size_t l = 0; l < t->n_locs; l++) {
        if (sel->locmap[l] == UINT32_MAX)
            continue;
        p->loc_start[sel->locmap[l]] = (uint32_t)k;
        for (uint32_t j = t->loc_start[l]; j < t->loc_start[l + 1]; j++)
            p->loc_frames[k++] = sel->funcmap[t->loc_frames[j]];
    }
    p->loc_start[sel->nlocs] = (uint32_t)k;
}

static void fill_samples(struct fg_profile *p, const struct fg_synth_tree *t,
                         const struct fg_synth_run_opts *o,
                         const unsigned *cnt, const struct selection *sel)
{
    size_t nt = o->n_types, n = sel->nsamples;
    p->n_samples = n;
    p->sample_start = fg_arena_alloc(p->arena, (n + 1) * sizeof(uint32_t));
    p->sample_locs = fg_arena_alloc(p->arena, (sel->nrefs ? sel->nrefs : 1) *
                                                  sizeof(uint32_t));
    p->values = fg_arena_alloc(p->arena, (n ? n : 1) * nt * sizeof(int64_t));
    size_t si = 0, k = 0;
    for (size_t s = 0; s < t->n_stacks; s++) {
        if (!kept(o, cnt, s))
            continue;
        p->sample_start[si] = (uint32_t)k;
        for (uint32_t i = t->stack_start[s]; i < t->stack_start[s + 1]; i++)
            p->sample_locs[k++] = sel->locmap[t->stack_locs[i]];
        p->values[si * nt] = cnt[s];
        if (nt == 2)
            p->values[si * 2 + 1] = (int64_t)cnt[s] * p->period;
        si++;
    }
    p->sample_start[n] = (uint32_t)k;
}

int fg_synth_generate(const struct fg_synth_tree *t,
                      const struct fg_synth_run_opts *o,
                      struct fg_profile **out, struct fg_error *err)
{
    *out = NULL;
    if (o->n_types != 1 && o->n_types != 2)
        return fg_error_set(err, FG_EUSAGE,
                            "the number of sample types must be 1 or 2");
    if (!(o->cv >= 0 && o->cv <= 10))
        return fg_error_set(err, FG_EUSAGE,
                            "the coefficient of variation must be between 0 "
                            "and 10");
    if (o->n_samples > UINT_MAX)
        return fg_error_set(err, FG_EUSAGE,
                            "the number of samples must be at most %u",
                            UINT_MAX);
    int rc = check_regress(t, o->regress, o->n_regress, err);
    if (rc)
        return rc;

    unsigned *cnt = draw(t, o);
    struct selection sel;
    select_used(t, o, cnt, &sel);
    struct fg_profile *p = fg_xcalloc(1, sizeof(*p));
    p->arena = fg_arena_new(sel.nrefs * 4 +
                            sel.nsamples * (4 + 8 * o->n_types) +
                            sel.nframes * 4 + sel.nlocs * 4 +
                            sel.nfuncs * 48 + 65536);
    p->source = adup(p->arena, "synthetic");
    p->format = FG_FORMAT_PPROF;
    p->gzipped = false;
    set_types(p, o);
    fill_functions(p, t, &sel);
    fill_locations(p, t, &sel);
    fill_samples(p, t, o, cnt, &sel);
    free(cnt);
    free(sel.locmap);
    free(sel.funcmap);
    *out = p;
    return FG_OK;
}

/* Names of a new subtree, like a regular expression compiled on every
 * call: a few real entry points, then numbered internals. */
static const char *const subtree_names[] = {
    "regexp.MustCompile", "regexp.compile", "regexp/syntax.Parse",
    "regexp/syntax.(*parser).push", "regexp/syntax.(*parser).literal",
    "regexp/syntax.Compile", "regexp/syntax.(*compiler).compile",
    "regexp.compileOnePass", "regexp/syntax.(*Regexp).Simplify",
    "regexp/syntax.(*parser).collapse",
};

double fg_synth_cum_weight(const struct fg_synth_tree *t, size_t f)
{
    double c = 0;
    for (size_t s = 0; s < t->n_stacks; s++) {
        bool in = false;
        for (uint32_t i = t->stack_start[s]; i < t->stack_start[s + 1] && !in;
             i++) {
            uint32_t loc = t->stack_locs[i];
            for (uint32_t j = t->loc_start[loc]; j < t->loc_start[loc + 1];
                 j++)
                in = in || t->loc_frames[j] == f;
        }
        if (in)
            c += t->weight[s];
    }
    return c;
}

int fg_synth_add_subtree(struct fg_synth_tree *t, size_t caller, size_t k,
                         double share, uint32_t seed, struct fg_error *err)
{
    if (caller >= t->n_funcs || k < 1 || k > 10000 || !(share > 0) ||
        t->latent)
        return fg_error_set(err, FG_EUSAGE,
                            "bad subtree: caller %zu of %zu, %zu functions, "
                            "share %g (one subtree per tree)",
                            caller, t->n_funcs, k, share);
    /* the caller's heaviest stack, and where the caller sits on it */
    size_t best = SIZE_MAX, at = 0;
    for (size_t s = 0; s < t->n_stacks; s++) {
        for (uint32_t i = t->stack_start[s]; i < t->stack_start[s + 1]; i++) {
            uint32_t loc = t->stack_locs[i];
            bool hit = false;
            for (uint32_t j = t->loc_start[loc]; j < t->loc_start[loc + 1];
                 j++)
                hit = hit || t->loc_frames[j] == caller;
            if (hit && (best == SIZE_MAX || t->weight[s] > t->weight[best])) {
                best = s;
                at = i;
                break;
            }
        }
    }
    if (best == SIZE_MAX)
        return fg_error_set(err, FG_EUSAGE, "'%s' is on no stack",
                            t->names[caller]);
    double total = share * fg_synth_cum_weight(t, caller);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
        fg_xmalloc(SIZE_MAX); /* fatal */
    gsl_rng_set(r, seed);
    /* k new functions, each its own location; a random recursive tree:
     * node i > 0 hangs under a uniformly chosen earlier node */
    size_t f0 = t->n_funcs;
    char name[96];
    for (size_t i = 0; i < k; i++) {
        const char *nm = subtree_names[i % COUNT(subtree_names)];
        if (i >= COUNT(subtree_names)) {
            snprintf(name, sizeof(name), "regexp/syntax.(*parser).op%zu", i);
            nm = name;
        }
        add_name(t, nm);
    }
    t->n_funcs = t->index.n;
    t->names = t->index.strs;
    t->flat = fg_xrealloc(t->flat, t->n_funcs * sizeof(double));
    size_t l0 = t->n_locs, nfr = t->loc_start[l0];
    t->loc_start = fg_xrealloc(t->loc_start, (l0 + k + 1) * sizeof(uint32_t));
    t->loc_frames = fg_xrealloc(t->loc_frames, (nfr + k) * sizeof(uint32_t));
    for (size_t i = 0; i < k; i++) {
        t->flat[f0 + i] = 0;
        t->loc_frames[nfr + i] = (uint32_t)(f0 + i);
        t->loc_start[l0 + i] = (uint32_t)(nfr + i);
    }
    t->loc_start[l0 + k] = (uint32_t)(nfr + k);
    t->n_locs = l0 + k;
    size_t *parent = fg_xcalloc(k, sizeof(size_t)), *depth = fg_xcalloc(k,
                                                                  sizeof(size_t));
    for (size_t i = 1; i < k; i++) {
        parent[i] = (size_t)gsl_rng_uniform_int(r, (unsigned long)i);
        depth[i] = depth[parent[i]] + 1;
    }
    /* one stack per new node: its path in the subtree, then the caller's
     * prefix down to the root */
    size_t S0 = t->n_stacks, prefix = t->stack_start[best + 1] - at;
    size_t refs = t->stack_start[S0];
    size_t add = 0;
    for (size_t i = 0; i < k; i++)
        add += depth[i] + 1 + prefix;
    t->stack_start = fg_xrealloc(t->stack_start,
                                 (S0 + k + 1) * sizeof(uint32_t));
    t->stack_locs = fg_xrealloc(t->stack_locs,
                                (refs + add) * sizeof(uint32_t));
    t->leaf = fg_xrealloc(t->leaf, (S0 + k) * sizeof(uint32_t));
    t->weight = fg_xrealloc(t->weight, (S0 + k) * sizeof(double));
    t->latent = fg_xcalloc(S0 + k, sizeof(double));
    double wsum = 0;
    for (size_t i = 0; i < k; i++) {
        t->latent[S0 + i] = pow((double)(i + 1), -1.0) *
                            (0.5 + gsl_rng_uniform(r));
        wsum += t->latent[S0 + i];
    }
    for (size_t i = 0; i < k; i++) {
        size_t s = S0 + i;
        for (size_t n = i;; n = parent[n]) {
            t->stack_locs[refs++] = (uint32_t)(l0 + n);
            if (n == 0)
                break;
        }
        for (size_t x = at; x < t->stack_start[best + 1]; x++)
            t->stack_locs[refs++] = t->stack_locs[x];
        t->stack_start[s + 1] = (uint32_t)refs;
        t->leaf[s] = (uint32_t)(f0 + i);
        t->weight[s] = 0;
        t->latent[s] *= total / wsum;
        t->latent_first = S0;
        t->latent_total = total;
        if (depth[i] + 1 + prefix > t->max_depth)
            t->max_depth = depth[i] + 1 + prefix;
    }
    t->n_stacks = S0 + k;
    free(parent);
    free(depth);
    gsl_rng_free(r);
    return FG_OK;
}
