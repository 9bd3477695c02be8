/*
 * findings.c - one change, reported once, at its root (README "Findings").
 *
 * A regression rarely sits in one row: a new callee subtree raises the
 * caller's cum, every ancestor's cum and a hundred new functions; a slower
 * leaf raises its flat and its ancestors' cum.  The flagged rows (FAIL or
 * MARGINAL) are grouped by one pass over the samples that counts, per
 * side, how often two flagged functions share a stack one above the other,
 * and the edges into and out of flagged functions.  Then, with changes
 * measured as normalized shares (b / L_c - a / L_b):
 *   1. a function absent from the base belongs to the new function above
 *      it on at least 80% of its samples: the topmost new function of a
 *      new subtree is where it starts (entered from an existing caller);
 *   2. an existing function whose rise is explained (80% or more) by the
 *      roots found below it is context, not a finding (deepest first);
 *   3. a remaining function whose rise happened (80% or more) under a
 *      new call path belongs to it (the allocator that grew because the
 *      new code path allocates).
 * Each remaining root is a finding: a new call path, a function's own time
 * (when most of its rise is self time), or its inclusive time spread over
 * its callees; with its members, the ancestors it explains and the caller
 * and callee edges that moved, in the spirit of pprof's -peek.
 */
#include "analysis/work.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPLAINS 0.8     /* share of a rise that counts as explained */
#define MAX_FLAGGED 256  /* functions grouped; the smaller rest stay rows */
#define MAX_EDGES 10     /* callers and callees kept per finding */
#define NONE ((size_t)-1)

/* A caller -> callee edge touching a flagged function, per side. */
struct edge {
    uint32_t from, to;   /* union functions */
    double n[2];         /* samples holding it, per side */
    size_t stamp;        /* last sample counted (once per sample) */
};

struct edges {
    struct edge *e;
    size_t n, cap;
    size_t *slot;        /* open addressing: index + 1, or 0 */
    size_t nslot;
};

struct flagged {
    size_t n;
    uint32_t *g;         /* union function of flagged i */
    long *idx;           /* union function -> flagged index, or -1 */
    double *co[2];       /* co[side][i * n + j]: i above j on a stack */
    double *dcum, *dflat;
    bool *is_new;
    bool *self;          /* its flat row is flagged: its own time rose */
    double *leafco[2];   /* leafco[side][i * (n + 1) + j]: samples holding
                          * i whose leaf is flagged j (j < n, self[j]) or
                          * a function new in the candidate (j == n) */
    bool *new_g;         /* per union function: absent from the base */
};

static size_t edge_find(struct edges *E, uint32_t from, uint32_t to)
{
    if (E->n * 2 >= E->nslot) {
        size_t ns = E->nslot ? E->nslot * 2 : 1024;
        size_t *slot = fg_xcalloc(ns, sizeof(size_t));
        for (size_t i = 0; i < E->n; i++) {
            uint64_t h = ((uint64_t)E->e[i].from * 0x9E3779B97F4A7C15ULL) ^
                         E->e[i].to;
            size_t s = (size_t)(h * 0xff51afd7ed558ccdULL) & (ns - 1);
            while (slot[s])
                s = (s + 1) & (ns - 1);
            slot[s] = i + 1;
        }
        free(E->slot);
        E->slot = slot;
        E->nslot = ns;
    }
    uint64_t h = ((uint64_t)from * 0x9E3779B97F4A7C15ULL) ^ to;
    size_t s = (size_t)(h * 0xff51afd7ed558ccdULL) & (E->nslot - 1);
    while (E->slot[s]) {
        struct edge *x = &E->e[E->slot[s] - 1];
        if (x->from == from && x->to == to)
            return E->slot[s] - 1;
        s = (s + 1) & (E->nslot - 1);
    }
    E->e = fg_xgrow(E->e, &E->cap, E->n + 1, sizeof(*E->e));
    E->e[E->n] = (struct edge){from, to, {0, 0}, 0};
    E->slot[s] = E->n + 1;
    return E->n++;
}

/* One pass over every run: co-occurrence of flagged functions and the
 * edges that touch them. */
static void scan(const struct fg_work *w, struct flagged *F, struct edges *E)
{
    size_t n = F->n, cap = 0;
    uint32_t *seq = NULL;
    long *first = fg_xcalloc(n, sizeof(long)), *last = fg_xcalloc(n, sizeof(long));
    size_t *present = fg_xcalloc(n, sizeof(size_t));
    size_t *seen = fg_xcalloc(n, sizeof(size_t));
    size_t stamp = 0;
    unsigned char *hot = NULL;
    for (size_t j = 0; j < w->runs; j++) {
        const struct fg_profile *p = w->prof[j];
        const uint32_t *map = w->fmap[j];
        int side = j < w->k ? 0 : 1;
        /* A sample none of whose frames is flagged adds nothing below (no
         * co-occurrence, no edge, no leaf share): the locations holding a
         * flagged frame are marked once, and most samples are passed over
         * on one byte per location instead of a walk of their frames. */
        hot = fg_xrealloc(hot, p->n_locs + 1);
        for (size_t l = 0; l < p->n_locs; l++) {
            hot[l] = 0;
            for (uint32_t f = p->loc_start[l]; f < p->loc_start[l + 1]; f++)
                if (map[p->loc_frames[f]] != UINT32_MAX &&
                    F->idx[map[p->loc_frames[f]]] >= 0)
                    hot[l] = 1;
        }
        for (size_t s = 0; s < p->n_samples; s++) {
            uint32_t a = p->sample_start[s], b = p->sample_start[s + 1];
            bool any = false;
            for (uint32_t i = a; i < b && !any; i++)
                any = hot[p->sample_locs[i]];
            if (!any)
                continue;
            double c = fg_table_sample_count(w, j, s);
            if (!(c > 0) || a == b)
                continue;
            /* as in the cum rows: time that follows the machine, or that
             * a rule ignores, is not part of a finding */
            if (fg_table_sample_out(w, j, s))
                continue;
            stamp++;
            /* the stack root first, inlined frames outermost first */
            size_t len = 0, np = 0;
            for (uint32_t i = b; i-- > a;) {
                uint32_t loc = p->sample_locs[i];
                for (uint32_t f = p->loc_start[loc + 1];
                     f-- > p->loc_start[loc];) {
                    uint32_t g = map[p->loc_frames[f]];
                    if (g == UINT32_MAX)
                        continue;
                    seq = fg_xgrow(seq, &cap, len + 1, sizeof(*seq));
                    seq[len++] = g;
                }
            }
            /* an interrupt frame at the leaf is its caller's time */
            while (len > 1 && w->charge && w->charge[seq[len - 1]])
                len--;
            if (len == 0)
                continue;
            for (size_t t = 0; t < len; t++) {
                long fi = F->idx[seq[t]];
                if (fi >= 0) {
                    if (seen[fi] != stamp) {
                        seen[fi] = stamp;
                        first[fi] = (long)t;
                        present[np++] = (size_t)fi;
                    }
                    last[fi] = (long)t;
                }
                if (t == 0 || seq[t - 1] == seq[t])
                    continue;
                if (F->idx[seq[t - 1]] < 0 && fi < 0)
                    continue;
                size_t ei = edge_find(E, seq[t - 1], seq[t]);
                struct edge *e = &E->e[ei]; /* after a possible grow */
                if (e->stamp != stamp) {
                    e->stamp = stamp;
                    e->n[side] += c;
                }
            }
            for (size_t x = 0; x < np; x++)
                for (size_t y = 0; y < np; y++) {
                    size_t i = present[x], k = present[y];
                    if (i != k && first[i] < last[k])
                        F->co[side][i * n + k] += c;
                }
            /* the sample's leaf, when it carries a rise of its own */
            uint32_t leaf = seq[len - 1];
            long li = F->idx[leaf];
            size_t slot = li >= 0 && F->self[li] ? (size_t)li
                          : F->new_g[leaf]       ? n
                                                 : SIZE_MAX;
            if (slot != SIZE_MAX)
                for (size_t x = 0; x < np; x++)
                    F->leafco[side][present[x] * (n + 1) + slot] += c;
        }
    }
    free(hot);
    free(seq);
    free(first);
    free(last);
    free(present);
    free(seen);
}

/* The normalized change of counts a (base) and b (candidate). */
static double change(const struct fg_work *w, double a, double b)
{
    return (w->lc > 0 ? b / w->lc : 0) - (w->lb > 0 ? a / w->lb : 0);
}

static double dco(const struct fg_work *w, const struct flagged *F, size_t i,
                  size_t j)
{
    return change(w, F->co[0][i * F->n + j], F->co[1][i * F->n + j]);
}

/* The rows of union function g: flat and cum (NONE when absent). */
static void rows_of(const struct fg_work *w, uint32_t g, size_t *fr,
                    size_t *cr)
{
    *fr = w->row_of[0][g] ? w->row_of[0][g] - 1 : NONE;
    *cr = w->row_of[1][g] ? w->row_of[1][g] - 1 : NONE;
}

static bool flagged_row(const struct fg_func_result *f)
{
    return (f->flags & (FG_F_REGRESSION | FG_F_MARGINAL)) &&
           (f->flags & FG_F_INCREASE);
}

/* Pick the functions to group: every flagged function, the largest rises
 * first when there are more than MAX_FLAGGED. */
static void pick(const struct fg_work *w, struct flagged *F)
{
    const struct fg_result *r = w->res;
    size_t nf = w->names.n;
    F->idx = fg_xmalloc((nf + 1) * sizeof(long));
    for (size_t g = 0; g <= nf; g++)
        F->idx[g] = -1;
    uint32_t *cand = fg_xcalloc(nf + 1, sizeof(uint32_t));
    double *size = fg_xcalloc(nf + 1, sizeof(double));
    size_t nc = 0;
    for (size_t i = 0; i < r->n_funcs; i++) {
        if (!flagged_row(&r->funcs[i]))
            continue;
        uint32_t g = (uint32_t)w->mrow[i];
        if (F->idx[g] >= 0)
            continue;
        F->idx[g] = (long)nc;
        cand[nc] = g;
        size[nc++] = r->funcs[i].delta;
    }
    if (nc > MAX_FLAGGED) {
        /* keep the largest: a selection by repeated maxima is enough */
        for (size_t i = 0; i < nc; i++)
            F->idx[cand[i]] = -1;
        bool *taken = fg_xcalloc(nc, sizeof(bool));
        uint32_t *keep = fg_xcalloc(MAX_FLAGGED, sizeof(uint32_t));
        for (size_t k = 0; k < MAX_FLAGGED; k++) {
            size_t best = NONE;
            for (size_t i = 0; i < nc; i++)
                if (!taken[i] && (best == NONE || size[i] > size[best]))
                    best = i;
            taken[best] = true;
            keep[k] = cand[best];
        }
        memcpy(cand, keep, MAX_FLAGGED * sizeof(uint32_t));
        nc = MAX_FLAGGED;
        for (size_t i = 0; i < nc; i++)
            F->idx[cand[i]] = (long)i;
        free(taken);
        free(keep);
    }
    F->n = nc;
    F->g = cand;
    free(size);
    const size_t R = w->runs;
    F->co[0] = fg_xcalloc(nc * nc + 1, sizeof(double));
    F->co[1] = fg_xcalloc(nc * nc + 1, sizeof(double));
    F->dcum = fg_xcalloc(nc + 1, sizeof(double));
    F->dflat = fg_xcalloc(nc + 1, sizeof(double));
    F->is_new = fg_xcalloc(nc + 1, sizeof(bool));
    F->self = fg_xcalloc(nc + 1, sizeof(bool));
    F->leafco[0] = fg_xcalloc(nc * (nc + 1) + 1, sizeof(double));
    F->leafco[1] = fg_xcalloc(nc * (nc + 1) + 1, sizeof(double));
    F->new_g = fg_xcalloc(nf + 1, sizeof(bool));
    for (size_t g = 0; g < nf; g++)
        F->new_g[g] = fg_work_sum(w->cum + g * R, 0, w->k) == 0 &&
                      fg_work_sum(w->flat + g * R, w->k, R) > 0;
    for (size_t i = 0; i < nc; i++) {
        size_t fr = w->row_of[0][F->g[i]];
        /* a self-time rise that moved in from its callees is not the
         * function's own change: its inclusive row tells what rose */
        F->self[i] = fr && flagged_row(&r->funcs[fr - 1]) &&
                     !(r->funcs[fr - 1].flags & FG_F_MOVED);
    }
    for (size_t i = 0; i < nc; i++) {
        const double *cum = w->cum + (size_t)F->g[i] * R;
        const double *flat = w->flat + (size_t)F->g[i] * R;
        double ca = fg_work_sum(cum, 0, w->k), cb = fg_work_sum(cum, w->k, R);
        F->dcum[i] = change(w, ca, cb);
        F->dflat[i] = change(w, fg_work_sum(flat, 0, w->k),
                             fg_work_sum(flat, w->k, R));
        F->is_new[i] = ca == 0 && cb > 0;
    }
}

static void flagged_free(struct flagged *F)
{
    free(F->g);
    free(F->idx);
    free(F->co[0]);
    free(F->co[1]);
    free(F->dcum);
    free(F->dflat);
    free(F->is_new);
    free(F->self);
    free(F->leafco[0]);
    free(F->leafco[1]);
    free(F->new_g);
}

/* Index order of v[0..n) ascending. */
static size_t *order_by(const double *v, size_t n)
{
    size_t *o = fg_xcalloc(n + 1, sizeof(size_t));
    for (size_t i = 0; i < n; i++)
        o[i] = i;
    for (size_t i = 1; i < n; i++) /* insertion sort: n is small */
        for (size_t j = i; j > 0 && v[o[j - 1]] > v[o[j]]; j--) {
            size_t t = o[j];
            o[j] = o[j - 1];
            o[j - 1] = t;
        }
    return o;
}

/* How much of flagged i's rise the rises below it explain: the samples
 * holding i whose leaf is another function whose own time rose (flagged
 * flat) or a function new in the candidate.  Samples have one leaf, so
 * the parts add up without overlap.  The largest part in *best (a flagged
 * index; n for new functions; NONE when nothing explains). */
static double explained_below(const struct fg_work *w,
                              const struct flagged *F, size_t i,
                              size_t *best)
{
    size_t n = F->n;
    double explained = 0, top = 0;
    *best = NONE;
    for (size_t j = 0; j <= n; j++) {
        if (j == i || (j < n && !F->self[j]))
            continue;
        double d = change(w, F->leafco[0][i * (n + 1) + j],
                          F->leafco[1][i * (n + 1) + j]);
        if (!(d > 0))
            continue;
        explained += d;
        if (d > top) {
            top = d;
            *best = j;
        }
    }
    return explained;
}

/* The smallest unexplained rise of union function g's inclusive share
 * that counts as a change of its own: its --min-delta, and at least three
 * standard errors of its share (a caller with 40% of the samples moves by
 * half a point between identical runs of 20,000 samples). */
static double own_rise(const struct fg_work *w, uint32_t g)
{
    size_t fr, cr;
    rows_of(w, g, &fr, &cr);
    size_t x = cr != NONE ? cr : fr;
    if (x == NONE)
        return w->o->min_delta;
    const struct fg_func_result *f = &w->res->funcs[x];
    double se = f->stat != 0 ? fabs(log(fmax(f->ratio, 1e-300)) / f->stat)
                             : 0.0;
    double sd = isfinite(se) ? se * fmax(f->base_share, f->cand_share) : 0;
    return fmax(f->min_delta, 3.0 * sd);
}

/* Grouping: owner[i] = the root flagged i belongs to (itself for a root);
 * ctx[i] = the root an explained ancestor is context of, or NONE. */
/* The existing function that calls new function g most in the
 * candidate, or UINT32_MAX. */
static uint32_t new_caller(const struct flagged *F, const struct edges *E,
                           uint32_t g)
{
    uint32_t best = UINT32_MAX;
    double most = 0;
    for (size_t i = 0; i < E->n; i++) {
        const struct edge *e = &E->e[i];
        if (e->to != g || F->new_g[e->from] || !(e->n[1] > most))
            continue;
        most = e->n[1];
        best = e->from;
    }
    return best;
}

static void group(const struct fg_work *w, const struct flagged *F,
                  const struct edges *E, size_t *owner, size_t *ctx)
{
    size_t n = F->n;
    bool *root = fg_xcalloc(n + 1, sizeof(bool));
    for (size_t i = 0; i < n; i++) {
        owner[i] = i;
        ctx[i] = NONE;
    }
    /* 1. new functions under a new function join the topmost one */
    for (size_t i = 0; i < n; i++) {
        if (!F->is_new[i])
            continue;
        double cb = fg_work_sum(w->cum + (size_t)F->g[i] * w->runs, w->k,
                                w->runs);
        size_t best = NONE;
        double best_cb = -1;
        for (size_t j = 0; j < n; j++) {
            if (j == i || !F->is_new[j] ||
                F->co[1][j * n + i] < EXPLAINS * cb)
                continue;
            double jb = fg_work_sum(w->cum + (size_t)F->g[j] * w->runs, w->k,
                                    w->runs);
            if (jb > best_cb) {
                best_cb = jb;
                best = j;
            }
        }
        if (best != NONE)
            owner[i] = best;
    }
    for (size_t i = 0; i < n; i++) {
        size_t t = owner[i];
        for (size_t hop = 0; hop < n && owner[t] != t; hop++)
            t = owner[t];
        owner[i] = t;
    }
    /* 1b. new call paths entered from the same existing caller are one
     * change there (a pattern compiled and then matched in the same
     * function): the smaller ones join the largest */
    uint32_t *via = fg_xcalloc(n + 1, sizeof(uint32_t));
    for (size_t i = 0; i < n; i++)
        via[i] = F->is_new[i] && owner[i] == i ? new_caller(F, E, F->g[i])
                                               : UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        if (via[i] == UINT32_MAX)
            continue;
        size_t best = i;
        for (size_t j = 0; j < n; j++)
            if (via[j] == via[i] && F->dcum[j] > F->dcum[best])
                best = j;
        if (best != i)
            owner[i] = best;
    }
    free(via);
    for (size_t i = 0; i < n; i++) {
        size_t t = owner[i];
        for (size_t hop = 0; hop < n && owner[t] != t; hop++)
            t = owner[t];
        owner[i] = t;
        if (F->is_new[i] && owner[i] == i)
            root[i] = true;
    }
    /* 2. an existing function whose own time rose is a change of its
     * own; one whose inclusive rise the rises below it explain (80%, or
     * what is left is not material on its own) is context of the largest
     * of them; the rest rose in time spread over what they call */
    double *size = fg_xcalloc(n + 1, sizeof(double));
    for (size_t i = 0; i < n; i++)
        size[i] = fmax(F->dcum[i], F->dflat[i]);
    for (size_t i = 0; i < n; i++) {
        if (F->is_new[i])
            continue;
        root[i] = true;
        if (F->self[i])
            continue;
        size_t b;
        double explained = explained_below(w, F, i, &b);
        if (b == NONE || !(size[i] > 0) ||
            (explained < EXPLAINS * size[i] &&
             size[i] - explained >= own_rise(w, F->g[i])))
            continue;
        root[i] = false;
        if (b < n) {
            ctx[i] = b;
            continue;
        }
        /* new functions below: the new call path above most of them */
        double most = 0;
        for (size_t t = 0; t < n; t++)
            if (F->is_new[t] && owner[t] == t &&
                F->co[1][i * n + t] > most) {
                most = F->co[1][i * n + t];
                ctx[i] = t;
            }
        if (ctx[i] == NONE)
            root[i] = true;
    }
    /* 2b. an inclusive rise explained by one below it (a chain of the
     * allocator's slow path: nextFree -> refill -> cacheSpan -> grow ->
     * allocSpan, seven findings for one change) is context of the
     * deepest such root: the smallest that lies mostly under it and
     * whose rise explains its rise */
    for (size_t i = 0; i < n; i++) {
        if (!root[i] || F->is_new[i] || F->self[i] || !(size[i] > 0))
            continue;
        size_t best = NONE;
        for (size_t k = 0; k < n; k++) {
            if (k == i || !root[k] || F->is_new[k] || !(size[k] > 0) ||
                size[k] > size[i])
                continue;
            double ck = fg_work_sum(w->cum + (size_t)F->g[k] * w->runs, 0,
                                    w->runs);
            double under = F->co[0][i * n + k] + F->co[1][i * n + k];
            if (under < EXPLAINS * ck)
                continue;
            double explained = dco(w, F, i, k);
            if (explained < EXPLAINS * size[i] &&
                size[i] - explained >= own_rise(w, F->g[i]))
                continue;
            if (best == NONE || size[k] < size[best])
                best = k;
        }
        if (best != NONE)
            ctx[i] = best;
    }
    for (size_t i = 0; i < n; i++) {
        if (ctx[i] == NONE || F->is_new[i] || !root[i])
            continue;
        size_t t = ctx[i];
        for (size_t hop = 0; hop < n && ctx[t] != NONE && root[t]; hop++)
            t = ctx[t];
        ctx[i] = t;
    }
    for (size_t i = 0; i < n; i++)
        if (ctx[i] != NONE && root[i] && !F->is_new[i])
            root[i] = false;
    size_t *ord = order_by(size, n);
    /* 3. an existing root whose rise happened under a new call path joins
     * it (the allocator that grew because the new code allocates); under
     * an existing root with a rise of its own it is a change of its own */
    for (size_t o = 0; o < n; o++) {
        size_t d = ord[o];
        if (!root[d] || F->is_new[d] || !(size[d] > 0))
            continue;
        size_t best_t = NONE;
        double best = 0;
        for (size_t t = 0; t < n; t++) {
            if (t == d || !root[t] || owner[t] != t || !F->is_new[t])
                continue;
            double under = dco(w, F, t, d);
            bool t_below_d = dco(w, F, d, t) >= EXPLAINS * fmax(size[t], 0);
            if (under >= EXPLAINS * size[d] && !t_below_d && under > best) {
                best = under;
                best_t = t;
            }
        }
        if (best_t != NONE) {
            root[d] = false;
            for (size_t i = 0; i < n; i++)
                if (owner[i] == d)
                    owner[i] = best_t;
            for (size_t i = 0; i < n; i++)
                if (ctx[i] == d)
                    ctx[i] = best_t;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (ctx[i] != NONE)
            owner[i] = NONE;
    free(root);
    free(size);
    free(ord);
}

/* The row that stands for union function g in a finding: a regression row
 * first, then a marginal one, cum before flat; NONE if neither is flagged. */
static size_t best_row(const struct fg_work *w, uint32_t g, bool fail_only)
{
    size_t fr, cr;
    rows_of(w, g, &fr, &cr);
    size_t rows[2] = {cr, fr};
    const struct fg_result *r = w->res;
    for (int pass = 0; pass < 2; pass++) {
        unsigned want = pass == 0 ? FG_F_REGRESSION : FG_F_MARGINAL;
        if (pass == 1 && fail_only)
            break;
        size_t best = NONE;
        for (int k = 0; k < 2; k++) {
            size_t x = rows[k];
            if (x == NONE || !(r->funcs[x].flags & want))
                continue;
            if (best == NONE || r->funcs[x].p_holm < r->funcs[best].p_holm)
                best = x;
        }
        if (best != NONE)
            return best;
    }
    return NONE;
}

static int cmp_edge(const void *x, const void *y)
{
    const struct fg_finding_edge *a = x, *b = y;
    double da = fabs(a->cand_share - a->base_share);
    double db = fabs(b->cand_share - b->base_share);
    if (da != db)
        return da > db ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* The caller (into) or callee edges of union function g, largest change
 * first, at most MAX_EDGES. */
static struct fg_finding_edge *peek(const struct fg_work *w,
                                    const struct edges *E, uint32_t g,
                                    bool into, size_t *n_out)
{
    size_t n = 0, cap = 0;
    struct fg_finding_edge *v = NULL;
    double nb = fg_work_sum(w->totals, 0, w->k);
    double nc = fg_work_sum(w->totals, w->k, w->runs);
    for (size_t i = 0; i < E->n; i++) {
        const struct edge *e = &E->e[i];
        if ((into ? e->to : e->from) != g)
            continue;
        v = fg_xgrow(v, &cap, n + 1, sizeof(*v));
        uint32_t other = into ? e->from : e->to;
        v[n].name = fg_xstrdup(w->names.strs[other]);
        v[n].base_count = fg_work_i64(e->n[0]);
        v[n].cand_count = fg_work_i64(e->n[1]);
        v[n].base_share = nb > 0 ? e->n[0] / nb : 0;
        v[n].cand_share = nc > 0 ? e->n[1] / nc : 0;
        n++;
    }
    if (n)
        qsort(v, n, sizeof(*v), cmp_edge);
    for (size_t i = MAX_EDGES; i < n; i++)
        free(v[i].name);
    *n_out = n < MAX_EDGES ? n : MAX_EDGES;
    return v;
}

static int cmp_finding(const void *x, const void *y)
{
    const struct fg_finding *a = x, *b = y;
    if (a->level != b->level)
        return a->level == FG_VERDICT_FAIL ? -1 : 1;
    double da = a->cand_share - a->base_share, db = b->cand_share - b->base_share;
    if (da != db)
        return da > db ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

/* Append row x to a list (no duplicates). */
static void add_row(size_t **v, size_t *n, size_t x)
{
    if (x == NONE)
        return;
    for (size_t i = 0; i < *n; i++)
        if ((*v)[i] == x)
            return;
    *v = fg_xrealloc(*v, (*n + 1) * sizeof(size_t));
    (*v)[(*n)++] = x;
}

/*
 * Whether the rise of g moved into it from elsewhere under its caller
 * rather than added time: one caller P carries most (EXPLAINS) of the
 * rise of g's caller edges, yet P's inclusive time fell short of that
 * edge's rise (fg_gate_fell_short: less than half of it, and by more than
 * a few standard errors of P's inclusive count).  The test goes up the
 * dominant callers while they rose with it.  Seen between two JVM runs of
 * one build: one JIT attributes an intrinsic array copy to
 * Arrays.copyOf, the next to ArraysSupport.newLength, both under
 * ArrayList.grow, whose inclusive time stays put or rises by a third of
 * it.  A caller holding half the samples or more is no witness (under
 * total normalization its share hardly moves whatever happens inside
 * it).
 */
static bool moved_within_caller(const struct fg_work *w, const struct edges *E,
                                const struct flagged *F, uint32_t g)
{
    double tb = fg_work_sum(w->totals, 0, w->k);
    double tc = fg_work_sum(w->totals, w->k, w->runs);
    if (!(tb > 0 && tc > 0))
        return false;
    /* up the dominant callers while they rose with it: the first one that
     * did not is where the time moved (ArrayList.add and grow rising
     * together while Integer.valueOf fell, both under Work.allocate) */
    uint32_t x = g;
    for (int depth = 0; depth < 16; depth++) {
        double total = 0, best = 0;
        uint32_t bp = UINT32_MAX;
        for (size_t i = 0; i < E->n; i++) {
            const struct edge *e = &E->e[i];
            if (e->to != x || e->from == x)
                continue;
            double d = change(w, e->n[0], e->n[1]);
            if (d > 0)
                total += d;
            if (d > best) {
                best = d;
                bp = e->from;
            }
        }
        if (bp == UINT32_MAX || best < EXPLAINS * total)
            return false;
        const double *cum = w->cum + (size_t)bp * w->runs;
        double ca = fg_work_sum(cum, 0, w->k);
        double cb = fg_work_sum(cum, w->k, w->runs);
        if (ca >= 0.5 * tb || cb >= 0.5 * tc)
            return false;
        /* P's rise falls short of the edge's: the rest moved inside P */
        if (fg_gate_fell_short(w, best, ca, cb))
            return true;
        if (F->idx[bp] < 0)
            return false; /* its callers were not counted */
        x = bp;
    }
    return false;
}

/* A finding whose time moved (moved_within_caller): its failing rows
 * become marginal, flagged FG_F_MOVED. */
static void demote_moved(struct fg_work *w, const struct fg_finding *fd)
{
    struct fg_result *r = w->res;
    const size_t *lists[3] = {&fd->row, fd->members, fd->context};
    size_t lens[3] = {1, fd->n_members, fd->n_context};
    for (int l = 0; l < 3; l++)
        for (size_t x = 0; x < lens[l]; x++) {
            size_t rows[2];
            rows_of(w, (uint32_t)w->mrow[lists[l][x]], &rows[0], &rows[1]);
            for (int k = 0; k < 2; k++) {
                if (rows[k] == NONE)
                    continue;
                struct fg_func_result *f = &r->funcs[rows[k]];
                if (!(f->flags & FG_F_REGRESSION))
                    continue;
                f->flags &= ~(unsigned)(FG_F_REGRESSION | FG_F_MATERIAL);
                f->flags |= FG_F_MARGINAL | FG_F_MOVED;
                f->fail_rule = FG_FAIL_NONE;
                r->n_regressions--;
                r->n_marginal++;
            }
        }
}

static void build(struct fg_work *w, const struct flagged *F,
                  const struct edges *E, const size_t *owner,
                  const size_t *ctx)
{

    struct fg_result *r = w->res;
    size_t n = F->n, nb = 0;
    double tb = fg_work_sum(w->totals, 0, w->k);
    double tc = fg_work_sum(w->totals, w->k, w->runs);
    r->findings = fg_xcalloc(n + 1, sizeof(*r->findings));
    for (size_t t = 0; t < n; t++) {
        if (owner[t] != t)
            continue;
        struct fg_finding *fd = &r->findings[nb];
        uint32_t g = F->g[t];
        /* FAIL when the root or any member fails */
        size_t gate = best_row(w, g, true);
        for (size_t i = 0; i < n && gate == NONE; i++)
            if (owner[i] == t)
                gate = best_row(w, F->g[i], true);
        fd->level = gate != NONE ? FG_VERDICT_FAIL : FG_VERDICT_MARGINAL;
        if (gate == NONE)
            gate = best_row(w, g, false);
        if (gate == NONE)
            continue;
        fd->row = gate;
        const double *cum = w->cum + (size_t)g * w->runs;
        const double *flat = w->flat + (size_t)g * w->runs;
        const double *src = cum;
        if (F->is_new[t]) {
            fd->kind = FG_FINDING_NEW_PATH;
        } else if (F->self[t]) {
            fd->kind = FG_FINDING_SELF;
            src = flat;
        } else {
            fd->kind = FG_FINDING_INCLUSIVE;
        }
        fd->base_share = tb > 0 ? fg_work_sum(src, 0, w->k) / tb : 0;
        fd->cand_share = tc > 0 ? fg_work_sum(src, w->k, w->runs) / tc : 0;
        fd->callers = peek(w, E, g, true, &fd->n_callers);
        fd->callees = peek(w, E, g, false, &fd->n_callees);
        if (fd->kind == FG_FINDING_NEW_PATH) {
            /* the main caller that existed in the base */
            for (size_t i = 0; i < fd->n_callers && !fd->caller; i++) {
                long ci = F->idx[fg_strtab_find(&w->names,
                                                fd->callers[i].name,
                                                strlen(fd->callers[i].name))];
                if (ci < 0 || !F->is_new[ci])
                    fd->caller = fg_xstrdup(fd->callers[i].name);
            }
        }
        /* members by size of rise, then context */
        size_t *ord = NULL, no = 0;
        for (size_t i = 0; i < n; i++)
            if (i != t && owner[i] == t)
                add_row(&ord, &no, i);
        for (size_t a = 1; a < no; a++)
            for (size_t b = a; b > 0 && F->dcum[ord[b - 1]] < F->dcum[ord[b]];
                 b--) {
                size_t x = ord[b];
                ord[b] = ord[b - 1];
                ord[b - 1] = x;
            }
        for (size_t i = 0; i < no; i++) {
            size_t row = best_row(w, F->g[ord[i]], false);
            add_row(&fd->members, &fd->n_members, row);
        }
        free(ord);
        for (size_t i = 0; i < n; i++)
            if (ctx[i] == t)
                add_row(&fd->context, &fd->n_context,
                        best_row(w, F->g[i], false));
        if (fd->level == FG_VERDICT_FAIL && fd->kind != FG_FINDING_INCLUSIVE &&
            moved_within_caller(w, E, F, g)) {
            demote_moved(w, fd);
            fd->level = FG_VERDICT_MARGINAL;
        }
        nb++;
    }
    r->n_findings = nb;
    if (nb)
        qsort(r->findings, nb, sizeof(*r->findings), cmp_finding);
    for (size_t i = 0; i < nb; i++) {
        struct fg_finding *fd = &r->findings[i];
        r->n_fail_findings += fd->level == FG_VERDICT_FAIL;
        r->n_marginal_findings += fd->level == FG_VERDICT_MARGINAL;
        /* every row of the finding's functions points at it */
        const size_t *lists[3] = {&fd->row, fd->members, fd->context};
        size_t lens[3] = {1, fd->n_members, fd->n_context};
        for (int l = 0; l < 3; l++)
            for (size_t x = 0; x < lens[l]; x++) {
                uint32_t g = (uint32_t)w->mrow[lists[l][x]];
                size_t fr, cr;
                rows_of(w, g, &fr, &cr);
                if (fr != NONE && !r->funcs[fr].finding)
                    r->funcs[fr].finding = i + 1;
                if (cr != NONE && !r->funcs[cr].finding)
                    r->funcs[cr].finding = i + 1;
            }
    }
}

void fg_findings_build(struct fg_work *w)
{
    struct flagged F;
    memset(&F, 0, sizeof(F));
    pick(w, &F);
    if (F.n == 0) {
        flagged_free(&F);
        return;
    }
    struct edges E;
    memset(&E, 0, sizeof(E));
    scan(w, &F, &E);
    size_t *owner = fg_xcalloc(F.n, sizeof(size_t));
    size_t *ctx = fg_xcalloc(F.n, sizeof(size_t));
    group(w, &F, &E, owner, ctx);
    build(w, &F, &E, owner, ctx);
    free(owner);
    free(ctx);
    free(E.e);
    free(E.slot);
    flagged_free(&F);
}

void fg_findings_free(struct fg_result *r)
{
    for (size_t i = 0; i < r->n_findings; i++) {
        struct fg_finding *f = &r->findings[i];
        free(f->caller);
        free(f->members);
        free(f->context);
        for (size_t j = 0; j < f->n_callers; j++)
            free(f->callers[j].name);
        for (size_t j = 0; j < f->n_callees; j++)
            free(f->callees[j].name);
        free(f->callers);
        free(f->callees);
    }
    free(r->findings);
    r->findings = NULL;
    r->n_findings = 0;
}

void fg_findings_remap(struct fg_result *r, const size_t *new_of_old)
{
    for (size_t i = 0; i < r->n_findings; i++) {
        struct fg_finding *f = &r->findings[i];
        f->row = new_of_old[f->row];
        for (size_t j = 0; j < f->n_members; j++)
            f->members[j] = new_of_old[f->members[j]];
        for (size_t j = 0; j < f->n_context; j++)
            f->context[j] = new_of_old[f->context[j]];
    }
}
