/*
 * http.h - a small libcurl wrapper: one request or a bounded set of
 * concurrent requests (curl multi), with the gate's safety rules:
 *  - TLS verification on unless explicitly disabled; optional CA file;
 *  - connect and total timeouts;
 *  - retries with exponential backoff and full jitter, only for 429, 5xx
 *    and connection-level failures (never for other 4xx);
 *  - a response size cap (FG_ELIMIT naming --max-response-size);
 *  - Accept-Encoding: gzip (libcurl decodes);
 *  - secrets (bearer token, basic auth password) are never part of any
 *    message: URLs in errors have credentials stripped.
 * Errors are FG_EHTTP (exit code 3) and name the URL, the HTTP status and
 * the server's message (first line(s) of the body, control bytes escaped).
 */
#ifndef FLAMEGATE_HTTP_H
#define FLAMEGATE_HTTP_H

#include "flamegate/buf.h"

struct fg_http_auth {
    const char *bearer;    /* borrowed; "Authorization: Bearer ..." */
    const char *user;      /* borrowed; basic auth user */
    const char *password;  /* borrowed; basic auth password */
};

struct fg_http_opts {
    struct fg_http_auth auth;
    const char *tenant;          /* X-Scope-OrgID, or NULL */
    const char *const *headers;  /* extra "Name: value" lines, NULL-ended */
    const char *cacert;          /* CA bundle path, or NULL */
    bool insecure;               /* disable TLS verification (loud) */
    double connect_timeout;      /* seconds, default 10 */
    double timeout;              /* total seconds per attempt, default 60 */
    int retries;                 /* extra attempts, default 3 */
    double backoff;              /* first backoff in seconds, default 0.5 */
    size_t max_response;         /* body cap in bytes */
    int max_parallel;            /* concurrent requests in fg_http_many */
    bool progress;               /* caller wants progress callbacks */
    void (*on_progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
    unsigned int seed;           /* jitter seed (tests); 0: time-based */
    int verbose;                 /* >0: the caller logs redacted requests */
};

void fg_http_opts_default(struct fg_http_opts *o);

struct fg_http_request {
    const char *method;          /* "GET" or "POST" */
    const char *url;
    const char *content_type;    /* for POST bodies, or NULL */
    const void *body;            /* borrowed */
    size_t body_len;
    const char *const *headers;  /* per-request extra headers, NULL-ended */
};

struct fg_http_response {
    long status;                 /* HTTP status (0 if none) */
    char *content_type;          /* owned, may be NULL */
    struct fg_buf body;          /* owned; release with fg_http_response_release */
    char *link;                  /* owned "Link" header value, or NULL */
    int attempts;                /* how many attempts were made */
};

void fg_http_response_release(struct fg_http_response *r);

/* One request with retries.  A non-2xx final status is FG_EHTTP unless
 * accept_status is true (then the caller inspects resp->status). */
int fg_http_do(const struct fg_http_opts *o, const struct fg_http_request *req,
               bool accept_status, struct fg_http_response *resp,
               struct fg_error *err) FG_MUST_CHECK;

/* n requests concurrently (at most o->max_parallel in flight), each with
 * retries; resp[i] for req[i].  Fails with the first error (by index). */
int fg_http_many(const struct fg_http_opts *o,
                 const struct fg_http_request *req, size_t n,
                 struct fg_http_response *resp,
                 struct fg_error *err) FG_MUST_CHECK;

/* malloc'd copy of url with any "user:password@" removed and the values
 * of query parameters named like token/key/secret/password replaced. */
char *fg_http_redact_url(const char *url);

/*
 * Extensions (appended; the declarations above are unchanged).
 *
 * Behaviour common to fg_http_do, fg_http_many and fg_http_many_ext:
 *  - resp[0..n) are initialised by the call (their previous contents are
 *    not freed); on failure every resp[i] is released, and releasing again
 *    is harmless.
 *  - retries: 408, 429 and 5xx except 501/505, and connection-level
 *    failures (refused, reset, timed out, truncated body), also when
 *    accept_status is set (only the final status is handed back); never
 *    TLS failures, other 4xx or the size cap.  The delay is
 *    uniform in [0, backoff * 2^(attempt-1)] (full jitter), capped at 30 s;
 *    a numeric Retry-After header (capped at 30 s) replaces it.
 *  - error messages name the URL with fg_http_redact_url, the HTTP status,
 *    the number of attempts when more than one, and the start of the body
 *    (whitespace collapsed, control bytes escaped, at most 300 bytes; for
 *    an HTML page its <title>).  Known secrets are never part of them.
 *  - fg_http_many reports the failed request with the lowest index, as if
 *    all had run: once request k fails for good, requests after k are
 *    abandoned and those before k still run to completion.
 *  - any method may carry a body (POST, PUT, PATCH); redirects are followed
 *    (at most 5, http and https only; credentials are not sent to another
 *    host); Expect: 100-continue is never sent.
 */
struct fg_http_ext {
    bool accept_status;     /* a final non-2xx status is not an error */
    /* Verbose trace sink, or NULL.  Receives one line at a time (no
     * newline): "> " request headers, "< " response headers, "* " notes
     * (retries, sizes).  Authorization, cookies and headers named like
     * token/key/secret/password are replaced by "<redacted>"; so is any
     * occurrence of the bearer token or password. */
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
    /* If not NULL, an array of n: headers[i] receives the final response
     * header block of request i ("Name: value" lines; owned by the caller,
     * free()), or NULL on failure. */
    char **headers;
};

int fg_http_many_ext(const struct fg_http_opts *o, const struct fg_http_ext *x,
                     const struct fg_http_request *req, size_t n,
                     struct fg_http_response *resp,
                     struct fg_error *err) FG_MUST_CHECK;

/* Value of header name (case-insensitive) in a header block, malloc'd
 * with surrounding blanks removed, or NULL when absent.  The last
 * occurrence wins.  block may be NULL. */
char *fg_http_header_value(const char *block, const char *name);

/* malloc'd percent-encoding of s for a URL query value or path segment
 * (RFC 3986 unreserved characters are kept). */
char *fg_http_escape(const char *s);

/* malloc'd base + path with exactly one '/' between them (base may end
 * with '/', path may start with one). */
char *fg_http_url_join(const char *base, const char *path);

/*
 * Describe a response the caller cannot use (FG_EHTTP into err, returned):
 * a non-2xx status gives the same message as fg_http_do; a 2xx status
 * "unexpected Content-Type 'X' from 'URL' (expected E): <body start>".
 * For callers that pass accept_status and then decide.
 */
int fg_http_response_error(const struct fg_http_opts *o, const char *url,
                           const struct fg_http_response *r,
                           const char *expected, struct fg_error *err);

#endif
