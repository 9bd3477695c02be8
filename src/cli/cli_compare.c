/*
 * cli_compare.c - "flamegate compare": load both sides, compare, write the
 * reports, map the verdict to the exit code.
 */
#include "config/backend_opts.h"
#include "cli/cli.h"
#include "config/config.h"
#include "flamegate/flame.h"
#include "net/http.h"
#include "config/settings.h"
#include "flamegate/source.h"
#include "core/pool.h"
#include "core/util.h"
#include "model/split.h"
#include "cli/cli_profile.h"

#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <unistd.h>

static const char compare_usage[] =
    "usage: flamegate compare [OPTIONS] BASE CANDIDATE\n"
    "       flamegate compare [OPTIONS] DIFF\n"
    "       flamegate compare [OPTIONS] --base SRC... --candidate SRC...\n"
    "\n"
    "Compare a baseline and a candidate function by function and decide\n"
    "PASS, MARGINAL, FAIL or INCONCLUSIVE.  FAIL needs a statistically\n"
    "significant increase (Holm-corrected) that is also material: at least\n"
    "--min-change relative and --min-delta points of share.\n"
    "\n"
    "A source is a profile file of any format flamegate reads (pprof,\n"
    "folded stacks, JFR, perf script, OpenTelemetry, Pyroscope flame-graph\n"
    "JSON, V8 .cpuprofile, speedscope; README \"Input formats\"), '-' for\n"
    "standard input, or a directory or glob whose files are separate\n"
    "runs of that side.  A two-sided file (Pyroscope's /render-diff JSON)\n"
    "gives its base side to --base and its candidate side to --candidate;\n"
    "given alone (DIFF) it supplies both sides.\n"
    "\n"
    "With 3 or more runs per side the run-to-run noise is measured\n"
    "directly (moderated t-test).  With one run per side it can only be\n"
    "inferred from how all functions moved, which is uncertain with few\n"
    "samples: such gates catch large changes; use 3+ runs per side to\n"
    "catch small ones.\n"
    "\n"
    "What to compare:\n"
    "  -b, --base SRC            baseline source (repeatable)\n"
    "  -c, --candidate SRC       candidate source (repeatable)\n"
    "  -t, --sample-type TYPE    e.g. cpu, alloc_space (default: the\n"
    "                            profile's default type)\n"
    "      --metric M            flat (default: gate on self time), cum,\n"
    "                            or both\n"
    "      --folded-column N     read column N (1 or 2) of folded files with\n"
    "                            two counts per line (refused otherwise)\n"
    "      --split N             cut every recording into N runs of equal\n"
    "                            time span (formats with a time per sample:\n"
    "                            JFR, cpuprofile, perf script, speedscope\n"
    "                            evented, OTLP); docs/split.md says when\n"
    "                            blocks understate run-to-run noise\n"
    "\n";

static const char compare_usage_filters[] =
    "Sample filters (pprof's, applied to every run before comparing):\n"
    "      --focus REGEX         keep only samples whose stack has a\n"
    "                            function matching (several: any)\n"
    "      --ignore REGEX        drop samples whose stack has a function\n"
    "                            matching\n"
    "      --hide REGEX          remove matching functions from the stacks\n"
    "      --show-from REGEX     drop the frames above the first match from\n"
    "                            the root (samples without one are dropped)\n"
    "      --tagfocus EXPR       keep samples whose labels match: KEY=REGEX\n"
    "                            [,REGEX], KEY=RANGE (1kb:, :100ms, 10:20),\n"
    "                            or REGEX,... on 'key:value' (pprof's\n"
    "                            syntax); e.g. endpoint=/checkout compares\n"
    "                            that slice; repeated: all must match\n"
    "      --tagignore EXPR      drop samples whose labels match EXPR\n"
    "Each is repeatable; a REGEX is a POSIX extended regular expression\n"
    "matched anywhere in a function name.\n"
    "\n"
    "Which functions are tested (and can fail the gate); the samples stay:\n"
    "      --gate-only REGEX     test only functions matching; the others\n"
    "                            are neither tested nor listed (repeatable;\n"
    "                            what --focus meant before it was pprof's)\n"
    "      --gate-ignore REGEX   do not test or list functions matching;\n"
    "                            samples ending in them also leave their\n"
    "                            callers' inclusive time (repeatable; what\n"
    "                            --ignore meant before it was pprof's)\n"
    "\n"
    "Statistics:\n"
    "      --alpha A             significance level (0.05)\n"
    "      --min-change PCT      minimum relative increase to FAIL, in\n"
    "                            percent: 10 or 10% (default); a bare\n"
    "                            number up to 1 is refused as ambiguous\n"
    "      --min-delta PP        minimum increase in share, in percentage\n"
    "                            points (0.5 or 0.5%); functions too small\n"
    "                            to move that much cannot FAIL and leave\n"
    "                            the Holm family, which makes it stronger\n"
    "      --min-share PCT       test functions with at least this share\n"
    "                            on one side, in percent (0.1)\n"
    "      --min-count N         ... and at least N samples in total (20)\n"
    "      --min-samples N       INCONCLUSIVE below N samples per side (500)\n"
    "      --normalize MODE      robust (default), total, median (DESeq2's\n"
    "                            median of ratios), duration (per second),\n"
    "                            work (per unit of --base-work and\n"
    "                            --candidate-work) or none\n"
    "      --base-work W         work done by each base run (requests,\n"
    "                            iterations): one number, or one per run\n"
    "                            separated by commas\n"
    "      --candidate-work W    ... and by each candidate run\n"
    "      --test T              auto (default), binomial or moderated-t\n"
    "      --env-noise on|off    model the machine's share of a profile\n"
    "                            (on): collector, scheduler and wait\n"
    "                            samples leave the other functions' rows,\n"
    "                            those functions get their extra run-to-run\n"
    "                            noise, Go's runtime.asyncPreempt counts as\n"
    "                            the interrupted function's time\n"
    "\n";

static const char compare_usage2[] =
    "Output:\n"
    "  -f, --format FMT          text (default), markdown, json, html or\n"
    "                            folded, on standard output\n"
    "  -o, --output FMT=PATH     also write a report to PATH (repeatable),\n"
    "                            e.g. -o markdown=summary.md -o json=r.json\n"
    "      --color WHEN          auto (default), always or never; NO_COLOR\n"
    "                            disables colour in auto mode\n"
    "  -n, --top N               rows per table; 0: every row (default\n"
    "                            20 in text, 10 in markdown)\n"
    "      --marker-id ID        id of the hidden sticky-comment marker\n"
    "  -q, --quiet               no notes on standard error\n"
    "  -v, --verbose             more notes on standard error; twice (-vv): the\n"
    "                            time of each step\n"
    "  -h, --help                show this help\n"
    "\n";

static const char compare_usage_backend[] =
    "Backend (fetch both sides from a profiling backend; see README):\n"
    "      --backend KIND        pyroscope or parca; selects both sides\n"
    "      --url URL             server base URL\n"
    "      --profile-type T      e.g. process_cpu:cpu:nanoseconds:cpu:nanoseconds\n"
    "      --selector '{...}'    label selector, e.g. '{service_name=\"api\"}'\n"
    "      --version-label L     label that tells the sides apart (version)\n"
    "      --base-version V      its value for the base side\n"
    "      --candidate-version V\n"
    "                            its value for the candidate side\n"
    "      --from T, --until T   time range: now, now-1h, RFC 3339, Unix time\n"
    "      --base-from T, --base-until T, --candidate-from T,\n"
    "      --candidate-until T   a time range per side\n"
    "      --step D              windows of length D (e.g. 10m) instead of\n"
    "                            --runs equal windows\n"
    "      --max-nodes N         Pyroscope: ask for up to N nodes\n"
    "      --protocol P          Parca: rest (default) or grpc-web\n"
    "      --runs N              split the range into N windows per side (or\n"
    "                            capture each pprof URL source N times, every\n"
    "                            URL at once, round after round)\n"
    "      --token-env VAR       bearer token from an environment variable\n"
    "      --token-file FILE     bearer token from a file\n"
    "      --user U, --password-env VAR, --password-file FILE  basic auth\n"
    "      --tenant ID           X-Scope-OrgID (multi-tenant Pyroscope)\n"
    "      --header 'N: V'       extra request header (repeatable)\n"
    "      --cacert FILE, --insecure, --timeout S, --connect-timeout S,\n"
    "      --retries N           TLS and network settings\n"
    "      --retry-backoff S     first backoff bound in seconds (0.5)\n"
    "      --parallel N          requests in flight (4)\n"
    "\n"
    "Policy:\n"
    "      --inconclusive P      pass (default, exit 0) or fail (exit 1)\n"
    "      --on-error P          fail (default: exit 2 on unusable input,\n"
    "                            3 on a failed fetch) or pass: exit 0 with a\n"
    "                            warning, and the JSON outputs get a\n"
    "                            document with verdict ERROR.  Usage errors\n"
    "                            (flags, values, config file) exit 2 always\n"
    "\n"
    "Exit codes: 0 PASS, MARGINAL or INCONCLUSIVE; 1 FAIL; 2 usage error or\n"
    "unusable input; 3 a fetch failed.  Backend windows and live URL\n"
    "captures without samples (a young canary, an idle process) are\n"
    "dropped, and the report names them; a side left without any is\n"
    "INCONCLUSIVE, both sides without any exit 3.\n"
    "\n"
    "Configuration:\n"
    "      --config FILE         settings, rules, budgets and presets (JSON;\n"
    "                            default .flamegate.json if present)\n"
    "      --backend-profile P   backend settings named P in the config\n"
    "\n"
    "Every option can also be set in the config file or with\n"
    "FLAMEGATE_<OPTION> environment variables (e.g. FLAMEGATE_MIN_CHANGE=15%);\n"
    "precedence: flags, environment, config file, defaults.\n"
    "\n"
    "Examples:\n"
    "  flamegate compare base.pb.gz candidate.pb.gz\n"
    "  flamegate compare --base 'base/*.pb.gz' --candidate 'cand/*.pb.gz'\n"
    "  flamegate compare -o markdown=summary.md -o html=diff.html a.pb b.pb\n"
    "\n";

enum {
    OPT_LAYER = 2000, /* --config, --backend-profile: applied first */
    OPT_KEY = 3000,   /* + index into fg_settings_keys */
    OPT_ARG = 4000,   /* + index into fg_backend_arg_options */
    OPT_FLAG = 5000   /* + index into fg_backend_flag_options */
};

/* Every settings key and backend option is a flag of the same name, set
 * through fg_settings_set (fg_cli_options adds them to these). */
static const struct option fixed_opts[] = {
    {"config", required_argument, NULL, OPT_LAYER},
    {"backend-profile", required_argument, NULL, OPT_LAYER},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'}};

/* The settings key and value of option c, or NULL when c is not one. */
static const char *option_key(int c, const char **value)
{
    if (c >= OPT_FLAG) {
        *value = "true";
        return fg_backend_flag_options[c - OPT_FLAG];
    }
    *value = optarg;
    if (c >= OPT_ARG)
        return fg_backend_arg_options[c - OPT_ARG];
    if (c >= OPT_KEY)
        return fg_settings_keys[c - OPT_KEY];
    return fg_settings_short_key(c);
}

/* ---- loading profiles in parallel --------------------------------------- */

struct load_job {
    const char *path;
    const struct fg_limits *lim;
    struct fg_profile *p;
    struct fg_profile *other; /* candidate side of a two-sided file */
    struct fg_error err;
    int rc;
};

static void load_item(void *ctx, size_t i)
{
    struct load_job *j = &((struct load_job *)ctx)[i];
    struct fg_profile *two[FG_SOURCE_MAX_SIDES];
    size_t n = 0;
    j->rc = fg_source_load_sides(j->path, j->lim, two, &n, &j->err);
    j->p = n > 0 ? two[0] : NULL;
    j->other = n > 1 ? two[1] : NULL;
}

/* Decode every job on up to two threads (the machines this runs on in CI
 * have two cores; decoding is CPU-bound and independent per file); the
 * caller reads the results, errors included, in job order. */
static void load_all(struct load_job *jobs, size_t n)
{
    unsigned cpus = fg_parallel_cpus();
    fg_parallel_for(n, cpus > 1 ? 2 : 1, load_item, jobs);
}

struct sides {
    struct fg_pathlist paths[2];
    struct fg_profile **prof[2];
    size_t n[2];
    bool single;                    /* one positional source: two-sided */
    bool backend;                   /* fetched with --backend: tally set */
    struct fg_fetch_tally tally[2]; /* the windows of each side */
    size_t n_urls;                  /* live URL sources captured */
    struct fg_fetch_tally *url_tally; /* per URL: its empty captures */
    char **url_name;                /* per URL: redacted, owned */
    int *url_side;                  /* per URL: 0 base, 1 candidate */
};

static void sides_release(struct sides *sd)
{
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < sd->n[s]; i++)
            fg_profile_free(sd->prof[s][i]);
        free(sd->prof[s]);
        fg_pathlist_release(&sd->paths[s]);
        fg_fetch_tally_release(&sd->tally[s]);
    }
    for (size_t u = 0; u < sd->n_urls; u++) {
        fg_fetch_tally_release(&sd->url_tally[u]);
        free(sd->url_name[u]);
    }
    free(sd->url_tally);
    free(sd->url_name);
    free(sd->url_side);
}

/* Append one profile (stolen) to side s. */
static void push_profile(struct sides *sd, int s, struct fg_profile *p)
{
    sd->prof[s] = fg_xrealloc(sd->prof[s],
                              (sd->n[s] + 2) * sizeof(*sd->prof[s]));
    sd->prof[s][sd->n[s]++] = p;
}

/* Append fetched profiles (the array p is freed, the profiles stolen). */
static void add_fetched(struct sides *sd, int s, struct fg_profile **p,
                        size_t n)
{
    for (size_t i = 0; i < n; i++)
        push_profile(sd, s, p[i]);
    free(p);
}

/*
 * Both sides from the backend.  Windows without samples are dropped (a
 * canary younger than --from has none at first); a side left without any
 * is compared as 0 runs (INCONCLUSIVE), but when neither side has data
 * the selection is wrong, not young: that is an error.
 */
static int fetch_sides(const struct fg_settings *st,
                       const struct fg_backend_req *req, struct sides *sd,
                       struct fg_error *err)
{
    sd->backend = true;
    for (int s = 0; s < 2; s++) {
        struct fg_profile **p = NULL;
        size_t n = 0;
        int rc = fg_backend_fetch_side(req,
                                       s ? FG_SIDE_CANDIDATE : FG_SIDE_BASE,
                                       &st->lim, &p, &n, &sd->tally[s], err);
        if (rc)
            return rc;
        add_fetched(sd, s, p, n);
    }
    if (sd->n[0] == 0 && sd->n[1] == 0) {
        struct fg_error cand = {0, ""};
        fg_backend_no_data_error(req, FG_SIDE_CANDIDATE, &cand);
        return fg_error_set(err, cand.code,
                            "neither side has samples in any window: %s",
                            cand.msg);
    }
    return FG_OK;
}

/* The report's warning for each side that lost windows. */
static void warn_dropped(const struct sides *sd, struct fg_result *res)
{
    for (int s = 0; s < 2 && sd->backend; s++) {
        const struct fg_fetch_tally *t = &sd->tally[s];
        if (t->empty == 0)
            continue;
        char which[128];
        fg_backend_windows_text(t->empty_at, t->empty, which, sizeof(which));
        fg_result_add_warning(
            res,
            "%s: %zu of %zu windows have samples; %zu empty window%s "
            "dropped (%s)%s",
            s ? "candidate" : "base", t->windows - t->empty, t->windows,
            t->empty, t->empty == 1 ? "" : "s", which,
            s ? " (a canary younger than --from?)" : "");
    }
    for (size_t u = 0; u < sd->n_urls; u++) {
        const struct fg_fetch_tally *t = &sd->url_tally[u];
        if (t->empty == 0)
            continue;
        char which[128];
        fg_backend_windows_text(t->empty_at, t->empty, which, sizeof(which));
        fg_result_add_warning(
            res,
            "%s %s: %zu of %zu capture%s %s samples; %zu empty capture%s "
            "dropped (%s)",
            sd->url_side[u] ? "candidate" : "base", sd->url_name[u],
            t->windows - t->empty, t->windows, t->windows == 1 ? "" : "s",
            t->windows - t->empty == 1 ? "has" : "have", t->empty,
            t->empty == 1 ? "" : "s", which);
    }
}

/*
 * Live endpoints: each URL captured --runs times, both sides at the same
 * time (round i takes capture i of every URL), so that a drift in load
 * during the captures shows on both sides.  Captures without samples are
 * dropped as backend windows are (warn_dropped names them); a side left
 * without any profile is INCONCLUSIVE (fg_compare), both sides an error
 * (check_captured).
 */
static int capture_urls(const struct fg_settings *st,
                        const struct fg_backend_req *req,
                        const struct fg_strlist urls[2], struct sides *sd,
                        struct fg_error *err)
{
    size_t nu = urls[0].n + urls[1].n;
    if (nu == 0)
        return FG_OK;
    const char **all = fg_xcalloc(nu, sizeof(*all));
    sd->n_urls = nu;
    sd->url_tally = fg_xcalloc(nu, sizeof(*sd->url_tally));
    sd->url_name = fg_xcalloc(nu, sizeof(*sd->url_name));
    sd->url_side = fg_xcalloc(nu, sizeof(*sd->url_side));
    for (size_t i = 0; i < nu; i++) {
        all[i] = i < urls[0].n ? urls[0].v[i] : urls[1].v[i - urls[0].n];
        sd->url_name[i] = fg_http_redact_url(all[i]);
        sd->url_side[i] = i < urls[0].n ? 0 : 1;
    }
    struct fg_runs *got = fg_xcalloc(nu, sizeof(*got));
    int rc = fg_backend_fetch_urls(req, all, nu, (size_t)st->runs, &st->lim,
                                   got, sd->url_tally, err);
    for (size_t i = 0; i < nu; i++) {
        if (rc == FG_OK) {
            add_fetched(sd, i < urls[0].n ? 0 : 1, got[i].p, got[i].n);
            got[i] = (struct fg_runs){NULL, 0};
        }
        fg_runs_release(&got[i]);
    }
    free(got);
    free(all);
    return rc;
}

/*
 * The profiles a file gave to side s: a two-sided file (a Pyroscope diff)
 * contributes its own side s, or both sides when it is the only source.
 */
static void take_sides(struct sides *sd, int s, struct load_job *j)
{
    if (sd->single) {
        if (j->p)
            push_profile(sd, 0, j->p);
        if (j->other)
            push_profile(sd, 1, j->other);
    } else if (j->other) {
        push_profile(sd, s, s ? j->other : j->p);
        fg_profile_free(s ? j->p : j->other);
    } else if (j->p) {
        push_profile(sd, s, j->p);
    }
    j->p = j->other = NULL;
}

/* Local files, directories and live URLs (captured with req's access). */
static int load_files(const struct fg_settings *st,
                      const struct fg_backend_req *req, struct sides *sd,
                      struct fg_error *err)
{
    const struct fg_strlist *lists[2] = {&st->base, &st->candidate};
    struct fg_strlist urls[2] = {{0}, {0}};
    for (int s = 0; s < (sd->single ? 1 : 2); s++) {
        for (size_t i = 0; i < lists[s]->n; i++) {
            if (fg_backend_is_url(lists[s]->v[i])) {
                fg_strlist_add(&urls[s], lists[s]->v[i]);
                continue;
            }
            int rc = fg_source_expand(lists[s]->v[i], &sd->paths[s], err);
            if (rc) {
                fg_strlist_clear(&urls[0]);
                fg_strlist_clear(&urls[1]);
                return rc;
            }
        }
        if (sd->paths[s].n > st->lim.max_runs) {
            fg_strlist_clear(&urls[0]);
            fg_strlist_clear(&urls[1]);
            return fg_error_set(err, FG_ELIMIT,
                                "%s has %zu runs, more than the limit of %zu "
                                "(raise it with --max-runs)",
                                s ? "candidate" : "base", sd->paths[s].n,
                                st->lim.max_runs);
        }
    }
    int rc = capture_urls(st, req, urls, sd, err);
    fg_strlist_clear(&urls[0]);
    fg_strlist_clear(&urls[1]);
    if (rc)
        return rc;
    size_t nb = sd->paths[0].n, total = nb + sd->paths[1].n;
    struct load_job *jobs = fg_xcalloc(total, sizeof(*jobs));
    for (size_t i = 0; i < total; i++) {
        jobs[i].path = i < nb ? sd->paths[0].paths[i]
                              : sd->paths[1].paths[i - nb];
        jobs[i].lim = &st->lim;
    }
    load_all(jobs, total);
    for (size_t i = 0; i < total; i++) {
        if (jobs[i].rc && rc == FG_OK) {
            rc = jobs[i].rc;
            *err = jobs[i].err;
        }
        take_sides(sd, i < nb ? 0 : 1, &jobs[i]);
    }
    if (rc == FG_OK && sd->n_urls && sd->n[0] == 0 && sd->n[1] == 0)
        rc = fg_error_set(err, FG_EHTTP,
                          "neither side has samples in any capture of %s%s: "
                          "is the process busy, and for a CPU profile is "
                          "?seconds=N long enough?",
                          sd->url_name[0],
                          sd->n_urls > 1 ? " or the other URLs" : "");
    else if (rc == FG_OK && sd->single && sd->n[1] == 0)
        rc = fg_error_set(err, FG_EUSAGE,
                          "give BASE CANDIDATE: a single source must be "
                          "two-sided (a Pyroscope /render-diff JSON), and "
                          "'%s' holds one profile",
                          lists[0]->n ? lists[0]->v[0] : "");
    free(jobs);
    return rc;
}

/* True when a source of either side is a live URL. */
static bool any_url(const struct fg_settings *st)
{
    const struct fg_strlist *lists[2] = {&st->base, &st->candidate};
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < lists[s]->n; i++)
            if (fg_backend_is_url(lists[s]->v[i]))
                return true;
    return false;
}

/*
 * The settings' last checks, before any profile is read: the backend
 * options resolved into a request (only when something is fetched: both
 * sides when --backend selects them, else the access for live URLs), and
 * standard input named once at most.  A failure here is a usage error.
 */
static int check_settings(const struct fg_settings *st,
                          struct fg_backend_req *req, struct fg_error *err)
{
    /* Patterns (already through the regex guard) that do not compile:
     * the same message as the comparison would give, before any input. */
    for (size_t i = 0; i < st->cmp.n_rules; i++) {
        const struct fg_rule *r = &st->cmp.rules[i];
        if (r->is_glob)
            continue;
        regex_t re;
        int e = regcomp(&re, r->pattern, REG_EXTENDED | REG_NOSUB);
        if (e) {
            char msg[256];
            regerror(e, &re, msg, sizeof(msg));
            return fg_error_set(err, FG_EUSAGE,
                                "invalid regular expression '%s'%s%s: %s",
                                r->pattern, r->origin ? " from " : "",
                                r->origin ? r->origin : "", msg);
        }
        regfree(&re);
    }
    bool active = fg_backend_opts_active(st->backend);
    int stdin_uses = 0;
    const struct fg_strlist *lists[2] = {&st->base, &st->candidate};
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < lists[s]->n; i++)
            stdin_uses += strcmp(lists[s]->v[i], "-") == 0;
    if (stdin_uses > 1)
        return fg_error_set(err, FG_EUSAGE,
                            "standard input ('-') can be used only once");
    if (!active && !any_url(st))
        return FG_OK;
    return fg_backend_opts_resolve(
        st->backend, active ? FG_WANT_BASE | FG_WANT_CANDIDATE : 0, &st->lim,
        req, err);
}

static int load_sides(const struct fg_settings *st,
                      const struct fg_backend_req *req, struct sides *sd,
                      struct fg_error *err)
{
    return fg_backend_opts_active(st->backend)
               ? fetch_sides(st, req, sd, err)
               : load_files(st, req, sd, err);
}

/* --split N: every loaded run becomes N runs, its time blocks. */
static int split_sides(const struct fg_settings *st, struct sides *sd,
                       struct fg_error *err)
{
    if (st->split <= 1)
        return FG_OK;
    unsigned n = (unsigned)st->split;
    for (int s = 0; s < 2; s++) {
        size_t have = sd->n[s];
        struct fg_profile **old = sd->prof[s];
        sd->prof[s] = NULL;
        sd->n[s] = 0;
        int rc = FG_OK;
        for (size_t i = 0; i < have; i++) {
            struct fg_profile **blocks = NULL;
            if (rc == FG_OK &&
                (rc = fg_profile_split_time(old[i], n, &blocks, err)) ==
                    FG_OK) {
                for (unsigned k = 0; k < n; k++)
                    push_profile(sd, s, blocks[k]);
                free(blocks);
            }
            fg_profile_free(old[i]);
        }
        free(old);
        if (rc)
            return rc;
    }
    return FG_OK;
}

/*
 * pprof's sample filters on every run (before --split, which does not
 * keep labels), with pprof's "matched no samples" warnings said once for
 * all runs, and the readers' warnings.  *kept and *had count the sample
 * records of each side after and before.
 */
static int filter_sides(const struct fg_settings *st, struct sides *sd,
                        size_t kept[2], size_t had[2], struct fg_error *err)
{
    struct fg_filter_spec spec;
    fg_settings_filter_spec(st, &spec);
    struct fg_filter *f = NULL;
    int rc = fg_filter_new(&spec, &f, err);
    struct fg_filter_stats any;
    memset(&any, 0, sizeof(any));
    for (int s = 0; s < 2 && !rc; s++) {
        kept[s] = had[s] = 0;
        for (size_t i = 0; i < sd->n[s] && !rc; i++) {
            fg_cli_profile_warning(sd->prof[s][i], st->verbose < 0);
            had[s] += sd->prof[s][i]->n_samples;
            if (!f)
                continue;
            struct fg_profile *out = NULL;
            struct fg_filter_stats fs;
            rc = fg_filter_apply(f, sd->prof[s][i], &out, &fs, err);
            if (rc)
                break;
            fg_profile_free(sd->prof[s][i]);
            sd->prof[s][i] = out;
            kept[s] += out->n_samples;
            any.focus |= fs.focus;
            any.ignore |= fs.ignore;
            any.hide |= fs.hide;
            any.show_from |= fs.show_from;
            any.tagfocus |= fs.tagfocus;
            any.tagignore |= fs.tagignore;
        }
    }
    if (!rc && f)
        fg_cli_filter_warn(&spec, &any, "every run", st->verbose < 0);
    fg_filter_free(f);
    return rc;
}

/* The report says that a slice was compared. */
static void note_filters(const struct fg_settings *st, const size_t kept[2],
                         const size_t had[2], struct fg_result *res)
{
    struct fg_filter_spec spec;
    fg_settings_filter_spec(st, &spec);
    size_t n = spec.n_focus + spec.n_ignore + spec.n_hide +
               spec.n_show_from + spec.n_tagfocus + spec.n_tagignore;
    if (n == 0)
        return;
    fg_result_add_warning(res,
                          "sample filters applied (%zu, see the settings): "
                          "%zu of %zu sample records of the base and %zu of "
                          "%zu of the candidate kept",
                          n, kept[0], had[0], kept[1], had[1]);
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

/* fg_compare's profiles_done: no report reads the profiles once the flame
 * tree (when one is asked for) is built, and freeing them before the
 * untested rows are built takes their size off the peak. */
static void free_profiles(void *ctx)
{
    struct sides *sd = ctx;
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < sd->n[s]; i++) {
            fg_profile_free(sd->prof[s][i]);
            sd->prof[s][i] = NULL;
        }
#ifdef __GLIBC__
    /* what of them sat in the heaps (blocks under the threshold) */
    malloc_trim(0);
#endif
}

/* The flame tree of the HTML and folded reports, built on a second thread
 * while fg_compare runs on the first: both only read the profiles, and
 * the tree then costs no wall time on a machine with two cores. */
struct flame_job {
    struct sides *sd;
    size_t bt, ct;
    struct fg_flame *flame;
    struct fg_error err;
    int rc;
    double seconds; /* wall time of the build */
};

static void *flame_worker(void *arg)
{
    struct flame_job *j = arg;
    double t = fg_now();
    j->rc = fg_flame_build(j->sd->prof[0], j->sd->n[0], j->sd->prof[1],
                           j->sd->n[1], j->bt, j->ct, &j->flame, &j->err);
    j->seconds = fg_now() - t;
    return NULL;
}

/* -vv: where the time went, one note per line (the steps of the
 * comparison are those of fg_result.times). */
static void note_times(double load, const struct fg_step_times *t,
                       double flame, double reports)
{
    fg_msg_note("time: loading %.3f s (reading, decompressing and decoding; "
                "filters and --split)", load);
    fg_msg_note("time: comparison: digests %.3f s, table %.3f s, set-aside "
                "%.3f s, normalization and rows to test %.3f s, tests %.3f "
                "s, findings %.3f s, other rows %.3f s, row order %.3f s",
                t->digests, t->table, t->set_aside, t->normalize, t->tests,
                t->findings, t->rows, t->order);
    if (flame >= 0)
        fg_msg_note("time: flame tree %.3f s (beside the comparison)", flame);
    fg_msg_note("time: reports %.3f s", reports);
}

/* Start building the tree when the sample types resolve (when they do
 * not, fg_compare reports why); false when it was not started. */
static bool flame_start(const struct fg_settings *st, struct sides *sd,
                        struct flame_job *j, pthread_t *th)
{
    memset(j, 0, sizeof(*j));
    j->sd = sd;
    if (!needs_flame(st) || sysconf(_SC_NPROCESSORS_ONLN) < 2 ||
        (sd->n[0] && fg_profile_select_type(sd->prof[0][0],
                                            st->cmp.sample_type, &j->bt,
                                            &j->err)) ||
        (sd->n[1] && fg_profile_select_type(sd->prof[1][0],
                                            st->cmp.sample_type, &j->ct,
                                            &j->err)))
        return false;
    return pthread_create(th, NULL, flame_worker, j) == 0;
}

/* "flamegate compare ARGS" with shell-safe quoting, for reproducibility. */
static char *settings_line(int argc, char **argv)
{
    struct fg_buf b;
    fg_buf_init(&b, 1 << 16);
    int rc = fg_buf_adds(&b, "flamegate compare");
    for (int i = 1; i < argc && !rc; i++) {
        /* Reports end up in PR comments: a URL argument keeps its shape
         * but loses credentials and token-like query values. */
        char *redacted = strstr(argv[i], "://") ? fg_http_redact_url(argv[i])
                                                : NULL;
        const char *a = redacted ? redacted : argv[i];
        bool plain = *a != '\0';
        for (const char *c = a; *c; c++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789-_./=:,%+@",
                        *c))
                plain = false;
        rc = fg_buf_addc(&b, ' ');
        if (plain) {
            rc = rc ? rc : fg_buf_adds(&b, a);
        } else {
            rc = rc ? rc : fg_buf_addc(&b, '\'');
            for (const char *c = a; *c && !rc; c++)
                rc = *c == '\'' ? fg_buf_adds(&b, "'\\''")
                                : fg_buf_addc(&b, *c);
            rc = rc ? rc : fg_buf_addc(&b, '\'');
        }
        free(redacted);
    }
    return fg_buf_detach(&b, NULL);
}

/*
 * Render every report first, stage every -o file next to its destination,
 * and rename them only when all were written: a failed run leaves no
 * report behind, not even an earlier one of the same run.
 */
static int write_reports(const struct fg_settings *st,
                         const struct fg_report_ctx *ctx, struct fg_error *err)
{
    int rc = FG_OK;
    size_t n = st->n_outputs, staged = 0;
    char **tmps = fg_xcalloc(n + 1, sizeof(char *));
    struct fg_buf b;
    fg_buf_init(&b, 0);
    for (size_t i = 0; i < n && !rc; i++) {
        struct fg_report_ctx c = *ctx;
        c.color = false;
        fg_buf_reset(&b);
        rc = fg_report_write(st->outputs[i].format, &c, &b, err);
        if (!rc && strcmp(st->outputs[i].path, "-") == 0)
            fwrite(b.data ? b.data : "", 1, b.len, stdout);
        else if (!rc)
            rc = fg_write_file_stage(st->outputs[i].path,
                                     b.data ? b.data : "", b.len, &tmps[i],
                                     err);
        staged = i + 1;
    }
    struct fg_buf main_out;
    fg_buf_init(&main_out, 0);
    if (!rc)
        rc = fg_report_write(st->format, ctx, &main_out, err);
    for (size_t i = 0; i < staged; i++) {
        if (!tmps[i])
            continue;
        if (!rc)
            rc = fg_write_file_commit(tmps[i], st->outputs[i].path, err);
        else
            unlink(tmps[i]);
        free(tmps[i]);
    }
    if (!rc)
        fwrite(main_out.data ? main_out.data : "", 1, main_out.len, stdout);
    fg_buf_release(&main_out);
    fg_buf_release(&b);
    free(tmps);
    return rc;
}

/* ---- command ---------------------------------------------------------------- */

static const char *env_get(const char *name)
{
    return getenv(name);
}

/*
 * The value of --NAME VALUE or --NAME=VALUE in argv (the last one wins),
 * found before the main parse because the config file and the backend
 * profile are layers below the command line.
 */
static const char *prescan(int argc, char **argv, const char *name)
{
    const char *v = NULL;
    size_t n = strlen(name);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            break;
        if (strncmp(a, "--", 2) || strncmp(a + 2, name, n))
            continue;
        if (a[2 + n] == '=')
            v = a + 3 + n;
        else if (a[2 + n] == '\0' && i + 1 < argc)
            v = argv[++i];
    }
    return v;
}

static int parse(int argc, char **argv, struct fg_settings *st,
                 struct fg_config *cfg, bool *help, bool *single,
                 struct fg_error *err)
{
    int c, idx = -1;
    /* --help works whatever the config file in the directory holds */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            *help = true;
            return FG_OK;
        }
    }
    /* defaults < config file (and its backend profile) < FLAMEGATE_* <
     * command line */
    int rc = fg_config_setup(cfg, st, prescan(argc, argv, "config"),
                             prescan(argc, argv, "backend-profile"), env_get,
                             err);
    if (rc)
        return rc;
    struct option *opts =
        fg_cli_options(fixed_opts, sizeof(fixed_opts) / sizeof(fixed_opts[0]),
                       fg_settings_keys, OPT_KEY, OPT_ARG, OPT_FLAG);
    while ((c = getopt_long(argc, argv, "b:c:t:f:o:n:qvh", opts, &idx)) !=
           -1) {
        const char *value = NULL;
        const char *key = option_key(c, &value);
        if (key) {
            rc = fg_settings_set(st, key, value, "command line", err);
            if (rc)
                break;
            continue;
        }
        if (c == OPT_LAYER) {
            continue; /* applied by fg_config_setup */
        } else if (c == 'q') {
            st->verbose = -1;
        } else if (c == 'v') {
            st->verbose++;
        } else if (c == 'h') {
            *help = true;
            break;
        } else {
            char msg[256];
            rc = fg_error_set(err, FG_EUSAGE, "%s",
                              fg_cli_option_error("b:c:t:f:o:n:qvh", argv,
                                                  msg, sizeof(msg)));
            break;
        }
    }
    free(opts);
    if (rc || *help)
        return rc;
    if (fg_backend_opts_active(st->backend)) {
        if (argc - optind != 0 || st->base.n || st->candidate.n)
            return fg_error_set(err, FG_EUSAGE,
                                "--backend selects both sides; give no "
                                "BASE/CANDIDATE sources with it");
        return FG_OK;
    }
    int npos = argc - optind;
    /* Positional sources replace those of the config file or the
     * environment, but not --base/--candidate flags. */
    bool flag_sources =
        strcmp(fg_settings_origin(st, "base"), "command line") == 0 ||
        strcmp(fg_settings_origin(st, "candidate"), "command line") == 0;
    if (npos == 2 && !flag_sources) {
        rc = fg_settings_set(st, "base", argv[optind], "command line", err);
        rc = rc ? rc
                : fg_settings_set(st, "candidate", argv[optind + 1],
                                  "command line", err);
        return rc;
    }
    /* One source: a two-sided file gives both sides (checked once read). */
    if (npos == 1 && !flag_sources) {
        *single = true;
        return fg_settings_set(st, "base", argv[optind], "command line",
                               err);
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

/*
 * The error document (verdict ERROR) where the JSON report would have
 * gone: standard output with --format json, every -o json=PATH.  Best
 * effort: the gate passes anyway, a path that cannot be written is a
 * warning.
 */
static void write_error_docs(const struct fg_settings *st,
                             const struct fg_error *what, const char *line)
{
    struct fg_report_ctx ctx;
    fg_report_ctx_init(&ctx, NULL, NULL);
    ctx.settings = line;
    struct fg_report_failure f = {what, FG_EXIT_PASS, true};
    struct fg_buf b;
    fg_buf_init(&b, 0);
    struct fg_error err = {0, ""};
    int rc = fg_report_json_error(&ctx, &f, &b, &err);
    for (size_t i = 0; i < st->n_outputs && rc == FG_OK; i++) {
        const char *path = st->outputs[i].path;
        if (st->outputs[i].format != FG_REPORT_JSON)
            continue;
        if (strcmp(path, "-") == 0)
            fwrite(b.data, 1, b.len, stdout);
        else if (fg_write_file_atomic(path, b.data, b.len, &err) != FG_OK)
            fg_msg_warn("no error document in '%s': %s", path, err.msg);
    }
    if (rc == FG_OK && st->format == FG_REPORT_JSON)
        fwrite(b.data, 1, b.len, stdout);
    if (rc != FG_OK)
        fg_msg_warn("no error document: %s", err.msg);
    fg_buf_release(&b);
}

/*
 * A comparison that could not be made: exit 2 or 3, or with --on-error
 * pass exit 0, loudly, with the error document for JSON consumers (a
 * broken gate must not block a deploy when asked).  Usage errors never
 * come here: they are not passed.
 */
static int on_error(const struct fg_settings *st, const struct fg_error *err,
                    const char *line)
{
    int code = fg_cli_fail(err);
    if (!st->on_error_pass)
        return code;
    fg_msg_warn("--on-error pass: exiting 0 although the comparison "
                "could not be made (exit code would have been %d)",
                code);
    write_error_docs(st, err, line);
    return FG_EXIT_PASS;
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
    struct fg_config cfg;
    fg_config_init(&cfg);
    struct fg_backend_req req;
    fg_backend_req_init(&req);
    int rc = parse(argc, argv, &st, &cfg, &help, &sd.single, &err);
    if (help) {
        fputs(compare_usage, stdout);
        fputs(compare_usage_filters, stdout);
        fputs(compare_usage2, stdout);
        fputs(compare_usage_backend, stdout);
        fputs(fg_cli_limits_help, stdout);
        goto out;
    }
    /* Bad flags, values or config files are never passed by --on-error
     * pass: a typo would otherwise pass the gate forever. */
    if (rc || (rc = check_settings(&st, &req, &err))) {
        rc = fg_usage_error("compare", "%s", err.msg);
        goto out;
    }
    fg_cli_warn_unknown_env(st.verbose < 0);
    line = settings_line(argc, argv);
    double t0 = fg_now();
    size_t kept[2] = {0, 0}, had[2] = {0, 0};
    struct flame_job fj;
    pthread_t fth;
    bool fstarted = false;
    if ((rc = load_sides(&st, &req, &sd, &err)) ||
        (rc = filter_sides(&st, &sd, kept, had, &err)) ||
        (rc = split_sides(&st, &sd, &err))) {
        rc = on_error(&st, &err, line);
        goto out;
    }
    double t_load = fg_now() - t0;
    fg_cli_malloc_phase(false);
    fstarted = flame_start(&st, &sd, &fj, &fth);
    if (!needs_flame(&st)) {
        st.cmp.profiles_done = free_profiles;
        st.cmp.profiles_done_ctx = &sd;
    }
    rc = fg_compare(sd.prof[0], sd.n[0], sd.prof[1], sd.n[1], &st.cmp, &res,
                    &err);
    if (fstarted) {
        pthread_join(fth, NULL);
        flame = fj.flame;
        /* the comparison's error first, as when the two ran in turn */
        if (rc == FG_OK && fj.rc != FG_OK) {
            rc = fj.rc;
            err = fj.err;
        }
    }
    if (rc) {
        rc = on_error(&st, &err, line);
        goto out;
    }
    warn_dropped(&sd, res);
    note_filters(&st, kept, had, res);
    if (needs_flame(&st) && !fstarted) {
        size_t bt = 0, ct = 0;
        /* fg_compare validated the type on every run already; a side
         * without profiles (INCONCLUSIVE) adds nothing to the tree. */
        if ((sd.n[0] && (rc = fg_profile_select_type(
                             sd.prof[0][0], st.cmp.sample_type, &bt, &err))) ||
            (sd.n[1] && (rc = fg_profile_select_type(
                             sd.prof[1][0], st.cmp.sample_type, &ct, &err))) ||
            (rc = fg_flame_build(sd.prof[0], sd.n[0], sd.prof[1], sd.n[1],
                                 bt, ct, &flame, &err))) {
            rc = on_error(&st, &err, line);
            goto out;
        }
    }
    struct fg_report_ctx ctx;
    fg_report_ctx_init(&ctx, res, flame);
    ctx.settings = line;
    ctx.marker_id = st.marker_id;
    struct fg_filter_spec spec;
    fg_settings_filter_spec(&st, &spec);
    struct fg_report_prep prep = {
        spec.focus,     spec.n_focus,     spec.ignore,   spec.n_ignore,
        spec.hide,      spec.n_hide,      spec.show_from, spec.n_show_from,
        spec.tagfocus,  spec.n_tagfocus,  spec.tagignore, spec.n_tagignore,
        (unsigned)st.split, st.lim.folded_column};
    ctx.prep = &prep;
    /* --top 0: every row (pprof's -nodecount=0) */
    ctx.top = st.top < 0 ? 0 : st.top == 0 ? SIZE_MAX : (size_t)st.top;
    ctx.color = want_color(&st);
    double t_reports = fg_now();
    if ((rc = write_reports(&st, &ctx, &err))) {
        rc = on_error(&st, &err, line);
        goto out;
    }
    if (st.verbose > 1)
        note_times(t_load, &res->times, fstarted ? fj.seconds : -1.0,
                   fg_now() - t_reports);
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
    fg_backend_req_release(&req);
    fg_settings_release(&st);
    fg_config_release(&cfg);
    return rc;
}
