/*
 * fg-gen - write synthetic pprof profiles (tests, calibration, benchmarks
 * and the bundled examples).  A thin command line over synth.h; see
 * usage() for the options and examples/profiles/README.md for how the
 * bundled profiles were made.
 */
#include "input/gz.h"
#include "input/pprof.h"
#include "synth.h"
#include "core/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fputs(
"usage: fg-gen [options] -o PATH\n"
"       fg-gen [tree options] --top K | --pick SHARE\n"
"\n"
"Write a synthetic pprof CPU profile drawn from a random call tree.  The\n"
"output is a pure function of the options: same options, same bytes.\n"
"\n"
"Call tree (every run with the same tree options shares it):\n"
"  --seed N          tree seed: call tree, names, base weights [1]\n"
"  --functions F     number of functions [200]\n"
"  --stacks S        number of distinct stacks [1000]\n"
"  --depth D         mean stack depth in locations [8]\n"
"  --max-depth M     hard depth cap [2*D+16]\n"
"  --zipf X          Zipf exponent of the stack weights [1.0]\n"
"  --plain-names     no function names with spaces, '<', '|', backticks\n"
"\n"
"Runs:\n"
"  --run-seed N      noise and draw seed; run i uses fg_synth_seed(N, i),\n"
"                    a single output is run 1 [1].  Use different run\n"
"                    seeds for a base and a candidate.\n"
"  --samples N       samples per run [10000]\n"
"  --cv C            coefficient of variation of the per-stack Gamma\n"
"                    noise, 0 for none [0.1]\n"
"  --regress F:X     multiply the weight of every stack whose leaf is\n"
"                    function F by X; F is an index, an exact name, or\n"
"                    @SHARE for the function whose expected flat share is\n"
"                    closest to SHARE (the last ':' separates X, so C++\n"
"                    names work); repeatable\n"
"  --types 1|2       1: samples/count; 2: samples/count + cpu/nanoseconds\n"
"                    (period 10ms), as Go writes CPU profiles [2]\n"
"  --all-stacks      write every stack, also those drawn zero times\n"
"  --runs R          write R runs: PATH-1 .. PATH-R, the number going\n"
"                    before a .pb.gz, .pb or .gz suffix of PATH\n"
"                    (runs/base.pb.gz -> runs/base-1.pb.gz ...)\n"
"\n"
"Output:\n"
"  -o, --output PATH output file, - for standard output\n"
"  --gzip / --raw    compress or not [gzip when PATH ends in .gz]\n"
"  --level L         gzip level 1-9 [1, like Go]\n"
"  --top K           print the K functions of highest expected flat share\n"
"                    (index, share, name) and exit\n"
"  --pick SHARE      print the function whose expected flat share is\n"
"                    closest to SHARE and exit\n"
"  -q, --quiet       no summary on standard error\n"
"  -h, --help\n"
"\n"
"Example (an A/B pair with a 1.5x regression of a 3% function):\n"
"  fg-gen --seed 7 --run-seed 1 -o base.pb.gz\n"
"  fg-gen --seed 7 --run-seed 2 --regress @0.03:1.5 -o cand.pb.gz\n",
        f);
}

struct args {
    struct fg_synth_opts tree;
    struct fg_synth_run_opts run;
    const char *output;
    int gzip;     /* -1: by suffix */
    int level;
    size_t runs;
    size_t top;
    double pick;  /* < 0: not asked */
    bool quiet;
    const char **regress_specs;
    size_t n_regress_specs;
};

enum {
    OPT_SEED = 256, OPT_FUNCS, OPT_STACKS, OPT_DEPTH, OPT_MAXDEPTH,
    OPT_ZIPF, OPT_PLAIN, OPT_RUNSEED, OPT_SAMPLES, OPT_CV, OPT_REGRESS,
    OPT_TYPES, OPT_ALL, OPT_RUNS, OPT_GZIP, OPT_RAW, OPT_LEVEL, OPT_TOP,
    OPT_PICK
};

static int parse_size_opt(const char *s, size_t min, size_t max, size_t *out,
                          const char *what, struct fg_error *err)
{
    long v;
    int rc = fg_parse_long(s, (long)min, (long)max, &v, what, err);
    if (rc == FG_OK)
        *out = (size_t)v;
    return rc;
}

static int parse_args(int argc, char **argv, struct args *a,
                      struct fg_error *err)
{
    static const struct option longopts[] = {
        {"seed", required_argument, NULL, OPT_SEED},
        {"functions", required_argument, NULL, OPT_FUNCS},
        {"stacks", required_argument, NULL, OPT_STACKS},
        {"depth", required_argument, NULL, OPT_DEPTH},
        {"max-depth", required_argument, NULL, OPT_MAXDEPTH},
        {"zipf", required_argument, NULL, OPT_ZIPF},
        {"plain-names", no_argument, NULL, OPT_PLAIN},
        {"run-seed", required_argument, NULL, OPT_RUNSEED},
        {"samples", required_argument, NULL, OPT_SAMPLES},
        {"cv", required_argument, NULL, OPT_CV},
        {"regress", required_argument, NULL, OPT_REGRESS},
        {"types", required_argument, NULL, OPT_TYPES},
        {"all-stacks", no_argument, NULL, OPT_ALL},
        {"runs", required_argument, NULL, OPT_RUNS},
        {"output", required_argument, NULL, 'o'},
        {"gzip", no_argument, NULL, OPT_GZIP},
        {"raw", no_argument, NULL, OPT_RAW},
        {"level", required_argument, NULL, OPT_LEVEL},
        {"top", required_argument, NULL, OPT_TOP},
        {"pick", required_argument, NULL, OPT_PICK},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, rc = FG_OK;
    long v;
    size_t z;
    while ((c = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_SEED:
        case OPT_RUNSEED:
            rc = fg_parse_long(optarg, 0, 4294967295L, &v, "seed", err);
            if (rc == FG_OK && c == OPT_SEED)
                a->tree.seed = (uint32_t)v;
            else if (rc == FG_OK)
                a->run.seed = (uint32_t)v;
            break;
        case OPT_FUNCS:
            rc = parse_size_opt(optarg, 1, 50000000, &a->tree.n_funcs,
                                "--functions", err);
            break;
        case OPT_STACKS:
            rc = parse_size_opt(optarg, 1, 50000000, &a->tree.n_stacks,
                                "--stacks", err);
            break;
        case OPT_DEPTH:
            rc = parse_size_opt(optarg, 1, 1000, &a->tree.depth, "--depth",
                                err);
            break;
        case OPT_MAXDEPTH:
            rc = parse_size_opt(optarg, 1, 4096, &a->tree.max_depth,
                                "--max-depth", err);
            break;
        case OPT_ZIPF:
            rc = fg_parse_double(optarg, 0, 10, &a->tree.zipf, "--zipf",
                                 err);
            break;
        case OPT_PLAIN:
            a->tree.special_names = false;
            break;
        case OPT_SAMPLES:
            rc = parse_size_opt(optarg, 0, 4294967295UL, &a->run.n_samples,
                                "--samples", err);
            break;
        case OPT_CV:
            rc = fg_parse_double(optarg, 0, 10, &a->run.cv, "--cv", err);
            break;
        case OPT_REGRESS:
            a->regress_specs = fg_xrealloc(
                a->regress_specs,
                (a->n_regress_specs + 1) * sizeof(*a->regress_specs));
            a->regress_specs[a->n_regress_specs++] = optarg;
            break;
        case OPT_TYPES:
            rc = parse_size_opt(optarg, 1, 2, &a->run.n_types, "--types",
                                err);
            break;
        case OPT_ALL:
            a->run.all_stacks = true;
            break;
        case OPT_RUNS:
            rc = parse_size_opt(optarg, 1, 100000, &a->runs, "--runs", err);
            break;
        case 'o':
            a->output = optarg;
            break;
        case OPT_GZIP:
        case OPT_RAW:
            a->gzip = c == OPT_GZIP;
            break;
        case OPT_LEVEL:
            rc = parse_size_opt(optarg, 1, 9, &z, "--level", err);
            a->level = (int)z;
            break;
        case OPT_TOP:
            rc = parse_size_opt(optarg, 1, 50000000, &a->top, "--top", err);
            break;
        case OPT_PICK:
            rc = fg_parse_double(optarg, 0, 1, &a->pick, "--pick", err);
            break;
        case 'q':
            a->quiet = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            return fg_error_set(err, FG_EUSAGE, "bad option (see --help)");
        }
        if (rc)
            return rc;
    }
    if (optind < argc)
        return fg_error_set(err, FG_EUSAGE, "unexpected argument '%s'",
                            argv[optind]);
    if (!a->output && !a->top && a->pick < 0)
        return fg_error_set(err, FG_EUSAGE, "no output: give -o PATH");
    if (a->output && a->runs > 1 && strcmp(a->output, "-") == 0)
        return fg_error_set(err, FG_EUSAGE,
                            "--runs needs a file name, not standard output");
    return FG_OK;
}

/* "F:X" -> regression, F an index, a name or @SHARE. */
static int parse_regress(const struct fg_synth_tree *t, const char *spec,
                         struct fg_synth_regression *r, struct fg_error *err)
{
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec)
        return fg_error_set(err, FG_EUSAGE,
                            "bad --regress '%s': expected FUNCTION:FACTOR",
                            spec);
    int rc = fg_parse_double(colon + 1, 1e-9, 1e9, &r->factor,
                             "--regress factor", err);
    if (rc)
        return rc;
    char *f = fg_xstrndup(spec, (size_t)(colon - spec));
    long idx = -1;
    if (f[0] == '@') {
        double share;
        rc = fg_parse_double(f + 1, 0, 1, &share, "--regress share", err);
        if (rc == FG_OK)
            idx = fg_synth_pick_func(t, share, 0, NULL);
    } else if (strspn(f, "0123456789") == strlen(f)) {
        rc = fg_parse_long(f, 0, (long)fg_synth_n_funcs(t) - 1, &idx,
                           "--regress function index", err);
    } else {
        idx = fg_synth_find_func(t, f);
    }
    if (rc == FG_OK && idx < 0)
        rc = fg_error_set(err, FG_EUSAGE, "no function '%s' in the tree", f);
    if (rc == FG_OK)
        r->func = (size_t)idx;
    free(f);
    return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* PATH-i with the number before a .pb.gz / .pb / .gz suffix. */
static char *run_path(const char *path, size_t i, bool gz)
{
    static const char *const suffixes[] = {".pb.gz", ".pb", ".gz"};
    for (size_t k = 0; k < 3; k++) {
        if (ends_with(path, suffixes[k])) {
            int stem = (int)(strlen(path) - strlen(suffixes[k]));
            return fg_xasprintf("%.*s-%zu%s", stem, path, i, suffixes[k]);
        }
    }
    return fg_xasprintf("%s-%zu%s", path, i, gz ? ".pb.gz" : ".pb");
}

static int print_top(const struct fg_synth_tree *t, size_t k)
{
    size_t n = fg_synth_n_funcs(t);
    size_t *idx = fg_xmalloc(n * sizeof(size_t));
    for (size_t f = 0; f < n; f++)
        idx[f] = f;
    if (k > n)
        k = n;
    /* Partial selection sort: k is small. */
    for (size_t i = 0; i < k; i++) {
        size_t best = i;
        for (size_t j = i + 1; j < n; j++)
            if (fg_synth_flat_share(t, idx[j]) >
                fg_synth_flat_share(t, idx[best]))
                best = j;
        size_t tmp = idx[i];
        idx[i] = idx[best];
        idx[best] = tmp;
        printf("%zu\t%.6f\t%s\n", idx[i], fg_synth_flat_share(t, idx[i]),
               fg_synth_func_name(t, idx[i]));
    }
    free(idx);
    return 0;
}

static int write_run(const struct args *a, const struct fg_synth_tree *t,
                     const char *path, uint32_t seed, struct fg_error *err)
{
    struct fg_synth_run_opts ro = a->run;
    ro.seed = seed;
    struct fg_profile *p = NULL;
    struct fg_buf raw, gz;
    fg_buf_init(&raw, 0);
    fg_buf_init(&gz, 0);
    double t0 = fg_now();
    int rc = fg_synth_generate(t, &ro, &p, err);
    if (rc)
        goto out;
    double t1 = fg_now();
    if ((rc = fg_pprof_encode(p, &raw, err)))
        goto out;
    double t2 = fg_now();
    bool use_gz = a->gzip >= 0 ? a->gzip : ends_with(path, ".gz");
    const struct fg_buf *data = &raw;
    if (use_gz) {
        if ((rc = fg_gz_deflate(raw.data, raw.len, a->level, &gz, err)))
            goto out;
        data = &gz;
    }
    double t3 = fg_now();
    if ((rc = fg_write_file_atomic(path, data->data, data->len, err)))
        goto out;
    if (!a->quiet)
        fprintf(stderr,
                "fg-gen: wrote %s: %zu samples (seed %u) in %zu stacks, "
                "%zu locations, %zu functions; %zu bytes, %zu uncompressed; "
                "draw %.2f s, encode %.2f s, gzip %.2f s\n",
                path, (size_t)a->run.n_samples, seed, p->n_samples,
                p->n_locs, p->n_funcs, data->len, raw.len, t1 - t0, t2 - t1,
                t3 - t2);
out:
    fg_profile_free(p);
    fg_buf_release(&raw);
    fg_buf_release(&gz);
    return rc;
}

static int run(struct args *a, struct fg_error *err)
{
    struct fg_synth_tree *t = NULL;
    struct fg_synth_regression *rg = NULL;
    double *flat = NULL;
    double t0 = fg_now();
    int rc = fg_synth_tree_new(&a->tree, &t, err);
    if (rc)
        return rc;
    if (!a->quiet) {
        struct fg_synth_stats st;
        fg_synth_tree_stats(t, &st);
        fprintf(stderr,
                "fg-gen: tree seed %u: %zu functions, %zu stacks, %zu "
                "locations (%zu inlined), mean depth %.2f (max %zu), %zu "
                "recursive stacks; %.2f s\n",
                a->tree.seed, st.n_funcs, st.n_stacks, st.n_locs,
                st.n_inlined_locs, st.mean_depth, st.max_depth,
                st.n_recursive, fg_now() - t0);
    }
    if (a->top || a->pick >= 0) {
        if (a->top)
            print_top(t, a->top);
        if (a->pick >= 0) {
            double share;
            long f = fg_synth_pick_func(t, a->pick, 0, &share);
            if (f >= 0)
                printf("%ld\t%.6f\t%s\n", f, share, fg_synth_func_name(t, f));
        }
        goto out;
    }
    rg = fg_xcalloc(a->n_regress_specs + 1, sizeof(*rg));
    for (size_t i = 0; i < a->n_regress_specs; i++)
        if ((rc = parse_regress(t, a->regress_specs[i], &rg[i], err)))
            goto out;
    a->run.regress = rg;
    a->run.n_regress = a->n_regress_specs;
    if (a->n_regress_specs && !a->quiet) {
        flat = fg_xmalloc(fg_synth_n_funcs(t) * sizeof(double));
        if ((rc = fg_synth_expected_flat(t, rg, a->n_regress_specs, flat,
                                         err)))
            goto out;
        for (size_t i = 0; i < a->n_regress_specs; i++)
            fprintf(stderr,
                    "fg-gen: regress '%s' (#%zu) x%g: expected flat share "
                    "%.6f -> %.6f\n",
                    fg_synth_func_name(t, rg[i].func), rg[i].func,
                    rg[i].factor, fg_synth_flat_share(t, rg[i].func),
                    flat[rg[i].func]);
    }
    size_t runs = a->runs ? a->runs : 1;
    for (size_t i = 1; i <= runs && rc == FG_OK; i++) {
        bool gz = a->gzip >= 0 ? a->gzip : ends_with(a->output, ".gz");
        char *path = a->runs ? run_path(a->output, i, gz)
                             : fg_xstrdup(a->output);
        rc = write_run(a, t, path, fg_synth_seed(a->run.seed, (uint32_t)i),
                       err);
        free(path);
    }
out:
    free(flat);
    free(rg);
    fg_synth_tree_free(t);
    return rc;
}

int main(int argc, char **argv)
{
    struct args a;
    memset(&a, 0, sizeof(a));
    fg_synth_opts_default(&a.tree);
    fg_synth_run_opts_default(&a.run);
    a.gzip = -1;
    a.level = 1;
    a.pick = -1;
    struct fg_error err;
    fg_error_clear(&err);
    int rc = parse_args(argc, argv, &a, &err);
    if (rc == FG_OK)
        rc = run(&a, &err);
    free(a.regress_specs);
    if (rc) {
        fprintf(stderr, "fg-gen: %s\n", err.msg);
        if (rc == FG_EUSAGE)
            fputs("try 'fg-gen --help'\n", stderr);
        return 2;
    }
    return 0;
}
