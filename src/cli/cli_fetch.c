/*
 * cli_fetch.c - "flamegate fetch": pull a merged profile from Pyroscope,
 * Parca or a live pprof endpoint and write it as gzipped pprof, or list
 * what a backend holds (--list-profile-types, --list-versions).
 */
#include "config/backend_opts.h"
#include "cli/cli.h"
#include "cli/cli_profile.h"
#include "config/config.h"
#include "input/gz.h"
#include "core/util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char fetch_usage[] =
    "usage: flamegate fetch [OPTIONS] URL -o FILE\n"
    "       flamegate fetch --backend pyroscope|parca --url URL [SELECTION] "
    "-o FILE\n"
    "       flamegate fetch --backend ... --list-profile-types | "
    "--list-versions\n"
    "\n"
    "Fetch a merged profile and write it as gzipped pprof (atomically: a\n"
    "failed fetch leaves no file).  Use it to cache a baseline, to check a\n"
    "query before gating on it, or to look at what a backend returns with\n"
    "'flamegate top'.  URL is a live pprof endpoint such as\n"
    "http://host:6060/debug/pprof/profile?seconds=30 (the gzipped body is\n"
    "kept as is); with --backend the profile is selected by labels and time.\n"
    "\n"
    "Backend and selection:\n"
    "      --backend NAME         pyroscope (Connect API, v1.x and v2.x) or\n"
    "                             parca (REST gateway or gRPC-Web)\n"
    "      --url URL              server base URL, e.g.\n"
    "                             http://pyroscope:4040,\n"
    "                             http://parca:7070, or a Grafana datasource\n"
    "                             proxy URL\n"
    "      --profile-type ID      Pyroscope: process_cpu:cpu:nanoseconds:cpu:\n"
    "                             nanoseconds (default); Parca: process_cpu:\n"
    "                             samples:count:cpu:nanoseconds:delta\n"
    "                             (default); see --list-profile-types\n"
    "      --selector SEL         label matchers, e.g.\n"
    "                             '{service_name=\"checkout\"}' (default {})\n"
    "      --version-label NAME   label holding the version (default version)\n"
    "      --base-version V       value of that label for the base side\n"
    "      --candidate-version V  ... and for the candidate side\n"
    "      --side SIDE            base or candidate: which version to fetch\n"
    "      --from T, --until T    time range (default now-1h and now): now,\n"
    "                             now-30m (units ms s m h d w), RFC 3339\n"
    "                             (2024-05-01T12:00:00Z) or Unix s/ms\n"
    "      --base-from T ...      per-side range: --base-from, --base-until,\n"
    "                             --candidate-from, --candidate-until\n"
    "      --runs N               N equal windows, fetched concurrently (or N\n"
    "                             captures of URL, one after the other); -o\n"
    "                             then names a directory of run-NN.pb.gz,\n"
    "                             NN the window; windows without samples\n"
    "                             are named in a note and not written\n"
    "      --step D               windows of length D (e.g. 10m) instead\n"
    "      --max-nodes N          Pyroscope: ask for up to N nodes\n"
    "      --protocol P           Parca: rest (default) or grpc-web\n"
    "      --list-profile-types   print the profile types and exit\n"
    "      --list-versions        print the values of --version-label among\n"
    "                             the series matching --selector, and exit\n"
    "\n";

/* C11 guarantees string literals of 4095 bytes only: the help is split. */
static const char fetch_usage_access[] =
    "Access (secrets only from the environment or files, never argv):\n"
    "      --token-env VAR        bearer token from environment variable VAR\n"
    "      --token-file FILE      bearer token from FILE\n"
    "      --user USER            basic auth user (Grafana Cloud: the\n"
    "                             numeric stack user id) with\n"
    "      --password-env VAR     ... the password from VAR, or\n"
    "      --password-file FILE   ... the password from FILE\n"
    "      --tenant ID            X-Scope-OrgID (multi-tenant Pyroscope)\n"
    "      --header 'N: V'        extra request header (repeatable)\n"
    "      --cacert FILE          CA bundle for TLS verification\n"
    "      --insecure             do not verify TLS certificates (unsafe)\n"
    "      --timeout S            per-request limit in seconds (60)\n"
    "      --connect-timeout S    connection limit in seconds (10)\n"
    "      --retries N            retries on 429, 5xx and connection errors,\n"
    "                             with exponential backoff and jitter (3)\n"
    "      --retry-backoff S      first backoff bound in seconds (0.5)\n"
    "      --parallel N           requests in flight (4)\n"
    "      --config FILE          settings file (default: $FLAMEGATE_CONFIG,\n"
    "                             else .flamegate.json here); see\n"
    "                             docs/config.md\n"
    "      --backend-profile P    the backend options of profile P in it\n"
    "\n"
    "Output:\n"
    "  -o, --output FILE          where to write (with --runs N > 1: a\n"
    "                             directory, created if needed)\n"
    "  -q, --quiet                no progress or notes\n"
    "  -v, --verbose              trace requests on standard error\n"
    "                             (credentials redacted)\n"
    "  -h, --help                 show this help\n"
    "\n";

static const char fetch_usage_examples[] =
    "Exit codes: 0 written (or listed); 2 usage error or unusable data;\n"
    "3 the fetch failed (the message names the URL, the HTTP status and the\n"
    "server's message).\n"
    "\n"
    "Examples:\n"
    "  flamegate fetch --backend pyroscope --url http://pyroscope:4040 \\\n"
    "      --selector '{service_name=\"checkout\"}' \\\n"
    "      --version-label version \\\n"
    "      --base-version v2.4.0 --side base --from now-1h -o base.pb.gz\n"
    "  flamegate fetch --backend pyroscope --url http://pyroscope:4040 \\\n"
    "      --selector '{service_name=\"checkout\"}' --list-versions\n"
    "  flamegate fetch --backend parca --url http://parca:7070 \\\n"
    "      --selector '{job=\"api\"}' --runs 6 -o baseline/\n"
    "  flamegate fetch 'http://localhost:6060/debug/pprof/profile?seconds=30'"
    " \\\n"
    "      -o cpu.pb.gz\n"
    "\n";

enum {
    OPT_LIST_TYPES = 3000,
    OPT_LIST_VERSIONS,
    OPT_SIDE,
    OPT_CONFIG,
    OPT_PROFILE,
    OPT_BACKEND_ARG = 3100,
    OPT_BACKEND_FLAG = 3300
};

struct fetch_cli {
    struct fg_backend_opts bo;
    struct fg_backend_req req;   /* bo checked and resolved */
    struct fg_limits lim;
    const char *output;
    const char *src;
    int side;             /* -1: not given */
    bool list_types, list_versions;
    int verbose;          /* -1 quiet */
    bool progress_shown;
};

/* getopt_long table: fixed options and limits, then the backend options. */
static struct option *build_longopts(void)
{
    static const struct option fixed[] = {
        {"output", required_argument, NULL, 'o'},
        {"side", required_argument, NULL, OPT_SIDE},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"backend-profile", required_argument, NULL, OPT_PROFILE},
        {"list-profile-types", no_argument, NULL, OPT_LIST_TYPES},
        {"list-versions", no_argument, NULL, OPT_LIST_VERSIONS},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        FG_CLI_LIMIT_OPTIONS};
    return fg_cli_options(fixed, sizeof(fixed) / sizeof(fixed[0]), NULL, 0,
                          OPT_BACKEND_ARG, OPT_BACKEND_FLAG);
}

static void log_line(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "flamegate: %s\n", line);
}

static void on_progress(void *ctx, size_t done, size_t total)
{
    struct fetch_cli *c = ctx;
    if (total < 2)
        return;
    fprintf(stderr, "\rflamegate: fetched %zu of %zu", done, total);
    if (done == total)
        fputc('\n', stderr);
    c->progress_shown = done != total;
    fflush(stderr);
}

static int apply_option(struct fetch_cli *c, int opt, const char *arg,
                        struct fg_error *err)
{
    if (opt >= OPT_BACKEND_FLAG)
        return fg_backend_opts_set(
            &c->bo, fg_backend_flag_options[opt - OPT_BACKEND_FLAG], NULL,
            err);
    if (opt >= OPT_BACKEND_ARG)
        return fg_backend_opts_set(
            &c->bo, fg_backend_arg_options[opt - OPT_BACKEND_ARG], arg, err);
    if (opt >= FG_OPT_LIMIT_BASE &&
        opt < FG_OPT_LIMIT_BASE + FG_OPT_LIMIT_COUNT)
        return fg_cli_limit_set(&c->lim, opt, arg, err);
    switch (opt) {
    case 'o':
        c->output = arg;
        return FG_OK;
    case 'q':
        c->verbose = -1;
        return FG_OK;
    case 'v':
        c->verbose = c->verbose < 0 ? 1 : c->verbose + 1;
        return FG_OK;
    case OPT_LIST_TYPES:
        c->list_types = true;
        return FG_OK;
    case OPT_LIST_VERSIONS:
        c->list_versions = true;
        return FG_OK;
    case OPT_CONFIG:
    case OPT_PROFILE:
        return FG_OK; /* applied before the other flags */
    case OPT_SIDE:
        if (strcmp(arg, "base") == 0)
            c->side = FG_SIDE_BASE;
        else if (strcmp(arg, "candidate") == 0)
            c->side = FG_SIDE_CANDIDATE;
        else
            return fg_error_set(err, FG_EUSAGE,
                                "--side '%s': use base or candidate", arg);
        return FG_OK;
    default:
        return fg_error_set(err, FG_EUSAGE, "unknown option");
    }
}

static const char *env_get(const char *name)
{
    return getenv(name);
}

/* The layers under the flags (config.h): the file, its backend profile
 * and FLAMEGATE_* give the backend options and the limits. */
static int config_layers(struct fetch_cli *c, const char *config_flag,
                         const char *profile_flag, struct fg_error *err)
{
    struct fg_settings st;
    struct fg_config cfg;
    fg_settings_init(&st);
    fg_config_init(&cfg);
    int rc = fg_config_setup(&cfg, &st, config_flag, profile_flag, env_get,
                             err);
    if (rc == FG_OK) {
        c->lim = st.lim;
        fg_backend_opts_release(&c->bo);
        c->bo = *st.backend; /* take it over */
        fg_backend_opts_init(st.backend);
    }
    fg_config_release(&cfg);
    fg_settings_release(&st);
    return rc;
}

/* 1: help shown; 0: parsed; -1: usage error (reported). */
static int parse(struct fetch_cli *c, int argc, char **argv)
{
    struct option *longopts = build_longopts();
    int rc = 0, opt;
    struct fg_error err = {0};
    const char *config_flag = NULL, *profile_flag = NULL;
    bool help = false;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "o:qvh", longopts, NULL)) != -1) {
        if (opt == OPT_CONFIG)
            config_flag = optarg;
        else if (opt == OPT_PROFILE)
            profile_flag = optarg;
        else if (opt == 'h')
            help = true;
    }
    optind = 0;
    if (!help && config_layers(c, config_flag, profile_flag, &err) != FG_OK) {
        fg_cli_fail(&err);
        rc = -1;
        goto out;
    }
    while ((opt = getopt_long(argc, argv, "o:qvh", longopts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(fetch_usage, stdout);
            fputs(fetch_usage_access, stdout);
            fputs(fetch_usage_examples, stdout);
            fputs(fg_cli_limits_help, stdout);
            rc = 1;
            goto out;
        }
        if (opt == '?') {
            char msg[256];
            fg_usage_error("fetch", "%s",
                           fg_cli_option_error("o:qvh", argv, msg,
                                               sizeof(msg)));
            rc = -1;
            goto out;
        }
        if (apply_option(c, opt, optarg, &err) != FG_OK) {
            fg_usage_error("fetch", "%s", err.msg);
            rc = -1;
            goto out;
        }
    }
    if (optind < argc)
        c->src = argv[optind++];
    if (optind < argc) {
        fg_usage_error("fetch", "unexpected argument '%s'", argv[optind]);
        rc = -1;
    }
out:
    free(longopts);
    return rc;
}

static const char *check_usage(const struct fetch_cli *c)
{
    bool backend = fg_backend_opts_active(&c->bo);
    bool listing = c->list_types || c->list_versions;
    if (c->src && backend)
        return "give either a URL or --backend, not both";
    if (c->src && !fg_backend_is_url(c->src))
        return "the source must be an http(s) URL or a --backend selection "
               "(local files are already profiles: try 'flamegate top')";
    if (!c->src && !backend)
        return "nothing to fetch: give a URL or --backend";
    if (listing && !backend)
        return "--list-profile-types and --list-versions need --backend";
    if (listing && c->output)
        return "--list-* print to standard output; drop -o";
    if (!listing && !c->output)
        return "no output file: give -o FILE";
    if (c->side >= 0 && c->src)
        return "--side selects a version of a backend selection, not a URL";
    return NULL;
}

/* Which selection to fetch: a side's version, or FG_SIDE_PLAIN; -2 on
 * error. */
static int choose_side(const struct fetch_cli *c, struct fg_error *err)
{
    const struct fg_backend_opts *o = &c->bo;
    bool b = o->version[FG_SIDE_BASE], k = o->version[FG_SIDE_CANDIDATE];
    if (c->side >= 0)
        return c->side;
    if (b && k) {
        fg_error_set(err, FG_EUSAGE,
                     "both --base-version and --candidate-version given: "
                     "choose one with --side base|candidate");
        return -2;
    }
    if (b)
        return FG_SIDE_BASE;
    if (k)
        return FG_SIDE_CANDIDATE;
    if (o->version_label) {
        fg_error_set(err, FG_EUSAGE,
                     "--version-label needs --base-version or "
                     "--candidate-version");
        return -2;
    }
    return FG_SIDE_PLAIN;
}

static int list(struct fetch_cli *c, struct fg_error *err)
{
    char **v = NULL;
    size_t n = 0;
    int rc = c->list_types
                 ? fg_backend_list_profile_types(&c->req, &v, &n, err)
                 : fg_backend_list_label_values(&c->req, NULL, &v, &n, err);
    if (rc != FG_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        printf("%s\n", v[i]);
    if (n == 0 && c->verbose >= 0)
        fg_msg_note("nothing found between --from and --until");
    fg_backend_strings_free(v, n);
    return FG_OK;
}

/* Write one result (validated: count samples in records) gzipped to
 * path. */
static int write_one(const struct fetch_cli *c, const struct fg_fetched *f,
                     int64_t count, size_t records, const char *path,
                     struct fg_error *err)
{
    const unsigned char *d = (const unsigned char *)f->data.data;
    struct fg_buf gz;
    fg_buf_init(&gz, 0);
    int rc = FG_OK;
    if (!fg_gz_is_gzip(d, f->data.len))
        rc = fg_gz_deflate(d, f->data.len, 6, &gz, err);
    if (rc == FG_OK)
        rc = gz.data ? fg_write_file_atomic(path, gz.data, gz.len, err)
                     : fg_write_file_atomic(path, d, f->data.len, err);
    fg_buf_release(&gz);
    if (rc == FG_OK && c->verbose >= 0 && strcmp(path, "-") != 0)
        fg_msg_note("wrote '%s' (%lld sample%s in %zu record%s) from %s",
                    path, (long long)count, count == 1 ? "" : "s", records,
                    records == 1 ? "" : "s", f->name);
    return rc;
}

/*
 * Decode every result to validate it and count its sample records
 * (samples[i], 0 for a window without any) and samples (counts[i], as
 * compare counts them).  When none has samples: for a backend the
 * selection matched nothing (fg_backend_no_data_error), for a live
 * endpoint the capture is empty.
 */
static int validate_all(const struct fetch_cli *c, int side,
                        const struct fg_fetched *f, size_t n, size_t *samples,
                        int64_t *counts, struct fg_error *err)
{
    size_t nonempty = 0;
    for (size_t i = 0; i < n; i++) {
        struct fg_profile *p = NULL;
        int rc = fg_backend_decode(&f[i], c->src != NULL, &c->lim, &p, err);
        if (rc != FG_OK)
            return rc;
        samples[i] = p ? p->n_samples : 0;
        counts[i] = p ? fg_cli_sample_count(p, p->default_type) : 0;
        nonempty += p != NULL;
        /* e.g. the server pruned a /render flame graph */
        fg_cli_profile_warning(p, c->verbose < 0);
        fg_profile_free(p);
    }
    if (nonempty > 0)
        return FG_OK;
    if (!c->src)
        return fg_backend_no_data_error(&c->req, (enum fg_side_which)side,
                                        err);
    return fg_error_set(err, FG_EHTTP, "%s%s: no samples",
                        n > 1 ? "every capture of " : "", f[0].name);
}

/* With --runs N: a note naming the windows without samples (not
 * written). */
static void note_empty(const struct fetch_cli *c, const size_t *samples,
                       size_t n)
{
    size_t *idx = fg_xcalloc(n, sizeof(*idx)), k = 0;
    for (size_t i = 0; i < n; i++)
        if (samples[i] == 0)
            idx[k++] = i;
    if (k > 0 && c->verbose >= 0) {
        char which[128];
        fg_backend_windows_text(idx, k, which, sizeof(which));
        fg_msg_note("%s %s of %zu %s no samples: not written (%zu written)",
                    c->src ? (k == 1 ? "capture" : "captures")
                           : (k == 1 ? "window" : "windows"),
                    which, n, k == 1 ? "has" : "have", n - k);
    }
    free(idx);
}

static int write_all(const struct fetch_cli *c, int side,
                     const struct fg_fetched *f, size_t n,
                     struct fg_error *err)
{
    struct stat st;
    size_t olen = strlen(c->output);
    bool dir = (olen > 0 && c->output[olen - 1] == '/') ||
               (stat(c->output, &st) == 0 && S_ISDIR(st.st_mode));
    if (n != 1 && strcmp(c->output, "-") == 0)
        return fg_error_set(err, FG_EUSAGE,
                            "--runs %zu writes several files: -o must name "
                            "a directory",
                            n);
    size_t *samples = fg_xcalloc(n ? n : 1, sizeof(*samples));
    int64_t *counts = fg_xcalloc(n ? n : 1, sizeof(*counts));
    int rc = validate_all(c, side, f, n, samples, counts, err);
    if (rc == FG_OK && n == 1 && !dir) {
        rc = write_one(c, f, counts[0], samples[0], c->output, err);
        goto out;
    }
    if (rc == FG_OK && mkdir(c->output, 0777) != 0 && errno != EEXIST)
        rc = fg_error_set_errno(err, FG_EIO, errno,
                                "cannot create directory '%s'", c->output);
    if (rc == FG_OK && (stat(c->output, &st) != 0 || !S_ISDIR(st.st_mode)))
        rc = fg_error_set(err, FG_EUSAGE,
                          "--runs %zu: '%s' is not a directory", n,
                          c->output);
    if (rc != FG_OK)
        goto out;
    note_empty(c, samples, n);
    /* Files keep their window's number: run-04 is window 4 even when
     * windows 1-3 had nothing. */
    for (size_t i = 0; i < n && rc == FG_OK; i++) {
        if (samples[i] == 0)
            continue;
        char *path = fg_xasprintf("%.*s/run-%02zu.pb.gz",
                                  (int)(c->output[olen - 1] == '/' ? olen - 1
                                                                   : olen),
                                  c->output, i + 1);
        rc = write_one(c, &f[i], counts[i], samples[i], path, err);
        free(path);
    }
out:
    free(samples);
    free(counts);
    return rc;
}

static int fetch(struct fetch_cli *c, int side, struct fg_error *err)
{
    if (strcmp(c->output, "-") == 0 && isatty(STDOUT_FILENO))
        return fg_error_set(err, FG_EUSAGE,
                            "refusing to write gzipped pprof to a terminal");
    struct fg_fetched *f = NULL;
    size_t n = 0;
    int rc;
    if (c->src)
        rc = fg_backend_fetch_url_raw(&c->req, c->src, c->bo.runs, &c->lim,
                                      &f, &n, err);
    else
        rc = fg_backend_fetch_side_raw(&c->req, (enum fg_side_which)side,
                                       &c->lim, &f, &n, err);
    if (c->progress_shown)
        fputc('\n', stderr);
    if (rc == FG_OK)
        rc = write_all(c, side, f, n, err);
    fg_fetched_free(f, n);
    return rc;
}

int fg_cmd_fetch(int argc, char **argv)
{
    struct fetch_cli c;
    memset(&c, 0, sizeof(c));
    fg_backend_opts_init(&c.bo);
    fg_backend_req_init(&c.req);
    fg_limits_default(&c.lim);
    c.side = -1;
    int exit_code = FG_EXIT_PASS;
    int p = parse(&c, argc, argv);
    if (p != 0) {
        exit_code = p > 0 ? FG_EXIT_PASS : FG_EXIT_USAGE;
        goto out;
    }
    const char *usage = check_usage(&c);
    if (usage) {
        exit_code = fg_usage_error("fetch", "%s", usage);
        goto out;
    }
    fg_cli_warn_unknown_env(c.verbose < 0);
    struct fg_error err = {0};
    bool listing = c.list_types || c.list_versions;
    int side = listing || c.src ? FG_SIDE_PLAIN : choose_side(&c, &err);
    int rc = side == -2 ? FG_EUSAGE : FG_OK;
    if (rc == FG_OK)
        rc = fg_backend_opts_resolve(&c.bo, c.src ? 0 : 1u << side, &c.lim,
                                     &c.req, &err);
    if (rc == FG_OK) {
        if (c.verbose > 0) {
            c.req.verbose = c.verbose;
            c.req.log = log_line;
        }
        if (c.verbose >= 0 && isatty(STDERR_FILENO)) {
            c.req.on_progress = on_progress;
            c.req.progress_ctx = &c;
        }
        if (c.bo.insecure && c.verbose >= 0)
            fg_msg_warn("--insecure: TLS certificates are not verified");
        rc = listing ? list(&c, &err) : fetch(&c, side, &err);
    }
    if (rc != FG_OK)
        exit_code = fg_cli_fail(&err);
out:
    fg_backend_req_release(&c.req);
    fg_backend_opts_release(&c.bo);
    return exit_code;
}
