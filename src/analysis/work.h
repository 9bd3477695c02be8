/*
 * work.h - the working state of one comparison (fg_compare), shared by the
 * analysis units that each do one step of it: counts.c, table.c, rules.c,
 * normalize.c, difftest.c, gate.c, rank.c.  Not part of the library's
 * interface.
 *
 * Matrices are functions x runs, row-major, base runs first: entry
 * (g, j) of a matrix is mat[g * runs + j].  Result rows (struct
 * fg_func_result) refer to matrix rows through mrow.
 */
#ifndef FLAMEGATE_ANALYSIS_WORK_H
#define FLAMEGATE_ANALYSIS_WORK_H

#include "flamegate/aggregate.h"
#include "flamegate/compare.h"
#include "flamegate/strtab.h"

#include <regex.h>

/* How counts are obtained from one profile. */
struct fg_count_spec {
    struct fg_agg_spec spec;
    double scale;       /* multiply aggregated values (1 unless derived) */
    char label[192];    /* how the counts were derived, for reports */
};

struct fg_work {
    const struct fg_compare_opts *o;
    struct fg_error *err;
    size_t k, m, runs;        /* runs = k + m; base first */
    struct fg_strtab names;   /* union of function names (borrowed) */
    /* matrices n_funcs x runs, grown as names appear */
    double *flat, *cum;       /* counts */
    double *vflat, *vcum;     /* analysed values */
    double *sqflat, *sqcum;   /* sums of squared stack counts */
    size_t cap;               /* rows allocated */
    size_t zeroed;            /* rows cleared (<= cap) */
    double *totals;           /* count total per run */
    double *vtotals;          /* analysed value total per run */
    double *L;                /* effective library size per run */
    size_t *mrow;             /* result row -> matrix row */
    bool warned_noise;        /* "too few functions" said once */
    struct fg_result *res;
};

/* The tested rows of one metric. */
struct fg_family {
    size_t *rows;     /* result row indices (owned by the caller) */
    size_t n;
};

/* Compiled function-name rules (rules.c). */
struct fg_rules {
    regex_t *re;
    bool *ok;         /* re[i] compiled (globs are not) */
    size_t n;
    bool any_focus;
};

/* ---- work.c: shared helpers ---------------------------------------------- */

/* Append a one-line warning to r (formatted, at most 511 bytes). */
void fg_work_warn(struct fg_result *r, const char *fmt, ...) FG_PRINTF(2, 3);

/* Sum of row[from..to). */
double fg_work_sum(const double *row, size_t from, size_t to);

/* Concentration of a function's counts over its stacks on runs
 * [from, to): sum of squared stack counts / (sum of counts)^2, in (0, 1];
 * 1 for a function made of a single stack.  0 when it has no counts. */
double fg_work_concentration(const double *cnt, const double *sq,
                             size_t from, size_t to);

/* A count kept as a double, as int64 saturated at INT64_MAX (0 for
 * non-positive or NaN). */
int64_t fg_work_i64(double x);

/* ---- counts.c ---------------------------------------------------------------- */

/* How to count the analysed type t of p; *approx is set when the profile
 * has no counts at all and one event per sample record is assumed. */
void fg_counts_choose(const struct fg_profile *p, size_t t,
                      struct fg_count_spec *c, bool *approx);

/* ---- table.c ------------------------------------------------------------------ */

/* Make matrix rows [0, need) exist and hold zeros. */
void fg_table_grow(struct fg_work *w, size_t need);

/* Aggregate profile p (type t) into column col; *approx_out is set when
 * its counts were approximated.  Errors: those of fg_aggregate. */
int fg_table_add_run(struct fg_work *w, const struct fg_profile *p,
                     size_t col, size_t t, bool *approx_out) FG_MUST_CHECK;

/* Choose the analysed type of every run into types[0..k+m) and check that
 * they agree.  FG_EUSAGE names two profiles that differ. */
int fg_table_check_types(struct fg_profile *const *base, size_t k,
                         struct fg_profile *const *cand, size_t m,
                         const struct fg_compare_opts *o, size_t *types,
                         struct fg_error *err) FG_MUST_CHECK;

/* ---- rules.c ------------------------------------------------------------------ */

/* Compile o's rules into cr (release with fg_rules_free, also after a
 * failure).  FG_EUSAGE names an invalid regex and its origin. */
int fg_rules_compile(const struct fg_compare_opts *o, struct fg_rules *cr,
                     struct fg_error *err) FG_MUST_CHECK;
void fg_rules_free(struct fg_rules *cr);

/* Set f's ignore flag and effective gates from the rules. */
void fg_rules_apply(const struct fg_compare_opts *o, const struct fg_rules *cr,
                    struct fg_func_result *f);

/* ---- normalize.c -------------------------------------------------------------- */

/* Fill w->L and the result's size factors and r from the first nf rows. */
void fg_normalize(struct fg_work *w, size_t nf);

/* ---- difftest.c ---------------------------------------------------------------- */

/* Choose the test from the options and the number of runs (warns when it
 * has to differ from the one asked for). */
void fg_difftest_choose(struct fg_work *w);

/* Test the rows of fam, counts in mat and squared stack counts in sq. */
void fg_difftest_binomial(struct fg_work *w, const struct fg_family *fam,
                          const double *mat, const double *sq);
void fg_difftest_moderated(struct fg_work *w, const struct fg_family *fam,
                           const double *mat, const double *sq);

/* ---- gate.c -------------------------------------------------------------------- */

/* Holm (gate family) and BH adjusted p-values of fam's rows. */
void fg_gate_adjust(struct fg_work *w, const struct fg_family *fam);

/* Classify every row and set the verdict, its reason and the counts. */
void fg_gate_decide(struct fg_work *w);

/* The minimum detectable effects of both sides. */
void fg_gate_mde(struct fg_work *w);

/* ---- rank.c -------------------------------------------------------------------- */

/* Sort r's rows into report order (rank.c). */
void fg_rank_rows(struct fg_result *r);

#endif
