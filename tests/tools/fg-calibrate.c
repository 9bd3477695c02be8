/*
 * fg-calibrate - statistical calibration of the gate (make calibrate).
 *
 * For every configuration (runs per side, per-stack noise, samples per
 * run) it draws synthetic profiles from one call tree (fg_synth) and runs
 * the real comparison (fg_compare with the default settings), once per
 * kind of change:
 *  - A/A: base and candidate from the same distribution; every FAIL is a
 *    false alarm;
 *  - improvement elsewhere: a hot function (about 10% share, not a
 *    target) halved; every FAIL is a false alarm (the composition effect);
 *  - a hot leaf slowed (x1.25, x2): "concentrated", the function nearest
 *    5% share (most of its samples on one stack);
 *  - a function called from many places slowed (x1.2, x2): "spread", the
 *    function of at least 5% share whose samples spread over the most
 *    call paths;
 *  - a new callee subtree of K = 20..100 functions under a caller with a
 *    large inclusive share (a regular expression compiled on every call):
 *    worth 30% of the candidate's samples, and worth 5% of the caller.
 * A detection is a FAIL with a finding that names the change: the target
 * function (as the finding's root or inside it), or for a subtree one of
 * its new functions.  It prints the false-FAIL, MARGINAL and detection
 * rates, and the mean number of FAIL findings per detection (one change
 * should be one finding).  Deterministic: the same --seed gives the same
 * table.
 */
#include "flamegate/compare.h"
#include "flamegate/report.h"
#include "analysis/stats.h"
#include "synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cell {
    size_t runs;
    double cv;
    size_t samples;
};

/* The kinds of candidate, after A/A. */
enum kind {
    K_IMPROVE,      /* improvement elsewhere: a false FAIL if it fails */
    K_LEAF_125,
    K_LEAF_2,
    K_SPREAD_12,
    K_SPREAD_2,
    K_TREE_CPU30,   /* new subtree worth 30% of the samples */
    K_TREE_CALLER5, /* new subtree worth 5% of its caller */
    N_KINDS
};

static const char *const kind_title[N_KINDS] = {
    "improvement elsewhere (false FAIL)", "leaf x1.25", "leaf x2",
    "many callers x1.2", "many callers x2", "new subtree 30% of CPU",
    "new subtree 5% of caller"};

struct tally {
    size_t aa, aa_fail, aa_marginal, aa_inconclusive;
    size_t n[N_KINDS], hit[N_KINDS], fail[N_KINDS], findings[N_KINDS];
};

struct targets {
    long leaf, spread, improve, caller;
    double caller_cum;
};

static void die(const char *what, const struct fg_error *err)
{
    fprintf(stderr, "fg-calibrate: %s: %s\n", what, err->msg);
    exit(2);
}

/* Draw the runs of one side; latent_scale > 0 adds the tree's subtree
 * (its first latent_k functions) at that scale. */
static void draw(const struct fg_synth_tree *t, const struct cell *c,
                 uint32_t seed, const struct fg_synth_regression *reg,
                 double latent_scale, size_t latent_k,
                 struct fg_profile **out)
{
    struct fg_synth_run_opts ro;
    fg_synth_run_opts_default(&ro);
    ro.n_samples = c->samples;
    ro.cv = c->cv;
    ro.n_types = 1;
    ro.regress = reg;
    ro.n_regress = reg ? 1 : 0;
    ro.latent = latent_scale > 0;
    ro.latent_scale = latent_scale;
    ro.latent_k = latent_k;
    for (size_t i = 0; i < c->runs; i++) {
        struct fg_error err;
        ro.seed = fg_synth_seed(seed, (uint32_t)i);
        if (fg_synth_generate(t, &ro, &out[i], &err))
            die("generate", &err);
    }
}

static void free_runs(struct fg_profile **p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fg_profile_free(p[i]);
}

/* Whether a FAIL finding of r names what changed: fname (root or
 * inside), or with fname NULL a function new in the candidate (a new
 * subtree's). */
static bool names_change(const struct fg_result *r, const char *fname)
{
    for (size_t i = 0; i < r->n_findings; i++) {
        const struct fg_finding *f = &r->findings[i];
        if (f->level != FG_VERDICT_FAIL)
            continue;
        const struct fg_func_result *root = &r->funcs[f->row];
        if (fname ? strcmp(root->name, fname) == 0
                  : (root->flags & FG_F_NEW) != 0)
            return true;
        for (size_t j = 0; fname && j < f->n_members; j++)
            if (strcmp(r->funcs[f->members[j]].name, fname) == 0)
                return true;
    }
    return false;
}

static void debug_result(const struct fg_result *r, const char *what,
                         const char *fname)
{
    fprintf(stderr, "%s: %s: %s (noise %.5f, r %.4f, gate %zu)\n", what,
            fg_verdict_name(r->verdict), r->reason, r->overdispersion, r->r,
            r->n_gate);
    for (size_t i = 0; i < r->n_funcs; i++) {
        const struct fg_func_result *f = &r->funcs[i];
        if (!(f->flags & FG_F_REGRESSION) &&
            !(fname && strcmp(f->name, fname) == 0))
            continue;
        fprintf(stderr, "  %s [%s] %lld -> %lld ratio %.3f z %.2f p %.2g "
                        "holm %.2g\n",
                f->name, fg_metric_name(f->metric), (long long)f->base_count,
                (long long)f->cand_count, f->ratio, f->stat, f->p,
                f->p_holm);
    }
}

/* --show: print the report of the next comparison, titled so. */
static const char *show_next;
static bool show;

/* One comparison; returns the verdict, whether the change was named
 * (*hit) and the number of FAIL findings (*nf). */
static enum fg_verdict compare(struct fg_profile **b, struct fg_profile **c,
                               size_t runs, const struct fg_compare_opts *o,
                               bool expect, const char *fname, bool *hit,
                               size_t *nf)
{
    struct fg_result *r = NULL;
    struct fg_error err;
    if (fg_compare(b, runs, c, runs, o, &r, &err))
        die("compare", &err);
    enum fg_verdict v = r->verdict;
    *hit = v == FG_VERDICT_FAIL && expect && names_change(r, fname);
    *nf = r->n_fail_findings;
    if (show_next) {
        /* --show: the text report of this comparison, on stderr */
        struct fg_report_ctx ctx;
        fg_report_ctx_init(&ctx, r, NULL);
        ctx.settings = show_next;
        struct fg_buf out;
        fg_buf_init(&out, 0);
        if (fg_report_write(FG_REPORT_TEXT, &ctx, &out, &err) == FG_OK)
            fprintf(stderr, "==== %s\n%s\n", show_next, out.data);
        fg_buf_release(&out);
        show_next = NULL;
    }
    if (getenv("FG_CAL_DEBUG") &&
        ((!expect && v == FG_VERDICT_FAIL) || (expect && !*hit)))
        debug_result(r, expect ? "missed" : "false FAIL", fname);
    if (getenv("FG_CAL_DEBUG") && *hit && r->n_fail_findings > 1) {
        fprintf(stderr, "one change, %zu findings:\n", r->n_fail_findings);
        for (size_t i = 0; i < r->n_findings; i++)
            if (r->findings[i].level == FG_VERDICT_FAIL)
                fprintf(stderr, "  %s (%d) %.4f -> %.4f\n",
                        r->funcs[r->findings[i].row].name,
                        (int)r->findings[i].kind,
                        r->findings[i].base_share,
                        r->findings[i].cand_share);
    }
    fg_result_free(r);
    return v;
}

static void run_cell(const struct fg_synth_tree *t, const struct cell *c,
                     size_t reps, uint32_t seed, const struct targets *tg,
                     const struct fg_compare_opts *o, struct tally *ty)
{
    struct fg_profile **b = calloc(c->runs, sizeof(*b));
    struct fg_profile **k = calloc(c->runs, sizeof(*k));
    memset(ty, 0, sizeof(*ty));
    /* 30% of the candidate's samples: latent weight w with w / (1 + w) =
     * 0.3, in units of the caller's inclusive weight */
    double cpu30 = (0.3 / 0.7) / tg->caller_cum;
    for (size_t rep = 0; rep < reps; rep++) {
        uint32_t s = fg_synth_seed(seed, (uint32_t)(rep * 16));
        draw(t, c, fg_synth_seed(s, 1), NULL, 0, 0, b);
        draw(t, c, fg_synth_seed(s, 2), NULL, 0, 0, k);
        bool hit;
        size_t nf;
        enum fg_verdict v = compare(b, k, c->runs, o, false, NULL, &hit, &nf);
        ty->aa++;
        ty->aa_fail += v == FG_VERDICT_FAIL;
        ty->aa_marginal += v == FG_VERDICT_MARGINAL;
        ty->aa_inconclusive += v == FG_VERDICT_INCONCLUSIVE;
        free_runs(k, c->runs);
        /* K of the subtree: 20..100, drawn per repetition */
        size_t K = 20 + (size_t)(fg_synth_seed(s, 15) % 81);
        for (int kd = 0; kd < N_KINDS; kd++) {
            struct fg_synth_regression reg = {0, 1.0};
            const struct fg_synth_regression *rp = &reg;
            double scale = 0;
            const char *fname = NULL;
            switch ((enum kind)kd) {
            case K_IMPROVE: reg = (struct fg_synth_regression){
                                (size_t)tg->improve, 0.5}; break;
            case K_LEAF_125: reg.func = (size_t)tg->leaf; reg.factor = 1.25;
                break;
            case K_LEAF_2: reg.func = (size_t)tg->leaf; reg.factor = 2.0;
                break;
            case K_SPREAD_12: reg.func = (size_t)tg->spread; reg.factor = 1.2;
                break;
            case K_SPREAD_2: reg.func = (size_t)tg->spread; reg.factor = 2.0;
                break;
            case K_TREE_CPU30: rp = NULL; scale = cpu30; break;
            case K_TREE_CALLER5: rp = NULL; scale = 0.05; break;
            case N_KINDS: break;
            }
            if (rp)
                fname = fg_synth_func_name(t, reg.func);
            if (show && rep == 0)
                show_next = kind_title[kd];
            draw(t, c, fg_synth_seed(s, 3 + (uint32_t)kd), rp, scale, K, k);
            v = compare(b, k, c->runs, o, kd != K_IMPROVE, fname, &hit, &nf);
            ty->n[kd]++;
            ty->fail[kd] += v == FG_VERDICT_FAIL;
            ty->hit[kd] += hit;
            ty->findings[kd] += hit ? nf : 0;
            free_runs(k, c->runs);
        }
        free_runs(b, c->runs);
    }
    free(b);
    free(k);
}

/* Concentration of a function's expected flat samples over its stacks:
 * sum of squared stack weights / (sum of weights)^2; the number of those
 * stacks (call paths) in *paths (may be NULL). */
static double concentration(const struct fg_synth_tree *t, size_t f,
                            size_t *paths)
{
    double sw = 0, sw2 = 0;
    size_t np = 0;
    for (size_t s = 0; s < fg_synth_n_stacks(t); s++) {
        if (fg_synth_stack_leaf(t, s) != f)
            continue;
        double w = fg_synth_stack_weight(t, s);
        sw += w;
        sw2 += w * w;
        np++;
    }
    if (paths)
        *paths = np;
    return sw > 0 ? sw2 / (sw * sw) : 1.0;
}

/* The function of at least min_share whose samples spread the most. */
static long pick_spread(const struct fg_synth_tree *t, double min_share)
{
    long best = -1;
    double best_h = 2.0;
    for (size_t f = 0; f < fg_synth_n_funcs(t); f++) {
        if (fg_synth_flat_share(t, f) < min_share)
            continue;
        double h = concentration(t, f, NULL);
        if (h < best_h) {
            best_h = h;
            best = (long)f;
        }
    }
    return best;
}

/* A function of about 10% share other than the targets (halved: an
 * improvement elsewhere). */
static long pick_improve(const struct fg_synth_tree *t, long a, long b)
{
    long best = -1;
    double bestd = 1;
    for (size_t f = 0; f < fg_synth_n_funcs(t); f++) {
        double d = fabs(fg_synth_flat_share(t, f) - 0.10);
        if ((long)f != a && (long)f != b && d < bestd) {
            bestd = d;
            best = (long)f;
        }
    }
    return best;
}

/* The function whose inclusive share is nearest 40% without being an
 * outermost frame shared by everything (a caller deep enough to matter). */
static long pick_caller(const struct fg_synth_tree *t, double *cum)
{
    long best = -1;
    double bestd = 1;
    *cum = 0;
    for (size_t f = 0; f < fg_synth_n_funcs(t); f++) {
        double c = fg_synth_cum_weight(t, f);
        double d = fabs(c - 0.40);
        if (c < 0.9 && d < bestd) {
            bestd = d;
            best = (long)f;
            *cum = c;
        }
    }
    return best;
}

static double pct(size_t a, size_t n)
{
    return n ? 100.0 * (double)a / (double)n : 0.0;
}

int main(int argc, char **argv)
{
    size_t reps = 100;
    uint32_t seed = 42;
    bool quick = false;
    long only_runs = 0;
    double only_cv = -1;
    long only_samples = 0;
    struct fg_compare_opts opts; /* the defaults, as 'flamegate compare' */
    fg_compare_opts_default(&opts);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = (size_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else if (strcmp(argv[i], "--show") == 0)
            show = true;
        else if (strcmp(argv[i], "--metric") == 0 && i + 1 < argc) {
            const char *m = argv[++i];
            opts.metric = strcmp(m, "flat") == 0  ? FG_METRIC_FLAT
                          : strcmp(m, "cum") == 0 ? FG_METRIC_CUM
                                                  : FG_METRIC_BOTH;
        } else if (strcmp(argv[i], "--env-noise") == 0 && i + 1 < argc)
            opts.env_noise = strcmp(argv[++i], "off") != 0;
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            only_runs = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--cv") == 0 && i + 1 < argc)
            only_cv = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--samples") == 0 && i + 1 < argc)
            only_samples = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--alpha") == 0 && i + 1 < argc &&
                 (opts.alpha = strtod(argv[++i], NULL)) > 0 && opts.alpha < 1)
            continue;
        else {
            fprintf(stderr,
                    "usage: fg-calibrate [--reps N] [--seed N] [--quick] "
                    "[--alpha A]\n"
                    "  --reps N   comparisons per cell and kind (100)\n"
                    "  --alpha A  the comparisons' --alpha (0.05)\n"
                    "  --quick    fewer cells, for CI smoke runs\n"
                    "  --show     print the text report of the first "
                    "comparison of each kind\n"
                    "  --metric M, --env-noise on|off   the comparisons' "
                    "settings (both, on)\n"
                    "  --runs R, --cv C, --samples N   only matching cells\n"
                    "  (FG_CAL_DEBUG=1 prints every false FAIL)\n");
            return 2;
        }
    }
    fg_stats_init();
    struct fg_synth_opts so;
    fg_synth_opts_default(&so);
    so.seed = seed;
    so.n_funcs = 300;
    so.n_stacks = 2000;
    so.depth = 10;
    so.zipf = 1.0;
    so.special_names = false;
    struct fg_synth_tree *t = NULL;
    struct fg_error err;
    if (fg_synth_tree_new(&so, &t, &err))
        die("tree", &err);
    struct targets tg;
    tg.leaf = fg_synth_pick_func(t, 0.05, 0.05, NULL);
    tg.spread = pick_spread(t, 0.05);
    tg.improve = pick_improve(t, tg.leaf, tg.spread);
    tg.caller = pick_caller(t, &tg.caller_cum);
    if (tg.leaf < 0 || tg.spread < 0 || tg.improve < 0 || tg.caller < 0) {
        fprintf(stderr, "fg-calibrate: no targets in this tree\n");
        return 2;
    }
    if (fg_synth_add_subtree(t, (size_t)tg.caller, 100, 1.0,
                             fg_synth_seed(seed, 7777), &err))
        die("subtree", &err);
    static const size_t runs[] = {1, 3};
    static const double cvs[] = {0.05, 0.15, 0.30};
    static const size_t samples[] = {2000, 20000, 50000};
    printf("flamegate calibration: tree seed %u, %zu functions, %zu stacks, "
           "%zu comparisons per cell and kind, alpha %g\n",
           seed, so.n_funcs, so.n_stacks, reps, opts.alpha);
    const long ids[] = {tg.leaf, tg.spread, tg.improve};
    const char *const what[] = {"leaf target", "many-callers target",
                                "improvement elsewhere"};
    for (int g = 0; g < 3; g++) {
        size_t f = (size_t)ids[g], paths;
        double h = concentration(t, f, &paths);
        printf("%s: '%s', expected flat share %.2f%%, %zu call paths, "
               "concentration %.2f\n",
               what[g], fg_synth_func_name(t, f),
               fg_synth_flat_share(t, f) * 100, paths, h);
    }
    printf("subtree caller: '%s', inclusive share %.1f%%; the subtree has "
           "20-100 new functions\n",
           fg_synth_func_name(t, (size_t)tg.caller), tg.caller_cum * 100);
    printf("\n| runs | per-stack CV | samples/run | A/A false FAIL | A/A "
           "MARGINAL |");
    for (int kd = 0; kd < N_KINDS; kd++)
        printf(" %s |", kind_title[kd]);
    printf(" findings per detection |\n|---|---|---|---|---|");
    for (int kd = 0; kd <= N_KINDS; kd++)
        printf("---|");
    printf("\n");
    size_t total_aa = 0, total_fail = 0, total_imp = 0, total_imp_fail = 0;
    for (size_t r = 0; r < 2; r++) {
        for (size_t v = 0; v < 3; v++) {
            for (size_t s = 0; s < 3; s++) {
                if (quick && (v != 0 || s == 2))
                    continue;
                if ((only_runs && (size_t)only_runs != runs[r]) ||
                    (only_cv >= 0 && only_cv != cvs[v]) ||
                    (only_samples && (size_t)only_samples != samples[s]))
                    continue;
                struct cell c = {runs[r], cvs[v], samples[s]};
                struct tally ty;
                run_cell(t, &c, reps,
                         fg_synth_seed(seed, (uint32_t)(r * 100 + v * 10 + s)),
                         &tg, &opts, &ty);
                printf("| %zu vs %zu | %.0f%% | %zu | %.1f%% | %.1f%% |",
                       c.runs, c.runs, c.cv * 100, c.samples,
                       pct(ty.aa_fail, ty.aa), pct(ty.aa_marginal, ty.aa));
                size_t hits = 0, nfind = 0;
                for (int kd = 0; kd < N_KINDS; kd++) {
                    printf(" %.1f%% |", kd == K_IMPROVE
                                            ? pct(ty.fail[kd], ty.n[kd])
                                            : pct(ty.hit[kd], ty.n[kd]));
                    if (kd != K_IMPROVE) {
                        hits += ty.hit[kd];
                        nfind += ty.findings[kd];
                    }
                }
                printf(" %.2f |\n", hits ? (double)nfind / (double)hits : 0.0);
                fflush(stdout);
                total_aa += ty.aa;
                total_fail += ty.aa_fail;
                total_imp += ty.n[K_IMPROVE];
                total_imp_fail += ty.fail[K_IMPROVE];
            }
        }
    }
    printf("\nA/A comparisons: %zu, false FAIL: %zu (%.2f%%); improvement "
           "elsewhere: %zu, false FAIL: %zu (%.2f%%)\n",
           total_aa, total_fail, pct(total_fail, total_aa), total_imp,
           total_imp_fail, pct(total_imp_fail, total_imp));
    fg_synth_tree_free(t);
    return 0;
}
