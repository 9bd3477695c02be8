/*
 * cli_compare.c - "flamegate compare": load both sides, compare, write the
 * reports, map the verdict to the exit code.
 */
#include "flamegate/cli.h"
#include "flamegate/flame.h"
#include "flamegate/settings.h"
#include "flamegate/source.h"
#include "flamegate/util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char compare_usage[] =
    "usage: flamegate compare [OPTIONS] BASE CANDIDATE\n"
    "       flamegate compare [OPTIONS] --base SRC... --candidate SRC...\n"
    "\n"
    "Compare a baseline and a candidate function by function and decide\n"
    "PASS, MARGINAL, FAIL or INCONCLUSIVE.  FAIL needs a statistically\n"
    "significant increase (Holm-corrected) that is also material: at least\n"
    "--min-change relative and --min-delta points of share.\n"
    "\n"
    "A source is a pprof file (gzipped or not), a folded-stacks file, '-'\n"
    "for standard input, or a directory or glob whose files are separate\n"
    "runs of that side.  With 3 or more runs per side the run-to-run noise\n"
    "is measured directly (moderated t-test); with one run per side an\n"
    "exact binomial test with an overdispersion term estimated from the\n"
    "data is used.\n"
    "\n"
    "What to compare:\n"
    "  -b, --base SRC            baseline source (repeatable)\n"
    "  -c, --candidate SRC       candidate source (repeatable)\n"
    "  -t, --sample-type TYPE    e.g. cpu, alloc_space (default: the\n"
    "                            profile's default type)\n"
    "      --metric M            flat (default: gate on self time), cum,\n"
    "                            or both\n"
    "      --ignore REGEX        skip functions matching (repeatable)\n"
    "      --focus REGEX         test only functions matching (repeatable)\n"
    "\n"
    "Statistics:\n"
    "      --alpha A             significance level (0.05)\n"
    "      --min-change X        minimum relative increase to FAIL (10%)\n"
    "      --min-delta PP        minimum increase in share, in percentage\n"
    "                            points (0.5)\n"
    "      --min-share PCT       test functions with at least this share\n"
    "                            on one side (0.1)\n"
    "      --min-count N         ... and at least N samples in total (20)\n"
    "      --min-samples N       INCONCLUSIVE below N samples per side (500)\n"
    "      --normalize MODE      robust (median-of-ratios, default), total\n"
    "                            or none\n"
    "      --test T              auto (default), binomial or moderated-t\n"
    "\n"
    "Output:\n"
    "  -f, --format FMT          text (default), markdown, json, html or\n"
    "                            folded, on standard output\n"
    "  -o, --output FMT=PATH     also write a report to PATH (repeatable),\n"
    "                            e.g. -o markdown=summary.md -o json=r.json\n"
    "      --color WHEN          auto (default), always or never; NO_COLOR\n"
    "                            disables colour in auto mode\n"
    "  -n, --top N               rows per table\n"
    "      --marker-id ID        id of the hidden sticky-comment marker\n"
    "  -q, --quiet               no notes on standard error\n"
    "  -v, --verbose             more notes on standard error\n"
    "\n"
    "Policy:\n"
    "      --inconclusive P      pass (default, exit 0) or fail (exit 1)\n"
    "      --on-error P          fail (default: exit 2/3 on bad input or a\n"
    "                            failed fetch) or pass (exit 0, loudly)\n"
    "\n"
    "Exit codes: 0 PASS, MARGINAL or INCONCLUSIVE; 1 FAIL; 2 usage error or\n"
    "unusable input; 3 a fetch failed.\n"
    "\n"
    "Every option can also be set with FLAMEGATE_<OPTION> environment\n"
    "variables (e.g. FLAMEGATE_MIN_CHANGE=15%%); flags win.\n"
    "\n"
    "Examples:\n"
    "  flamegate compare base.pb.gz candidate.pb.gz\n"
    "  flamegate compare --base 'base/*.pb.gz' --candidate 'cand/*.pb.gz'\n"
    "  flamegate compare -o markdown=summary.md -o html=diff.html a.pb b.pb\n"
    "\n";

enum { OPT_KEYED = 2000 };

/* Long options: every entry with val >= OPT_KEYED is applied through
 * fg_settings_set under its own name. */
static const struct option longopts[] = {
    {"base", required_argument, NULL, OPT_KEYED},
    {"candidate", required_argument, NULL, OPT_KEYED},
    {"sample-type", required_argument, NULL, OPT_KEYED},
    {"metric", required_argument, NULL, OPT_KEYED},
    {"ignore", required_argument, NULL, OPT_KEYED},
    {"focus", required_argument, NULL, OPT_KEYED},
    {"alpha", required_argument, NULL, OPT_KEYED},
    {"min-change", required_argument, NULL, OPT_KEYED},
    {"min-delta", required_argument, NULL, OPT_KEYED},
    {"min-share", required_argument, NULL, OPT_KEYED},
    {"min-count", required_argument, NULL, OPT_KEYED},
    {"min-samples", required_argument, NULL, OPT_KEYED},
    {"normalize", required_argument, NULL, OPT_KEYED},
    {"test", required_argument, NULL, OPT_KEYED},
    {"format", required_argument, NULL, OPT_KEYED},
    {"output", required_argument, NULL, OPT_KEYED},
    {"color", required_argument, NULL, OPT_KEYED},
    {"top", required_argument, NULL, OPT_KEYED},
    {"marker-id", required_argument, NULL, OPT_KEYED},
    {"on-error", required_argument, NULL, OPT_KEYED},
    {"inconclusive", required_argument, NULL, OPT_KEYED},
    {"runs", required_argument, NULL, OPT_KEYED},
    {"max-input-size", required_argument, NULL, OPT_KEYED},
    {"max-decompressed-size", required_argument, NULL, OPT_KEYED},
    {"max-string-table", required_argument, NULL, OPT_KEYED},
    {"max-samples", required_argument, NULL, OPT_KEYED},
    {"max-locations", required_argument, NULL, OPT_KEYED},
    {"max-functions", required_argument, NULL, OPT_KEYED},
    {"max-stack-depth", required_argument, NULL, OPT_KEYED},
    {"max-labels", required_argument, NULL, OPT_KEYED},
    {"max-response-size", required_argument, NULL, OPT_KEYED},
    {"max-runs", required_argument, NULL, OPT_KEYED},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

/* Short options map to keys. */
static const char *short_key(int c)
{
    switch (c) {
    case 'b': return "base";
    case 'c': return "candidate";
    case 't': return "sample-type";
    case 'f': return "format";
    case 'o': return "output";
    case 'n': return "top";
    default: return NULL;
    }
}

/* ---- loading profiles in parallel --------------------------------------- */

struct load_job {
    const char *path;
    const struct fg_limits *lim;
    struct fg_profile *p;
    struct fg_error err;
    int rc;
};

struct load_pool {
    struct load_job *jobs;
    size_t n, next;
    pthread_mutex_t mu;
};

static void *load_worker(void *arg)
{
    struct load_pool *pool = arg;
    for (;;) {
        pthread_mutex_lock(&pool->mu);
        size_t i = pool->next++;
        pthread_mutex_unlock(&pool->mu);
        if (i >= pool->n)
            return NULL;
        struct load_job *j = &pool->jobs[i];
        j->rc = fg_source_load_file(j->path, j->lim, &j->p, &j->err);
    }
}

/* Decode every job on up to two threads (the machines this runs on in CI
 * have two cores; decoding is CPU-bound and independent per file). */
static void load_all(struct load_job *jobs, size_t n)
{
    struct load_pool pool = {jobs, n, 0, PTHREAD_MUTEX_INITIALIZER};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nthreads = cpus > 1 ? 2 : 1;
    if (nthreads > n)
        nthreads = n;
    pthread_t extra;
    bool started = nthreads > 1 &&
                   pthread_create(&extra, NULL, load_worker, &pool) == 0;
    load_worker(&pool);
    if (started)
        pthread_join(extra, NULL);
}

struct sides {
    struct fg_pathlist paths[2];
    struct fg_profile **prof[2];
    size_t n[2];
};

static void sides_release(struct sides *sd)
{
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < sd->n[s]; i++)
            fg_profile_free(sd->prof[s][i]);
        free(sd->prof[s]);
        fg_pathlist_release(&sd->paths[s]);
    }
}

static int load_sides(const struct fg_settings *st, struct sides *sd,
                      struct fg_error *err)
{
    const struct fg_strlist *lists[2] = {&st->base, &st->candidate};
    int stdin_uses = 0;
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < lists[s]->n; i++) {
            stdin_uses += strcmp(lists[s]->v[i], "-") == 0;
            int rc = fg_source_expand(lists[s]->v[i], &sd->paths[s], err);
            if (rc)
                return rc;
        }
        if (sd->paths[s].n > st->lim.max_runs)
            return fg_error_set(err, FG_ELIMIT,
                                "%s has %zu runs, more than the limit of %zu "
                                "(raise it with --max-runs)",
                                s ? "candidate" : "base", sd->paths[s].n,
                                st->lim.max_runs);
    }
    if (stdin_uses > 1)
        return fg_error_set(err, FG_EUSAGE,
                            "standard input ('-') can be used only once");
    size_t nb = sd->paths[0].n, total = nb + sd->paths[1].n;
    struct load_job *jobs = fg_xcalloc(total, sizeof(*jobs));
    for (size_t i = 0; i < total; i++) {
        jobs[i].path = i < nb ? sd->paths[0].paths[i]
                              : sd->paths[1].paths[i - nb];
        jobs[i].lim = &st->lim;
    }
    load_all(jobs, total);
    int rc = FG_OK;
    for (int s = 0; s < 2; s++) {
        sd->n[s] = sd->paths[s].n;
        sd->prof[s] = fg_xcalloc(sd->n[s] ? sd->n[s] : 1,
                                 sizeof(struct fg_profile *));
    }
    for (size_t i = 0; i < total; i++) {
        if (jobs[i].rc && rc == FG_OK) {
            rc = jobs[i].rc;
            *err = jobs[i].err;
        }
        if (i < nb)
            sd->prof[0][i] = jobs[i].p;
        else
            sd->prof[1][i - nb] = jobs[i].p;
    }
    free(jobs);
    return rc;
}

/* ---- reports -------------------------------------------------------------- */

static bool want_color(const struct fg_settings *st)
{
    if (st->color == FG_COLOR_ALWAYS)
        return true;
    if (st->color == FG_COLOR_NEVER)
        return false;
    const char *nc = getenv("NO_COLOR");
    return (!nc || !*nc) && isatty(STDOUT_FILENO);
}

static bool needs_flame(const struct fg_settings *st)
{
    if (st->format == FG_REPORT_HTML || st->format == FG_REPORT_FOLDED)
        return true;
    for (size_t i = 0; i < st->n_outputs; i++)
        if (st->outputs[i].format == FG_REPORT_HTML ||
            st->outputs[i].format == FG_REPORT_FOLDED)
            return true;
    return false;
}

/* "flamegate compare ARGS" with shell-safe quoting, for reproducibility. */
static char *settings_line(int argc, char **argv)
{
    struct fg_buf b;
    fg_buf_init(&b, 1 << 16);
    int rc = fg_buf_adds(&b, "flamegate compare");
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        bool plain = *a != '\0';
        for (const char *c = a; *c; c++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789-_./=:,%+@",
                        *c))
                plain = false;
        rc = fg_buf_addc(&b, ' ');
        if (plain) {
            rc = rc ? rc : fg_buf_adds(&b, a);
            continue;
        }
        rc = rc ? rc : fg_buf_addc(&b, '\'');
        for (const char *c = a; *c && !rc; c++)
            rc = *c == '\'' ? fg_buf_adds(&b, "'\\''") : fg_buf_addc(&b, *c);
        rc = rc ? rc : fg_buf_addc(&b, '\'');
    }
    return fg_buf_detach(&b, NULL);
}

static int write_reports(const struct fg_settings *st,
                         const struct fg_report_ctx *ctx, struct fg_error *err)
{
    int rc = FG_OK;
    struct fg_buf b;
    fg_buf_init(&b, 0);
    for (size_t i = 0; i < st->n_outputs && !rc; i++) {
        struct fg_report_ctx c = *ctx;
        c.color = false;
        fg_buf_reset(&b);
        rc = fg_report_write(st->outputs[i].format, &c, &b, err);
        if (!rc)
            rc = fg_write_file_atomic(st->outputs[i].path,
                                      b.data ? b.data : "", b.len, err);
    }
    if (!rc) {
        fg_buf_reset(&b);
        rc = fg_report_write(st->format, ctx, &b, err);
        if (!rc)
            fwrite(b.data ? b.data : "", 1, b.len, stdout);
    }
    fg_buf_release(&b);
    return rc;
}

/* ---- command ---------------------------------------------------------------- */

static const char *env_get(const char *name)
{
    return getenv(name);
}

static int parse(int argc, char **argv, struct fg_settings *st, bool *help,
                 struct fg_error *err)
{
    int c, idx = -1;
    int rc = fg_settings_apply_env(st, env_get, err);
    if (rc)
        return rc;
    while ((c = getopt_long(argc, argv, "b:c:t:f:o:n:qvh", longopts,
                            &idx)) != -1) {
        const char *key = c == OPT_KEYED ? longopts[idx].name : short_key(c);
        if (key) {
            rc = fg_settings_set(st, key, optarg, "command line", err);
            if (rc)
                return rc;
            continue;
        }
        switch (c) {
        case 'q': st->verbose = -1; break;
        case 'v': st->verbose++; break;
        case 'h': *help = true; return FG_OK;
        default:
            return fg_error_set(err, FG_EUSAGE, "invalid option");
        }
    }
    int npos = argc - optind;
    if (npos == 2 && st->base.n == 0 && st->candidate.n == 0) {
        rc = fg_settings_set(st, "base", argv[optind], "command line", err);
        rc = rc ? rc
                : fg_settings_set(st, "candidate", argv[optind + 1],
                                  "command line", err);
        return rc;
    }
    if (npos != 0)
        return fg_error_set(err, FG_EUSAGE,
                            "give BASE CANDIDATE, or --base and --candidate "
                            "(got %d positional argument%s)",
                            npos, npos == 1 ? "" : "s");
    if (st->base.n == 0 || st->candidate.n == 0)
        return fg_error_set(err, FG_EUSAGE, "no %s profile given",
                            st->base.n == 0 ? "base" : "candidate");
    return FG_OK;
}

/* --on-error pass: a broken gate must not block a deploy when asked. */
static int on_error(const struct fg_settings *st, const struct fg_error *err)
{
    int code = fg_cli_fail(err);
    if (st->on_error_pass) {
        fg_msg_warn("--on-error pass: exiting 0 although the comparison "
                    "could not be made (exit code would have been %d)",
                    code);
        return FG_EXIT_PASS;
    }
    return code;
}

int fg_cmd_compare(int argc, char **argv)
{
    struct fg_settings st;
    fg_settings_init(&st);
    struct fg_error err = {0, ""};
    struct sides sd;
    memset(&sd, 0, sizeof(sd));
    struct fg_result *res = NULL;
    struct fg_flame *flame = NULL;
    char *line = NULL;
    bool help = false;
    int rc = parse(argc, argv, &st, &help, &err);
    if (help) {
        fputs(compare_usage, stdout);
        fputs(fg_cli_limits_help, stdout);
        goto out;
    }
    if (rc) {
        rc = st.on_error_pass ? on_error(&st, &err)
                              : fg_usage_error("compare", "%s", err.msg);
        goto out;
    }
    double t0 = fg_now();
    if ((rc = load_sides(&st, &sd, &err)) ||
        (rc = fg_compare(sd.prof[0], sd.n[0], sd.prof[1], sd.n[1], &st.cmp,
                         &res, &err))) {
        rc = on_error(&st, &err);
        goto out;
    }
    if (needs_flame(&st)) {
        size_t bt = 0, ct = 0;
        /* fg_compare validated the type on every run already. */
        if ((rc = fg_profile_select_type(sd.prof[0][0], st.cmp.sample_type,
                                         &bt, &err)) ||
            (rc = fg_profile_select_type(sd.prof[1][0], st.cmp.sample_type,
                                         &ct, &err)) ||
            (rc = fg_flame_build(sd.prof[0], sd.n[0], sd.prof[1], sd.n[1],
                                 bt, ct, &flame, &err))) {
            rc = on_error(&st, &err);
            goto out;
        }
    }
    line = settings_line(argc, argv);
    struct fg_report_ctx ctx;
    fg_report_ctx_init(&ctx, res, flame);
    ctx.settings = line;
    ctx.marker_id = st.marker_id;
    ctx.top = st.top > 0 ? (size_t)st.top : 0;
    ctx.color = want_color(&st);
    if ((rc = write_reports(&st, &ctx, &err))) {
        rc = on_error(&st, &err);
        goto out;
    }
    if (st.verbose > 0)
        fg_msg_note("compared %zu base and %zu candidate run(s) in %.3f s",
                    sd.n[0], sd.n[1], fg_now() - t0);
    rc = res->exit_code;
    if (res->verdict == FG_VERDICT_INCONCLUSIVE && st.inconclusive_fail)
        rc = FG_EXIT_FAIL;
out:
    free(line);
    fg_flame_free(flame);
    fg_result_free(res);
    sides_release(&sd);
    fg_settings_release(&st);
    return rc;
}
