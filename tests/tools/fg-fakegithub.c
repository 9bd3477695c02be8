/*
 * fg-fakegithub - a fake of the GitHub REST endpoints that "flamegate
 * comment" uses, on 127.0.0.1, for end-to-end tests (tests/cli/action_*.sh).
 *
 *   fg-fakegithub --dir DIR [--token T] [--repo OWNER/REPO] [--pr N]
 *                 [--seed N] [--forbid-writes] [--fail-post N]
 *                 [--prefix /api/v3] [--idle-exit SECONDS]
 *
 * It listens on an ephemeral port of 127.0.0.1 and writes the port to
 * DIR/port once ready.  Every request is appended to DIR/requests.log as
 * "METHOD TARGET STATUS"; every comment body is kept in DIR/comments/ID.md.
 * It serves, for the one repository and pull request it knows:
 *
 *   GET   /repos/O/R/issues/N/comments?per_page=&page=   (and the
 *         /repositories/ID/... form GitHub puts in its Link headers)
 *   POST  /repos/O/R/issues/N/comments                  {"body": ...}
 *   PATCH /repos/O/R/issues/comments/ID                 {"body": ...}
 *
 * like GitHub does: ascending ids, per_page 30 by default and at most 100,
 * a Link header with rel="next"/"last" (and "prev"/"first"), 201 for a new
 * comment, 422 for a body over 65,536 characters.  It is strict about the
 * request: a missing or wrong bearer token is 401, a User-Agent not
 * starting with "flamegate/" is 403, a wrong Accept or
 * X-GitHub-Api-Version is 400.  --forbid-writes answers POST and PATCH
 * with the 403 a fork pull request's read-only token gets.  --fail-post N
 * stores the first N new comments but answers 502, as when a response is
 * lost.  --seed N adds N comments by another user first.  --prefix
 * serves everything under a path prefix, as GitHub Enterprise Server does
 * (https://HOST/api/v3).  It exits after
 * --idle-exit seconds (default 120) without a request, or on SIGTERM.
 */
#include "flamegate/buf.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define REPO_ID 4242
#define MAX_HEAD (64 * 1024)
#define MAX_BODY (4 * 1024 * 1024)

struct comment {
    long long id;
    char *body;
    const char *login;
    const char *type;
};

struct server {
    const char *dir;
    const char *token;
    const char *repo;
    const char *prefix;
    long pr;
    bool forbid_writes;
    long fail_post;
    int port;
    struct comment *c;
    size_t n, cap;
    long long next_id;
};

struct request {
    char method[16];
    char target[2048];
    char *auth, *accept, *version, *agent, *expect;
    long content_length;
    char *body;
};

struct reply {
    int status;
    const char *reason;
    struct fg_buf body;
    char *link;
    const char *extra; /* one extra header line, or NULL */
};

static void die(const char *what)
{
    fprintf(stderr, "fg-fakegithub: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void write_file(const char *dir, const char *name, const char *data)
{
    char *path = fg_xasprintf("%s/%s", dir, name);
    char *tmp = fg_xasprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f || fputs(data, f) < 0 || fclose(f) != 0 || rename(tmp, path))
        die(path);
    free(path);
    free(tmp);
}

static void save_comment(const struct server *s, const struct comment *c)
{
    char *name = fg_xasprintf("comments/%lld.md", c->id);
    write_file(s->dir, name, c->body);
    free(name);
}

static struct comment *add_comment(struct server *s, const char *body,
                                   const char *login, const char *type)
{
    s->c = fg_xgrow(s->c, &s->cap, s->n + 1, sizeof(*s->c));
    struct comment *c = &s->c[s->n++];
    c->id = s->next_id++;
    c->body = fg_xstrdup(body);
    c->login = login;
    c->type = type;
    save_comment(s, c);
    return c;
}

/* ---------------------------------------------------------------- I/O */

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Read more bytes into b, waiting at most 5 s.  false on EOF/timeout. */
static bool read_more(int fd, struct fg_buf *b)
{
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0)
        return false;
    char tmp[8192];
    ssize_t r = read(fd, tmp, sizeof(tmp));
    return r > 0 && fg_buf_add(b, tmp, (size_t)r) == FG_OK;
}

static char *header(const char *head, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strstr(head, "\r\n"); p; p = strstr(p, "\r\n")) {
        p += 2;
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ')
                v++;
            const char *e = strstr(v, "\r\n");
            return fg_xstrndup(v, e ? (size_t)(e - v) : strlen(v));
        }
    }
    return NULL;
}

static bool read_request(int fd, struct request *rq)
{
    struct fg_buf b;
    fg_buf_init(&b, MAX_HEAD + MAX_BODY);
    char *end = NULL;
    while (!(b.data && (end = strstr(b.data, "\r\n\r\n")))) {
        if (b.len > MAX_HEAD || !read_more(fd, &b))
            goto fail;
    }
    *end = '\0';
    size_t body_at = (size_t)(end - b.data) + 4;
    if (sscanf(b.data, "%15s %2047s", rq->method, rq->target) != 2)
        goto fail;
    rq->auth = header(b.data, "Authorization");
    rq->accept = header(b.data, "Accept");
    rq->version = header(b.data, "X-GitHub-Api-Version");
    rq->agent = header(b.data, "User-Agent");
    rq->expect = header(b.data, "Expect");
    char *cl = header(b.data, "Content-Length");
    rq->content_length = cl ? atol(cl) : 0;
    free(cl);
    if (rq->content_length < 0 || rq->content_length > MAX_BODY)
        goto fail;
    if (rq->expect && strcasecmp(rq->expect, "100-continue") == 0 &&
        b.len == body_at)
        write_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
    while (b.len - body_at < (size_t)rq->content_length) {
        if (!read_more(fd, &b))
            goto fail;
    }
    rq->body = fg_xstrndup(b.data + body_at, (size_t)rq->content_length);
    fg_buf_release(&b);
    return true;
fail:
    fg_buf_release(&b);
    return false;
}

static void request_release(struct request *rq)
{
    free(rq->auth);
    free(rq->accept);
    free(rq->version);
    free(rq->agent);
    free(rq->expect);
    free(rq->body);
}

/* ------------------------------------------------------------ replies */

static void reply_json(struct reply *r, int status, const char *reason,
                       json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    r->status = status;
    r->reason = reason;
    fg_buf_reset(&r->body);
    if (fg_buf_adds(&r->body, text ? text : "{}"))
        die("reply too large");
    free(text);
}

static void reply_message(struct reply *r, int status, const char *reason,
                          const char *message)
{
    reply_json(r, status, reason,
               json_pack("{s:s, s:s}", "message", message,
                         "documentation_url",
                         "https://docs.github.com/rest"));
}

static json_t *comment_json(const struct server *s, const struct comment *c)
{
    char *url = fg_xasprintf("http://127.0.0.1:%d/%s/pull/%ld#issuecomment-"
                             "%lld", s->port, s->repo, s->pr, c->id);
    json_t *o = json_pack("{s:I, s:s, s:s, s:{s:s, s:s}, s:s}", "id",
                          (json_int_t)c->id, "html_url", url, "body", c->body,
                          "user", "login", c->login, "type", c->type,
                          "created_at", "2024-01-01T00:00:00Z");
    free(url);
    return o;
}

static long query_long(const char *query, const char *key, long dflt)
{
    size_t n = strlen(key);
    for (const char *p = query; p && *p;) {
        if (strncmp(p, key, n) == 0 && p[n] == '=')
            return atol(p + n + 1);
        p = strchr(p, '&');
        p = p ? p + 1 : NULL;
    }
    return dflt;
}

static void list_comments(struct server *s, const char *query,
                          struct reply *r)
{
    long per = query_long(query, "per_page", 30);
    long page = query_long(query, "page", 1);
    per = per < 1 ? 30 : (per > 100 ? 100 : per);
    page = page < 1 ? 1 : page;
    long last = s->n ? (long)((s->n + (size_t)per - 1) / (size_t)per) : 1;
    json_t *arr = json_array();
    for (size_t i = (size_t)((page - 1) * per);
         i < s->n && i < (size_t)(page * per); i++)
        json_array_append_new(arr, comment_json(s, &s->c[i]));
    reply_json(r, 200, "OK", arr);
    /* GitHub's links use the numeric repository form; clients must follow
     * them verbatim. */
    struct fg_buf l;
    fg_buf_init(&l, 0);
    const char *rels[] = {"next", "last", "first", "prev"};
    long target[] = {page + 1, last, 1, page - 1};
    bool show[] = {page < last, page < last, page > 1, page > 1};
    for (int i = 0; i < 4; i++) {
        if (!show[i])
            continue;
        if (fg_buf_addf(&l, "%s<http://127.0.0.1:%d%s/repositories/%d/issues/"
                        "%ld/comments?per_page=%ld&page=%ld>; rel=\"%s\"",
                        l.len ? ", " : "", s->port, s->prefix, REPO_ID, s->pr,
                        per,
                        target[i], rels[i]))
            die("link");
    }
    r->link = l.len ? fg_buf_detach(&l, NULL) : NULL;
    fg_buf_release(&l);
}

/* Characters as GitHub counts them (code points of valid UTF-8). */
static size_t count_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static const char *body_of(const struct request *rq, struct reply *r,
                           json_t **doc)
{
    *doc = json_loads(rq->body ? rq->body : "", 0, NULL);
    json_t *b = json_object_get(*doc, "body");
    if (!json_is_string(b)) {
        reply_message(r, 400, "Bad Request", "Problems parsing JSON");
        return NULL;
    }
    if (count_chars(json_string_value(b)) > 65536) {
        reply_json(r, 422, "Unprocessable Entity",
                   json_pack("{s:s, s:[{s:s, s:s, s:s, s:s}]}", "message",
                             "Validation Failed", "errors", "resource",
                             "IssueComment", "code", "custom", "field",
                             "body", "message",
                             "body is too long (maximum is 65536 "
                             "characters)"));
        return NULL;
    }
    return json_string_value(b);
}

static void forbid(struct reply *r)
{
    reply_message(r, 403, "Forbidden",
                  "Resource not accessible by integration");
    r->extra = "x-accepted-github-permissions: issues=write; "
               "pull_requests=write";
}

static void create_comment(struct server *s, const struct request *rq,
                           struct reply *r)
{
    json_t *doc = NULL;
    const char *body = body_of(rq, r, &doc);
    if (body && s->forbid_writes) {
        forbid(r);
    } else if (body) {
        struct comment *c =
            add_comment(s, body, "github-actions[bot]", "Bot");
        if (s->fail_post > 0) {
            s->fail_post--;
            reply_message(r, 502, "Bad Gateway", "Server Error");
        } else {
            reply_json(r, 201, "Created", comment_json(s, c));
        }
    }
    json_decref(doc);
}

static void update_comment(struct server *s, long long id,
                           const struct request *rq, struct reply *r)
{
    struct comment *c = NULL;
    for (size_t i = 0; i < s->n; i++) {
        if (s->c[i].id == id)
            c = &s->c[i];
    }
    if (!c) {
        reply_message(r, 404, "Not Found", "Not Found");
        return;
    }
    json_t *doc = NULL;
    const char *body = body_of(rq, r, &doc);
    if (body && s->forbid_writes) {
        forbid(r);
    } else if (body) {
        free(c->body);
        c->body = fg_xstrdup(body);
        save_comment(s, c);
        reply_json(r, 200, "OK", comment_json(s, c));
    }
    json_decref(doc);
}

/* Which endpoint: 1 list/create, 2 update (id in *id), 0 unknown. */
static int route(const struct server *s, const char *path, long long *id)
{
    size_t pl = strlen(s->prefix);
    if (strncmp(path, s->prefix, pl) != 0)
        return 0;
    path += pl;
    char *a = fg_xasprintf("/repos/%s/issues/%ld/comments", s->repo, s->pr);
    char *b = fg_xasprintf("/repositories/%d/issues/%ld/comments", REPO_ID,
                           s->pr);
    char *c = fg_xasprintf("/repos/%s/issues/comments/", s->repo);
    int kind = 0;
    if (strcmp(path, a) == 0 || strcmp(path, b) == 0) {
        kind = 1;
    } else if (strncmp(path, c, strlen(c)) == 0) {
        char *endp;
        *id = strtoll(path + strlen(c), &endp, 10);
        kind = *endp == '\0' && *id > 0 ? 2 : 0;
    }
    free(a);
    free(b);
    free(c);
    return kind;
}

static bool check_headers(const struct server *s, const struct request *rq,
                          struct reply *r)
{
    char *want = fg_xasprintf("Bearer %s", s->token);
    bool auth_ok = rq->auth && strcmp(rq->auth, want) == 0;
    free(want);
    if (!auth_ok)
        reply_message(r, 401, "Unauthorized", "Bad credentials");
    else if (!rq->agent || strncmp(rq->agent, "flamegate/", 10) != 0)
        reply_message(r, 403, "Forbidden",
                      "Request forbidden by administrative rules. Please "
                      "make sure your request has a User-Agent header");
    else if (!rq->accept ||
             strcmp(rq->accept, "application/vnd.github+json") != 0)
        reply_message(r, 400, "Bad Request", "wrong Accept header");
    else if (!rq->version || strcmp(rq->version, "2022-11-28") != 0)
        reply_message(r, 400, "Bad Request",
                      "wrong X-GitHub-Api-Version header");
    else
        return true;
    return false;
}

static void handle(struct server *s, const struct request *rq,
                   struct reply *r)
{
    char *path = fg_xstrdup(rq->target);
    char *query = strchr(path, '?');
    if (query)
        *query++ = '\0';
    long long id = 0;
    int kind = route(s, path, &id);
    bool ok = check_headers(s, rq, r);
    if (!ok) {
        /* r holds the refusal */
    } else if (kind == 1 && strcmp(rq->method, "GET") == 0) {
        list_comments(s, query, r);
    } else if (kind == 1 && strcmp(rq->method, "POST") == 0) {
        create_comment(s, rq, r);
    } else if (kind == 2 && strcmp(rq->method, "PATCH") == 0) {
        update_comment(s, id, rq, r);
    } else {
        reply_message(r, 404, "Not Found", "Not Found");
    }
    free(path);
}

static void log_request(const struct server *s, const struct request *rq,
                        int status)
{
    char *path = fg_xasprintf("%s/requests.log", s->dir);
    FILE *f = fopen(path, "a");
    if (!f)
        die(path);
    fprintf(f, "%s %s %d\n", rq->method, rq->target, status);
    fclose(f);
    free(path);
}

static void serve_one(struct server *s, int fd)
{
    struct request rq;
    memset(&rq, 0, sizeof(rq));
    struct reply r = {0, NULL, {NULL, 0, 0, 0}, NULL, NULL};
    fg_buf_init(&r.body, 0);
    if (!read_request(fd, &rq))
        goto out;
    handle(s, &rq, &r);
    log_request(s, &rq, r.status);
    struct fg_buf h;
    fg_buf_init(&h, 0);
    int rc = fg_buf_addf(&h, "HTTP/1.1 %d %s\r\nContent-Type: application/"
                         "json; charset=utf-8\r\nContent-Length: %zu\r\n"
                         "Connection: close\r\n",
                         r.status, r.reason, r.body.len);
    if (rc == FG_OK && r.link)
        rc = fg_buf_addf(&h, "Link: %s\r\n", r.link);
    if (rc == FG_OK && r.extra)
        rc = fg_buf_addf(&h, "%s\r\n", r.extra);
    if (rc == FG_OK)
        rc = fg_buf_adds(&h, "\r\n");
    if (rc == FG_OK && write_all(fd, h.data, h.len) && r.body.len)
        write_all(fd, r.body.data, r.body.len);
    fg_buf_release(&h);
out:
    request_release(&rq);
    fg_buf_release(&r.body);
    free(r.link);
}

static int listen_local(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        die("socket");
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 16) ||
        getsockname(fd, (struct sockaddr *)&a, &len))
        die("bind 127.0.0.1");
    *port = ntohs(a.sin_port);
    return fd;
}

static void usage(void)
{
    fputs("usage: fg-fakegithub --dir DIR [--token T] [--repo OWNER/REPO] "
          "[--pr N] [--seed N] [--forbid-writes] [--fail-post N] "
          "[--prefix PATH] [--idle-exit SECONDS]\n", stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    struct server s = {NULL, "test-token", "octo/widgets", "", 7, false, 0,
                       0, NULL, 0, 0, 1000};
    long seed = 0, idle = 120;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--forbid-writes") == 0) {
            s.forbid_writes = true;
            continue;
        }
        if (!v)
            usage();
        i++;
        if (strcmp(a, "--dir") == 0)
            s.dir = v;
        else if (strcmp(a, "--token") == 0)
            s.token = v;
        else if (strcmp(a, "--repo") == 0)
            s.repo = v;
        else if (strcmp(a, "--pr") == 0)
            s.pr = atol(v);
        else if (strcmp(a, "--seed") == 0)
            seed = atol(v);
        else if (strcmp(a, "--fail-post") == 0)
            s.fail_post = atol(v);
        else if (strcmp(a, "--prefix") == 0)
            s.prefix = v;
        else if (strcmp(a, "--idle-exit") == 0)
            idle = atol(v);
        else
            usage();
    }
    if (!s.dir)
        usage();
    signal(SIGPIPE, SIG_IGN);
    char *cdir = fg_xasprintf("%s/comments", s.dir);
    if (mkdir(cdir, 0755) && errno != EEXIST)
        die(cdir);
    free(cdir);
    for (long i = 0; i < seed; i++) {
        char *body = fg_xasprintf("comment %ld from a reviewer", i + 1);
        add_comment(&s, body, "octocat", "User");
        free(body);
    }
    int lfd = listen_local(&s.port);
    char port[32];
    snprintf(port, sizeof(port), "%d\n", s.port);
    write_file(s.dir, "port", port);
    for (;;) {
        struct pollfd p = {lfd, POLLIN, 0};
        int n = poll(&p, 1, (int)(idle * 1000));
        if (n == 0)
            break;
        if (n < 0 && errno == EINTR)
            continue;
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            continue;
        serve_one(&s, fd);
        close(fd);
    }
    for (size_t i = 0; i < s.n; i++)
        free(s.c[i].body);
    free(s.c);
    close(lfd);
    return 0;
}
