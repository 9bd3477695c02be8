/*
 * synth.h - deterministic synthetic profiles for tests, calibration and
 * benchmarks.
 *
 * Two steps.  A tree (struct fg_synth_tree) is built from a tree seed: F
 * function names, a random call tree whose root-to-node paths are S
 * distinct stacks (with some recursion and some inlined frames, i.e.
 * locations with two frames), and an expected Zipf weight per stack.  A run
 * (fg_synth_generate) then draws one profile from the tree with its own
 * seed: each stack's weight is multiplied by the regression factor of its
 * leaf function (if any) and by Gamma noise of mean 1 and coefficient of
 * variation cv (overdispersion), and the run's N samples are drawn
 * multinomially over the stacks.  Runs that share a tree and differ only
 * in their seed are A/A replicates; a candidate is a run with regressions.
 *
 * Everything is a pure function of the seeds and options (GSL mt19937), so
 * the same inputs give byte-identical encodings on a given platform.
 *
 * The stack model:
 *   - stacks are paths through a call tree: a node's location is chosen
 *     per (function, call site), so locations are shared between stacks as
 *     in real profiles, and siblings always differ, so every stack is
 *     distinct; some stacks end at inner nodes (self time in a caller);
 *   - stack depths scatter around the requested mean depth D (normal with
 *     sd D/3 for the tails, a fan-out adapted so that big subtrees reach
 *     about depth D), capped at max_depth; the measured mean is typically
 *     5-15% above D (fg_synth_tree_stats reports it);
 *   - about 8% of locations carry an inlined callee as a second frame
 *     (innermost first), about 1% of calls are recursive; with few
 *     functions, functions also repeat on a stack by chance;
 *   - leaves favour a few hot functions (Go runtime names when F >= 32),
 *     inner nodes draw functions uniformly, not yet used ones first;
 *   - the leaf function of a stack is the innermost frame of its first
 *     location; its flat share is the sum of the weights of the stacks it
 *     is the leaf of;
 *   - with special_names, a few function names contain spaces, '<', '|'
 *     and backticks (C++, Rust, Ruby and Python styles) so that escaping in
 *     every output format gets exercised.
 */
#ifndef FLAMEGATE_SYNTH_H
#define FLAMEGATE_SYNTH_H

#include "flamegate/profile.h"

struct fg_synth_tree;

/* Options of the tree (shared by all runs drawn from it). */
struct fg_synth_opts {
    uint32_t seed;      /* tree seed [1] */
    size_t n_funcs;     /* F, 1 .. 50,000,000 [200] */
    size_t n_stacks;    /* S, 1 .. 50,000,000 [1000] */
    size_t depth;       /* mean stack depth D, 1 .. 1000 [8] */
    size_t max_depth;   /* hard cap, 0: 2 * D + 16; at most 4096 */
    double zipf;        /* Zipf exponent of stack weights, 0 .. 10 [1.0] */
    bool special_names; /* include names needing escaping (when F >= 32)
                         * [true] */
};

/* A regression: the weight of every stack whose leaf function is func is
 * multiplied by factor (> 0).  Factors of the same function multiply. */
struct fg_synth_regression {
    size_t func;
    double factor;
};

/* Options of one run. */
struct fg_synth_run_opts {
    uint32_t seed;       /* noise and draw seed [1] */
    size_t n_samples;    /* N, at most UINT_MAX [10000] */
    double cv;           /* Gamma noise coefficient of variation, 0 .. 10
                          * (0: no noise, pure multinomial) [0.1] */
    size_t n_types;      /* 1: samples/count; 2: samples/count and
                          * cpu/nanoseconds = count * 10000000, period type
                          * cpu/nanoseconds, as Go writes CPU profiles [2] */
    bool all_stacks;     /* emit every stack, also those drawn zero times;
                          * then sample i is stack i of the tree [false] */
    bool latent;         /* include the tree's new subtree
                          * (fg_synth_add_subtree) [false] */
    double latent_scale; /* its weight times this [1] */
    size_t latent_k;     /* only its first k functions (0: all) [0];
                          * scaled to the same total weight */
    const struct fg_synth_regression *regress; /* borrowed, may be NULL */
    size_t n_regress;
};

/* Summary of a tree (for reports and tests). */
struct fg_synth_stats {
    size_t n_funcs;
    size_t n_locs;
    size_t n_inlined_locs;   /* locations with two frames */
    size_t n_stacks;
    size_t n_recursive;      /* stacks with a function on it twice */
    size_t n_frames;         /* location references over all stacks */
    double mean_depth;       /* in locations */
    size_t max_depth;
};

void fg_synth_opts_default(struct fg_synth_opts *o);
void fg_synth_run_opts_default(struct fg_synth_run_opts *o);

/*
 * A 32-bit seed for stream index of seed (splitmix64), so that runs
 * 1, 2, 3 ... of one base seed are independent.
 */
uint32_t fg_synth_seed(uint32_t seed, uint32_t index);

/*
 * Build a tree (*out, owned by the caller, free with fg_synth_tree_free).
 * Errors: FG_EUSAGE for options out of range.  Time and memory are linear
 * in S * D (one million stacks of depth 4: under a second).
 */
int fg_synth_tree_new(const struct fg_synth_opts *o,
                      struct fg_synth_tree **out,
                      struct fg_error *err) FG_MUST_CHECK;
void fg_synth_tree_free(struct fg_synth_tree *t);

void fg_synth_tree_stats(const struct fg_synth_tree *t,
                         struct fg_synth_stats *st);

size_t fg_synth_n_funcs(const struct fg_synth_tree *t);
size_t fg_synth_n_stacks(const struct fg_synth_tree *t);
/* Name of function f < n_funcs (owned by the tree). */
const char *fg_synth_func_name(const struct fg_synth_tree *t, size_t f);
/* Index of the function named name, or -1. */
long fg_synth_find_func(const struct fg_synth_tree *t, const char *name);
/* Leaf function and expected (normalised, regression-free) weight of
 * stack s < n_stacks. */
size_t fg_synth_stack_leaf(const struct fg_synth_tree *t, size_t s);
double fg_synth_stack_weight(const struct fg_synth_tree *t, size_t s);
/* Locations of stack s, leaf first (*n of them; owned by the tree), as
 * indices into the tree's location list (not exposed otherwise). */
const uint32_t *fg_synth_stack_locs(const struct fg_synth_tree *t, size_t s,
                                    size_t *n);

/* Expected flat share (0..1) of function f without regressions. */
double fg_synth_flat_share(const struct fg_synth_tree *t, size_t f);

/*
 * The function whose expected flat share is closest to target among those
 * with a share of at least min_share (ties: the lower index); its share in
 * *share (may be NULL).  -1 when no function qualifies.  Used by the
 * calibration harness to inject a regression of a known true size.
 */
long fg_synth_pick_func(const struct fg_synth_tree *t, double target,
                        double min_share, double *share);

/*
 * Expected flat shares of all functions after applying the regressions
 * (flat must hold n_funcs doubles; noise-free, normalised to sum 1).  A
 * factor k on a function of share s gives k*s / (1 - s + k*s): the
 * function's odds (its weight against the rest) grow exactly k times.
 * Errors: FG_EUSAGE for a bad function index or factor.
 */
int fg_synth_expected_flat(const struct fg_synth_tree *t,
                           const struct fg_synth_regression *regress,
                           size_t n_regress, double *flat,
                           struct fg_error *err) FG_MUST_CHECK;

/*
 * Draw one run from t into a new profile (*out, owned by the caller, free
 * with fg_profile_free).  Only referenced locations and functions are
 * kept (renumbered in tree order), as in profiles written by Go; without
 * all_stacks, only stacks drawn at least once become samples (in tree
 * order).  source is "synthetic".  Errors: FG_EUSAGE for options out of
 * range, FG_ELIMIT when a stack table would exceed 2^32 entries.
 */
int fg_synth_generate(const struct fg_synth_tree *t,
                      const struct fg_synth_run_opts *o,
                      struct fg_profile **out,
                      struct fg_error *err) FG_MUST_CHECK;

/* Expected inclusive weight (share) of function f: the stacks that hold
 * it, without any new subtree. */
double fg_synth_cum_weight(const struct fg_synth_tree *t, size_t f);

/*
 * Add a new subtree to t: k new functions (regexp.MustCompile,
 * regexp.compile, ... as a regular expression compiled on every call) in a
 * random tree hanging under caller on its heaviest call path, worth share
 * times the caller's inclusive weight.  Its stacks carry weight only in
 * runs drawn with latent set (the candidate), so the base never sees them
 * and the candidate's other stacks shrink accordingly.  One subtree per
 * tree.  Errors: FG_EUSAGE for a bad caller, k or share.
 */
int fg_synth_add_subtree(struct fg_synth_tree *t, size_t caller, size_t k,
                         double share, uint32_t seed,
                         struct fg_error *err) FG_MUST_CHECK;

#endif
