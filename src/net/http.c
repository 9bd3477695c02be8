/*
 * http.c - libcurl wrapper (see src/net/http.h).
 *
 * Every call, even a single request, runs through one curl multi loop:
 * that gives one code path for concurrency, per-request retries with
 * backoff (a request waiting for its retry does not hold a slot), and
 * the size cap.  Nothing here prints; the verbose trace goes to the
 * caller's log callback, redacted.
 */
#include "net/http.h"
#include "core/escape.h"
#include "core/util.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BACKOFF 30.0          /* seconds, also caps Retry-After */
#define MAX_HEADER_BLOCK 262144   /* bytes of response headers kept */
#define SNIPPET_MAX 300           /* bytes of a server message shown */

enum xstate { X_PENDING, X_RUNNING, X_WAITING, X_DONE, X_FAILED };

struct run;

struct xfer {
    size_t idx;
    struct run *run;
    const struct fg_http_request *req;
    struct fg_http_response *resp;
    CURL *h;
    struct curl_slist *hdrs;
    struct fg_buf hblock;         /* headers of the current response */
    char errbuf[CURL_ERROR_SIZE];
    enum xstate state;
    double wake;                  /* X_WAITING: when to start again */
    bool overflow;                /* the body hit max_response */
    struct fg_error err;          /* X_FAILED */
};

struct run {
    const struct fg_http_opts *o;
    const struct fg_http_ext *x;
    size_t n;
    uint64_t rng;
    size_t done;
};

void fg_http_opts_default(struct fg_http_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->connect_timeout = 10;
    o->timeout = 60;
    o->retries = 3;
    o->backoff = 0.5;
    o->max_response = (size_t)1 << 30;
    o->max_parallel = 4;
}

void fg_http_response_release(struct fg_http_response *r)
{
    fg_buf_release(&r->body);
    free(r->content_type);
    free(r->link);
    r->content_type = NULL;
    r->link = NULL;
}

/* ---- small string helpers ------------------------------------------ */

static bool ci_prefix(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static bool ci_contains(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++)
        if (strncasecmp(s + i, needle, m) == 0)
            return true;
    return false;
}

/* Names of headers and query parameters whose values are secrets. */
static bool secret_name(const char *name, size_t n)
{
    static const char *const words[] = {
        "authorization", "cookie", "token", "key", "secret", "password",
        "passwd", "signature", "credential", NULL};
    for (size_t i = 0; words[i]; i++)
        if (ci_contains(name, n, words[i]))
            return true;
    return false;
}

char *fg_http_redact_url(const char *url)
{
    struct fg_buf b;
    fg_buf_init(&b, 0);
    const char *p = url;
    const char *scheme = strstr(url, "://");
    if (scheme) {
        const char *auth = scheme + 3;
        size_t alen = strcspn(auth, "/?#");
        const char *at = NULL;
        for (size_t i = 0; i < alen; i++)
            if (auth[i] == '@')
                at = auth + i;
        if (fg_buf_add(&b, url, (size_t)(auth - url)) != FG_OK)
            goto oom;
        p = at ? at + 1 : auth;
    }
    size_t plen = strcspn(p, "?#");
    if (fg_buf_add(&b, p, plen) != FG_OK)
        goto oom;
    p += plen;
    if (*p == '?') {
        p++;
        if (fg_buf_addc(&b, '?') != FG_OK)
            goto oom;
        while (*p && *p != '#') {
            size_t plen2 = strcspn(p, "&#");
            size_t nlen = strcspn(p, "=&#");
            if (nlen < plen2 && secret_name(p, nlen)) {
                if (fg_buf_add(&b, p, nlen) != FG_OK ||
                    fg_buf_adds(&b, "=REDACTED") != FG_OK)
                    goto oom;
            } else if (fg_buf_add(&b, p, plen2) != FG_OK) {
                goto oom;
            }
            p += plen2;
            if (*p == '&') {
                if (fg_buf_addc(&b, '&') != FG_OK)
                    goto oom;
                p++;
            }
        }
    }
    if (fg_buf_adds(&b, p) != FG_OK)
        goto oom;
    return fg_buf_detach(&b, NULL);
oom:
    /* Unlimited buffer: only a size_t overflow can get here. */
    return fg_xstrdup("<url>");
}

char *fg_http_header_value(const char *block, const char *name)
{
    if (!block)
        return NULL;
    size_t nlen = strlen(name);
    char *found = NULL;
    const char *line = block;
    while (*line) {
        size_t llen = strcspn(line, "\r\n");
        if (llen > nlen && line[nlen] == ':' &&
            strncasecmp(line, name, nlen) == 0) {
            const char *v = line + nlen + 1;
            const char *end = line + llen;
            while (v < end && (*v == ' ' || *v == '\t'))
                v++;
            while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
            free(found);
            found = fg_xstrndup(v, (size_t)(end - v));
        }
        line += llen;
        while (*line == '\r' || *line == '\n')
            line++;
    }
    return found;
}

char *fg_http_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = fg_xmalloc(n * 3 + 1);
    char *q = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' ||
            *p == '~') {
            *q++ = (char)*p;
        } else {
            *q++ = '%';
            *q++ = hex[*p >> 4];
            *q++ = hex[*p & 15];
        }
    }
    *q = '\0';
    return out;
}

char *fg_http_url_join(const char *base, const char *path)
{
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    while (*path == '/')
        path++;
    return fg_xasprintf("%.*s/%s", (int)blen, base, path);
}

/* ---- redaction of logs and messages -------------------------------- */

/* Secrets shorter than this are not scrubbed from messages: replacing
 * every "t" of a one-letter test token would destroy the message, and such
 * a value protects nothing anyway.  Real tokens are far longer. */
#define SCRUB_MIN_LEN 6

/* Replace every occurrence of secret in b (in place, via a copy). */
static void scrub(struct fg_buf *b, const char *secret)
{
    if (!secret || strlen(secret) < SCRUB_MIN_LEN || !b->data)
        return;
    size_t slen = strlen(secret);
    if (!strstr(b->data, secret))
        return;
    struct fg_buf out;
    fg_buf_init(&out, 0);
    const char *p = b->data;
    const char *hit;
    int rc = FG_OK;
    while (rc == FG_OK && (hit = strstr(p, secret)) != NULL) {
        rc = fg_buf_add(&out, p, (size_t)(hit - p));
        if (rc == FG_OK)
            rc = fg_buf_adds(&out, "<redacted>");
        p = hit + slen;
    }
    if (rc == FG_OK)
        rc = fg_buf_adds(&out, p);
    if (rc != FG_OK) {
        fg_buf_reset(b);
        return;
    }
    fg_buf_release(b);
    *b = out;
}

static void scrub_secrets(const struct fg_http_opts *o, struct fg_buf *b)
{
    scrub(b, o->auth.bearer);
    scrub(b, o->auth.password);
}

static void logf_(struct xfer *x, const char *fmt, ...) FG_PRINTF(2, 3);

static void emit(struct xfer *x, struct fg_buf *line)
{
    const struct fg_http_ext *e = x->run->x;
    scrub_secrets(x->run->o, line);
    e->log(e->log_ctx, line->data ? line->data : "");
}

/* A new trace line: "[i] " names the transfer when several run at once. */
static int line_start(const struct xfer *x, struct fg_buf *line)
{
    fg_buf_init(line, 0);
    return x->run->n > 1 ? fg_buf_addf(line, "[%zu] ", x->idx + 1) : FG_OK;
}

static void logf_(struct xfer *x, const char *fmt, ...)
{
    const struct fg_http_ext *e = x->run->x;
    if (!e || !e->log)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct fg_buf line;
    int rc = line_start(x, &line);
    if (rc == FG_OK)
        rc = fg_buf_addf(&line, "* %s", msg);
    if (rc == FG_OK)
        emit(x, &line);
    fg_buf_release(&line);
}

/* One header line of the trace, with secret values hidden. */
static void log_header_line(struct xfer *x, char dir, const char *s,
                            size_t n)
{
    struct fg_buf line;
    int rc = line_start(x, &line);
    if (rc == FG_OK)
        rc = fg_buf_addf(&line, "%c ", dir);
    const char *colon = memchr(s, ':', n);
    bool is_request_line = dir == '>' && (ci_prefix(s, "GET ") ||
                                          ci_prefix(s, "POST ") ||
                                          ci_prefix(s, "PUT "));
    if (rc != FG_OK) {
        /* nothing */
    } else if (is_request_line) {
        /* "METHOD target HTTP/1.1": redact the query of the target. */
        char *copy = fg_xstrndup(s, n);
        char *red = fg_http_redact_url(copy);
        rc = fg_buf_adds(&line, red);
        free(red);
        free(copy);
    } else if (colon && secret_name(s, (size_t)(colon - s))) {
        rc = fg_buf_add(&line, s, (size_t)(colon - s));
        if (rc == FG_OK)
            rc = fg_buf_adds(&line, ": <redacted>");
    } else {
        for (size_t i = 0; rc == FG_OK && i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c < 0x20 || c == 0x7f)
                rc = fg_buf_addf(&line, "\\x%02x", c);
            else
                rc = fg_buf_addc(&line, (char)c);
        }
    }
    if (rc == FG_OK)
        emit(x, &line);
    fg_buf_release(&line);
}

static int on_debug(CURL *h, curl_infotype type, char *data, size_t size,
                    void *ud)
{
    (void)h;
    struct xfer *x = ud;
    if (type != CURLINFO_HEADER_OUT && type != CURLINFO_HEADER_IN)
        return 0;
    char dir = type == CURLINFO_HEADER_OUT ? '>' : '<';
    size_t i = 0;
    while (i < size) {
        size_t j = i;
        while (j < size && data[j] != '\r' && data[j] != '\n')
            j++;
        if (j > i)
            log_header_line(x, dir, data + i, j - i);
        i = j;
        while (i < size && (data[i] == '\r' || data[i] == '\n'))
            i++;
    }
    return 0;
}

/* ---- callbacks ------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    if (fg_buf_add(&x->resp->body, data, n) != FG_OK) {
        x->overflow = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    /* A new status line starts a new response (redirect, 100 Continue):
     * keep only the headers of the last one. */
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0)
        fg_buf_reset(&x->hblock);
    if (x->hblock.len + n <= MAX_HEADER_BLOCK &&
        fg_buf_add(&x->hblock, data, n) != FG_OK)
        fg_buf_init(&x->hblock, 0);
    return n;
}

/* ---- setup ----------------------------------------------------------- */

static int check_header_text(const char *h, struct fg_error *err)
{
    if (strpbrk(h, "\r\n"))
        return fg_error_set(err, FG_EUSAGE,
                            "header contains a line break: '%.40s'", h);
    if (!strchr(h, ':'))
        return fg_error_set(err, FG_EUSAGE,
                            "header '%s' is not of the form 'Name: value'",
                            h);
    return FG_OK;
}

static int add_headers(struct xfer *x, const char *const *list,
                       struct fg_error *err)
{
    for (size_t i = 0; list && list[i]; i++) {
        int rc = check_header_text(list[i], err);
        if (rc != FG_OK)
            return rc;
        x->hdrs = curl_slist_append(x->hdrs, list[i]);
        if (!x->hdrs)
            return fg_error_set(err, FG_ENOMEM, "out of memory");
    }
    return FG_OK;
}

static int build_headers(struct xfer *x, struct fg_error *err)
{
    const struct fg_http_opts *o = x->run->o;
    const struct fg_http_request *r = x->req;
    char *line = NULL;
    int rc = FG_OK;
    /* libcurl adds "Expect: 100-continue" to large POSTs; servers that
     * do not know it stall for a second, so never send it. */
    const char *fixed[] = {"Expect:", NULL, NULL, NULL};
    if (o->tenant) {
        if (strpbrk(o->tenant, "\r\n")) {
            rc = fg_error_set(err, FG_EUSAGE,
                              "tenant contains a line break");
            goto out;
        }
        line = fg_xasprintf("X-Scope-OrgID: %s", o->tenant);
        fixed[1] = line;
    }
    for (size_t i = 0; fixed[i]; i++) {
        x->hdrs = curl_slist_append(x->hdrs, fixed[i]);
        if (!x->hdrs) {
            rc = fg_error_set(err, FG_ENOMEM, "out of memory");
            goto out;
        }
    }
    if (r->content_type) {
        free(line);
        line = fg_xasprintf("Content-Type: %s", r->content_type);
        const char *ct[] = {line, NULL};
        rc = add_headers(x, ct, err);
        if (rc != FG_OK)
            goto out;
    }
    rc = add_headers(x, o->headers, err);
    if (rc == FG_OK)
        rc = add_headers(x, r->headers, err);
out:
    free(line);
    return rc;
}

static int check_secret(const char *s, const char *what,
                        struct fg_error *err)
{
    if (s && strpbrk(s, "\r\n"))
        return fg_error_set(err, FG_EUSAGE, "%s contains a line break",
                            what);
    return FG_OK;
}

static int setup(struct xfer *x, struct fg_error *err)
{
    const struct fg_http_opts *o = x->run->o;
    const struct fg_http_request *r = x->req;
    int rc = check_secret(o->auth.bearer, "bearer token", err);
    if (rc == FG_OK)
        rc = check_secret(o->auth.user, "user name", err);
    if (rc == FG_OK)
        rc = check_secret(o->auth.password, "password", err);
    if (rc != FG_OK)
        return rc;
    x->h = curl_easy_init();
    if (!x->h)
        return fg_error_set(err, FG_EHTTP, "cannot initialise libcurl");
    rc = build_headers(x, err);
    if (rc != FG_OK)
        return rc;
    CURL *h = x->h;
    curl_easy_setopt(h, CURLOPT_URL, r->url);
    curl_easy_setopt(h, CURLOPT_PRIVATE, (void *)x);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "flamegate/" FG_VERSION);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->hdrs);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, (void *)x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, (void *)x);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(h, CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS,
                     (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS,
                     (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(o->connect_timeout * 1000.0));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(o->timeout * 1000.0));
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
    if (o->cacert)
        curl_easy_setopt(h, CURLOPT_CAINFO, o->cacert);
    if (o->max_response)
        curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                         (curl_off_t)o->max_response);
    if (o->auth.user || o->auth.password) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME,
                         o->auth.user ? o->auth.user : "");
        curl_easy_setopt(h, CURLOPT_PASSWORD,
                         o->auth.password ? o->auth.password : "");
    } else if (o->auth.bearer) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
        curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, o->auth.bearer);
    }
    const char *method = r->method ? r->method : "GET";
    bool post = strcmp(method, "POST") == 0;
    if (post || r->body) {
        /* PUT/PATCH/DELETE with a body: POST machinery, other verb. */
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)r->body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS,
                         r->body ? (const char *)r->body : "");
    }
    if (!post && strcmp(method, "GET") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (x->run->x && x->run->x->log) {
        curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
        curl_easy_setopt(h, CURLOPT_DEBUGDATA, (void *)x);
        curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    }
    return FG_OK;
}

/* ---- classification and messages ------------------------------------- */

static bool retryable_status(long s)
{
    return s == 408 || s == 429 || (s >= 500 && s != 501 && s != 505);
}

static bool retryable_code(CURLcode c)
{
    switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

static bool tls_code(CURLcode c)
{
    switch (c) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_USE_SSL_FAILED:
        return true;
    default:
        return false;
    }
}

/* Text of an HTML <title>, if any, into out. */
static bool html_title(const char *s, size_t n, struct fg_buf *out)
{
    const char *end = s + n;
    for (const char *p = s; p + 7 <= end; p++) {
        if (strncasecmp(p, "<title>", 7) != 0)
            continue;
        const char *t = p + 7;
        for (const char *q = t; q + 8 <= end; q++) {
            if (strncasecmp(q, "</title>", 8) == 0) {
                char *title = fg_xstrndup(t, (size_t)(q - t));
                int rc = fg_buf_adds(out, "HTML page titled '");
                if (rc == FG_OK)
                    rc = fg_escape_term(out, title);
                if (rc == FG_OK)
                    rc = fg_buf_addc(out, '\'');
                free(title);
                return rc == FG_OK;
            }
        }
        return false;
    }
    return false;
}

/* Control bytes and invalid UTF-8 become \xNN; everything else, the
 * backslash included, is kept, so a JSON error body reads verbatim. */
static int escape_message(struct fg_buf *out, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    int rc = FG_OK;
    for (size_t i = 0; rc == FG_OK && i < n;) {
        uint32_t cp;
        size_t l = u[i] >= 0x80 ? fg_utf8_next(u + i, n - i, &cp) : 1;
        if (l == 0 || u[i] < 0x20 || u[i] == 0x7f) {
            rc = fg_buf_addf(out, "\\x%02x", u[i]);
            i++;
        } else {
            rc = fg_buf_add(out, u + i, l);
            i += l;
        }
    }
    return rc;
}

/* The start of a server's message, one line, escaped, secrets hidden. */
static char *snippet(const struct fg_http_opts *o, const char *ctype,
                     const struct fg_buf *body)
{
    struct fg_buf out;
    fg_buf_init(&out, 0);
    const char *s = body->data ? body->data : "";
    size_t n = body->len;
    if (ctype && ci_prefix(ctype, "text/html") && html_title(s, n, &out))
        goto done;
    fg_buf_reset(&out);
    struct fg_buf flat;
    fg_buf_init(&flat, 0);
    size_t take = n < SNIPPET_MAX ? n : SNIPPET_MAX;
    bool space = false;
    int rc = FG_OK;
    for (size_t i = 0; rc == FG_OK && i < take; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = flat.len > 0;
            continue;
        }
        if (space)
            rc = fg_buf_addc(&flat, ' ');
        space = false;
        if (rc == FG_OK)
            rc = fg_buf_addc(&flat, (char)c);
    }
    if (rc == FG_OK && flat.len)
        rc = escape_message(&out, flat.data, flat.len);
    if (rc == FG_OK && take < n)
        rc = fg_buf_adds(&out, "...");
    fg_buf_release(&flat);
    if (rc == FG_OK && out.len == 0)
        rc = fg_buf_adds(&out, "(empty body)");
done:
    scrub_secrets(o, &out);
    return fg_buf_detach(&out, NULL);
}

static void attempts_note(char *buf, size_t n, int attempts)
{
    if (attempts > 1)
        snprintf(buf, n, " (after %d attempts)", attempts);
    else
        buf[0] = '\0';
}

/*
 * A URL for an error message: credentials and token-like query values
 * redacted, and the secrets themselves scrubbed wherever else they appear
 * (a server can echo the token into a Link URL that is fetched next).
 */
static char *safe_url(const struct fg_http_opts *o, const char *url)
{
    char *red = fg_http_redact_url(url);
    struct fg_buf b;
    fg_buf_init(&b, 0);
    if (fg_buf_adds(&b, red) != FG_OK) {
        free(red);
        return fg_xstrdup("(url)");
    }
    free(red);
    scrub_secrets(o, &b);
    return fg_buf_detach(&b, NULL);
}

static int fail_status(struct xfer *x, long status, const char *ctype)
{
    char *url = safe_url(x->run->o, x->req->url);
    char *msg = snippet(x->run->o, ctype, &x->resp->body);
    char note[64];
    attempts_note(note, sizeof(note), x->resp->attempts);
    fg_error_set(&x->err, FG_EHTTP, "HTTP %ld from '%s'%s: %s", status,
                 url, note, msg);
    free(msg);
    free(url);
    return FG_EHTTP;
}

static int fail_curl(struct xfer *x, CURLcode cc)
{
    const struct fg_http_opts *o = x->run->o;
    char *url = safe_url(o, x->req->url);
    const char *why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc);
    char note[64];
    attempts_note(note, sizeof(note), x->resp->attempts);
    int code = FG_EHTTP;
    if (x->overflow || cc == CURLE_FILESIZE_EXCEEDED) {
        code = fg_error_set(&x->err, FG_ELIMIT,
                            "response from '%s' exceeds %zu bytes (raise "
                            "with --max-response-size)",
                            url, o->max_response);
    } else if (cc == CURLE_OPERATION_TIMEDOUT) {
        fg_error_set(&x->err, FG_EHTTP,
                     "timed out fetching '%s'%s: %s (limits: "
                     "--connect-timeout %g, --timeout %g seconds)",
                     url, note, why, o->connect_timeout, o->timeout);
    } else if (tls_code(cc)) {
        fg_error_set(&x->err, FG_EHTTP,
                     "TLS error connecting to '%s': %s (is it an https "
                     "server? for a private CA use --cacert FILE)",
                     url, why);
    } else if (cc == CURLE_COULDNT_CONNECT ||
               cc == CURLE_COULDNT_RESOLVE_HOST) {
        fg_error_set(&x->err, FG_EHTTP, "cannot connect to '%s'%s: %s",
                     url, note, why);
    } else if (cc == CURLE_PARTIAL_FILE || cc == CURLE_RECV_ERROR ||
               cc == CURLE_GOT_NOTHING) {
        fg_error_set(&x->err, FG_EHTTP,
                     "incomplete response from '%s'%s: %s", url, note, why);
    } else {
        fg_error_set(&x->err, FG_EHTTP, "cannot fetch '%s'%s: %s", url,
                     note, why);
    }
    free(url);
    return code;
}

int fg_http_response_error(const struct fg_http_opts *o, const char *url,
                           const struct fg_http_response *r,
                           const char *expected, struct fg_error *err)
{
    char *red = safe_url(o, url);
    char *msg = snippet(o, r->content_type, &r->body);
    char note[64];
    attempts_note(note, sizeof(note), r->attempts);
    if (r->status < 200 || r->status > 299)
        fg_error_set(err, FG_EHTTP, "HTTP %ld from '%s'%s: %s", r->status,
                     red, note, msg);
    else
        fg_error_set(err, FG_EHTTP,
                     "unexpected Content-Type '%s' from '%s' (expected %s): "
                     "%s",
                     r->content_type ? r->content_type : "(none)", red,
                     expected ? expected : "another type", msg);
    free(msg);
    free(red);
    return FG_EHTTP;
}

/* ---- the loop ------------------------------------------------------- */

static double jitter01(struct run *r)
{
    /* xorshift64*: enough for spreading retries, and seedable for tests */
    r->rng ^= r->rng >> 12;
    r->rng ^= r->rng << 25;
    r->rng ^= r->rng >> 27;
    return (double)((r->rng * 0x2545F4914F6CDD1DULL) >> 11) /
           (double)(1ULL << 53);
}

static double retry_delay(struct xfer *x)
{
    const struct fg_http_opts *o = x->run->o;
    char *ra = fg_http_header_value(x->hblock.data, "retry-after");
    double delay = -1;
    if (ra) {
        char *end;
        double v = strtod(ra, &end);
        if (end != ra && *end == '\0' && v >= 0)
            delay = v < MAX_BACKOFF ? v : MAX_BACKOFF;
        free(ra);
    }
    if (delay < 0) {
        double cap = o->backoff;
        for (int i = 1; i < x->resp->attempts && cap < MAX_BACKOFF; i++)
            cap *= 2;
        if (cap > MAX_BACKOFF)
            cap = MAX_BACKOFF;
        delay = cap * jitter01(x->run);
    }
    return delay;
}

static void reset_attempt(struct xfer *x)
{
    size_t max = x->resp->body.max;
    fg_buf_release(&x->resp->body);
    fg_buf_init(&x->resp->body, max);
    fg_buf_reset(&x->hblock);
    x->errbuf[0] = '\0';
    x->overflow = false;
}

static void schedule_retry(struct xfer *x, const char *why)
{
    double d = retry_delay(x);
    logf_(x, "%s; retrying in %.2f s (attempt %d of %d)", why, d,
          x->resp->attempts + 1, x->run->o->retries + 1);
    x->state = X_WAITING;
    x->wake = fg_now() + d;
}

static void succeed(struct xfer *x, long status)
{
    struct fg_http_response *r = x->resp;
    r->status = status;
    char *ct = NULL;
    if (curl_easy_getinfo(x->h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK &&
        ct)
        r->content_type = fg_xstrdup(ct);
    r->link = fg_http_header_value(x->hblock.data, "link");
    const struct fg_http_ext *e = x->run->x;
    if (e && e->headers)
        e->headers[x->idx] = fg_xstrdup(x->hblock.data ? x->hblock.data
                                                       : "");
    logf_(x, "HTTP %ld, %zu bytes%s%s", status, r->body.len,
          ct ? ", " : "", ct ? ct : "");
    x->state = X_DONE;
}

/* Decide what a finished attempt means. */
static void finish(struct xfer *x, CURLcode cc)
{
    const struct fg_http_opts *o = x->run->o;
    const struct fg_http_ext *e = x->run->x;
    bool accept = e && e->accept_status;
    bool more = x->resp->attempts <= o->retries;
    long status = 0;
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
    if (cc == CURLE_OK) {
        if (status >= 200 && status < 300) {
            succeed(x, status);
        } else if (retryable_status(status) && more) {
            char why[32];
            snprintf(why, sizeof(why), "HTTP %ld", status);
            schedule_retry(x, why);
        } else if (accept) {
            succeed(x, status);
        } else {
            char *ct = NULL;
            curl_easy_getinfo(x->h, CURLINFO_CONTENT_TYPE, &ct);
            fail_status(x, status, ct);
            x->state = X_FAILED;
        }
        return;
    }
    if (!x->overflow && retryable_code(cc) && more) {
        schedule_retry(x, x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc));
        return;
    }
    fail_curl(x, cc);
    x->state = X_FAILED;
}

static int start(CURLM *m, struct xfer *x, struct fg_error *err)
{
    reset_attempt(x);
    x->resp->attempts++;
    if (curl_multi_add_handle(m, x->h) != CURLM_OK)
        return fg_error_set(err, FG_EHTTP, "cannot start a transfer");
    x->state = X_RUNNING;
    return FG_OK;
}

static void progress(struct run *r)
{
    r->done++;
    if (r->o->progress && r->o->on_progress)
        r->o->on_progress(r->o->progress_ctx, r->done, r->n);
}

/* Start what may start (never past the lowest failure: its error is the
 * one reported, so later requests are not needed). */
static int start_ready(CURLM *m, struct xfer *xs, size_t n, size_t *running,
                       struct fg_error *err)
{
    size_t maxpar = (size_t)(xs[0].run->o->max_parallel > 0
                                 ? xs[0].run->o->max_parallel
                                 : 1);
    double now = fg_now();
    for (size_t i = 0; i < n && *running < maxpar; i++) {
        struct xfer *x = &xs[i];
        if (x->state == X_PENDING ||
            (x->state == X_WAITING && x->wake <= now)) {
            int rc = start(m, x, err);
            if (rc != FG_OK)
                return rc;
            (*running)++;
        }
    }
    return FG_OK;
}

/* Milliseconds to wait in curl_multi_poll. */
static int wait_ms(const struct xfer *xs, size_t n, size_t running)
{
    double now = fg_now();
    double next = -1;
    for (size_t i = 0; i < n; i++)
        if (xs[i].state == X_WAITING &&
            (next < 0 || xs[i].wake < next))
            next = xs[i].wake;
    if (next < 0)
        return running ? 1000 : 0;
    double ms = (next - now) * 1000.0;
    if (ms < 0)
        return 0;
    if (ms > 1000)
        return 1000;
    return (int)ms + 1;
}

/* Abandon every request after index `limit` (running ones are removed). */
static void abandon_after(CURLM *m, struct xfer *xs, size_t n, size_t limit,
                          size_t *running)
{
    for (size_t i = limit + 1; i < n; i++) {
        if (xs[i].state == X_RUNNING) {
            curl_multi_remove_handle(m, xs[i].h);
            (*running)--;
        }
        if (xs[i].state != X_DONE && xs[i].state != X_FAILED)
            xs[i].state = X_DONE; /* not needed any more */
    }
}

/* True once every request up to `limit` has an outcome. */
static bool settled(const struct xfer *xs, size_t limit)
{
    for (size_t i = 0; i <= limit; i++)
        if (xs[i].state != X_DONE && xs[i].state != X_FAILED)
            return false;
    return true;
}

/*
 * Run until everything is done, or until the lowest-index failure is
 * known for sure: requests after a failure are abandoned, those before it
 * still run (one of them might fail too and be the one to report).
 */
static int loop(CURLM *m, struct xfer *xs, size_t n, struct fg_error *err)
{
    size_t running = 0;
    size_t limit = n - 1; /* index of the lowest failure so far, or n-1 */
    bool failed = false;
    while (!settled(xs, limit)) {
        int rc = start_ready(m, xs, limit + 1, &running, err);
        if (rc != FG_OK)
            return rc;
        int still = 0;
        if (curl_multi_perform(m, &still) != CURLM_OK)
            return fg_error_set(err, FG_EHTTP, "libcurl multi failure");
        CURLMsg *msg;
        int q;
        while ((msg = curl_multi_info_read(m, &q)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            char *priv = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
            struct xfer *x = (struct xfer *)(void *)priv;
            CURLcode cc = msg->data.result;
            curl_multi_remove_handle(m, msg->easy_handle);
            running--;
            finish(x, cc);
            if (x->state == X_DONE) {
                progress(x->run);
            } else if (x->state == X_FAILED && (!failed || x->idx < limit)) {
                failed = true;
                limit = x->idx;
                abandon_after(m, xs, n, limit, &running);
            }
        }
        if (settled(xs, limit))
            break;
        int ms = wait_ms(xs, limit + 1, running);
        if (curl_multi_poll(m, NULL, 0, ms, NULL) != CURLM_OK)
            return fg_error_set(err, FG_EHTTP, "libcurl poll failure");
    }
    return failed ? FG_EHTTP : FG_OK; /* the caller picks the message */
}

int fg_http_many_ext(const struct fg_http_opts *o, const struct fg_http_ext *x,
                     const struct fg_http_request *req, size_t n,
                     struct fg_http_response *resp, struct fg_error *err)
{
    int rc = FG_OK;
    struct run run = {o, x, n, 0, 0};
    struct xfer *xs = NULL;
    CURLM *m = NULL;
    for (size_t i = 0; i < n; i++) {
        memset(&resp[i], 0, sizeof(resp[i]));
        fg_buf_init(&resp[i].body, o->max_response);
        if (x && x->headers)
            x->headers[i] = NULL;
    }
    if (n == 0)
        return FG_OK;
    run.rng = o->seed ? o->seed
                      : (uint64_t)(fg_now() * 1e6) ^ (uintptr_t)&run;
    if (run.rng == 0)
        run.rng = 0x9E3779B97F4A7C15ULL;
    xs = fg_xcalloc(n, sizeof(*xs));
    for (size_t i = 0; i < n; i++) {
        xs[i].idx = i;
        xs[i].run = &run;
        xs[i].req = &req[i];
        xs[i].resp = &resp[i];
        fg_buf_init(&xs[i].hblock, 0);
        xs[i].state = X_PENDING;
    }
    for (size_t i = 0; i < n && rc == FG_OK; i++)
        rc = setup(&xs[i], err);
    if (rc != FG_OK)
        goto out;
    m = curl_multi_init();
    if (!m) {
        rc = fg_error_set(err, FG_EHTTP, "cannot initialise libcurl");
        goto out;
    }
    rc = loop(m, xs, n, err);
    if (rc == FG_EHTTP) {
        for (size_t i = 0; i < n; i++) {
            if (xs[i].state == X_FAILED) {
                rc = xs[i].err.code;
                if (err)
                    *err = xs[i].err;
                break;
            }
        }
    }
out:
    for (size_t i = 0; i < n; i++) {
        if (xs[i].h) {
            if (m && xs[i].state == X_RUNNING)
                curl_multi_remove_handle(m, xs[i].h);
            curl_easy_cleanup(xs[i].h);
        }
        curl_slist_free_all(xs[i].hdrs);
        fg_buf_release(&xs[i].hblock);
        if (rc != FG_OK) {
            fg_http_response_release(&resp[i]);
            if (x && x->headers) {
                free(x->headers[i]);
                x->headers[i] = NULL;
            }
        }
    }
    if (m)
        curl_multi_cleanup(m);
    free(xs);
    return rc;
}

int fg_http_many(const struct fg_http_opts *o,
                 const struct fg_http_request *req, size_t n,
                 struct fg_http_response *resp, struct fg_error *err)
{
    return fg_http_many_ext(o, NULL, req, n, resp, err);
}

int fg_http_do(const struct fg_http_opts *o, const struct fg_http_request *req,
               bool accept_status, struct fg_http_response *resp,
               struct fg_error *err)
{
    struct fg_http_ext x = {0};
    x.accept_status = accept_status;
    return fg_http_many_ext(o, &x, req, 1, resp, err);
}
