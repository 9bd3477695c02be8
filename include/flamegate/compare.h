/*
 * compare.h - baseline vs candidate: normalization, per-function tests,
 * multiple-testing correction, effect gates and the verdict.
 *
 * Input: the runs of each side (one struct fg_profile per run, borrowed).
 * Output: a struct fg_result that owns copies of everything it reports, so
 * reports can be written after the profiles are freed.  The method is
 * described in README "Statistics" and ../shared/docs/STATISTICS.md.
 */
#ifndef FLAMEGATE_COMPARE_H
#define FLAMEGATE_COMPARE_H

#include "flamegate/profile.h"

enum fg_verdict {
    FG_VERDICT_PASS = 0,
    FG_VERDICT_MARGINAL = 1,
    FG_VERDICT_FAIL = 2,
    FG_VERDICT_INCONCLUSIVE = 3
};

enum fg_metric { FG_METRIC_FLAT = 0, FG_METRIC_CUM = 1, FG_METRIC_BOTH = 2 };

/* What a function's count is divided by before the two sides are
 * compared (the effective library size L of each run). */
enum fg_normalize {
    FG_NORM_ROBUST = 0,   /* total samples scaled by a count-weighted,
                           * trimmed mean of the functions' log ratios, so
                           * that a change elsewhere (an optimization, the
                           * GC and allocator cascade of an allocation
                           * change) does not move unchanged functions;
                           * falls back to total */
    FG_NORM_TOTAL = 1,    /* by total samples (share of samples) */
    FG_NORM_NONE = 2,     /* raw counts, r = 1 */
    FG_NORM_MEDIAN = 3,   /* DESeq2's median of ratios (the unweighted
                           * median, pulled by many small functions that
                           * move together) */
    FG_NORM_DURATION = 4, /* per second of profile time (duration_nanos):
                           * a uniform slowdown counts when load is
                           * steady */
    FG_NORM_WORK = 5      /* per unit of work the caller measured
                           * (base_work / cand_work: requests, benchmark
                           * iterations) */
};

/* Test actually used for a comparison. */
enum fg_test {
    FG_TEST_AUTO = 0,      /* choose from the number of runs */
    FG_TEST_BINOMIAL = 1,  /* exact conditional binomial (+ overdispersion z) */
    FG_TEST_MODERATED = 2  /* moderated Welch t on per-run log shares */
};

/* A function-name pattern rule (from --ignore/--focus or the config). */
enum fg_rule_kind {
    FG_RULE_IGNORE = 0,
    FG_RULE_FOCUS = 1,
    FG_RULE_THRESHOLD = 2 /* per-pattern min_change/min_delta/max_share */
};

struct fg_rule {
    enum fg_rule_kind kind;
    const char *pattern;   /* borrowed; POSIX extended regex, or a glob
                            * when is_glob */
    bool is_glob;
    double min_change;     /* < 0: inherit the global */
    double min_delta;      /* < 0: inherit */
    double max_share;      /* < 0: no budget; else fail above it (0..1) */
    const char *origin;    /* where the rule came from, for reports */
    const char *preset;    /* borrowed name of the ignore preset it
                            * expands, or NULL: reports name the preset
                            * instead of printing its long regex */
};

struct fg_compare_opts {
    const char *sample_type;   /* NULL: each profile's default */
    enum fg_metric metric;     /* what gates (FG_METRIC_BOTH default: self
                                * and inclusive time) */
    enum fg_normalize normalize;
    enum fg_test test;
    double alpha;              /* 0.05: Holm for FAIL, BH for MARGINAL */
    double min_change;         /* 0.10: relative increase for FAIL */
    double min_delta;          /* 0.005: share increase (fraction) */
    double min_share;          /* 0.001: max(share) to be tested */
    int64_t min_count;         /* 20: a+b to be tested */
    int64_t min_samples;       /* 500: per side, else INCONCLUSIVE */
    const struct fg_rule *rules; /* evaluated in order (borrowed) */
    size_t n_rules;
    bool env_noise;            /* true: functions of the environment-driven
                                * families (analysis/envnoise.h) get their
                                * family's extra run-to-run noise */
    const double *base_work;   /* FG_NORM_WORK: work per run (borrowed); one
                                * value applies to every run of the side */
    size_t n_base_work;
    const double *cand_work;
    size_t n_cand_work;
    /* Called at most once, when fg_compare has read the profiles for the
     * last time (after the findings; the rows of the functions too small
     * to test are then built after it): a caller that needs them no more
     * may free them there, which lowers the peak memory by their size.
     * The profiles must stay valid until then.  NULL: not called, and
     * every row is built before the tests (faster on two cores). */
    void (*profiles_done)(void *ctx);
    void *profiles_done_ctx;
};

/* The verdict is INCONCLUSIVE when the two sides share functions for less
 * than this share of their samples (two different programs), with a loud
 * warning below FG_WARN_OVERLAP. */
#define FG_MIN_OVERLAP 0.2
#define FG_WARN_OVERLAP 0.5

/* Fill o with the documented defaults. */
void fg_compare_opts_default(struct fg_compare_opts *o);

/* Per-function flags. */
enum {
    FG_F_TESTED = 1u << 0,       /* in the test family */
    FG_F_SIGNIFICANT = 1u << 1,  /* Holm-adjusted p < alpha */
    FG_F_BH = 1u << 2,           /* BH-adjusted p < alpha */
    FG_F_MATERIAL = 1u << 3,     /* passes min_change and min_delta */
    FG_F_REGRESSION = 1u << 4,   /* counts toward FAIL */
    FG_F_MARGINAL = 1u << 5,     /* counts toward MARGINAL */
    FG_F_IMPROVEMENT = 1u << 6,  /* significant decrease */
    FG_F_NEW = 1u << 7,          /* on no stack of any base run */
    FG_F_VANISHED = 1u << 8,     /* on no stack of any candidate run */
    FG_F_BUDGET = 1u << 9,       /* candidate share above a max_share */
    FG_F_IGNORED = 1u << 10,     /* excluded by an ignore/focus rule */
    FG_F_INCREASE = 1u << 11,    /* direction of the point estimate */
    FG_F_GATE = 1u << 12,        /* in the Holm family that decides FAIL */
    FG_F_ENV = 1u << 13,         /* environment-driven (env_family) */
    FG_F_MOVED = 1u << 14        /* self time rose but the function's
                                  * inclusive time did not: time moved
                                  * from its callees into it (a JIT's
                                  * inlining or intrinsics), not material */
};

/* The rule that made a row a regression (FG_F_REGRESSION). */
enum fg_fail_rule {
    FG_FAIL_NONE = 0,
    FG_FAIL_HOLM = 1,     /* Holm-adjusted p < alpha and both effect gates */
    FG_FAIL_CRITICAL = 2  /* BH-adjusted p < alpha, ratio >= x1.5 and
                           * +2 pp: too large to wait for Holm */
};

struct fg_func_result {
    char *name;             /* owned: by the row, or by the result's
                             * name_pool when it has one (then the rows
                             * share it and must not free their names) */
    enum fg_metric metric;  /* FLAT or CUM: which value this row tests */
    int64_t *base_runs;     /* owned: count per base run (k entries); NULL
                             * for rows that are neither tested, new,
                             * vanished nor over budget (saves memory on
                             * profiles with 10^5+ functions) */
    int64_t *cand_runs;     /* owned: count per candidate run (m); ditto */
    int64_t base_count;     /* sums over runs */
    int64_t cand_count;
    double base_value;      /* sums of the analysed sample type (e.g. ns) */
    double cand_value;
    double base_share;      /* count / total count, pooled over runs */
    double cand_share;
    double delta;           /* change in share after normalization:
                             * b/L_c - a/L_b (fraction; equals
                             * cand_share - base_share under --normalize
                             * total); this is what min_delta gates */
    double ratio;           /* normalized ratio R (cand / base); with the
                             * +0.5 pseudocounts, so finite for new and
                             * vanished functions */
    double ratio_lo;        /* 95% (1 - alpha) interval for R */
    double ratio_hi;
    double stat;            /* z or t statistic */
    double df;              /* degrees of freedom (t), 0 for z/binomial */
    double p;               /* raw two-sided p */
    double p_holm;          /* Holm-adjusted over the gate family
                             * (fg_result.n_gate) when the function is in
                             * it, else over all tested functions; 1 when
                             * untested */
    double p_bh;
    unsigned flags;         /* FG_F_* */
    const struct fg_rule *rule; /* threshold/budget rule that applied */
    double min_change;      /* effective gates for this function */
    double min_delta;
    enum fg_fail_rule fail_rule; /* why it is a regression */
    const char *env_family; /* static name of its environment-driven
                             * family (FG_F_ENV), else NULL */
    double env_cv;          /* that family's extra run-to-run noise */
    double fail_ratio;      /* FG_F_ENV rows: about the ratio at which this
                             * row would reach the Holm threshold (how much
                             * larger a change it needs), else 0 */
    size_t finding;         /* 1 + index of the finding the row belongs to
                             * (as root, contributor or context), or 0 */
};

/* What kind of change a finding is. */
enum fg_finding_kind {
    FG_FINDING_NEW_PATH = 0,  /* a function absent from the base profile,
                               * entered from a caller that existed */
    FG_FINDING_SELF = 1,      /* a function's own time grew */
    FG_FINDING_INCLUSIVE = 2  /* a function's inclusive time grew, spread
                               * over what it calls */
};

/* A caller or callee edge of a finding's root, pooled over each side's
 * runs (counts as the tests count them). */
struct fg_finding_edge {
    char *name;               /* owned: the function at the other end */
    int64_t base_count, cand_count;
    double base_share, cand_share; /* of the side's samples */
};

/*
 * One change, reported once, at the deepest function that explains it
 * (README "Findings").  Rows are indices into fg_result.funcs.
 */
struct fg_finding {
    enum fg_finding_kind kind;
    enum fg_verdict level;    /* FG_VERDICT_FAIL or FG_VERDICT_MARGINAL */
    size_t row;               /* the root's row: the one that gates it */
    char *caller;             /* owned; NEW_PATH: the main existing caller
                               * it is entered from, else NULL */
    double base_share;        /* the root's inclusive share (self for SELF) */
    double cand_share;
    size_t *members;          /* owned: rows of flagged functions inside it
                               * (new or grown callees), largest first */
    size_t n_members;
    size_t *context;          /* owned: rows of flagged ancestors whose rise
                               * it explains */
    size_t n_context;
    struct fg_finding_edge *callers; /* owned: edges into the root, largest
                                      * change first (at most 10) */
    size_t n_callers;
    struct fg_finding_edge *callees; /* owned: edges out of the root */
    size_t n_callees;
};

struct fg_side {
    size_t runs;
    char **sources;          /* owned, runs entries */
    int64_t *run_totals;     /* owned: total count per run */
    int64_t total;           /* sum of counts over runs */
    double value_total;      /* sum of the analysed type over runs */
    double mde;              /* minimum detectable relative increase of a
                              * function at 5% share, 80% power, at this
                              * side's sample size (NaN-free: 0 if none) */
    double size_factor;      /* normalization factor s (1 for total) */
};

/* Wall-clock seconds of the steps of one fg_compare (0 for a step not
 * run), in the order they run. */
struct fg_step_times {
    double digests;    /* duplicate-run digests */
    double table;      /* every run aggregated into the function table */
    double set_aside;  /* classification, environment set-aside, interrupt
                        * charging */
    double normalize;  /* normalization, with the rows that the tests,
                        * the gate and the findings read built beside it */
    double tests;      /* the tests, the correction and the gate */
    double findings;   /* grouping the flagged rows into findings, the
                        * verdict */
    double rows;       /* the other rows (functions too small to test),
                        * built once the profiles are released */
    double order;      /* the rows' order */
};

struct fg_result {
    enum fg_verdict verdict;
    int exit_code;            /* 0 or 1 (INCONCLUSIVE policy applied by the
                               * CLI) */
    char reason[512];         /* one line: why this verdict */
    struct fg_compare_opts opts; /* copy; rules borrowed */

    char *sample_type;        /* owned: analysed type, e.g. "cpu" */
    char *unit;               /* owned: its unit */
    char *count_type;         /* owned: what the tests count, e.g.
                               * "samples/count" or "recovered heap counts" */
    enum fg_test test;        /* test actually used */
    enum fg_normalize normalize; /* normalization actually used */
    double r;                 /* size-factor ratio L_c / L_b */
    double overdispersion;    /* run-to-run noise alpha (per-stack squared
                               * coefficient of variation) */
    double noise_var;         /* its variance in the log ratio of the median
                               * tested function (0 when not estimated) */
    double mde_noise;         /* minimum detectable relative increase of a
                               * function at 5% share with that noise, 80%
                               * power, with both sides' sample counts */
    double prior_var;         /* moderated t prior s0^2 (0 if unused) */
    double prior_df;          /* moderated t prior d0 */
    double spread_var;        /* replicate test: variance of the functions'
                               * log ratios (natural log) beyond their
                               * run-to-run noise, e.g. a change elsewhere
                               * that shifted the shares of unchanged
                               * functions unevenly; added to every test
                               * (0: none found) */
    double env_share[2];      /* env_noise: share of each side's samples
                               * (base, candidate) set aside as
                               * environment-driven (a collector, scheduler
                               * or wait frame on the stack): they leave
                               * every other function's rows */
    double charged_share[2];  /* env_noise: share of each side's samples
                               * whose leaf interrupted its caller (Go's
                               * runtime.asyncPreempt), counted as the
                               * caller's own time */
    struct fg_side base;
    struct fg_side cand;

    size_t n_funcs;           /* rows, sorted: regressions, marginal,
                               * improvements, budget, new, vanished, then
                               * the rest by adjusted p */
    struct fg_func_result *funcs;
    size_t n_tested;          /* M, size of the test family (BH) */
    size_t n_gate;            /* of those, the functions with enough samples
                               * that their share could move by their
                               * min_delta: the Holm family that decides
                               * FAIL (n_tested when min_delta is 0) */
    size_t n_regressions;
    size_t n_marginal;
    size_t n_improvements;
    size_t n_new;
    size_t n_vanished;
    size_t n_budget;

    size_t n_warnings;
    char **warnings;          /* owned one-line warnings */

    struct fg_finding *findings; /* owned: FAIL findings first, then
                                  * MARGINAL, each by size of change */
    size_t n_findings;
    size_t n_fail_findings;   /* what the verdict counts */
    size_t n_marginal_findings;
    size_t n_env;             /* tested rows of environment-driven
                               * functions */
    double overlap;           /* share of each side's samples in functions
                               * present on both sides (the smaller of
                               * the two) */
    char *name_pool;          /* owned, or NULL: the NUL-terminated names
                               * the rows point into (fg_compare writes
                               * each function's name once, for its flat
                               * and cum rows); NULL when each row owns
                               * its name, as in hand-built results */
    struct fg_step_times times; /* wall seconds of fg_compare's steps: for
                                 * the user's eyes (flamegate compare -vv),
                                 * never in a report, since they change
                                 * from run to run */
};

/*
 * Compare base[0..k) against cand[0..m) (borrowed profiles) with opts.
 * *out is owned by the caller (fg_result_free).  One side without any
 * profile (k or m 0) gives an INCONCLUSIVE result saying so.  Errors:
 * FG_EUSAGE when the sides have different sample types or units (both are
 * named), when a pattern is not a valid regex, or when both sides are
 * empty; FG_ESTATS when a computation fails.
 */
int fg_compare(struct fg_profile *const *base, size_t k,
               struct fg_profile *const *cand, size_t m,
               const struct fg_compare_opts *opts, struct fg_result **out,
               struct fg_error *err) FG_MUST_CHECK;

void fg_result_free(struct fg_result *r);

/* How many samples one profile holds (fg_compare_count_samples). */
struct fg_sample_count {
    int64_t samples;     /* as fg_compare counts a run (its entry in
                          * fg_side.run_totals) */
    bool approx;         /* the profile carries no counts: one sample per
                          * record holding a value */
    char how[192];       /* what was counted, worded as
                          * fg_result.count_type, e.g. "samples/count" */
};

/*
 * The number of samples behind sample type t of p (borrowed), as
 * fg_compare counts them and as pprof's samples/count reports them:
 * samples/count or another count type, raw counts recovered from a Go
 * heap profile, the values divided by the sampling interval, or, when
 * the profile says nothing else, the sample records holding a value
 * (p->n_samples counts every record).  Fills *out.  Errors: FG_EUSAGE
 * when t is not a type of p; those of fg_aggregate.
 */
int fg_compare_count_samples(const struct fg_profile *p, size_t t,
                             struct fg_sample_count *out,
                             struct fg_error *err) FG_MUST_CHECK;

/* Append a one-line warning to r->warnings (formatted; at most 511
 * bytes), e.g. what the caller dropped before comparing. */
void fg_result_add_warning(struct fg_result *r, const char *fmt, ...)
    FG_PRINTF(2, 3);

const char *fg_verdict_name(enum fg_verdict v);   /* "PASS", ... */
const char *fg_metric_name(enum fg_metric m);     /* "flat", ... */
const char *fg_normalize_name(enum fg_normalize n); /* "robust", ... */
const char *fg_test_name(enum fg_test t);         /* "binomial", ... */

#endif
