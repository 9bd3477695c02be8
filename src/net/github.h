/*
 * github.h - one sticky pull-request comment through the GitHub REST API.
 *
 * The comment is identified by a hidden marker "<!-- flamegate:ID -->"
 * placed first in its body.  fg_github_comment_upsert walks the pull
 * request's comments (GET .../issues/N/comments?per_page=100, following the
 * Link header's rel="next"), PATCHes the comment carrying the marker, or
 * POSTs a new one.  A pull request is an issue, so the issues endpoints are
 * the PR conversation (ECOSYSTEM.md section 2).
 *
 * Every request carries Accept: application/vnd.github+json,
 * X-GitHub-Api-Version: 2022-11-28, User-Agent: flamegate/VERSION and the
 * bearer token.  The token is never part of any message.  Requests go
 * through fg_http_do (http.h): TLS, timeouts, retries for 429/5xx.
 *
 * Nothing here reads the environment or prints: the CLI (cli_comment.c)
 * turns GITHUB_* variables into a struct fg_github.
 */
#ifndef FLAMEGATE_GITHUB_H
#define FLAMEGATE_GITHUB_H

#include "flamegate/buf.h"
#include "net/http.h"

/*
 * GitHub rejects comment bodies over 65,536 characters with 422.  Bodies
 * are capped in bytes: a byte count bounds the character count however
 * GitHub counts (code points or UTF-16 units), so the cap is always safe.
 */
#define FG_GITHUB_BODY_MAX 65536

/* API base used when GITHUB_API_URL is unset (GHES: https://HOST/api/v3). */
#define FG_GITHUB_API_DEFAULT "https://api.github.com"

/* Comment id used when none is given ("<!-- flamegate:default -->"). */
#define FG_GITHUB_ID_DEFAULT "default"

/* At most this many pages of 100 comments are read before giving up. */
#define FG_GITHUB_MAX_PAGES 100

/* Where the comment goes and how to reach the API.  All fields borrowed. */
struct fg_github {
    const char *api_url;  /* base URL, e.g. https://api.github.com; a
                             trailing '/' is ignored */
    const char *token;    /* bearer token; never copied into messages */
    const char *repo;     /* "OWNER/REPO" (fg_github_check_repo) */
    long pr;              /* pull request (issue) number, > 0 */
    const struct fg_http_opts *http; /* transport settings, or NULL for
                                        fg_http_opts_default */
};

/*
 * What a workflow event payload ($GITHUB_EVENT_PATH) says about the pull
 * request.  Strings are owned (NULL when absent); release with
 * fg_github_event_release.
 */
struct fg_github_event {
    char *repo;       /* .repository.full_name */
    long pr;          /* .number, .pull_request.number, .issue.number of a
                         PR issue, or .workflow_run.pull_requests[0].number;
                         0 when the event has none */
    char *head_repo;  /* .pull_request.head.repo.full_name */
    char *head_sha;   /* .pull_request.head.sha or .workflow_run.head_sha */
    bool fork;        /* head repository owner differs from the base's */
};

/*
 * Parse an event payload (json borrowed, len bytes).  A payload without a
 * pull request is not an error (pr stays 0).  FG_EFORMAT when the text is
 * not a JSON object or a number field has the wrong type.
 */
int fg_github_event_parse(const char *json, size_t len,
                          struct fg_github_event *ev,
                          struct fg_error *err) FG_MUST_CHECK;

/* fg_github_event_parse on a file (at most 16 MiB); errors name path. */
int fg_github_event_load(const char *path, struct fg_github_event *ev,
                         struct fg_error *err) FG_MUST_CHECK;

/* Free the strings and zero ev.  Safe on a zeroed or released event. */
void fg_github_event_release(struct fg_github_event *ev);

/*
 * Check "OWNER/REPO": one '/', each part 1-100 characters of
 * [A-Za-z0-9._-], neither "." nor "..".  The check keeps the value safe to
 * splice into an API path.  FG_EUSAGE naming repo.
 */
int fg_github_check_repo(const char *repo, struct fg_error *err)
    FG_MUST_CHECK;

/* Check a comment id: 1-100 characters of [A-Za-z0-9._-].  FG_EUSAGE. */
int fg_github_check_id(const char *id, struct fg_error *err) FG_MUST_CHECK;

/* "<!-- flamegate:ID -->" (owned by the caller).  id must be valid. */
char *fg_github_marker(const char *id);

/*
 * The URL of the rel="next" entry of a Link header (RFC 8288:
 * '<url>; rel="next", <url>; rel="last"'), owned by the caller, or NULL
 * when there is none.  link may be NULL.
 */
char *fg_github_link_next(const char *link);

/*
 * Build a comment body from a markdown report (borrowed, len bytes; NUL
 * bytes are dropped and invalid UTF-8 becomes U+FFFD so the body can be
 * sent as JSON).  Every "<!-- flamegate:... -->" marker already in the
 * report is removed and the marker for id is put first, so a comment is
 * found by exactly one id.
 *
 * When the result would exceed max bytes it is truncated: at a section
 * boundary (a heading, a <details> or a blank line) when one is near, else
 * at a line end, never inside a UTF-8 sequence; open code fences and
 * <details> blocks are closed, and a note says the report was cut, linking
 * more_url (borrowed, may be NULL) for the full report.  max must be at
 * least 1024.  *truncated (may be NULL) tells whether it was cut.
 *
 * out must be initialised by the caller (fg_buf_init with max 0 or >=
 * max); its contents are replaced.
 */
int fg_github_body(const char *report, size_t len, const char *id,
                   const char *more_url, size_t max, struct fg_buf *out,
                   bool *truncated, struct fg_error *err) FG_MUST_CHECK;

/* How fg_github_comment_upsert ended. */
enum fg_github_outcome {
    FG_GITHUB_CREATED,   /* a new comment was posted */
    FG_GITHUB_UPDATED,   /* the marked comment was replaced */
    FG_GITHUB_UNCHANGED, /* if_changed and the body was already identical */
    FG_GITHUB_FORBIDDEN  /* the API answered 403: typically the read-only
                            token of a pull request from a fork */
};

struct fg_github_result {
    enum fg_github_outcome outcome;
    long long comment_id; /* the comment's id; 0 when FORBIDDEN */
    char *url;            /* owned: the comment's html_url, or NULL */
    long status;          /* FORBIDDEN: the HTTP status (403) */
    char *reason;         /* owned: FORBIDDEN: the server's message */
    char *accepted;       /* owned: FORBIDDEN: the permissions GitHub says
                             the endpoint needs (header
                             x-accepted-github-permissions), or NULL */
    int pages;            /* comment pages read */
};

/* Free the owned strings.  Safe to call twice. */
void fg_github_result_release(struct fg_github_result *r);

/*
 * Find the comment whose body contains the marker for id.  When several
 * do, one written by a bot account (user.type "Bot", as github-actions[bot]
 * is) wins over others, then the oldest.  On success *comment_id is its id
 * or 0 when there is none, and *body (owned, may be NULL when not wanted)
 * its body.  res (zeroed by the caller, released with
 * fg_github_result_release) counts the pages read; a 403 sets *forbidden,
 * fills res's status, reason and accepted, and returns FG_OK.  Other
 * failures are FG_EHTTP (naming the status and the server's message),
 * FG_EFORMAT for an unexpected response, FG_ELIMIT past
 * FG_GITHUB_MAX_PAGES pages, FG_EUSAGE for a rel="next" link to another
 * host (the token is never sent there).
 */
int fg_github_comment_find(const struct fg_github *gh, const char *id,
                           long long *comment_id, char **body,
                           bool *forbidden, struct fg_github_result *res,
                           struct fg_error *err) FG_MUST_CHECK;

/*
 * Create or update the sticky comment for id with body (borrowed; build
 * it with fg_github_body so it carries the marker and fits the cap).
 * With if_changed an existing comment whose body is already the same
 * (ignoring CRLF versus LF and trailing white space) is left alone.
 *
 * A POST is not retried blindly (that could post twice): after a failed
 * attempt the comments are searched again first.  A 403 on any request is
 * not an error: res->outcome is FG_GITHUB_FORBIDDEN with the reason.
 * res must be zeroed by the caller and released with
 * fg_github_result_release.  Errors as for fg_github_comment_find.
 */
int fg_github_comment_upsert(const struct fg_github *gh, const char *id,
                             const char *body, bool if_changed,
                             struct fg_github_result *res,
                             struct fg_error *err) FG_MUST_CHECK;

#endif
