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

    struct fg_profile *const *prof; /* the runs, base first (borrowed) */
    struct fg_count_spec *cs; /* how each run was counted */
    uint32_t **fmap;          /* per run: profile function -> union row
                               * (UINT32_MAX: not in the table) */
    const size_t *types;      /* per run: the analysed sample type */
    int *env;                 /* per union function: environment family,
                               * or -1 (by name, or by context: most of
                               * its samples are environment-driven) */
    bool *leaf_out;           /* per union function: ignored by a rule;
                               * samples ending in it leave the other
                               * functions' rows and the findings */
    bool *internal;           /* per union function: a runtime's own code
                               * (fg_envnoise_internal) */
    bool *charge;             /* per union function: a leaf frame that
                               * interrupts its caller, whose samples count
                               * as the caller's own time (env_noise on) */
    uint8_t **sout;           /* per run and sample: 1 when the sample is
                               * set aside (environment-driven or ending in
                               * an ignored function), else 0; NULL when
                               * no sample is */
    double aside[2];          /* counts set aside as environment-driven,
                               * per side */
    double charged[2];        /* counts charged from interrupt frames to the
                               * interrupted functions, per side */
    size_t *row_of[2];        /* per union function and metric (0 flat,
                               * 1 cum): 1 + its result row, or 0 (also
                               * for a late row not built yet) */
    bool *early;              /* per union function: its rows are built
                               * before the tests (it may be tested, is
                               * new or vanished, or a threshold rule
                               * names it); the others' rows after the
                               * findings, once the profiles are released:
                               * nothing between reads them */
    size_t *name_at;          /* per union function: its name's offset in
                               * the result's name pool (build_pool) */
    double lb, lc;            /* summed effective library sizes per side */
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

/* Aggregate profile p (type t) into column col, recording how it was
 * counted (w->cs[col]) and its function map (w->fmap[col]); *approx_out
 * is set when its counts were approximated.  Errors: those of
 * fg_aggregate. */
int fg_table_add_run(struct fg_work *w, const struct fg_profile *p,
                     size_t col, size_t t, bool *approx_out) FG_MUST_CHECK;

/* fg_table_add_run for every run w->prof[0 .. w->runs) (types[j] the
 * analysed type of run j), aggregating two runs at a time on separate
 * threads and merging them in run order; the first failing run's error. */
int fg_table_add_runs(struct fg_work *w, const size_t *types,
                      bool *approx_out) FG_MUST_CHECK;

/* The count the tests use for sample s of run j (w->cs[j]). */
double fg_table_sample_count(const struct fg_work *w, size_t j, size_t s);

/* The union function of sample s's leaf frame in run j, interrupt frames
 * (w->charge) skipped, or UINT32_MAX. */
uint32_t fg_table_leaf(const struct fg_work *w, size_t j, size_t s);

/* Whether sample s of run j is set aside (w->sout). */
bool fg_table_sample_out(const struct fg_work *w, size_t j, size_t s);

/*
 * Count the samples whose leaf is an interrupt frame (w->charge) as the
 * interrupted function's own time: flat and its value move from the
 * interrupt frame to the first frame above it that is not one.
 */
void fg_table_charge_interrupts(struct fg_work *w);

/*
 * Set aside the samples that are not the code's time: those ending in a
 * function ignored by a rule (w->leaf_out) and, with env_noise on, those
 * whose leaf is environment-driven or sits under such a frame with only
 * the runtime's own code between them (a background collector, the
 * scheduler, a futex wait): preemption that follows the
 * machine's load moved 1.7% of the samples to 15% between identical runs,
 * and every ancestor's inclusive time with it, where the tight noise of a
 * function spread over many stacks would call that a regression.  A
 * function that most of its samples in such stacks becomes
 * environment-driven itself (w->env, the family of the frame that made
 * them so) and keeps its counts; every other function loses the set-aside
 * samples from its flat and cum rows.  Fills w->sout and w->aside.
 */
void fg_table_set_aside(struct fg_work *w);

/* A 64-bit digest of a profile's samples, stacks and names: equal for
 * byte-identical recordings (duplicated runs, or a URL that served the same
 * body twice). */
uint64_t fg_table_digest(const struct fg_profile *p);

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

/* True when an ignore rule matches name (focus rules do not count: they
 * choose what gates, an ignored function's time is not the code's). */
bool fg_rules_ignores(const struct fg_compare_opts *o,
                      const struct fg_rules *cr, const char *name);

/* True when a threshold rule (per-pattern gates or a budget) matches
 * name: its rows carry the rule. */
bool fg_rules_threshold(const struct fg_compare_opts *o,
                        const struct fg_rules *cr, const char *name);

/* Set the ignore flag and effective gates of f, the row of function
 * name, from the rules. */
void fg_rules_apply(const struct fg_compare_opts *o, const struct fg_rules *cr,
                    const char *name, struct fg_func_result *f);

/* ---- normalize.c -------------------------------------------------------------- */

/* Fill w->L, w->lb, w->lc and the result's size factors and r from the
 * first nf rows (w->env must be set). */
void fg_normalize(struct fg_work *w, size_t nf);

/* Check the denominators of --normalize duration/work (FG_EUSAGE naming
 * the profile or option). */
int fg_normalize_check(struct fg_work *w) FG_MUST_CHECK;

/* ---- difftest.c ---------------------------------------------------------------- */

/* Choose the test from the options and the number of runs (warns when it
 * has to differ from the one asked for). */
void fg_difftest_choose(struct fg_work *w);

/* The counts and squared stack counts of a row's metric. */
const double *fg_work_mat(const struct fg_work *w, enum fg_metric m);
const double *fg_work_sq(const struct fg_work *w, enum fg_metric m);

/*
 * Test the rows of fam (flat and cum alike) with the chosen test.  The
 * run-to-run noise is learned from the flat counts of every function that
 * could be tested, whatever --ignore/--focus select, leaving out functions
 * seen on one side only and environment-driven ones; each row is then
 * tested with its own concentration and its family's extra noise.
 */
void fg_difftest_run(struct fg_work *w, const struct fg_family *fam);

/* ---- gate.c -------------------------------------------------------------------- */

/* Holm (gate family: flat and cum rows, weighted) and BH adjusted
 * p-values of fam's rows. */
void fg_gate_adjust(struct fg_work *w, const struct fg_family *fam);

/* Classify every row (flags, fail rule) and count them. */
void fg_gate_classify(struct fg_work *w);

/* The verdict and its reason, from the findings, budgets and data. */
void fg_gate_decide(struct fg_work *w);

/* The minimum detectable effects of both sides. */
void fg_gate_mde(struct fg_work *w);

/* Whether an inclusive count (ca base, cb candidate, summed over runs)
 * fell short of a rise `rise` (a normalized share change) under it: by
 * more than half, and by more than MOVED_Z (gate.c) standard errors of the
 * count's normalized change (sampling, and MOVED_CV run-to-run
 * variation).  Then the rise moved from elsewhere inside that function
 * (a JIT's inlining, an intrinsic's samples landing on another frame)
 * instead of adding time. */
bool fg_gate_fell_short(const struct fg_work *w, double rise, double ca,
                        double cb);

/* ---- findings.c ---------------------------------------------------------------- */

/* Group the flagged rows into findings (fg_result.findings), each named
 * at the deepest function that explains it, with its callers and
 * callees.  Needs the rows in their final order. */
void fg_findings_build(struct fg_work *w);

/* Free r's findings; point their rows at the rows' new places. */
void fg_findings_free(struct fg_result *r);
void fg_findings_remap(struct fg_result *r, const size_t *new_of_old);

/* ---- rank.c -------------------------------------------------------------------- */

/* Sort r's rows into report order (rank.c); new_of_old (may be NULL,
 * else n_funcs entries) receives where each row went.  name_rank (may be
 * NULL: the rows' names are sorted here) gives each row the rank of its
 * name in byte order (strcmp's), equal for equal names and distinct for
 * different ones; only their order matters. */
void fg_rank_rows(struct fg_result *r, const uint32_t *name_rank,
                  size_t *new_of_old);

#endif
