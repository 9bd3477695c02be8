/*
 * fuzz_github.c - libFuzzer harness for the GitHub module.
 *
 * byte 0 picks what runs (value % 5):
 *   0  fg_github_event_parse on the rest (a workflow event payload)
 *   1  fg_github_link_next on the rest (a Link header value)
 *   2  fg_github_body: byte 1 sets the cap (1024 + 256 * b), bit 7 of
 *      byte 0 adds a "more" URL; the rest is the markdown report.  The body
 *      must fit the cap, be valid UTF-8 without NUL, start with the marker
 *      and hold no other complete flamegate marker
 *   3  fg_github_comment_find against the fake server  } rest: response
 *   4  fg_github_comment_upsert against the fake server } script
 *      (fuzz_net.h; "{URL}" in headers is the server, for Link: next)
 */
#include "net/github.h"
#include "fuzz_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t k;
        uint32_t cp;
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += k + 1;
    }
    return true;
}

static bool id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* Number of complete "<!-- flamegate:ID -->" markers in s. */
static size_t count_markers(const char *s)
{
    static const char open[] = "<!-- flamegate:";
    size_t n = 0;
    for (const char *p = strstr(s, open); p; p = strstr(p + 1, open)) {
        const char *q = p + sizeof(open) - 1;
        size_t len = 0;
        while (id_char(q[len]))
            len++;
        if (len >= 1 && len <= 100 && strncmp(q + len, " -->", 4) == 0)
            n++;
    }
    return n;
}

static void body(const uint8_t *data, size_t size, bool more)
{
    if (size < 1)
        return;
    size_t max = 1024 + 256 * (size_t)data[0];
    const char *report = (const char *)data + 1;
    size_t len = size - 1;
    struct fg_buf out;
    fg_buf_init(&out, 0);
    bool truncated = false;
    struct fg_error err;
    const char *id = (data[0] & 1) ? "perf-gate.v2" : FG_GITHUB_ID_DEFAULT;
    int rc = fg_github_body(report, len, id,
                            more ? "https://github.com/o/r/actions/runs/1"
                                 : NULL,
                            max, &out, &truncated, &err);
    if (rc != FG_OK)
        fz_fail("fg_github_body failed: %s", err.msg);
    const char *b = out.data ? out.data : "";
    if (out.len > max)
        fz_fail("body of %zu bytes exceeds the cap %zu", out.len, max);
    if (!utf8_valid((const unsigned char *)b, out.len))
        fz_fail("body is not valid UTF-8 (or holds NUL)");
    char *marker = fg_github_marker(id);
    if (strncmp(b, marker, strlen(marker)) != 0)
        fz_fail("body does not start with the marker");
    if (count_markers(b) != 1)
        fz_fail("body holds %zu flamegate markers", count_markers(b));
    free(marker);
    fg_buf_release(&out);
}

static void api(const uint8_t *data, size_t size, bool upsert)
{
    const char *url = fz_net_begin();
    fz_net_script(data, size);
    struct fg_http_opts o;
    struct fg_http_ext x;
    fz_http_opts(&o, &x, false);
    o.auth.bearer = NULL; /* the github module sets it from gh.token */
    o.backoff = 0.001;
    struct fg_github gh = {url, FZ_TOKEN, "octo/widgets", 7, &o};
    struct fg_github_result res;
    memset(&res, 0, sizeof(res));
    struct fg_error err = {0, ""};
    int rc;
    if (upsert) {
        rc = fg_github_comment_upsert(&gh, FG_GITHUB_ID_DEFAULT,
                                      "<!-- flamegate:default -->\n## ok\n",
                                      size & 1, &res, &err);
    } else {
        long long id = 0;
        char *b = NULL;
        bool forbidden = false;
        rc = fg_github_comment_find(&gh, FG_GITHUB_ID_DEFAULT, &id, &b,
                                    &forbidden, &res, &err);
        if (rc == FG_OK && id && !b)
            fz_fail("comment %lld found without a body", id);
        free(b);
    }
    fz_net_check(rc, &err);
#ifndef FZ_SKIP_TOKEN_ECHO
    if (res.reason && strstr(res.reason, FZ_TOKEN))
        fz_fail("the token appears in the forbidden reason: %s", res.reason);
#endif
    fg_github_result_release(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *rest = data + 1;
    size_t n = size - 1;
    switch (data[0] % 5) {
    case 0: {
        struct fg_github_event ev;
        memset(&ev, 0, sizeof(ev));
        struct fg_error err = {0, ""};
        int rc = fg_github_event_parse((const char *)rest, n, &ev, &err);
        if (rc == FG_OK && ev.pr < 0)
            fz_fail("negative pull request number %ld", ev.pr);
        if (rc != FG_OK && !err.msg[0])
            fz_fail("event parse failure without a message");
        fg_github_event_release(&ev);
        break;
    }
    case 1: {
        char *s = fg_xstrndup((const char *)rest, n);
        char *next = fg_github_link_next(s);
        if (next && !strstr(s, next))
            fz_fail("link_next returned '%s', not part of the header", next);
        free(next);
        free(s);
        break;
    }
    case 2:
        body(rest, n, (data[0] & 0x80) != 0);
        break;
    case 3:
        api(rest, n, false);
        break;
    default:
        api(rest, n, true);
        break;
    }
    return 0;
}
