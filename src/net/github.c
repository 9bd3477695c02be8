/* github.c - sticky pull-request comment (see src/net/github.h). */
#include "net/github.h"
#include "core/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MARKER_PREFIX "<!-- flamegate:"
#define MARKER_SUFFIX " -->"
/* GitHub pages of 100 comments of up to 64 KiB each, plus JSON overhead. */
#define PAGE_MAX_BYTES (64u << 20)
/* Bounds on what a truncated body may need to close. */
#define MAX_DETAILS_CLOSE 32
#define MAX_FENCE_LEN 64

/*
 * text up to its first line end, with control bytes blanked, every copy of
 * the token replaced (a server may echo what it was sent) and then cut at
 * max bytes on a UTF-8 boundary; owned.  NULL text gives NULL.
 */
static char *printable(const char *text, size_t max, const char *token)
{
    if (!text)
        return NULL;
    size_t tlen = token ? strlen(token) : 0;
    struct fg_buf b;
    fg_buf_init(&b, 0);
    for (size_t i = 0; text[i] && text[i] != '\n' && b.len < 4 * max;) {
        unsigned char c = (unsigned char)text[i];
        int rc;
        if (tlen && strncmp(text + i, token, tlen) == 0) {
            rc = fg_buf_adds(&b, "<redacted>");
            i += tlen;
        } else {
            rc = fg_buf_addc(&b, (c < 0x20 || c == 0x7f) ? ' ' : (char)c);
            i++;
        }
        if (rc != FG_OK)
            break;
    }
    size_t n = b.len < max ? b.len : max;
    while (n < b.len && n > 0 && ((unsigned char)b.data[n] & 0xC0) == 0x80)
        n--;
    char *s = fg_xstrndup(b.data ? b.data : "", n);
    fg_buf_release(&b);
    return s;
}

/* ---------------------------------------------------------------- names */

static bool is_name_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static bool name_part_ok(const char *s, size_t n, size_t max)
{
    if (n == 0 || n > max)
        return false;
    if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_name_char((unsigned char)s[i]))
            return false;
    }
    return true;
}

int fg_github_check_repo(const char *repo, struct fg_error *err)
{
    const char *slash = repo ? strchr(repo, '/') : NULL;
    if (slash && name_part_ok(repo, (size_t)(slash - repo), 100) &&
        name_part_ok(slash + 1, strlen(slash + 1), 100))
        return FG_OK;
    char *shown = printable(repo ? repo : "", 200, NULL);
    fg_error_set(err, FG_EUSAGE, "bad repository '%s': expected OWNER/REPO",
                 shown);
    free(shown);
    return FG_EUSAGE;
}

int fg_github_check_id(const char *id, struct fg_error *err)
{
    size_t n = id ? strlen(id) : 0;
    bool ok = n > 0 && n <= 100;
    for (size_t i = 0; ok && i < n; i++)
        ok = is_name_char((unsigned char)id[i]);
    if (ok)
        return FG_OK;
    char *shown = printable(id ? id : "", 200, NULL);
    fg_error_set(err, FG_EUSAGE, "bad comment id '%s': use 1-100 characters "
                 "of letters, digits, '.', '_' and '-'", shown);
    free(shown);
    return FG_EUSAGE;
}

char *fg_github_marker(const char *id)
{
    return fg_xasprintf(MARKER_PREFIX "%s" MARKER_SUFFIX, id);
}

/* ----------------------------------------------------------- Link header */

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Does the space-separated rel value [v, v+n) contain "next"? */
static bool rel_has_next(const char *v, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && v[i] == ' ')
            i++;
        size_t start = i;
        while (i < n && v[i] != ' ')
            i++;
        if (i - start == 4 && strncasecmp(v + start, "next", 4) == 0)
            return true;
    }
    return false;
}

/*
 * Parse the parameters after "<url>" up to the ',' ending this link-value.
 * Returns the position after it and sets *next when rel includes "next".
 */
static const char *link_params(const char *p, bool *next)
{
    for (;;) {
        p = skip_ws(p);
        if (*p != ';')
            break;
        p = skip_ws(p + 1);
        const char *name = p;
        while (*p && *p != '=' && *p != ';' && *p != ',' && *p != ' ')
            p++;
        size_t nlen = (size_t)(p - name);
        p = skip_ws(p);
        if (*p != '=')
            continue;
        p = skip_ws(p + 1);
        const char *val;
        size_t vlen;
        if (*p == '"') {
            val = ++p;
            while (*p && *p != '"')
                p += (*p == '\\' && p[1]) ? 2 : 1;
            vlen = (size_t)(p - val);
            if (*p == '"')
                p++;
        } else {
            val = p;
            while (*p && *p != ';' && *p != ',' && *p != ' ')
                p++;
            vlen = (size_t)(p - val);
        }
        if (nlen == 3 && strncasecmp(name, "rel", 3) == 0 &&
            rel_has_next(val, vlen))
            *next = true;
    }
    /* Skip anything unparsable up to the next link-value. */
    while (*p && *p != ',')
        p++;
    return *p == ',' ? p + 1 : p;
}

char *fg_github_link_next(const char *link)
{
    const char *p = link;
    while (p && *p) {
        p = skip_ws(p);
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p != '<') {
            bool ignored = false;
            p = link_params(p, &ignored);
            continue;
        }
        const char *url = p + 1;
        const char *end = strchr(url, '>');
        if (!end)
            return NULL;
        bool next = false;
        p = link_params(end + 1, &next);
        if (next && end > url)
            return fg_xstrndup(url, (size_t)(end - url));
    }
    return NULL;
}

/* ---------------------------------------------------------------- events */

void fg_github_event_release(struct fg_github_event *ev)
{
    if (!ev)
        return;
    free(ev->repo);
    free(ev->head_repo);
    free(ev->head_sha);
    memset(ev, 0, sizeof(*ev));
}

static char *dup_string(json_t *v)
{
    return json_is_string(v) ? fg_xstrdup(json_string_value(v)) : NULL;
}

/* Read an optional positive integer; absent (or null) leaves *out alone. */
static int get_number(json_t *obj, const char *key, const char *path,
                      long *out, struct fg_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return FG_OK;
    if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
        json_integer_value(v) > 1000000000)
        return fg_error_set(err, FG_EFORMAT,
                            "event field '%s' is not a pull request number",
                            path);
    *out = (long)json_integer_value(v);
    return FG_OK;
}

static bool same_owner(const char *a, const char *b)
{
    const char *sa = strchr(a, '/');
    const char *sb = strchr(b, '/');
    size_t na = sa ? (size_t)(sa - a) : strlen(a);
    size_t nb = sb ? (size_t)(sb - b) : strlen(b);
    return na == nb && strncasecmp(a, b, na) == 0;
}

static int event_pr(json_t *root, long *pr, struct fg_error *err)
{
    json_t *pull = json_object_get(root, "pull_request");
    json_t *issue = json_object_get(root, "issue");
    json_t *run = json_object_get(root, "workflow_run");
    int rc = FG_OK;
    if (json_is_object(pull))
        rc = get_number(pull, "number", ".pull_request.number", pr, err);
    if (rc == FG_OK && *pr == 0)
        rc = get_number(root, "number", ".number", pr, err);
    /* An issue_comment event on a pull request: the issue is the PR. */
    if (rc == FG_OK && *pr == 0 && json_is_object(issue) &&
        json_object_get(issue, "pull_request"))
        rc = get_number(issue, "number", ".issue.number", pr, err);
    /* workflow_run lists the PRs of the run; empty for forks (the caller
     * then passes --pr, e.g. from an artifact). */
    if (rc == FG_OK && *pr == 0 && json_is_object(run)) {
        json_t *first = json_array_get(json_object_get(run, "pull_requests"),
                                       0);
        if (json_is_object(first))
            rc = get_number(first, "number",
                            ".workflow_run.pull_requests[0].number", pr, err);
    }
    return rc;
}

int fg_github_event_parse(const char *json, size_t len,
                          struct fg_github_event *ev, struct fg_error *err)
{
    json_error_t jerr;
    memset(ev, 0, sizeof(*ev));
    json_t *root = json_loadb(json, len, 0, &jerr);
    int rc = FG_OK;
    if (!json_is_object(root)) {
        /* jansson quotes the offending bytes: keep them printable */
        char *why = printable(jerr.text, 200, NULL);
        rc = root ? fg_error_set(err, FG_EFORMAT,
                                 "event payload is not a JSON object")
                  : fg_error_set(err, FG_EFORMAT,
                                 "event payload is not JSON: %s (line %d)",
                                 why, jerr.line);
        free(why);
        goto out;
    }
    rc = event_pr(root, &ev->pr, err);
    if (rc != FG_OK)
        goto out;
    ev->repo = dup_string(
        json_object_get(json_object_get(root, "repository"), "full_name"));
    json_t *pull = json_object_get(root, "pull_request");
    json_t *run = json_object_get(root, "workflow_run");
    json_t *head = json_object_get(pull, "head");
    if (json_is_object(head)) {
        ev->head_repo = dup_string(
            json_object_get(json_object_get(head, "repo"), "full_name"));
        ev->head_sha = dup_string(json_object_get(head, "sha"));
    } else if (json_is_object(run)) {
        ev->head_repo = dup_string(json_object_get(
            json_object_get(run, "head_repository"), "full_name"));
        ev->head_sha = dup_string(json_object_get(run, "head_sha"));
    }
    /* bencher's safety check: a fork is a head repository owned by
     * someone else.  A deleted fork leaves head.repo null: still a fork. */
    if (ev->repo && json_is_object(head))
        ev->fork = !ev->head_repo || !same_owner(ev->head_repo, ev->repo);
    else if (ev->repo && ev->head_repo)
        ev->fork = !same_owner(ev->head_repo, ev->repo);
out:
    if (rc != FG_OK)
        fg_github_event_release(ev);
    json_decref(root);
    return rc;
}

int fg_github_event_load(const char *path, struct fg_github_event *ev,
                         struct fg_error *err)
{
    unsigned char *data = NULL;
    size_t len = 0;
    memset(ev, 0, sizeof(*ev));
    int rc = fg_read_file(path, 16u << 20, &data, &len, err);
    if (rc == FG_OK) {
        rc = fg_github_event_parse((const char *)data, len, ev, err);
        if (rc != FG_OK)
            fg_error_prefix(err, rc, "'%s'", path);
    }
    free(data);
    return rc;
}

/* ------------------------------------------------------------------ body */

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F; /* no UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < need || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    }
    return need;
}

#define MARKER_SPACES 8 /* blanks tolerated before "-->" */
#define MARKER_WINDOW (sizeof(MARKER_PREFIX) - 1 + 100 + MARKER_SPACES + 3)

/* Length of a "<!-- flamegate:ID -->" marker at s[0..n), or 0. */
static size_t marker_at(const char *s, size_t n)
{
    size_t plen = strlen(MARKER_PREFIX);
    if (n < plen || memcmp(s, MARKER_PREFIX, plen) != 0)
        return 0;
    size_t i = plen;
    while (i < n && i - plen < 100 && is_name_char((unsigned char)s[i]))
        i++;
    if (i == plen)
        return 0;
    for (int k = 0; k < MARKER_SPACES && i < n && s[i] == ' '; k++)
        i++;
    if (n - i < 3 || memcmp(s + i, "-->", 3) != 0)
        return 0;
    return i + 3;
}

/*
 * Markers are removed from the cleaned output, not from the input: taking
 * one out (or dropping a NUL) can join the text around it into a new
 * marker ("<!-- flame" + marker + "gate:x -->"), which this catches.  A
 * marker has a single '<', so only the last '<' of the output can start
 * one; it is tracked to keep this linear.
 */
struct cleaner {
    struct fg_buf *out;
    size_t lt;   /* offset of the last '<' within MARKER_WINDOW, ... */
    bool has_lt; /* ... when there is one */
};

static void find_lt(struct cleaner *c)
{
    size_t n = c->out->len;
    size_t stop = n > MARKER_WINDOW ? n - MARKER_WINDOW : 0;
    c->has_lt = false;
    for (size_t i = n; i > stop; i--) {
        if (c->out->data[i - 1] == '<') {
            c->lt = i - 1;
            c->has_lt = true;
            return;
        }
    }
}

/* After a '>': drop the marker the output now ends with, if any. */
static bool drop_marker(struct cleaner *c)
{
    struct fg_buf *o = c->out;
    if (!c->has_lt || o->len - c->lt > MARKER_WINDOW ||
        marker_at(o->data + c->lt, o->len - c->lt) != o->len - c->lt)
        return false;
    o->len = c->lt;
    o->data[o->len] = '\0';
    find_lt(c);
    return true;
}

/* Copy report into out: drop NULs and markers, make the text valid UTF-8. */
static int clean_report(const char *report, size_t len, struct fg_buf *out)
{
    const unsigned char *s = (const unsigned char *)report;
    struct cleaner c = {out, 0, false};
    size_t i = 0;
    while (i < len) {
        if (s[i] == 0) {
            i++;
            continue;
        }
        size_t n = utf8_len(s + i, len - i);
        int rc = n ? fg_buf_add(out, s + i, n)
                   : fg_buf_adds(out, "\xEF\xBF\xBD"); /* U+FFFD */
        if (rc != FG_OK)
            return rc;
        i += n ? n : 1;
        if (s[i - 1] == '<' && n == 1) {
            c.lt = out->len - 1;
            c.has_lt = true;
        }
        if (s[i - 1] != '>' || n != 1 || !drop_marker(&c))
            continue;
        /* A marker on a line of its own takes its line end with it. */
        if (out->len == 0 || out->data[out->len - 1] == '\n') {
            if (i + 1 < len && report[i] == '\r' && report[i + 1] == '\n')
                i += 2;
            else if (i < len && report[i] == '\n')
                i++;
        }
    }
    return FG_OK;
}

static bool starts_ci(const char *s, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n >= l && strncasecmp(s, lit, l) == 0;
}

/*
 * Where to cut s[0..len) so that at most limit bytes are kept: a section
 * boundary in the last half, else a line end, else a UTF-8 boundary.
 */
static size_t cut_point(const char *s, size_t len, size_t limit)
{
    if (limit >= len)
        return len;
    for (size_t i = limit; i > limit / 2; i--) {
        if (s[i - 1] != '\n')
            continue;
        const char *r = s + i;
        size_t rem = len - i;
        if (r[0] == '#' || r[0] == '\n' || starts_ci(r, rem, "<details"))
            return i;
    }
    for (size_t i = limit; i > 0; i--) {
        if (s[i - 1] == '\n')
            return i;
    }
    size_t c = limit;
    while (c > 0 && ((unsigned char)s[c] & 0xC0) == 0x80)
        c--;
    return c;
}

/* What the kept prefix leaves open. */
struct open_blocks {
    bool in_fence;
    char fence_char;
    size_t fence_len;
    size_t fence_start; /* offset of the opening fence line */
    int details;
};

static size_t count_ci(const char *s, size_t n, const char *lit)
{
    size_t l = strlen(lit), c = 0;
    for (size_t i = 0; i + l <= n; i++) {
        if (strncasecmp(s + i, lit, l) == 0)
            c++;
    }
    return c;
}

static void scan_line(const char *line, size_t n, size_t off,
                      struct open_blocks *ob)
{
    size_t sp = 0;
    while (sp < 3 && sp < n && line[sp] == ' ')
        sp++;
    const char *t = line + sp;
    size_t tn = n - sp;
    if (tn >= 3 && (t[0] == '`' || t[0] == '~')) {
        size_t run = 0;
        while (run < tn && t[run] == t[0])
            run++;
        if (run >= 3) {
            if (!ob->in_fence) {
                ob->in_fence = true;
                ob->fence_char = t[0];
                ob->fence_len = run;
                ob->fence_start = off;
                return;
            }
            if (t[0] == ob->fence_char && run >= ob->fence_len) {
                ob->in_fence = false;
                return;
            }
        }
    }
    if (ob->in_fence)
        return;
    long d = (long)ob->details + (long)count_ci(line, n, "<details") -
             (long)count_ci(line, n, "</details");
    ob->details = d < 0 ? 0 : (d > MAX_DETAILS_CLOSE ? MAX_DETAILS_CLOSE
                                                      : (int)d);
}

static void scan_blocks(const char *s, size_t len, struct open_blocks *ob)
{
    memset(ob, 0, sizeof(*ob));
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(s + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - s) : len;
        scan_line(s + i, end - i, i, ob);
        i = nl ? end + 1 : len;
    }
}

static int add_closers(struct fg_buf *b, const struct open_blocks *ob)
{
    int rc = FG_OK;
    if (ob->in_fence) {
        rc = fg_buf_addc(b, '\n');
        for (size_t i = 0; rc == FG_OK && i < ob->fence_len; i++)
            rc = fg_buf_addc(b, ob->fence_char);
        if (rc == FG_OK)
            rc = fg_buf_addc(b, '\n');
    }
    /* A blank line before </details> keeps the markdown above rendering. */
    for (int i = 0; rc == FG_OK && i < ob->details; i++)
        rc = fg_buf_adds(b, "\n\n</details>\n");
    return rc;
}

/* Only a plain URL goes into the markdown link (no injection). */
static bool url_ok(const char *u)
{
    if (!u || (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7)))
        return false;
    for (const char *p = u; *p; p++) {
        if (*p <= ' ' || *p >= 0x7f || strchr("()<>[]\"'`\\", *p))
            return false;
    }
    return true;
}

static char *truncation_note(const char *more_url)
{
    if (url_ok(more_url))
        return fg_xasprintf(
            "\n\n---\n\n:warning: This report was truncated to fit "
            "GitHub's limit of 65,536 characters per comment. The full "
            "report is in the [workflow run](%s) (job summary and "
            "artifacts).\n",
            more_url);
    return fg_xstrdup("\n\n---\n\n:warning: This report was truncated to "
                      "fit GitHub's limit of 65,536 characters per comment. "
                      "The full report is in the job summary and the report "
                      "artifacts of the workflow run.\n");
}

static int assemble(struct fg_buf *out, const char *head, const char *s,
                    size_t cut, const struct open_blocks *ob,
                    const char *note)
{
    fg_buf_reset(out);
    int rc = fg_buf_adds(out, head);
    if (rc == FG_OK)
        rc = fg_buf_add(out, s, cut);
    if (rc == FG_OK && ob)
        rc = add_closers(out, ob);
    if (rc == FG_OK && note)
        rc = fg_buf_adds(out, note);
    return rc;
}

int fg_github_body(const char *report, size_t len, const char *id,
                   const char *more_url, size_t max, struct fg_buf *out,
                   bool *truncated, struct fg_error *err)
{
    struct fg_buf clean;
    fg_buf_init(&clean, 0);
    char *marker = NULL, *head = NULL, *note = NULL;
    int rc = fg_github_check_id(id, err);
    if (rc != FG_OK)
        goto out;
    if (max < 1024) {
        rc = fg_error_set(err, FG_EUSAGE, "comment cap %zu is too small",
                          max);
        goto out;
    }
    if (truncated)
        *truncated = false;
    marker = fg_github_marker(id);
    head = fg_xasprintf("%s\n", marker);
    rc = clean_report(report, len, &clean);
    if (rc == FG_OK && clean.len + strlen(head) <= max) {
        rc = assemble(out, head, clean.data ? clean.data : "", clean.len,
                      NULL, NULL);
        goto out;
    }
    if (rc != FG_OK)
        goto out;
    note = truncation_note(more_url);
    size_t fixed = strlen(head) + strlen(note);
    size_t budget = max - fixed;
    struct open_blocks ob;
    for (;;) {
        size_t cut = cut_point(clean.data, clean.len, budget);
        scan_blocks(clean.data, cut, &ob);
        if (ob.in_fence && ob.fence_len > MAX_FENCE_LEN) {
            /* Too long to close cheaply: drop the fenced block instead. */
            cut = ob.fence_start;
            scan_blocks(clean.data, cut, &ob);
        }
        rc = assemble(out, head, clean.data, cut, &ob, note);
        if (rc != FG_OK || out->len <= max)
            break;
        /* Closers did not fit: retry with less text (always shrinks). */
        size_t over = out->len - max;
        budget = cut > over ? cut - over : 0;
    }
    if (truncated)
        *truncated = true;
out:
    if (rc == FG_ELIMIT)
        fg_error_set(err, rc, "comment body exceeds the buffer limit");
    fg_buf_release(&clean);
    free(marker);
    free(head);
    free(note);
    return rc;
}

/* ------------------------------------------------------------------ HTTP */

static const char *const gh_headers[] = {
    "Accept: application/vnd.github+json",
    "X-GitHub-Api-Version: 2022-11-28",
    "User-Agent: flamegate/" FG_VERSION,
    NULL,
};

static void gh_opts(const struct fg_github *gh, struct fg_http_opts *o)
{
    if (gh->http)
        *o = *gh->http;
    else
        fg_http_opts_default(o);
    o->auth.bearer = gh->token;
    o->auth.user = NULL;
    o->auth.password = NULL;
    o->tenant = NULL;
    if (o->max_response < PAGE_MAX_BYTES)
        o->max_response = PAGE_MAX_BYTES;
}

/* base URL without trailing slashes (owned). */
static char *api_base(const struct fg_github *gh)
{
    const char *a = gh->api_url ? gh->api_url : FG_GITHUB_API_DEFAULT;
    size_t n = strlen(a);
    while (n > 0 && a[n - 1] == '/')
        n--;
    return fg_xstrndup(a, n);
}

/* Length of "scheme://authority" of url, or 0. */
static size_t origin_len(const char *url)
{
    const char *p = strstr(url, "://");
    if (!p)
        return 0;
    p += 3;
    while (*p && *p != '/' && *p != '?' && *p != '#')
        p++;
    return (size_t)(p - url);
}

static bool same_origin(const char *base, const char *url)
{
    size_t n = origin_len(base);
    return n > 0 && origin_len(url) == n && strncasecmp(base, url, n) == 0;
}

/* The server's "message" (or first body line), printable, owned. */
static char *server_message(const struct fg_http_response *r,
                            const char *token)
{
    const char *src = r->body.data ? r->body.data : "";
    json_t *root = json_loadb(src, r->body.len, 0, NULL);
    json_t *m = json_object_get(root, "message");
    char *s = printable(json_is_string(m) ? json_string_value(m) : src, 300,
                        token);
    json_decref(root);
    if (!*s) {
        free(s);
        s = fg_xstrdup("no message");
    }
    return s;
}

static void set_forbidden(struct fg_github_result *res,
                          const struct fg_http_response *r,
                          const char *headers, const char *token)
{
    res->outcome = FG_GITHUB_FORBIDDEN;
    res->status = r->status;
    res->comment_id = 0;
    free(res->reason);
    res->reason = server_message(r, token);
    free(res->accepted);
    /* GitHub names the permissions the endpoint needs, e.g.
     * "issues=write; pull_requests=write". */
    char *acc = fg_http_header_value(headers, "x-accepted-github-permissions");
    res->accepted = printable(acc, 200, token);
    free(acc);
}

static int http_fail(const struct fg_http_response *r, const char *what,
                     const struct fg_github *gh, struct fg_error *err)
{
    char *msg = server_message(r, gh->token);
    const char *hint = "";
    if (r->status == 401)
        hint = " (the token is missing, expired or invalid)";
    else if (r->status == 404)
        hint = " (no such pull request, or the token cannot see it)";
    int rc = fg_error_set(err, FG_EHTTP, "cannot %s on %s#%ld: HTTP %ld: %s%s",
                          what, gh->repo, gh->pr, r->status, msg, hint);
    free(msg);
    return rc;
}

/*
 * One request; a final non-2xx status is not an error here.  *headers
 * (may be NULL) receives the response header block (owned, may be NULL).
 */
static int gh_request(const struct fg_http_opts *o, const char *method,
                      const char *url, const char *json,
                      struct fg_http_response *resp, char **headers,
                      struct fg_error *err)
{
    struct fg_http_request req = {
        .method = method,
        .url = url,
        .content_type = json ? "application/json" : NULL,
        .body = json,
        .body_len = json ? strlen(json) : 0,
        .headers = gh_headers,
    };
    char *block = NULL;
    struct fg_http_ext x = {.accept_status = true, .headers = &block};
    memset(resp, 0, sizeof(*resp));
    int rc = fg_http_many_ext(o, &x, &req, 1, resp, err);
    if (headers)
        *headers = block;
    else
        free(block);
    return rc;
}

/* ----------------------------------------------------------------- find */

struct found {
    long long id;
    bool bot;
    char *body;
    char *url;
};

static void found_release(struct found *f)
{
    free(f->body);
    free(f->url);
    memset(f, 0, sizeof(*f));
}

/* Scan one page; true when the search can stop (a bot's comment found). */
static int scan_page(const struct fg_http_response *r, const char *marker,
                     struct found *f, bool *done, struct fg_error *err)
{
    json_error_t jerr;
    json_t *arr = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0,
                             &jerr);
    int rc = FG_OK;
    if (!json_is_array(arr)) {
        char *why = printable(arr ? "not an array" : jerr.text, 200, NULL);
        rc = fg_error_set(err, FG_EFORMAT,
                          "unexpected comment list from the GitHub API: %s",
                          why);
        free(why);
        goto out;
    }
    size_t i;
    json_t *c;
    json_array_foreach(arr, i, c) {
        json_t *body = json_object_get(c, "body");
        json_t *id = json_object_get(c, "id");
        if (!json_is_string(body) || !json_is_integer(id) ||
            !strstr(json_string_value(body), marker))
            continue;
        json_t *type = json_object_get(json_object_get(c, "user"), "type");
        bool bot = json_is_string(type) &&
                   strcmp(json_string_value(type), "Bot") == 0;
        if (f->id && (f->bot || !bot))
            continue;
        found_release(f);
        f->id = (long long)json_integer_value(id);
        f->bot = bot;
        f->body = fg_xstrdup(json_string_value(body));
        f->url = dup_string(json_object_get(c, "html_url"));
        if (bot) {
            *done = true;
            break;
        }
    }
out:
    json_decref(arr);
    return rc;
}

static int find(const struct fg_github *gh, const struct fg_http_opts *o,
                const char *base, const char *marker, struct found *f,
                bool *forbidden, struct fg_github_result *res,
                struct fg_error *err)
{
    char *url = fg_xasprintf("%s/repos/%s/issues/%ld/comments?per_page=100",
                             base, gh->repo, gh->pr);
    struct fg_http_response resp;
    memset(&resp, 0, sizeof(resp));
    char *headers = NULL;
    int rc = FG_OK;
    bool done = false;
    *forbidden = false;
    while (url && !done) {
        if (res->pages >= FG_GITHUB_MAX_PAGES) {
            rc = fg_error_set(err, FG_ELIMIT,
                              "more than %d pages of comments on %s#%ld",
                              FG_GITHUB_MAX_PAGES, gh->repo, gh->pr);
            goto out;
        }
        free(headers);
        headers = NULL;
        rc = gh_request(o, "GET", url, NULL, &resp, &headers, err);
        if (rc != FG_OK)
            goto out;
        res->pages++;
        if (resp.status == 403) {
            set_forbidden(res, &resp, headers, gh->token);
            *forbidden = true;
            goto out;
        }
        if (resp.status < 200 || resp.status > 299) {
            rc = http_fail(&resp, "list comments", gh, err);
            goto out;
        }
        rc = scan_page(&resp, marker, f, &done, err);
        if (rc != FG_OK)
            goto out;
        char *next = fg_github_link_next(resp.link);
        free(url);
        url = next;
        if (url && !same_origin(base, url)) {
            rc = fg_error_set(err, FG_EUSAGE,
                              "refusing to follow a pagination link to "
                              "another host than '%s'",
                              base);
            goto out;
        }
        fg_http_response_release(&resp);
    }
out:
    fg_http_response_release(&resp);
    free(headers);
    free(url);
    return rc;
}

int fg_github_comment_find(const struct fg_github *gh, const char *id,
                           long long *comment_id, char **body,
                           bool *forbidden, struct fg_github_result *res,
                           struct fg_error *err)
{
    struct fg_http_opts o;
    struct found f = {0};
    char *base = NULL, *marker = NULL;
    *comment_id = 0;
    if (body)
        *body = NULL;
    int rc = fg_github_check_id(id, err);
    if (rc == FG_OK)
        rc = fg_github_check_repo(gh->repo, err);
    if (rc != FG_OK)
        goto out;
    gh_opts(gh, &o);
    base = api_base(gh);
    marker = fg_github_marker(id);
    rc = find(gh, &o, base, marker, &f, forbidden, res, err);
    if (rc != FG_OK || *forbidden)
        goto out;
    *comment_id = f.id;
    if (body) {
        *body = f.body;
        f.body = NULL;
    }
out:
    found_release(&f);
    free(base);
    free(marker);
    return rc;
}

/* --------------------------------------------------------------- upsert */

void fg_github_result_release(struct fg_github_result *r)
{
    if (!r)
        return;
    free(r->url);
    free(r->reason);
    free(r->accepted);
    r->url = NULL;
    r->reason = NULL;
    r->accepted = NULL;
}

/* Compare ignoring CR before LF and trailing white space. */
static bool same_body(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    while (na && strchr(" \t\r\n", a[na - 1]))
        na--;
    while (nb && strchr(" \t\r\n", b[nb - 1]))
        nb--;
    size_t i = 0, j = 0;
    while (i < na && j < nb) {
        if (a[i] == '\r' && i + 1 < na && a[i + 1] == '\n') {
            i++;
            continue;
        }
        if (b[j] == '\r' && j + 1 < nb && b[j + 1] == '\n') {
            j++;
            continue;
        }
        if (a[i] != b[j])
            return false;
        i++;
        j++;
    }
    return i == na && j == nb;
}

static char *json_body(const char *body)
{
    json_t *o = json_object();
    json_t *s = json_string(body);
    /* fg_github_body guarantees UTF-8; a caller's raw body may not be. */
    if (!s)
        s = json_string("(flamegate: the comment body is not valid UTF-8)");
    json_object_set_new(o, "body", s);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!text)
        text = fg_xstrdup("{\"body\":\"\"}");
    return text;
}

/* Take id and html_url from a created or updated comment. */
static int parse_comment(const struct fg_http_response *r,
                         struct fg_github_result *res, struct fg_error *err)
{
    json_t *o = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0,
                           NULL);
    json_t *id = json_object_get(o, "id");
    int rc = FG_OK;
    if (!json_is_integer(id)) {
        rc = fg_error_set(err, FG_EFORMAT,
                          "unexpected answer from the GitHub API (HTTP %ld, "
                          "no comment id)",
                          r->status);
    } else {
        res->comment_id = (long long)json_integer_value(id);
        free(res->url);
        res->url = dup_string(json_object_get(o, "html_url"));
    }
    json_decref(o);
    return rc;
}

static bool transient(int rc, long status)
{
    return (rc != FG_OK && status == 0) || status == 429 || status >= 500;
}

static void pause_before(const struct fg_http_opts *o, int attempt)
{
    double s = (o->backoff > 0 ? o->backoff : 0.5) * (double)(1 << attempt);
    if (s > 8)
        s = 8;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/*
 * PATCH comment id (or POST a new one when id is 0).  *again asks the
 * caller to search again and retry: PATCH is idempotent and retried by
 * the transport, but a POST that failed may still have landed, and a
 * PATCH may hit a comment deleted meanwhile.
 */
static int write_comment(const struct fg_github *gh,
                         const struct fg_http_opts *o, const char *base,
                         long long id, const char *payload, bool last,
                         bool *again, struct fg_github_result *res,
                         struct fg_error *err)
{
    struct fg_http_opts once = *o;
    struct fg_http_response resp;
    char *headers = NULL;
    bool update = id != 0;
    char *url = update ? fg_xasprintf("%s/repos/%s/issues/comments/%lld",
                                      base, gh->repo, id)
                       : fg_xasprintf("%s/repos/%s/issues/%ld/comments",
                                      base, gh->repo, gh->pr);
    once.retries = 0;
    *again = false;
    int rc = gh_request(update ? o : &once, update ? "PATCH" : "POST", url,
                        payload, &resp, &headers, err);
    if (!last && (update ? resp.status == 404 : transient(rc, resp.status))) {
        fg_error_clear(err);
        *again = true;
        rc = FG_OK;
    } else if (rc == FG_OK && resp.status == 403) {
        set_forbidden(res, &resp, headers, gh->token);
    } else if (rc == FG_OK && (resp.status < 200 || resp.status > 299)) {
        rc = http_fail(&resp, update ? "update the comment"
                                     : "create a comment", gh, err);
    } else if (rc == FG_OK) {
        res->outcome = update ? FG_GITHUB_UPDATED : FG_GITHUB_CREATED;
        rc = parse_comment(&resp, res, err);
    }
    fg_http_response_release(&resp);
    free(headers);
    free(url);
    return rc;
}

int fg_github_comment_upsert(const struct fg_github *gh, const char *id,
                             const char *body, bool if_changed,
                             struct fg_github_result *res,
                             struct fg_error *err)
{
    struct fg_http_opts o;
    struct found f = {0};
    char *base = NULL, *marker = NULL;
    char *payload = json_body(body);
    int rc = fg_github_check_id(id, err);
    if (rc == FG_OK)
        rc = fg_github_check_repo(gh->repo, err);
    if (rc != FG_OK)
        goto out;
    gh_opts(gh, &o);
    base = api_base(gh);
    marker = fg_github_marker(id);
    int attempts = 1 + (o.retries > 0 ? (o.retries > 4 ? 4 : o.retries) : 0);
    for (int a = 0; a < attempts; a++) {
        bool forbidden = false, again = false;
        found_release(&f);
        rc = find(gh, &o, base, marker, &f, &forbidden, res, err);
        if (rc != FG_OK || forbidden)
            goto out;
        if (f.id && if_changed && same_body(f.body, body)) {
            res->outcome = FG_GITHUB_UNCHANGED;
            res->comment_id = f.id;
            free(res->url);
            res->url = f.url;
            f.url = NULL;
            goto out;
        }
        rc = write_comment(gh, &o, base, f.id, payload, a + 1 == attempts,
                           &again, res, err);
        if (rc != FG_OK || !again)
            goto out;
        pause_before(&o, a);
    }
out:
    found_release(&f);
    free(payload);
    free(base);
    free(marker);
    return rc;
}
