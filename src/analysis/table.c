/*
 * table.c - the comparison's per-function table: every run of both sides
 * aggregated into count, value and squared-count matrices over the union
 * of function names (functions x runs, base runs first).
 */
#include "analysis/envnoise.h"
#include "analysis/work.h"
#include "core/pool.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Make rows [0, need) exist and hold zeros.  Rows are cleared as they
 * come into use, not when allocated: the doubling slack is never touched,
 * which keeps it out of the resident set (megabytes with 10^5+
 * functions). */
void fg_table_grow(struct fg_work *w, size_t need)
{
    double **mats[] = {&w->flat,  &w->cum,   &w->vflat,
                       &w->vcum,  &w->sqflat, &w->sqcum};
    if (need > w->cap) {
        size_t cap = w->cap ? w->cap : 1024;
        while (cap < need)
            cap *= 2;
        for (size_t i = 0; i < 6; i++)
            *mats[i] = fg_xrealloc(*mats[i], cap * w->runs * sizeof(double));
        w->cap = cap;
    }
    if (need > w->zeroed) {
        for (size_t i = 0; i < 6; i++)
            memset(*mats[i] + w->zeroed * w->runs, 0,
                   (need - w->zeroed) * w->runs * sizeof(double));
        w->zeroed = need;
    }
}

static bool same_type(const struct fg_value_type *a,
                      const struct fg_value_type *b)
{
    return strcmp(a->type, b->type) == 0 && strcmp(a->unit, b->unit) == 0;
}

/* One run's aggregation, done apart from the table (on any thread): it
 * reads only the profile. */
struct run_agg {
    const struct fg_profile *p;
    size_t t;
    struct fg_count_spec cs;
    bool approx, same;
    struct fg_agg counts, vals;
    struct fg_error err;
    int rc;
};

static void run_aggregate(struct run_agg *a)
{
    const struct fg_profile *p = a->p;
    size_t t = a->t;
    fg_counts_choose(p, t, &a->cs, &a->approx);
    a->cs.spec.want_sq = true;
    /* When the counts are the analysed values themselves (a count type,
     * folded stacks), the values are the counts; else both come from one
     * pass over the samples. */
    a->same = a->cs.spec.type == t && a->cs.spec.mode == FG_AGG_RAW;
    struct fg_agg_spec vspec = {t, FG_AGG_RAW, 0, 0, false};
    memset(&a->vals, 0, sizeof(a->vals));
    if (a->same)
        a->rc = fg_aggregate(p, &a->cs.spec, &a->counts, &a->err);
    else
        a->rc = fg_aggregate_two(p, &a->cs.spec, &vspec, &a->counts,
                                 &a->vals, &a->err);
    if (a->rc == FG_OK && a->approx) {
        /* No counting type and no period: one event per sample record is
         * the most conservative count the data supports. */
        size_t nz = 0;
        for (size_t s = 0; s < p->n_samples; s++)
            nz += p->values[s * p->n_types + t] != 0;
        a->cs.scale = a->counts.total > 0
                          ? (double)nz / (double)a->counts.total
                          : 1.0;
    }
}

/* Put an aggregated run into column col of the table (in run order: the
 * union of names is numbered as the runs come). */
static void run_merge(struct fg_work *w, struct run_agg *a, size_t col,
                      bool *approx_out)
{
    const struct fg_profile *p = a->p;
    const struct fg_agg *v = a->same ? &a->counts : &a->vals;
    double scale = a->cs.scale;
    if (a->approx)
        *approx_out = true;
    if (!w->res->count_type)
        w->res->count_type = fg_xstrdup(a->cs.label);
    w->cs[col] = a->cs;
    uint32_t *map = fg_xmalloc((p->n_funcs ? p->n_funcs : 1) * sizeof(*map));
    w->fmap[col] = map;
    /* the slot of a name a few ahead is read before it is needed, from the
     * hash the profile's own name index stored */
    const struct fg_strtab *pi = &p->func_index;
    bool ahead = pi->n == p->n_funcs;
    for (size_t f = 0; f < p->n_funcs; f++) {
        map[f] = UINT32_MAX;
        if (a->counts.flat[f] == 0 && a->counts.cum[f] == 0 &&
            v->flat[f] == 0 && v->cum[f] == 0)
            continue;
        const char *name = p->func_names[f];
        size_t len = strlen(name);
        if (ahead && f + 8 < p->n_funcs && w->names.nslots)
            __builtin_prefetch(&w->names.slots[pi->hashes[f + 8] &
                                               (w->names.nslots - 1)]);
        uint32_t g = fg_strtab_intern_hashed(
            &w->names, name, len, fg_profile_name_hash(p, f, name, len));
        map[f] = g;
        fg_table_grow(w, (size_t)g + 1);
        size_t i = (size_t)g * w->runs + col;
        /* Counts are non-negative in the tests (delta profiles may hold
         * negative values; they are clamped for counting only). */
        w->flat[i] =
            fmax(0.0, floor((double)a->counts.flat[f] * scale + 0.5));
        w->cum[i] = fmax(0.0, floor((double)a->counts.cum[f] * scale + 0.5));
        w->vflat[i] = (double)v->flat[f];
        w->vcum[i] = (double)v->cum[f];
        w->sqflat[i] = a->counts.flat_sq[f] * scale * scale;
        w->sqcum[i] = a->counts.cum_sq[f] * scale * scale;
    }
    w->totals[col] =
        fmax(0.0, floor((double)a->counts.total * scale + 0.5));
    w->vtotals[col] = (double)v->total;
}

int fg_table_add_run(struct fg_work *w, const struct fg_profile *p,
                     size_t col, size_t t, bool *approx_out)
{
    struct run_agg a;
    memset(&a, 0, sizeof(a));
    a.p = p;
    a.t = t;
    run_aggregate(&a);
    if (a.rc) {
        *w->err = a.err;
        return a.rc;
    }
    run_merge(w, &a, col, approx_out);
    fg_agg_release(&a.counts);
    fg_agg_release(&a.vals);
    return FG_OK;
}

/* Runs aggregated at once: two keeps the extra memory at one run's
 * aggregates while both cores work. */
#define RUNS_AT_ONCE 2

static void aggregate_item(void *ctx, size_t i)
{
    run_aggregate(&((struct run_agg *)ctx)[i]);
}

int fg_table_add_runs(struct fg_work *w, const size_t *types,
                      bool *approx_out)
{
    struct run_agg a[RUNS_AT_ONCE];
    unsigned threads = fg_parallel_cpus();
    for (size_t i0 = 0; i0 < w->runs; i0 += RUNS_AT_ONCE) {
        size_t m = w->runs - i0 < RUNS_AT_ONCE ? w->runs - i0 : RUNS_AT_ONCE;
        memset(a, 0, sizeof(a));
        for (size_t k = 0; k < m; k++) {
            a[k].p = w->prof[i0 + k];
            a[k].t = types[i0 + k];
        }
        fg_parallel_for(m, threads, aggregate_item, a);
        int rc = FG_OK;
        for (size_t k = 0; k < m; k++) {
            /* the first failing run in order, as one after the other */
            if (rc == FG_OK && a[k].rc != FG_OK) {
                rc = a[k].rc;
                *w->err = a[k].err;
            }
            if (rc == FG_OK)
                run_merge(w, &a[k], i0 + k, approx_out);
            fg_agg_release(&a[k].counts);
            fg_agg_release(&a[k].vals);
        }
        if (rc)
            return rc;
    }
    return FG_OK;
}

int fg_table_check_types(struct fg_profile *const *base, size_t k,
                         struct fg_profile *const *cand, size_t m,
                         const struct fg_compare_opts *o, size_t *types,
                         struct fg_error *err)
{
    const struct fg_value_type *ref = NULL;
    const char *ref_src = NULL;
    for (size_t i = 0; i < k + m; i++) {
        const struct fg_profile *p = i < k ? base[i] : cand[i - k];
        int rc = fg_profile_select_type(p, o->sample_type, &types[i], err);
        if (rc)
            return rc;
        const struct fg_value_type *t = &p->types[types[i]];
        if (!ref) {
            ref = t;
            ref_src = p->source;
        } else if (!same_type(ref, t)) {
            return fg_error_set(err, FG_EUSAGE,
                                "profiles have different sample types: "
                                "'%s' is %s/%s but '%s' is %s/%s (choose one "
                                "with --sample-type)",
                                ref_src, ref->type, ref->unit, p->source,
                                t->type, t->unit);
        }
    }
    return FG_OK;
}

/* FNV-1a style over a byte range, 8 bytes at a time with a shift that
 * folds the high bits back (as fg_strtab_hash): a byte at a time was a
 * twentieth of a comparison of two 10^6-stack profiles.  The digest only
 * tells runs of one comparison apart, so any good 64-bit mix will do. */
static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *b = data;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, b + i, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
    }
    for (; i < len; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t fg_table_digest(const struct fg_profile *p)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    h = fnv(h, &p->n_samples, sizeof(p->n_samples));
    h = fnv(h, &p->n_types, sizeof(p->n_types));
    if (p->n_samples) {
        h = fnv(h, p->values, p->n_samples * p->n_types * sizeof(int64_t));
        h = fnv(h, p->sample_start, (p->n_samples + 1) * sizeof(uint32_t));
        h = fnv(h, p->sample_locs,
                p->sample_start[p->n_samples] * sizeof(uint32_t));
    }
    if (p->n_locs) {
        h = fnv(h, p->loc_start, (p->n_locs + 1) * sizeof(uint32_t));
        h = fnv(h, p->loc_frames, p->loc_start[p->n_locs] * sizeof(uint32_t));
    }
    for (size_t f = 0; f < p->n_funcs; f++)
        h = fnv(h, p->func_names[f], strlen(p->func_names[f]) + 1);
    return h;
}

double fg_table_sample_count(const struct fg_work *w, size_t j, size_t s)
{
    const struct fg_profile *p = w->prof[j];
    const struct fg_count_spec *cs = &w->cs[j];
    const int64_t *v = p->values + s * p->n_types;
    int64_t x = v[cs->spec.type];
    if (cs->spec.mode == FG_AGG_HEAP_COUNTS)
        x = fg_heap_raw_count(x, v[cs->spec.aux], cs->spec.rate);
    return x > 0 ? (double)x * cs->scale : 0.0;
}

/* The union functions of sample s of run j, leaf first (inlined frames
 * innermost first), unmapped frames skipped:
 *     struct frames it; frames_init(&it, w, j, s);
 *     while (frames_next(&it, &g)) ...   (break works) */
struct frames {
    const struct fg_profile *p;
    const uint32_t *map;
    uint32_t i, e, f, fe;
};

static void frames_init(struct frames *it, const struct fg_work *w, size_t j,
                        size_t s)
{
    it->p = w->prof[j];
    it->map = w->fmap[j];
    it->i = it->p->sample_start[s];
    it->e = it->p->sample_start[s + 1];
    it->f = it->fe = 0;
}

static bool frames_next(struct frames *it, uint32_t *g)
{
    for (;;) {
        while (it->f < it->fe) {
            *g = it->map[it->p->loc_frames[it->f++]];
            if (*g != UINT32_MAX)
                return true;
        }
        if (it->i >= it->e)
            return false;
        uint32_t loc = it->p->sample_locs[it->i++];
        it->f = it->p->loc_start[loc];
        it->fe = it->p->loc_start[loc + 1];
    }
}

/* Walking a sample from its leaf is a chain of dependent reads into
 * arrays larger than the cache (location, its frames, the frame's union
 * function, then the flags of that function): the per-sample passes ask
 * for the leaf location, frame and function of the samples LEAF_FAR,
 * LEAF_MID and LEAF_NEAR ahead, each once the previous one has arrived.
 * It changes no result, only when the memory is read. */
#define LEAF_FAR 24
#define LEAF_MID 16
#define LEAF_NEAR 8

static void prefetch_leaf(const struct fg_work *w, size_t j, size_t s)
{
    const struct fg_profile *p = w->prof[j];
    size_t n = p->n_samples;
    if (s + LEAF_FAR < n &&
        p->sample_start[s + LEAF_FAR] < p->sample_start[s + LEAF_FAR + 1])
        __builtin_prefetch(
            &p->loc_start[p->sample_locs[p->sample_start[s + LEAF_FAR]]]);
    if (s + LEAF_MID < n &&
        p->sample_start[s + LEAF_MID] < p->sample_start[s + LEAF_MID + 1])
        __builtin_prefetch(&p->loc_frames[p->loc_start[
            p->sample_locs[p->sample_start[s + LEAF_MID]]]]);
    if (s + LEAF_NEAR < n &&
        p->sample_start[s + LEAF_NEAR] < p->sample_start[s + LEAF_NEAR + 1]) {
        uint32_t loc = p->sample_locs[p->sample_start[s + LEAF_NEAR]];
        if (p->loc_start[loc] < p->loc_start[loc + 1])
            __builtin_prefetch(&w->fmap[j][p->loc_frames[p->loc_start[loc]]]);
    }
}

/* The union function of the innermost mapped frame of sample s of run j,
 * or UINT32_MAX. */
static uint32_t first_frame(const struct fg_work *w, size_t j, size_t s)
{
    uint32_t g;
    struct frames it;
    frames_init(&it, w, j, s);
    return frames_next(&it, &g) ? g : UINT32_MAX;
}

uint32_t fg_table_leaf(const struct fg_work *w, size_t j, size_t s)
{
    uint32_t g, first = UINT32_MAX;
    struct frames it_;
    frames_init(&it_, w, j, s);
    while (frames_next(&it_, &g)) {
        if (first == UINT32_MAX)
            first = g;
        if (!w->charge || !w->charge[g])
            return g;
    }
    return first;
}

bool fg_table_sample_out(const struct fg_work *w, size_t j, size_t s)
{
    return w->sout && w->sout[j] && w->sout[j][s];
}

/* The analysed value of sample s of run j. */
static double sample_value(const struct fg_work *w, size_t j, size_t s)
{
    const struct fg_profile *p = w->prof[j];
    return (double)p->values[s * p->n_types + w->types[j]];
}

/* Add c counts (value v) to entry x of a count matrix, its squared-count
 * matrix and its value matrix; counts and squares stay non-negative. */
static void move(double *cnt, double *sq, double *val, size_t x, double c,
                 double v)
{
    cnt[x] = fmax(0.0, cnt[x] + c);
    sq[x] = fmax(0.0, sq[x] + (c < 0 ? -c * c : c * c));
    val[x] += v;
}

/* Runs processed at once by the per-sample passes below, each with its
 * own scratch (a slot); results are merged in run order. */
#define PASS_SLOTS 8

static size_t pass_slots(size_t runs)
{
    size_t t = fg_parallel_cpus();
    if (t > PASS_SLOTS)
        t = PASS_SLOTS;
    return t < runs ? t : (runs ? runs : 1);
}

/* The first mapped union function of every location of run j (malloc'd),
 * UINT32_MAX for a location without one: a sample whose leaf location has
 * one starts with it (what frames_next gives first). */
static uint32_t *first_funcs(const struct fg_work *w, size_t j)
{
    const struct fg_profile *p = w->prof[j];
    uint32_t *lf = fg_xmalloc((p->n_locs ? p->n_locs : 1) * sizeof(*lf));
    for (size_t l = 0; l < p->n_locs; l++) {
        lf[l] = UINT32_MAX;
        for (uint32_t f = p->loc_start[l]; f < p->loc_start[l + 1]; f++)
            if ((lf[l] = w->fmap[j][p->loc_frames[f]]) != UINT32_MAX)
                break;
    }
    return lf;
}

struct charge_job {
    struct fg_work *w;
    size_t j0;
    double charged[PASS_SLOTS];
};

/* Run j's samples whose leaf is an interrupt frame: only column j of the
 * matrices changes, so runs can go side by side. */
static double charge_run(struct fg_work *w, size_t j)
{
    const size_t R = w->runs;
    const struct fg_profile *p = w->prof[j];
    const size_t ns = p->n_samples;
    double charged = 0;
    uint32_t *lf = first_funcs(w, j);
    for (size_t s = 0; s < ns; s++) {
        if (s + LEAF_MID < ns &&
            p->sample_start[s + LEAF_MID] < p->sample_start[s + LEAF_MID + 1])
            __builtin_prefetch(
                &lf[p->sample_locs[p->sample_start[s + LEAF_MID]]]);
        uint32_t a = p->sample_start[s];
        if (a < p->sample_start[s + 1]) {
            uint32_t f = lf[p->sample_locs[a]];
            /* the innermost mapped frame is f: an interrupt or not */
            if (f != UINT32_MAX && !w->charge[f])
                continue;
        }
        prefetch_leaf(w, j, s);
        uint32_t g, g0 = first_frame(w, j, s);
        if (g0 == UINT32_MAX || !w->charge[g0])
            continue;
        uint32_t g1 = fg_table_leaf(w, j, s);
        double c = floor(fg_table_sample_count(w, j, s) + 0.5);
        if (g1 == g0 || !(c > 0))
            continue;
        double v = sample_value(w, j, s);
        move(w->flat, w->sqflat, w->vflat, (size_t)g0 * R + j, -c, -v);
        move(w->flat, w->sqflat, w->vflat, (size_t)g1 * R + j, c, v);
        /* the interrupt frame keeps its cum where it also sits higher
         * up the stack (asyncPreempt -> ... -> asyncPreempt) */
        bool above = false, past = false;
        struct frames it_;
        frames_init(&it_, w, j, s);
        while (frames_next(&it_, &g)) {
            if (!w->charge[g])
                past = true;
            else if (past && g == g0)
                above = true;
        }
        if (!above)
            move(w->cum, w->sqcum, w->vcum, (size_t)g0 * R + j, -c, -v);
        charged += c;
    }
    free(lf);
    return charged;
}

static void charge_item(void *ctx, size_t i)
{
    struct charge_job *cj = ctx;
    cj->charged[i] = charge_run(cj->w, cj->j0 + i);
}

void fg_table_charge_interrupts(struct fg_work *w)
{
    size_t nf = w->names.n;
    bool any = false;
    for (size_t g = 0; w->charge && g < nf && !any; g++)
        any = w->charge[g];
    if (!any)
        return;
    const size_t R = w->runs, T = pass_slots(R);
    struct charge_job cj;
    memset(&cj, 0, sizeof(cj));
    cj.w = w;
    for (cj.j0 = 0; cj.j0 < R; cj.j0 += T) {
        size_t n = R - cj.j0 < T ? R - cj.j0 : T;
        fg_parallel_for(n, (unsigned)T, charge_item, &cj);
        /* counts are whole numbers: the sums are exact in any order */
        for (size_t i = 0; i < n; i++)
            w->charged[cj.j0 + i < w->k ? 0 : 1] += cj.charged[i];
    }
}

/* Why a sample is set aside (w->sout). */
enum { KEEP = 0, OUT_RULE = 1, OUT_ENV = 2 };

/* The environment class of sample s of run j (interrupt frames at the
 * leaf skipped): its leaf's, or that of an environment-driven frame above
 * it reached through the runtime's own code only (w->internal); of
 * several, the one whose noise is largest (a spin-wait inside the
 * collector's mark phase varies as the mark phase does); -1 when none.
 * *top is the position (frames from the leaf, 0 = the leaf) of the
 * highest such frame: the frames up to it do the environment's work,
 * those above merely called it. */
static int env_of_sample(const struct fg_work *w, size_t j, size_t s,
                         size_t *top)
{
    uint32_t g;
    bool past = false;
    int best = -1;
    size_t pos = 0;
    *top = 0;
    struct frames it_;
    frames_init(&it_, w, j, s);
    while (frames_next(&it_, &g)) {
        if (!past && w->charge && w->charge[g])
            continue;
        if (w->env[g] >= 0) {
            if (best < 0 || fg_envnoise_cv(w->env[g]) > fg_envnoise_cv(best))
                best = w->env[g];
            *top = pos;
        }
        past = true;
        /* the program's own frame: what is above it is not this sample's
         * environment */
        if (!w->internal[g] && w->env[g] < 0)
            break;
        pos++;
    }
    return best;
}

/* Flags of a union function, one byte, for the passes that would
 * otherwise read four arrays per sample. */
enum { GF_CHARGE = 1, GF_INTERNAL = 2, GF_ENV = 4, GF_OUT = 8 };

/* Scratch of one run in flight in fg_table_set_aside: how much of each
 * function's time the run's environment-driven samples hold (outc), the
 * family that made them so (fam, -1: untouched), which functions it
 * touched, and a per-sample stamp (a function counts once per sample). */
struct aside_slot {
    double *outc;
    int *fam;
    size_t *stamp;
    size_t mark;
    uint32_t *touched;
    size_t n_touched;
    double aside;     /* counts set aside as environment-driven */
};

struct aside_job {
    struct fg_work *w;
    size_t j0;
    struct aside_slot *slot;
    const uint8_t *gfl;
};

/* Which samples of run j are set aside (w->sout[j]), and how much of
 * each function's time its environment-driven ones hold (slot). */
static void aside_mark_run(struct fg_work *w, size_t j, struct aside_slot *sl,
                           const uint8_t *gfl)
{
    const bool env_on = w->o->env_noise;
    const struct fg_profile *p = w->prof[j];
    const size_t ns = p->n_samples;
    uint8_t *out = w->sout[j];
    /* most samples end in the program's own code, and then their leaf
     * location alone settles them (one read instead of walking location,
     * frames and map, with the four flag arrays of the function) */
    uint32_t *lf = first_funcs(w, j);
    for (size_t s = 0; s < ns; s++) {
        if (s + LEAF_MID < ns &&
            p->sample_start[s + LEAF_MID] < p->sample_start[s + LEAF_MID + 1])
            __builtin_prefetch(
                &lf[p->sample_locs[p->sample_start[s + LEAF_MID]]]);
        if (s + LEAF_NEAR < ns &&
            p->sample_start[s + LEAF_NEAR] <
                p->sample_start[s + LEAF_NEAR + 1]) {
            uint32_t g =
                lf[p->sample_locs[p->sample_start[s + LEAF_NEAR]]];
            if (g != UINT32_MAX)
                __builtin_prefetch(&gfl[g]);
        }
        uint32_t a = p->sample_start[s];
        if (a < p->sample_start[s + 1]) {
            uint32_t g = lf[p->sample_locs[a]];
            if (g != UINT32_MAX &&
                !(gfl[g] & (GF_CHARGE | GF_INTERNAL | GF_ENV))) {
                /* the leaf is g, the program's own: not the environment
                 * (env_of_sample stops at it); set aside only by a rule */
                if ((gfl[g] & GF_OUT) &&
                    floor(fg_table_sample_count(w, j, s) + 0.5) > 0)
                    out[s] = OUT_RULE;
                continue;
            }
        }
        prefetch_leaf(w, j, s);
        double c = floor(fg_table_sample_count(w, j, s) + 0.5);
        uint32_t leaf = fg_table_leaf(w, j, s);
        if (!(c > 0) || leaf == UINT32_MAX)
            continue;
        int e = -1;
        size_t top = 0;
        if (w->leaf_out[leaf])
            out[s] = OUT_RULE;
        else if (env_on && (e = env_of_sample(w, j, s, &top)) >= 0)
            out[s] = OUT_ENV;
        if (out[s] != OUT_ENV)
            continue;
        /* the frames doing the environment's work (the leaf up to the
         * highest environment-driven frame) */
        sl->mark++;
        uint32_t g;
        size_t pos = 0;
        bool past = false;
        struct frames it_;
        frames_init(&it_, w, j, s);
        while (frames_next(&it_, &g)) {
            if (!past && w->charge[g])
                continue;
            past = true;
            if (pos++ > top)
                break;
            if (sl->stamp[g] == sl->mark)
                continue;
            sl->stamp[g] = sl->mark;
            if (sl->fam[g] < 0)
                sl->touched[sl->n_touched++] = g;
            sl->outc[g] += c;
            if (sl->fam[g] < 0 ||
                fg_envnoise_cv(e) > fg_envnoise_cv(sl->fam[g]))
                sl->fam[g] = e;
        }
    }
    free(lf);
}

/* Run j's set-aside samples leave the other functions' rows: only column
 * j of the matrices changes. */
static void aside_move_run(struct fg_work *w, size_t j, struct aside_slot *sl)
{
    const size_t R = w->runs;
    const struct fg_profile *p = w->prof[j];
    for (size_t s = 0; s < p->n_samples; s++) {
        int why = w->sout[j][s];
        if (why == KEEP)
            continue;
        double c = floor(fg_table_sample_count(w, j, s) + 0.5);
        double v = sample_value(w, j, s);
        uint32_t leaf = fg_table_leaf(w, j, s), g;
        if (why == OUT_ENV)
            sl->aside += c;
        sl->mark++;
        struct frames it_;
        frames_init(&it_, w, j, s);
        while (frames_next(&it_, &g)) {
            if (sl->stamp[g] == sl->mark || w->leaf_out[g] ||
                (why == OUT_ENV && w->env[g] >= 0))
                continue;
            sl->stamp[g] = sl->mark;
            size_t x = (size_t)g * R + j;
            move(w->cum, w->sqcum, w->vcum, x, -c, -v);
            if (g == leaf)
                move(w->flat, w->sqflat, w->vflat, x, -c, -v);
        }
    }
}

static void aside_mark_item(void *ctx, size_t i)
{
    struct aside_job *aj = ctx;
    size_t j = aj->j0 + i;
    const struct fg_profile *p = aj->w->prof[j];
    aj->w->sout[j] = fg_xcalloc(p->n_samples + 1, 1);
    aside_mark_run(aj->w, j, &aj->slot[i], aj->gfl);
}

static void aside_move_item(void *ctx, size_t i)
{
    struct aside_job *aj = ctx;
    aside_move_run(aj->w, aj->j0 + i, &aj->slot[i]);
}

void fg_table_set_aside(struct fg_work *w)
{
    const size_t nf = w->names.n, R = w->runs, T = pass_slots(R);
    const bool env_on = w->o->env_noise;
    bool any = false;
    for (size_t g = 0; g < nf && !any; g++)
        any = w->leaf_out[g] || (env_on && w->env[g] >= 0);
    if (!any)
        return;
    double *cumtot = fg_xcalloc(nf + 1, sizeof(double));
    double *outc = fg_xcalloc(nf + 1, sizeof(double));
    int *fam = fg_xcalloc(nf + 1, sizeof(int));
    for (size_t g = 0; g < nf; g++) {
        cumtot[g] = fg_work_sum(w->cum + g * R, 0, R);
        fam[g] = -1;
    }
    struct aside_slot slot[PASS_SLOTS];
    memset(slot, 0, sizeof(slot));
    for (size_t i = 0; i < T; i++) {
        slot[i].outc = fg_xcalloc(nf + 1, sizeof(double));
        slot[i].fam = fg_xmalloc((nf + 1) * sizeof(int));
        for (size_t g = 0; g <= nf; g++)
            slot[i].fam[g] = -1;
        slot[i].stamp = fg_xcalloc(nf + 1, sizeof(size_t));
        slot[i].touched = fg_xmalloc((nf + 1) * sizeof(uint32_t));
    }
    uint8_t *gfl = fg_xcalloc(nf + 1, 1);
    for (size_t g = 0; g < nf; g++)
        gfl[g] = (uint8_t)((w->charge[g] ? GF_CHARGE : 0) |
                           (w->internal[g] ? GF_INTERNAL : 0) |
                           (w->env[g] >= 0 ? GF_ENV : 0) |
                           (w->leaf_out[g] ? GF_OUT : 0));
    w->sout = fg_xcalloc(R, sizeof(*w->sout));
    struct aside_job aj = {w, 0, slot, gfl};
    /* which samples, and how much of each function's time they hold;
     * merged in run order, so the family kept is the one a pass over
     * the runs one after the other keeps (the first of the largest
     * noise), and the sums of whole counts are exact in any order */
    for (aj.j0 = 0; aj.j0 < R; aj.j0 += T) {
        size_t n = R - aj.j0 < T ? R - aj.j0 : T;
        fg_parallel_for(n, (unsigned)T, aside_mark_item, &aj);
        for (size_t i = 0; i < n; i++) {
            struct aside_slot *sl = &slot[i];
            for (size_t t = 0; t < sl->n_touched; t++) {
                uint32_t g = sl->touched[t];
                outc[g] += sl->outc[g];
                if (fam[g] < 0 ||
                    fg_envnoise_cv(sl->fam[g]) > fg_envnoise_cv(fam[g]))
                    fam[g] = sl->fam[g];
                sl->outc[g] = 0;
                sl->fam[g] = -1;
            }
            sl->n_touched = 0;
        }
    }
    free(gfl);
    /* functions that are mostly there on the environment's behalf (the
     * sweeper's helpers, the locks the collector takes) */
    for (size_t g = 0; g < nf; g++)
        if (w->env[g] < 0 && !w->leaf_out[g] && cumtot[g] > 0 &&
            outc[g] >= 0.5 * cumtot[g])
            w->env[g] = fam[g];
    /* the rest lose these samples */
    for (aj.j0 = 0; aj.j0 < R; aj.j0 += T) {
        size_t n = R - aj.j0 < T ? R - aj.j0 : T;
        for (size_t i = 0; i < n; i++)
            slot[i].aside = 0;
        fg_parallel_for(n, (unsigned)T, aside_move_item, &aj);
        for (size_t i = 0; i < n; i++)
            w->aside[aj.j0 + i < w->k ? 0 : 1] += slot[i].aside;
    }
    for (size_t i = 0; i < T; i++) {
        free(slot[i].outc);
        free(slot[i].fam);
        free(slot[i].stamp);
        free(slot[i].touched);
    }
    free(cumtot);
    free(outc);
    free(fam);
}
