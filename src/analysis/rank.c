/*
 * rank.c - the order of a result's rows: regressions, budgets, marginal,
 * improvements, new, vanished, tested, the rest; within a group by
 * adjusted p, |statistic|, |delta| and name.
 */
#include "analysis/work.h"
#include "core/pool.h"
#include "core/strsort.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rows sort in this many groups, row_rank 0 (regressions) first. */
#define N_ROW_RANKS 8

static int row_rank(const struct fg_func_result *f)
{
    if (f->flags & FG_F_REGRESSION)
        return 0;
    if (f->flags & FG_F_BUDGET)
        return 1;
    if (f->flags & FG_F_MARGINAL)
        return 2;
    if (f->flags & FG_F_IMPROVEMENT)
        return 3;
    if (f->flags & FG_F_NEW)
        return 4;
    if (f->flags & FG_F_VANISHED)
        return 5;
    if (f->flags & FG_F_TESTED)
        return 6;
    return N_ROW_RANKS - 1; /* untested */
}

/*
 * Row order: rank, then adjusted p, |statistic|, |delta|, name, metric.
 * The sort runs over compact keys rather than the rows themselves: rows
 * are bucketed by rank, and names are replaced by their rank in byte
 * order (strcmp's order) found by one string sort.  With 10^5+ functions
 * most rows tie on the numbers, and comparing 180-byte rows and long
 * shared name prefixes cost more than all the statistics.  Same order as
 * comparing the rows directly.
 */
struct row_key {
    double p_holm, stat, delta; /* stat and delta as absolute values */
    uint64_t name;              /* rank of the name in byte order << 1,
                                 * | metric: (name, metric) is unique */
};

/* Keys of one row rank; 32 bytes, which qsort moves directly. */
static int cmp_keys(const void *x, const void *y)
{
    const struct row_key *a = x, *b = y;
    if (a->p_holm != b->p_holm)
        return a->p_holm < b->p_holm ? -1 : 1;
    /* p-values may underflow to 0: rank ties by |statistic|. */
    if (a->stat != b->stat)
        return a->stat > b->stat ? -1 : 1;
    if (a->delta != b->delta)
        return a->delta > b->delta ? -1 : 1;
    return a->name < b->name ? -1 : a->name > b->name;
}

struct name_task {
    size_t lo, n, depth;
};

static inline bool key_less(const struct row_key *a, const struct row_key *b)
{
    return cmp_keys(a, b) < 0;
}

static void swap_keys(struct row_key *a, size_t i, size_t j)
{
    struct row_key t = a[i];
    a[i] = a[j];
    a[j] = t;
}

/* Hoare partition of a[lo, lo + len) (len >= 3) around the median of its
 * first, middle and last keys; returns j with [lo, j] <= pivot <= [j + 1,
 * lo + len). */
static size_t partition_keys(struct row_key *a, size_t lo, size_t len)
{
    size_t mid = lo + len / 2, hi = lo + len - 1;
    if (key_less(&a[mid], &a[lo]))
        swap_keys(a, mid, lo);
    if (key_less(&a[hi], &a[lo]))
        swap_keys(a, hi, lo);
    if (key_less(&a[hi], &a[mid]))
        swap_keys(a, hi, mid);
    struct row_key piv = a[mid];
    size_t i = lo, j = hi;
    for (;;) {
        while (key_less(&a[i], &piv))
            i++;
        while (key_less(&piv, &a[j]))
            j--;
        if (i >= j)
            return j;
        swap_keys(a, i, j);
        i++;
        j--;
    }
}

/* Sort keys[0..n) (all distinct: the name part is unique) by cmp_keys:
 * a quicksort with the comparison inlined, insertion sort below 16, and
 * qsort for a range that partitions badly too often.  glibc's qsort is a
 * merge sort through a function pointer with an n-sized buffer. */
static void sort_keys(struct row_key *a, size_t n)
{
    struct name_task *st = NULL;
    size_t nst = 0, cap = 0;
    int budget = 2;
    for (size_t m = n; m > 1; m >>= 1)
        budget += 2;
    st = fg_xgrow(st, &cap, 1, sizeof(*st));
    st[nst++] = (struct name_task){0, n, 0};
    while (nst) {
        struct name_task t = st[--nst];
        size_t lo = t.lo, len = t.n;
        while (len > 1) {
            if (len < 16) {
                for (size_t i = lo + 1; i < lo + len; i++) {
                    struct row_key x = a[i];
                    size_t j = i;
                    while (j > lo && key_less(&x, &a[j - 1])) {
                        a[j] = a[j - 1];
                        j--;
                    }
                    a[j] = x;
                }
                break;
            }
            if (t.depth++ > (size_t)budget) {
                qsort(a + lo, len, sizeof(*a), cmp_keys);
                break;
            }
            size_t j = partition_keys(a, lo, len);
            /* the larger side waits */
            size_t nl = j + 1 - lo, nr = lo + len - (j + 1);
            st = fg_xgrow(st, &cap, nst + 1, sizeof(*st));
            if (nl > nr) {
                st[nst++] = (struct name_task){lo, nl, t.depth};
                lo = j + 1;
                len = nr;
            } else {
                st[nst++] = (struct name_task){j + 1, nr, t.depth};
                len = nl;
            }
        }
    }
    free(st);
}

/* Two ranges sorted side by side. */
struct halves {
    struct row_key *a[2];
    size_t n[2];
};

static void sort_half(void *ctx, size_t i)
{
    struct halves *h = ctx;
    sort_keys(h->a[i], h->n[i]);
}

/* Below this many keys one thread sorts them. */
#define PAR_SORT_MIN 65536

/* sort_keys, with a large range split by one partition into two halves
 * sorted on two threads (the keys are distinct: the order is the same). */
static void sort_keys_par(struct row_key *a, size_t n)
{
    if (n < PAR_SORT_MIN || fg_parallel_cpus() < 2) {
        sort_keys(a, n);
        return;
    }
    size_t j = partition_keys(a, 0, n);
    struct halves h = {{a, a + j + 1}, {j + 1, n - (j + 1)}};
    fg_parallel_for(2, 2, sort_half, &h);
}

/* name_of[row] = rank of its name in byte order (equal names, equal
 * ranks), by one string sort of the rows' names. */
static void rank_names(const struct fg_result *r, uint64_t *name_of)
{
    size_t n = r->n_funcs;
    struct fg_strsort_ent *names = fg_xcalloc(n ? n : 1, sizeof(*names));
    for (size_t i = 0; i < n; i++) {
        names[i].s = (const unsigned char *)r->funcs[i].name;
        names[i].id = (uint32_t)i;
    }
    fg_strsort(names, n);
    uint64_t rank = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp((const char *)names[i - 1].s,
                            (const char *)names[i].s) != 0)
            rank++;
        name_of[names[i].id] = rank;
    }
    free(names);
}

void fg_rank_rows(struct fg_result *r, const uint32_t *name_rank,
                  size_t *new_of_old)
{
    size_t n = r->n_funcs;
    /* name_of[row] = rank of its name; row_of[(name << 1) | metric] =
     * row, to find rows again from the sorted keys. */
    uint64_t *name_of = fg_xcalloc(n ? n : 1, sizeof(uint64_t));
    if (name_rank)
        for (size_t i = 0; i < n; i++)
            name_of[i] = name_rank[i];
    else
        rank_names(r, name_of);
    /* a rank may exceed n - 1 when given (ranks of a larger name set) */
    uint64_t top = 0;
    for (size_t i = 0; i < n; i++)
        if (name_of[i] > top)
            top = name_of[i];
    uint32_t *row_of = fg_xcalloc(2 * (size_t)top + 2 + 2, sizeof(uint32_t));
    /* Bucket by row rank (a counting sort), then sort each bucket. */
    size_t start[N_ROW_RANKS + 1] = {0};
    for (size_t i = 0; i < n; i++)
        start[row_rank(&r->funcs[i]) + 1]++;
    for (size_t b = 1; b <= N_ROW_RANKS; b++)
        start[b] += start[b - 1];
    struct row_key *keys = fg_xcalloc(n ? n : 1, sizeof(*keys));
    size_t fill[N_ROW_RANKS];
    memcpy(fill, start, sizeof(fill));
    for (size_t i = 0; i < n; i++) {
        const struct fg_func_result *f = &r->funcs[i];
        struct row_key *k = &keys[fill[row_rank(f)]++];
        k->p_holm = f->p_holm;
        k->stat = fabs(f->stat);
        k->delta = fabs(f->delta);
        k->name = name_of[i] << 1 | (uint64_t)(f->metric == FG_METRIC_CUM);
        row_of[k->name] = (uint32_t)i;
    }
    free(name_of);
    for (size_t b = 0; b < N_ROW_RANKS; b++)
        sort_keys_par(keys + start[b], start[b + 1] - start[b]);
    uint32_t *perm = fg_xcalloc(n ? n : 1, sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) {
        perm[i] = row_of[keys[i].name];
        if (new_of_old)
            new_of_old[perm[i]] = i;
    }
    free(keys);
    free(row_of);
    /* Apply the permutation in place, one cycle at a time (a second array
     * of rows would add tens of megabytes to the peak). */
    for (size_t i = 0; i < n; i++) {
        if (perm[i] == i)
            continue;
        struct fg_func_result tmp = r->funcs[i];
        size_t j = i;
        while (perm[j] != i) {
            size_t from = perm[j];
            r->funcs[j] = r->funcs[from];
            perm[j] = (uint32_t)j;
            j = from;
        }
        r->funcs[j] = tmp;
        perm[j] = (uint32_t)j;
    }
    free(perm);
}
