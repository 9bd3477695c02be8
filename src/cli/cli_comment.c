/*
 * cli_comment.c - "flamegate comment": create or update the one sticky
 * pull-request comment carrying a markdown report (github.h does the API
 * work; this file turns the GITHUB_* environment and flags into a target).
 */
#include "cli/cli.h"
#include "net/github.h"
#include "core/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char comment_usage[] =
    "usage: flamegate comment [OPTIONS] REPORT.md\n"
    "\n"
    "Create or update one sticky comment on a GitHub pull request with the\n"
    "markdown report (from 'flamegate compare -o markdown=REPORT.md').  The\n"
    "comment is found by the hidden marker '<!-- flamegate:ID -->'; other\n"
    "comments are never touched.  A file without that marker line (not a\n"
    "markdown report) is refused.  Bodies are capped at 65,536 characters\n"
    "(truncated at a section boundary, with a link to the workflow run).\n"
    "\n"
    "Options:\n"
    "  --repo OWNER/REPO        repository (default: $GITHUB_REPOSITORY, or\n"
    "                           the event payload)\n"
    "  --pr N                   pull request number (default: from the event\n"
    "                           payload at $GITHUB_EVENT_PATH)\n"
    "  --id ID                  comment id, to keep several gates apart\n"
    "                           (default: default)\n"
    "  --if-changed             do not update a comment whose body is\n"
    "                           already the same\n"
    "  --tolerate-forbidden     exit 0 when GitHub answers 403 (the read-only\n"
    "                           token of a pull request from a fork)\n"
    "  --token-env NAME         read the token from $NAME (default:\n"
    "                           GITHUB_TOKEN); tokens are never taken from\n"
    "                           the command line\n"
    "  --details-url URL        where the full report is, linked when the\n"
    "                           body is truncated (default: this workflow\n"
    "                           run)\n"
    "  -q, --quiet              print only errors\n"
    "  -h, --help               show this help\n"
    "\n"
    "Environment: GITHUB_API_URL (default https://api.github.com; GitHub\n"
    "Enterprise: https://HOST/api/v3), GITHUB_REPOSITORY, GITHUB_EVENT_PATH,\n"
    "GITHUB_SERVER_URL and GITHUB_RUN_ID (the run link).\n"
    "\n"
    "Prints the comment's URL on standard output.  Exit codes: 0 comment\n"
    "created, updated or unchanged (or 403 with --tolerate-forbidden),\n"
    "2 usage error, unreadable report or not a markdown report, 3 the\n"
    "GitHub API failed.\n"
    "\n"
    "Example:\n"
    "  flamegate compare -o markdown=report.md base.pb.gz cand.pb.gz\n"
    "  GITHUB_TOKEN=... flamegate comment --if-changed report.md\n";

struct comment_opts {
    const char *repo;
    long pr;
    const char *id;
    bool if_changed;
    bool tolerate;
    const char *token_env;
    const char *details_url;
    bool quiet;
    const char *report;
};

enum { OPT_REPO = 256, OPT_PR, OPT_ID, OPT_IF_CHANGED, OPT_TOLERATE,
       OPT_TOKEN_ENV, OPT_DETAILS_URL };

static bool env_name_ok(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++) {
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    }
    return true;
}

static int parse_args(int argc, char **argv, struct comment_opts *o,
                      bool *help)
{
    static const struct option longopts[] = {
        {"repo", required_argument, NULL, OPT_REPO},
        {"pr", required_argument, NULL, OPT_PR},
        {"id", required_argument, NULL, OPT_ID},
        {"if-changed", no_argument, NULL, OPT_IF_CHANGED},
        {"tolerate-forbidden", no_argument, NULL, OPT_TOLERATE},
        {"token-env", required_argument, NULL, OPT_TOKEN_ENV},
        {"details-url", required_argument, NULL, OPT_DETAILS_URL},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct fg_error err = {0, ""};
    int c;
    while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_REPO: o->repo = optarg; break;
        case OPT_PR:
            if (fg_parse_long(optarg, 1, 1000000000L, &o->pr, "--pr", &err))
                return fg_usage_error("comment", "%s", err.msg);
            break;
        case OPT_ID: o->id = optarg; break;
        case OPT_IF_CHANGED: o->if_changed = true; break;
        case OPT_TOLERATE: o->tolerate = true; break;
        case OPT_TOKEN_ENV:
            if (!env_name_ok(optarg))
                return fg_usage_error("comment", "bad --token-env '%s': "
                                      "expected a variable name", optarg);
            o->token_env = optarg;
            break;
        case OPT_DETAILS_URL: o->details_url = optarg; break;
        case 'q': o->quiet = true; break;
        case 'h': *help = true; return FG_EXIT_PASS;
        default: {
            char msg[256];
            return fg_usage_error("comment", "%s",
                                  fg_cli_option_error("qh", argv, msg,
                                                      sizeof(msg)));
        }
        }
    }
    if (optind + 1 != argc)
        return fg_usage_error("comment", optind < argc
                                             ? "expected one REPORT.md"
                                             : "missing REPORT.md");
    o->report = argv[optind];
    if (fg_github_check_id(o->id, &err) != FG_OK ||
        (o->repo && fg_github_check_repo(o->repo, &err) != FG_OK))
        return fg_usage_error("comment", "%s", err.msg);
    return FG_EXIT_PASS;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* The event payload, loaded only when a flag is missing. */
static int load_event(const struct comment_opts *o,
                      struct fg_github_event *ev)
{
    const char *path = env("GITHUB_EVENT_PATH");
    struct fg_error err = {0, ""};
    bool need = !o->pr || (!o->repo && !env("GITHUB_REPOSITORY"));
    if (!path || !need)
        return FG_EXIT_PASS;
    if (fg_github_event_load(path, ev, &err) != FG_OK)
        return fg_cli_fail(&err);
    return FG_EXIT_PASS;
}

static int resolve_target(const struct comment_opts *o,
                          const struct fg_github_event *ev,
                          const char **repo, long *pr)
{
    struct fg_error err = {0, ""};
    *repo = o->repo ? o->repo : env("GITHUB_REPOSITORY");
    if (!*repo)
        *repo = ev->repo;
    *pr = o->pr ? o->pr : ev->pr;
    if (!*repo)
        return fg_usage_error("comment", "no repository: pass --repo "
                              "OWNER/REPO or set GITHUB_REPOSITORY");
    if (fg_github_check_repo(*repo, &err) != FG_OK)
        return fg_usage_error("comment", "%s", err.msg);
    if (*pr <= 0)
        return fg_usage_error("comment", "no pull request number: pass "
                              "--pr N or run on a pull_request event");
    return FG_EXIT_PASS;
}

static const char *api_url(void)
{
    const char *a = env("GITHUB_API_URL");
    return a ? a : FG_GITHUB_API_DEFAULT;
}

/* The workflow run's page, where the summary and artifacts are. */
static char *run_url(const struct comment_opts *o)
{
    if (o->details_url)
        return fg_xstrdup(o->details_url);
    const char *server = env("GITHUB_SERVER_URL");
    const char *repo = env("GITHUB_REPOSITORY");
    const char *run = env("GITHUB_RUN_ID");
    if (!server || !repo || !run)
        return NULL;
    return fg_xasprintf("%s/%s/actions/runs/%s", server, repo, run);
}

static int report_forbidden(const struct comment_opts *o,
                            const struct fg_github *gh,
                            const struct fg_github_event *ev,
                            const struct fg_github_result *res)
{
    /* One line saying why, as users of other gates asked for. */
    char *needs = res->accepted ? fg_xasprintf(" (needs %s)", res->accepted)
                                : fg_xstrdup("");
    char *why = fg_xasprintf(
        "no comment posted on %s#%ld: GitHub answered HTTP %ld '%s'%s: the "
        "token may not write to this pull request%s%s%s; pull requests from "
        "forks get a read-only GITHUB_TOKEN, use the workflow_run pattern "
        "(examples/github-fork-safe.yml) or grant 'pull-requests: write'",
        gh->repo, gh->pr, res->status, res->reason ? res->reason : "", needs,
        ev->fork ? " (it comes from the fork '" : "",
        ev->fork && ev->head_repo ? ev->head_repo : "",
        ev->fork ? "')" : "");
    free(needs);
    int rc;
    if (o->tolerate) {
        fg_msg_warn("%s", why);
        rc = FG_EXIT_PASS;
    } else {
        fg_msg_error("%s", why);
        rc = FG_EXIT_FETCH;
    }
    free(why);
    return rc;
}

static void report_done(const struct comment_opts *o,
                        const struct fg_github *gh,
                        const struct fg_github_result *res)
{
    static const char *const verbs[] = {
        [FG_GITHUB_CREATED] = "created",
        [FG_GITHUB_UPDATED] = "updated",
        [FG_GITHUB_UNCHANGED] = "left unchanged",
        [FG_GITHUB_FORBIDDEN] = "could not write",
    };
    if (res->url)
        printf("%s\n", res->url);
    if (!o->quiet)
        fg_msg_note("%s comment %lld on %s#%ld (%d page%s of comments read)",
                    verbs[res->outcome], res->comment_id, gh->repo, gh->pr,
                    res->pages, res->pages == 1 ? "" : "s");
}

/*
 * True when report[0..len) is a flamegate markdown report: it has the
 * hidden marker line "<!-- flamegate:ID -->" that the markdown report
 * starts with.  Anything else (a JSON or text report, a log) is refused,
 * so that a pull request never gets a comment that is not a report.
 */
static bool is_markdown_report(const unsigned char *report, size_t len)
{
    static const char mark[] = "<!-- flamegate:";
    const char *s = (const char *)report, *end = s + len;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *eol = nl ? nl : end;
        size_t n = (size_t)(eol - s);
        while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' '))
            n--;
        if (n >= sizeof(mark) - 1 + 3 &&
            memcmp(s, mark, sizeof(mark) - 1) == 0 &&
            memcmp(s + n - 3, "-->", 3) == 0)
            return true;
        s = eol + 1;
    }
    return false;
}

static int post(const struct comment_opts *o, const char *token,
                const char *repo, long pr, const struct fg_github_event *ev)
{
    struct fg_error err = {0, ""};
    struct fg_buf body;
    struct fg_github_result res;
    memset(&res, 0, sizeof(res));
    fg_buf_init(&body, 0);
    unsigned char *report = NULL;
    size_t len = 0;
    char *more = run_url(o);
    int rc = FG_EXIT_PASS;
    bool truncated = false;
    if (fg_read_file(o->report, 64u << 20, &report, &len, &err) != FG_OK) {
        rc = fg_cli_fail(&err);
        goto out;
    }
    if (!is_markdown_report(report, len)) {
        fg_msg_error("'%s' is not a flamegate markdown report (it lacks the "
                     "'<!-- flamegate:' marker line): write one with "
                     "'flamegate compare -o markdown=FILE'",
                     o->report);
        rc = FG_EXIT_USAGE;
        goto out;
    }
    if (fg_github_body((const char *)report, len, o->id, more,
                       FG_GITHUB_BODY_MAX, &body, &truncated, &err) != FG_OK) {
        rc = fg_cli_fail(&err);
        goto out;
    }
    if (truncated && !o->quiet)
        fg_msg_warn("report '%s' truncated to %d characters for the comment",
                    o->report, FG_GITHUB_BODY_MAX);
    struct fg_http_opts http;
    fg_http_opts_default(&http);
    const struct fg_github gh = {api_url(), token, repo, pr, &http};
    if (fg_github_comment_upsert(&gh, o->id, body.data, o->if_changed, &res,
                                 &err) != FG_OK) {
        rc = fg_cli_fail(&err);
        goto out;
    }
    if (res.outcome == FG_GITHUB_FORBIDDEN)
        rc = report_forbidden(o, &gh, ev, &res);
    else
        report_done(o, &gh, &res);
out:
    fg_github_result_release(&res);
    fg_buf_release(&body);
    free(report);
    free(more);
    return rc;
}

int fg_cmd_comment(int argc, char **argv)
{
    struct comment_opts o = {0};
    o.id = FG_GITHUB_ID_DEFAULT;
    o.token_env = "GITHUB_TOKEN";
    bool help = false;
    int rc = parse_args(argc, argv, &o, &help);
    if (rc != FG_EXIT_PASS || help) {
        if (help)
            fputs(comment_usage, stdout);
        return rc;
    }
    const char *token = env(o.token_env);
    if (!token)
        return fg_usage_error("comment", "no GitHub token: set %s%s",
                              o.token_env,
                              strcmp(o.token_env, "GITHUB_TOKEN") == 0
                                  ? " (or name another variable with "
                                    "--token-env)"
                                  : "");
    struct fg_github_event ev;
    memset(&ev, 0, sizeof(ev));
    rc = load_event(&o, &ev);
    const char *repo = NULL;
    long pr = 0;
    if (rc == FG_EXIT_PASS)
        rc = resolve_target(&o, &ev, &repo, &pr);
    if (rc == FG_EXIT_PASS)
        rc = post(&o, token, repo, pr, &ev);
    fg_github_event_release(&ev);
    return rc;
}
