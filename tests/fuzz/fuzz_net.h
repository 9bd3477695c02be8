/*
 * fuzz_net.h - fuzzing the clients of HTTP APIs through the real HTTP
 * stack: a fake server (tests/lib/fakesrv.c, 127.0.0.1 only) answers every
 * request from a script taken from the fuzz input, and the client under
 * test (Pyroscope, Parca, GitHub) parses what it gets.  The parsers of
 * those responses are static in their modules; going through libcurl and
 * the fake server costs speed but tests exactly what runs in production.
 *
 * Script format (after the harness's own leading bytes): responses
 * separated by "@@@@"; each is
 *   byte 0   status: FZ_STATUS[b % 16]
 *   byte 1   Content-Type: FZ_CTYPE[b & 7]; with bit 7 set, the body
 *            starts with extra header lines ending at the first blank line
 *            ("\r\n\r\n"), which are sent as response headers; "{URL}"
 *            in them stands for the fake server's URL (for Link headers)
 *   rest     the body
 * Request i gets response i; the last one repeats.
 *
 * Checked for every call: a failure has a message, the message holds no
 * raw control bytes, and no secret (FZ_TOKEN, FZ_PASSWORD) appears in the
 * message or in any line of the verbose trace.
 */
#ifndef FG_FUZZ_NET_H
#define FG_FUZZ_NET_H

#include "fakesrv.h"
#include "fuzz_common.h"

#include "net/http.h"
#include "core/util.h"

#include <curl/curl.h>
#include <pthread.h>

#define FZ_TOKEN "fzSECRETtoken0123456789"
#define FZ_PASSWORD "fzSECRETpassw0rd"
#define FZ_MAX_RESPONSES 6
#define FZ_RESTART_EVERY 1000 /* bounds the fake server's request log */

static const int FZ_STATUS[16] = {200, 200, 200, 200, 200, 404, 501, 400,
                                  401, 403, 429, 500, 503, 204, 302, 0};
static const char *const FZ_CTYPE[8] = {
    "application/proto",        "application/json",
    "application/grpc-web+proto", "text/html; charset=utf-8",
    NULL,                       "application/json; charset=utf-8",
    "application/grpc-web",     "text/plain"};

struct fz_resp {
    int status;
    const char *ctype;
    const char *headers; /* points into hdrbuf or NULL */
    const unsigned char *body;
    size_t body_len;
};

struct fz_net {
    struct fg_fakesrv *srv;
    unsigned long execs;
    pthread_mutex_t mu;
    struct fz_resp resp[FZ_MAX_RESPONSES];
    size_t n, next;
    uint8_t *input; /* owned copy: a request abandoned by the previous
                       call may still be answered after libFuzzer freed
                       its input */
    char hdrbuf[FZ_MAX_RESPONSES][1024];
    struct fg_buf trace; /* verbose trace lines of the current call */
    const char *secret;  /* the secret the current call was given */
};

static struct fz_net fz_net_state = {.mu = PTHREAD_MUTEX_INITIALIZER};

static inline void fz_handler(void *ctx, const struct fg_fake_request *req,
                       struct fg_fake_response *out)
{
    struct fz_net *s = ctx;
    (void)req;
    pthread_mutex_lock(&s->mu);
    if (s->n == 0) {
        out->status = 500;
        pthread_mutex_unlock(&s->mu);
        return;
    }
    size_t i = s->next < s->n ? s->next : s->n - 1;
    s->next++;
    const struct fz_resp *r = &s->resp[i];
    /* The server copies the response after this returns, possibly after
     * the next input replaced the script: hand it a private copy. */
    size_t hl = r->headers ? strlen(r->headers) + 1 : 0;
    char *block = fg_xmalloc(r->body_len + hl + 1);
    memcpy(block, r->body, r->body_len);
    if (hl)
        memcpy(block + r->body_len, r->headers, hl);
    out->status = r->status;
    out->content_type = r->ctype;
    out->headers = hl ? block + r->body_len : NULL;
    out->body = block;
    out->body_len = r->body_len;
    out->free_after = block;
    pthread_mutex_unlock(&s->mu);
}

/* Keep only printable header lines ending in CRLF, so the fake server
 * writes a well-formed response (header syntax is libcurl's business,
 * tested upstream); expand "{URL}". */
static inline const char *fz_clean_headers(char *dst, size_t cap,
                                    const unsigned char *p, size_t n,
                                    const char *url)
{
    size_t o = 0;
    size_t i = 0;
    char tmp[1024];
    struct fg_buf x;
    fg_buf_init(&x, sizeof(tmp));
    /* expand {URL} first (bounded: lines that do not fit are dropped) */
    for (size_t k = 0; k < n; k++) {
        int rc;
        if (k + 5 <= n && memcmp(p + k, "{URL}", 5) == 0) {
            rc = fg_buf_adds(&x, url);
            k += 4;
        } else {
            rc = fg_buf_addc(&x, (char)p[k]);
        }
        if (rc != FG_OK)
            break;
    }
    n = x.len;
    memcpy(tmp, x.data ? x.data : "", n);
    fg_buf_release(&x);
    p = (const unsigned char *)tmp;
    while (i < n && o + 4 < cap) {
        size_t e = i;
        while (e < n && p[e] != '\n')
            e++;
        size_t le = e;
        if (le > i && p[le - 1] == '\r')
            le--;
        bool ok = le > i && memchr(p + i, ':', le - i) && p[i] != ' ';
        for (size_t k = i; ok && k < le; k++)
            ok = p[k] >= 0x20 && p[k] < 0x7f;
        if (ok && o + (le - i) + 2 < cap) {
            memcpy(dst + o, p + i, le - i);
            o += le - i;
            dst[o++] = '\r';
            dst[o++] = '\n';
        }
        i = e + 1;
    }
    dst[o] = '\0';
    return o ? dst : NULL;
}

/* Parse the script in data[0..size) into the server state. */
static inline void fz_net_script(const uint8_t *data, size_t size)
{
    struct fz_net *s = &fz_net_state;
    pthread_mutex_lock(&s->mu);
    free(s->input);
    s->input = fg_xmalloc(size + 1);
    if (size)
        memcpy(s->input, data, size);
    data = s->input;
    s->n = 0;
    s->next = 0;
    size_t i = 0;
    while (s->n < FZ_MAX_RESPONSES) {
        const uint8_t *end = data + size;
        const uint8_t *p = data + i;
        const uint8_t *sep = NULL;
        for (const uint8_t *q = p; q + 4 <= end; q++)
            if (memcmp(q, "@@@@", 4) == 0) {
                sep = q;
                break;
            }
        const uint8_t *e = sep ? sep : end;
        struct fz_resp *r = &s->resp[s->n++];
        size_t len = (size_t)(e - p);
        uint8_t st = len > 0 ? p[0] : 0, ct = len > 1 ? p[1] : 0;
        r->status = FZ_STATUS[st % 16];
        r->ctype = FZ_CTYPE[ct & 7];
        r->headers = NULL;
        r->body = len > 2 ? p + 2 : p + len;
        r->body_len = len > 2 ? len - 2 : 0;
        if (ct & 0x80) {
            const uint8_t *b = r->body;
            size_t bl = r->body_len, h = 0;
            while (h + 4 <= bl && memcmp(b + h, "\r\n\r\n", 4) != 0)
                h++;
            if (h + 4 <= bl) {
                r->headers = fz_clean_headers(s->hdrbuf[s->n - 1],
                                              sizeof(s->hdrbuf[0]), b, h,
                                              fg_fakesrv_url(s->srv));
                r->body = b + h + 4;
                r->body_len = bl - h - 4;
            }
        }
        if (!sep)
            break;
        i = (size_t)(sep - data) + 4;
    }
    pthread_mutex_unlock(&s->mu);
}

static inline void fz_trace(void *ctx, const char *line)
{
    struct fz_net *s = ctx;
    if (fg_buf_adds(&s->trace, line) != FG_OK ||
        fg_buf_addc(&s->trace, '\n') != FG_OK)
        fz_fail("trace buffer failed");
}

/* Start (or periodically restart) the server; returns its URL. */
static inline const char *fz_net_begin(void)
{
    struct fz_net *s = &fz_net_state;
    if (!s->srv || ++s->execs % FZ_RESTART_EVERY == 0) {
        fg_fakesrv_stop(s->srv);
        s->srv = fg_fakesrv_start_for(24 * 3600.0);
        if (!s->srv)
            fz_fail("cannot start the fake server");
        fg_fakesrv_set_handler(s->srv, fz_handler, s);
    }
    fg_buf_release(&s->trace);
    fg_buf_init(&s->trace, 0);
    return fg_fakesrv_url(s->srv);
}

/* HTTP options for a fuzz call: no retries, short timeouts, secrets set so
 * their absence from messages can be checked. */
static inline void fz_http_opts(struct fg_http_opts *o, struct fg_http_ext *x,
                         bool basic)
{
    fg_http_opts_default(o);
    o->retries = 0;
    o->timeout = 10;
    o->connect_timeout = 5;
    o->max_response = 1u << 20;
    o->seed = 1;
    if (basic) {
        o->auth.user = "fuzzuser";
        o->auth.password = FZ_PASSWORD;
    } else {
        o->auth.bearer = FZ_TOKEN;
    }
    fz_net_state.secret = basic ? FZ_PASSWORD : FZ_TOKEN;
    o->verbose = 1;
    memset(x, 0, sizeof(*x));
    x->log = fz_trace;
    x->log_ctx = &fz_net_state;
}

/* Checks common to every call; rc is the call's status.  Only the secret
 * the call was given must stay hidden (the other one is just text a
 * server may send). */
static inline void fz_net_check(int rc, const struct fg_error *err)
{
    const char *t = fz_net_state.trace.data ? fz_net_state.trace.data : "";
    const char *secret = fz_net_state.secret;
    if (strstr(t, secret))
        fz_fail("a secret appears in the verbose trace:\n%s", t);
    if (rc == FG_OK)
        return;
    if (rc == FG_ENOMEM || rc > 0)
        fz_fail("unexpected status %d", rc);
    if (!err->msg[0])
        fz_fail("failure %d without a message", rc);
#ifndef FZ_SKIP_TOKEN_ECHO
    /* A server may echo what it was sent; the message must not. */
    if (strstr(err->msg, secret))
        fz_fail("a secret appears in the error: %s", err->msg);
#endif
    for (const char *c = err->msg; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            fz_fail("raw control byte 0x%02x in the error: %s",
                    (unsigned char)*c, err->msg);
}

static inline void fz_free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return 0;
}

#endif
