/* fakesrv.c - in-process fake HTTP/1.1 server for tests (see fakesrv.h). */
#include "fakesrv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IDLE_TIMEOUT 10.0              /* seconds without a byte */
#define MAX_HEAD (64 * 1024)           /* request line + headers */
#define MAX_BODY (64 * 1024 * 1024)    /* request body */
#define TICK_MS 20                     /* stop-flag polling period */

struct conn {
    struct fg_fakesrv *s;
    int fd;
    unsigned id;
    pthread_t th;
    bool has_thread;
    struct conn *next;
};

struct owned_response {
    struct fg_fake_response r; /* pointers below are owned copies */
};

struct fg_fakesrv {
    int lfd;
    int port;
    char url[64];
    double t0;
    double lifetime;
    atomic_bool stop;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct conn *conns;
    unsigned n_conns;
    struct fg_fake_request **reqs;
    size_t n_reqs, cap_reqs;
    struct owned_response *script;
    size_t n_script, cap_script, next_script;
    void (*handler)(void *, const struct fg_fake_request *,
                    struct fg_fake_response *);
    void *handler_ctx;
    int active, max_active;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool stopping(struct fg_fakesrv *s)
{
    return atomic_load(&s->stop) || now_s() - s->t0 > s->lifetime;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("fakesrv: out of memory\n", stderr);
        abort();
    }
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void *xmemdup(const void *p, size_t n)
{
    /* One extra NUL so bodies can be used as strings. */
    char *q = xmalloc(n + 1);
    if (n)
        memcpy(q, p, n);
    q[n] = '\0';
    return q;
}

/* ---- requests -------------------------------------------------------- */

const char *fg_fake_request_header(const struct fg_fake_request *r,
                                   const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

static void request_free(struct fg_fake_request *r)
{
    if (!r)
        return;
    free(r->method);
    free(r->target);
    free(r->path);
    free(r->query);
    for (size_t i = 0; i < r->n_headers; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    free(r->body);
    free(r);
}

/* Connection input buffer. */
struct inbuf {
    char *data;
    size_t len, cap;
};

/* Read more bytes; 1 ok, 0 closed/timeout/stop, -1 error. */
static int fill(struct fg_fakesrv *s, int fd, struct inbuf *b)
{
    double idle_since = now_s();
    for (;;) {
        if (stopping(s) || now_s() - idle_since > IDLE_TIMEOUT)
            return 0;
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, TICK_MS);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            continue;
        if (b->len + 4096 + 1 > b->cap) {
            b->cap = b->cap ? b->cap * 2 : 8192;
            char *nd = realloc(b->data, b->cap);
            if (!nd)
                abort();
            b->data = nd;
        }
        ssize_t n = recv(fd, b->data + b->len, b->cap - b->len - 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n == 0 ? 0 : -1;
        b->len += (size_t)n;
        b->data[b->len] = '\0';
        return 1;
    }
}

static void consume(struct inbuf *b, size_t n)
{
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    if (b->data)
        b->data[b->len] = '\0';
}

static char *find_crlfcrlf(struct inbuf *b)
{
    if (!b->data)
        return NULL;
    for (size_t i = 0; i + 3 < b->len; i++)
        if (memcmp(b->data + i, "\r\n\r\n", 4) == 0)
            return b->data + i;
    return NULL;
}

static void add_header(struct fg_fake_request *r, const char *line,
                       size_t n)
{
    const char *colon = memchr(line, ':', n);
    if (!colon)
        return;
    const char *v = colon + 1;
    const char *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    r->headers = realloc(r->headers,
                         (r->n_headers + 1) * sizeof(*r->headers));
    if (!r->headers)
        abort();
    r->headers[r->n_headers].name = xstrndup(line, (size_t)(colon - line));
    r->headers[r->n_headers].value = xstrndup(v, (size_t)(end - v));
    r->n_headers++;
}

/* Parse the head in b->data[0..hlen); false on a malformed request. */
static bool parse_head(struct fg_fake_request *r, const char *h, size_t hlen)
{
    const char *eol = strstr(h, "\r\n");
    size_t l0 = eol && (size_t)(eol - h) < hlen ? (size_t)(eol - h) : hlen;
    const char *sp1 = memchr(h, ' ', l0);
    if (!sp1)
        return false;
    const char *sp2 = memchr(sp1 + 1, ' ', l0 - (size_t)(sp1 + 1 - h));
    if (!sp2 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0)
        return false;
    r->method = xstrndup(h, (size_t)(sp1 - h));
    r->target = xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
    const char *q = strchr(r->target, '?');
    r->path = q ? xstrndup(r->target, (size_t)(q - r->target))
                : xstrndup(r->target, strlen(r->target));
    r->query = xstrndup(q ? q + 1 : "", q ? strlen(q + 1) : 0);
    const char *p = h + l0 + 2;
    while (p < h + hlen) {
        const char *e = strstr(p, "\r\n");
        size_t n = e && e < h + hlen ? (size_t)(e - p) : (size_t)(h + hlen - p);
        add_header(r, p, n);
        p += n + 2;
    }
    return true;
}

/* Read a chunked body from b (after the head was consumed). */
static int read_chunked(struct fg_fakesrv *s, int fd, struct inbuf *b,
                        struct fg_fake_request *r)
{
    size_t cap = 0;
    for (;;) {
        char *eol;
        while ((eol = b->data ? strstr(b->data, "\r\n") : NULL) == NULL)
            if (fill(s, fd, b) <= 0)
                return -1;
        size_t sz = strtoul(b->data, NULL, 16);
        consume(b, (size_t)(eol - b->data) + 2);
        if (sz > MAX_BODY || r->body_len + sz > MAX_BODY)
            return -1;
        while (b->len < sz + 2)
            if (fill(s, fd, b) <= 0)
                return -1;
        if (sz == 0) {
            consume(b, 2); /* no trailers supported */
            return 0;
        }
        if (r->body_len + sz + 1 > cap) {
            cap = (r->body_len + sz + 1) * 2;
            r->body = realloc(r->body, cap);
            if (!r->body)
                abort();
        }
        memcpy(r->body + r->body_len, b->data, sz);
        r->body_len += sz;
        r->body[r->body_len] = '\0';
        consume(b, sz + 2);
    }
}

/* Read one request; NULL on close, timeout or a malformed request
 * (*bad is then set). */
static struct fg_fake_request *read_request(struct fg_fakesrv *s, int fd,
                                            struct inbuf *b, bool *bad)
{
    *bad = false;
    char *end;
    while ((end = find_crlfcrlf(b)) == NULL) {
        /* Not HTTP at all (e.g. a TLS ClientHello): answer at once, as a
         * plain server would, instead of waiting for a blank line. */
        if (b->len > 0 && (b->data[0] < 'A' || b->data[0] > 'Z')) {
            *bad = true;
            return NULL;
        }
        if (b->len > MAX_HEAD) {
            *bad = true;
            return NULL;
        }
        if (fill(s, fd, b) <= 0) {
            /* Bytes that never formed a request (e.g. a TLS hello). */
            *bad = b->len > 0;
            return NULL;
        }
    }
    struct fg_fake_request *r = calloc(1, sizeof(*r));
    if (!r)
        abort();
    size_t hlen = (size_t)(end - b->data);
    if (!parse_head(r, b->data, hlen)) {
        request_free(r);
        *bad = true;
        return NULL;
    }
    consume(b, hlen + 4);
    const char *te = fg_fake_request_header(r, "transfer-encoding");
    const char *cl = fg_fake_request_header(r, "content-length");
    if (te && strcasecmp(te, "chunked") == 0) {
        if (read_chunked(s, fd, b, r) != 0) {
            request_free(r);
            return NULL;
        }
    } else {
        size_t n = cl ? strtoul(cl, NULL, 10) : 0;
        if (n > MAX_BODY) {
            request_free(r);
            *bad = true;
            return NULL;
        }
        while (b->len < n)
            if (fill(s, fd, b) <= 0) {
                request_free(r);
                return NULL;
            }
        r->body = xmemdup(b->data ? b->data : "", n);
        r->body_len = n;
        consume(b, n);
    }
    if (!r->body)
        r->body = xmemdup("", 0);
    return r;
}

/* ---- responses ------------------------------------------------------- */

static void response_copy(struct fg_fake_response *dst,
                          const struct fg_fake_response *src)
{
    *dst = *src;
    dst->reason = src->reason ? xstrndup(src->reason, strlen(src->reason))
                              : NULL;
    dst->content_type =
        src->content_type
            ? xstrndup(src->content_type, strlen(src->content_type))
            : NULL;
    dst->headers = src->headers
                       ? xstrndup(src->headers, strlen(src->headers))
                       : NULL;
    dst->body = xmemdup(src->body ? src->body : "", src->body_len);
    dst->free_after = NULL;
}

static void response_free(struct fg_fake_response *r)
{
    free((void *)(uintptr_t)r->reason);
    free((void *)(uintptr_t)r->content_type);
    free((void *)(uintptr_t)r->headers);
    free((void *)(uintptr_t)r->body);
}

static const char *phrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}

static bool send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        c += w;
        n -= (size_t)w;
    }
    return true;
}

/* Send r; false when the connection must be closed afterwards. */
static bool send_response(int fd, const struct fg_fake_response *r)
{
    char head[1024];
    bool closing = r->close || r->truncate;
    int n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n", r->status,
                     r->reason ? r->reason : phrase(r->status));
    if (!send_all(fd, head, (size_t)n))
        return false;
    if (r->content_type) {
        n = snprintf(head, sizeof(head), "Content-Type: %s\r\n",
                     r->content_type);
        if (!send_all(fd, head, (size_t)n))
            return false;
    }
    if (r->headers && !send_all(fd, r->headers, strlen(r->headers)))
        return false;
    if (r->chunked)
        n = snprintf(head, sizeof(head), "Transfer-Encoding: chunked\r\n");
    else
        n = snprintf(head, sizeof(head), "Content-Length: %zu\r\n",
                     r->body_len);
    if (!send_all(fd, head, (size_t)n))
        return false;
    if (closing && !send_all(fd, "Connection: close\r\n", 19))
        return false;
    if (!send_all(fd, "\r\n", 2))
        return false;
    size_t limit = r->truncate && r->truncate_at < r->body_len
                       ? r->truncate_at
                       : r->body_len;
    const char *body = r->body;
    if (!r->chunked)
        return send_all(fd, body, limit) && !closing;
    for (size_t off = 0; off < limit;) {
        size_t c = limit - off < 1024 ? limit - off : 1024;
        n = snprintf(head, sizeof(head), "%zx\r\n", c);
        if (!send_all(fd, head, (size_t)n) || !send_all(fd, body + off, c) ||
            !send_all(fd, "\r\n", 2))
            return false;
        off += c;
    }
    if (r->truncate)
        return false;
    return send_all(fd, "0\r\n\r\n", 5) && !closing;
}

/* Choose the answer for req (under the lock). */
static void answer_for(struct fg_fakesrv *s, const struct fg_fake_request *req,
                       struct fg_fake_response *out)
{
    static const char none[] = "fakesrv: nothing scripted";
    if (s->handler) {
        struct fg_fake_response tmp;
        memset(&tmp, 0, sizeof(tmp));
        s->handler(s->handler_ctx, req, &tmp);
        response_copy(out, &tmp);
        free(tmp.free_after);
        return;
    }
    if (s->n_script == 0) {
        struct fg_fake_response tmp = {.status = 500,
                                       .content_type = "text/plain",
                                       .body = none,
                                       .body_len = sizeof(none) - 1};
        response_copy(out, &tmp);
        return;
    }
    size_t i = s->next_script < s->n_script ? s->next_script++
                                            : s->n_script - 1;
    response_copy(out, &s->script[i].r);
}

static void sleep_checked(struct fg_fakesrv *s, double seconds)
{
    double until = now_s() + seconds;
    while (!stopping(s) && now_s() < until) {
        double left = until - now_s();
        struct timespec ts = {0, (long)((left < 0.01 ? left : 0.01) * 1e9)};
        nanosleep(&ts, NULL);
    }
}

static void *conn_main(void *arg)
{
    struct conn *c = arg;
    struct fg_fakesrv *s = c->s;
    struct inbuf b = {NULL, 0, 0};
    for (;;) {
        bool bad = false;
        struct fg_fake_request *req = read_request(s, c->fd, &b, &bad);
        if (!req) {
            if (bad) {
                static const char resp400[] =
                    "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                    "Connection: close\r\n\r\n";
                send_all(c->fd, resp400, sizeof(resp400) - 1);
            }
            break;
        }
        req->t = now_s() - s->t0;
        req->conn = c->id;
        struct fg_fake_response resp;
        pthread_mutex_lock(&s->mu);
        if (s->n_reqs == s->cap_reqs) {
            s->cap_reqs = s->cap_reqs ? s->cap_reqs * 2 : 16;
            s->reqs = realloc(s->reqs, s->cap_reqs * sizeof(*s->reqs));
            if (!s->reqs)
                abort();
        }
        req->index = s->n_reqs;
        s->reqs[s->n_reqs++] = req;
        answer_for(s, req, &resp);
        if (++s->active > s->max_active)
            s->max_active = s->active;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);

        if (resp.delay > 0)
            sleep_checked(s, resp.delay);
        /* The request stops counting as active before its response is
         * sent: a client that has the whole response may send its next
         * request on another connection before this thread runs again,
         * and on a loaded machine that showed up as a false overlap. */
        pthread_mutex_lock(&s->mu);
        s->active--;
        pthread_mutex_unlock(&s->mu);
        bool keep = !stopping(s) && resp.status != 0 &&
                    send_response(c->fd, &resp);
        response_free(&resp);
        if (!keep)
            break;
    }
    free(b.data);
    shutdown(c->fd, SHUT_RDWR);
    close(c->fd);
    c->fd = -1;
    return NULL;
}

static void *accept_main(void *arg)
{
    struct fg_fakesrv *s = arg;
    while (!stopping(s)) {
        struct pollfd p = {s->lfd, POLLIN, 0};
        int r = poll(&p, 1, TICK_MS);
        if (r <= 0)
            continue;
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        struct conn *c = calloc(1, sizeof(*c));
        if (!c)
            abort();
        c->s = s;
        c->fd = fd;
        pthread_mutex_lock(&s->mu);
        c->id = ++s->n_conns;
        c->next = s->conns;
        s->conns = c;
        if (pthread_create(&c->th, NULL, conn_main, c) == 0) {
            c->has_thread = true;
        } else {
            close(fd);
            c->fd = -1;
        }
        pthread_mutex_unlock(&s->mu);
    }
    return NULL;
}

/* ---- public ---------------------------------------------------------- */

struct fg_fakesrv *fg_fakesrv_start_for(double lifetime)
{
    struct fg_fakesrv *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (s->lfd < 0)
        goto fail;
    int one = 1;
    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t alen = sizeof(a);
    if (bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(s->lfd, 64) != 0 ||
        getsockname(s->lfd, (struct sockaddr *)&a, &alen) != 0)
        goto fail;
    s->port = ntohs(a.sin_port);
    snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", s->port);
    s->t0 = now_s();
    s->lifetime = lifetime > 0 ? lifetime : 120;
    atomic_init(&s->stop, false);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (pthread_create(&s->th, NULL, accept_main, s) != 0) {
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
        goto fail;
    }
    return s;
fail:
    if (s->lfd >= 0)
        close(s->lfd);
    free(s);
    return NULL;
}

struct fg_fakesrv *fg_fakesrv_start(void)
{
    return fg_fakesrv_start_for(120);
}

const char *fg_fakesrv_url(const struct fg_fakesrv *s)
{
    return s->url;
}

int fg_fakesrv_port(const struct fg_fakesrv *s)
{
    return s->port;
}

double fg_fakesrv_started(const struct fg_fakesrv *s)
{
    return s->t0;
}

void fg_fakesrv_push(struct fg_fakesrv *s, const struct fg_fake_response *r)
{
    pthread_mutex_lock(&s->mu);
    if (s->n_script == s->cap_script) {
        s->cap_script = s->cap_script ? s->cap_script * 2 : 8;
        s->script = realloc(s->script, s->cap_script * sizeof(*s->script));
        if (!s->script)
            abort();
    }
    response_copy(&s->script[s->n_script++].r, r);
    pthread_mutex_unlock(&s->mu);
}

void fg_fakesrv_set_handler(struct fg_fakesrv *s,
                            void (*fn)(void *ctx,
                                       const struct fg_fake_request *req,
                                       struct fg_fake_response *resp),
                            void *ctx)
{
    pthread_mutex_lock(&s->mu);
    s->handler = fn;
    s->handler_ctx = ctx;
    pthread_mutex_unlock(&s->mu);
}

size_t fg_fakesrv_count(struct fg_fakesrv *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->n_reqs;
    pthread_mutex_unlock(&s->mu);
    return n;
}

const struct fg_fake_request *fg_fakesrv_request(struct fg_fakesrv *s,
                                                 size_t i)
{
    pthread_mutex_lock(&s->mu);
    const struct fg_fake_request *r = i < s->n_reqs ? s->reqs[i] : NULL;
    pthread_mutex_unlock(&s->mu);
    return r;
}

bool fg_fakesrv_wait(struct fg_fakesrv *s, size_t n, double timeout)
{
    double until = now_s() + timeout;
    pthread_mutex_lock(&s->mu);
    while (s->n_reqs < n && now_s() < until) {
        pthread_mutex_unlock(&s->mu);
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&s->mu);
    }
    bool ok = s->n_reqs >= n;
    pthread_mutex_unlock(&s->mu);
    return ok;
}

int fg_fakesrv_max_concurrent(struct fg_fakesrv *s)
{
    pthread_mutex_lock(&s->mu);
    int m = s->max_active;
    pthread_mutex_unlock(&s->mu);
    return m;
}

unsigned fg_fakesrv_connections(struct fg_fakesrv *s)
{
    pthread_mutex_lock(&s->mu);
    unsigned n = s->n_conns;
    pthread_mutex_unlock(&s->mu);
    return n;
}

void fg_fakesrv_stop(struct fg_fakesrv *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, true);
    pthread_join(s->th, NULL);
    /* No new connections now; join the connection threads. */
    for (struct conn *c = s->conns; c;) {
        struct conn *next = c->next;
        if (c->has_thread)
            pthread_join(c->th, NULL);
        free(c);
        c = next;
    }
    close(s->lfd);
    for (size_t i = 0; i < s->n_reqs; i++)
        request_free(s->reqs[i]);
    free(s->reqs);
    for (size_t i = 0; i < s->n_script; i++)
        response_free(&s->script[i].r);
    free(s->script);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}
