/*
 * perf_script.c - `perf script` text (see perf_script.h).
 *
 * The regular expressions of stackcollapse-perf.pl are matched by hand,
 * each in one pass over the line (no backtracking blow-up on hostile
 * lines):
 *   header  ^(\S.+?)\s+(\d+)[/]*(\d+)*\s+    comm (shortest), pid[/tid]
 *   event   :\s*(\d+)*\s+(\S+):\s*$          period, event name
 *   frame   ^\s*(\w+)\s*(.+) \((.*)\)        ip, symbol, dso
 */
#include "input/perf_script.h"
#include "input/build.h"
#include "core/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct line {
    const char *s;
    size_t n;
};

/* Perl's \s and \w. */
static bool sp(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

static bool word(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The next line of text[*at..len) without its '\n' (Perl's chomp). */
static bool next_line(const char *text, size_t len, size_t *at,
                      struct line *l)
{
    if (*at >= len)
        return false;
    const char *s = text + *at;
    const char *nl = memchr(s, '\n', len - *at);
    l->s = s;
    l->n = nl ? (size_t)(nl - s) : len - *at;
    *at += l->n + (nl ? 1 : 0);
    return true;
}

/* Header: the length of comm, or 0 when the line is no header. */
static size_t header_comm(const struct line *l)
{
    const char *s = l->s;
    size_t n = l->n;
    if (n < 2 || sp(s[0]))
        return 0;
    size_t ws_end = 0; /* end of the whitespace run being looked at */
    for (size_t e = 2; e < n; e++) {
        if (!sp(s[e]))
            continue;
        if (e >= ws_end)
            for (ws_end = e; ws_end < n && sp(s[ws_end]);)
                ws_end++;
        size_t k = ws_end;
        if (k >= n || !digit(s[k]))
            continue;
        while (k < n && digit(s[k]))
            k++;
        while (k < n && s[k] == '/')
            k++;
        while (k < n && digit(s[k]))
            k++;
        if (k < n && sp(s[k]))
            return e;
        /* every later e in this run reaches the same digits */
        e = ws_end;
    }
    return 0;
}

/* Event: period digits and event name of a header line, if it has them. */
static bool header_event(const struct line *l, struct line *period,
                         struct line *event)
{
    const char *s = l->s;
    size_t n = l->n;
    /* the line must end in "<token>:" and blanks */
    size_t end = n;
    while (end > 0 && sp(s[end - 1]))
        end--;
    if (end < 2 || s[end - 1] != ':')
        return false;
    size_t tok = end;
    while (tok > 0 && !sp(s[tok - 1]))
        tok--;
    if (end - tok < 2 || tok == 0)
        return false;
    for (size_t c = 0; c < tok; c++) {
        if (s[c] != ':')
            continue;
        size_t q = c + 1, r = q;
        while (r < tok && sp(s[r]))
            r++;
        size_t d = r;
        while (d < tok && digit(s[d]))
            d++;
        /* ": [digits] token:" with blanks around the digits */
        if (d > r && d < tok && sp(s[d])) {
            size_t w = d;
            while (w < tok && sp(s[w]))
                w++;
            if (w == tok) {
                period->s = s + r;
                period->n = d - r;
                event->s = s + tok;
                event->n = end - 1 - tok;
                return true;
            }
        }
        if (r > q && r == tok) {
            period->s = NULL;
            period->n = 0;
            event->s = s + tok;
            event->n = end - 1 - tok;
            return true;
        }
    }
    return false;
}

/* The first "digits.digits:" token after comm, in nanoseconds. */
static bool header_time(const struct line *l, size_t from, int64_t *ns)
{
    const char *s = l->s;
    for (size_t i = from; i < l->n; i++) {
        if (!digit(s[i]) || (i > 0 && !sp(s[i - 1])))
            continue;
        size_t k = i;
        int64_t sec = 0;
        while (k < l->n && digit(s[k]) && sec < 1000000000000LL)
            sec = sec * 10 + (s[k++] - '0');
        if (k >= l->n || s[k] != '.')
            continue;
        size_t f = ++k;
        int64_t frac = 0;
        int nd = 0;
        while (k < l->n && digit(s[k])) {
            if (nd < 9) {
                frac = frac * 10 + (s[k] - '0');
                nd++;
            }
            k++;
        }
        if (k == f || k >= l->n || s[k] != ':')
            continue;
        while (nd++ < 9)
            frac *= 10;
        *ns = sec * 1000000000LL + frac;
        return true;
    }
    return false;
}

/* Frame line: symbol and dso; false when the line is no frame. */
static bool frame_line(const struct line *l, struct line *sym,
                       struct line *dso)
{
    const char *s = l->s;
    size_t n = l->n, i = 0;
    while (i < n && sp(s[i]))
        i++;
    size_t pc = i;
    while (i < n && word(s[i]))
        i++;
    if (i == pc)
        return false;
    while (i < n && sp(s[i]))
        i++;
    size_t close = n;
    while (close > i && s[close - 1] != ')')
        close--;
    if (close == i)
        return false;
    close--; /* index of the last ')' */
    for (size_t p = close; p-- > i + 1;) {
        if (s[p] == ' ' && s[p + 1] == '(' && p + 2 <= close) {
            sym->s = s + i;
            sym->n = p - i;
            dso->s = s + p + 2;
            dso->n = close - (p + 2);
            return true;
        }
    }
    return false;
}

struct ps {
    const char *source;
    const struct fg_limits *lim;
    struct fg_error *err;
    struct fg_build b;
    bool has_event;
    struct line event;       /* the event read (the first one) */
    char *pname;             /* the open record's comm, or NULL */
    size_t pname_len;
    bool java;
    int64_t period;
    bool timed;
    int64_t time;
    char *tmp;               /* one frame name being tidied */
    size_t cap_tmp;
    size_t *fields;          /* "a->b" chain: start, end per function */
    size_t cap_fields;
    uint32_t *ids;
    size_t cap_ids;
};

/* /\.\(.*\)\./: the first ".(" comes before the last ")." (linear). */
static bool has_go_method(const char *f, size_t n)
{
    size_t first = n, last = 0;
    bool any = false;
    for (size_t i = 0; i + 1 < n; i++) {
        if (first == n && f[i] == '.' && f[i + 1] == '(')
            first = i;
        if (f[i] == ')' && f[i + 1] == '.') {
            last = i;
            any = true;
        }
    }
    return first < n && any && last >= first + 2;
}

/* stackcollapse-perf.pl's renaming of one function of a frame line. */
static int add_func(struct ps *p, const char *f, size_t n, struct line dso,
                    bool inlined, uint32_t *id)
{
    p->tmp = fg_xgrow(p->tmp, &p->cap_tmp, n + dso.n + 8, 1);
    char *t = p->tmp;
    size_t k = 0;
    if (n == 9 && memcmp(f, "[unknown]", 9) == 0) {
        if (dso.n == 9 && memcmp(dso.s, "[unknown]", 9) == 0) {
            memcpy(t, "[unknown]", 9);
            k = 9;
        } else {
            size_t b = dso.n;
            while (b > 0 && dso.s[b - 1] != '/')
                b--;
            t[k++] = '[';
            memcpy(t + k, dso.s + b, dso.n - b);
            k += dso.n - b;
            t[k++] = ']';
        }
    } else {
        memcpy(t, f, n);
        k = n;
    }
    for (size_t i = 0; i < k; i++)
        if (t[i] == ';')
            t[i] = ':';
    if (!has_go_method(t, k)) {
        static const char anon[] = "anonymous namespace)";
        for (size_t i = 0; i < k; i++) {
            if (t[i] != '(')
                continue;
            if (k - i - 1 >= sizeof(anon) - 1 &&
                memcmp(t + i + 1, anon, sizeof(anon) - 1) == 0)
                continue;
            k = i;
            break;
        }
    }
    size_t w = 0;
    for (size_t i = 0; i < k; i++)
        if (t[i] != '"' && t[i] != '\'')
            t[w++] = t[i];
    k = w;
    if (p->java && k > 0 && t[0] == 'L' && memchr(t, '/', k)) {
        memmove(t, t + 1, k - 1);
        k--;
    }
    if (inlined) {
        bool has = false;
        for (size_t i = 0; i + 3 < k && !has; i++)
            has = memcmp(t + i, "_[i]", 4) == 0;
        if (!has) {
            memcpy(t + k, "_[i]", 4);
            k += 4;
        }
    }
    return fg_build_func(&p->b, t, k, id);
}

/* One frame line: its "a->b" chain, pushed innermost first. */
static int add_frame(struct ps *p, struct line sym, struct line dso)
{
    size_t n = sym.n;
    /* strip a trailing +0x<lower-case hex> */
    for (size_t i = n; i-- > 0;) {
        if (!(digit(sym.s[i]) || (sym.s[i] >= 'a' && sym.s[i] <= 'f'))) {
            if (i + 1 < n && sym.s[i] == 'x' && i >= 2 &&
                sym.s[i - 1] == '0' && sym.s[i - 2] == '+')
                n = i - 2;
            break;
        }
    }
    if (n > 0 && sym.s[0] == '(')
        return FG_OK;
    /* split on "->", dropping trailing empty fields as Perl's split */
    size_t nf = 0, a = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || (i + 1 < n && sym.s[i] == '-' && sym.s[i + 1] == '>')) {
            p->fields = fg_xgrow(p->fields, &p->cap_fields, 2 * nf + 2,
                                 sizeof(size_t));
            p->fields[2 * nf] = a;
            p->fields[2 * nf + 1] = i;
            nf++;
            a = i + 2;
            i++;
        }
    }
    while (nf > 0 && p->fields[2 * nf - 1] == p->fields[2 * nf - 2])
        nf--;
    p->ids = fg_xgrow(p->ids, &p->cap_ids, nf + 1, sizeof(uint32_t));
    for (size_t i = 0; i < nf; i++) {
        size_t f0 = p->fields[2 * i], f1 = p->fields[2 * i + 1];
        int rc = add_func(p, sym.s + f0, f1 - f0, dso, i > 0, &p->ids[i]);
        if (rc)
            return rc;
    }
    /* the script puts the chain root-side in line order; the model
     * stores the leaf first */
    for (size_t i = nf; i-- > 0;) {
        int rc = fg_build_push(&p->b, p->ids[i]);
        if (rc)
            return rc;
    }
    return FG_OK;
}

/* Close the open record: the comm is the root frame. */
static int flush(struct ps *p)
{
    if (!p->pname) {
        fg_build_drop(&p->b);
        return FG_OK;
    }
    uint32_t id;
    int rc = fg_build_func(&p->b, p->pname, p->pname_len, &id);
    rc = rc ? rc : fg_build_push(&p->b, id);
    int64_t v[2] = {1, p->period};
    rc = rc ? rc : fg_build_end(&p->b, v, p->timed, p->time);
    free(p->pname);
    p->pname = NULL;
    return rc;
}

static bool same(struct line a, struct line b)
{
    return a.n == b.n && memcmp(a.s, b.s, a.n) == 0;
}

static int header(struct ps *p, const struct line *l, size_t comm,
                  size_t lineno)
{
    struct line period, event;
    p->period = 1;
    if (header_event(l, &period, &event)) {
        if (!same(event, p->event))
            return FG_OK; /* another event type: the record is skipped */
        int64_t v = 0;
        for (size_t i = 0; i < period.n; i++) {
            if (v > (INT64_MAX - 9) / 10)
                return fg_error_set(p->err, FG_EFORMAT,
                                    "%s:%zu: the period overflows",
                                    p->source, lineno);
            v = v * 10 + (period.s[i] - '0');
        }
        if (period.n && v)
            p->period = v;
    }
    p->pname = fg_xstrndup(l->s, comm);
    p->pname_len = comm;
    for (size_t i = 0; i < comm; i++)
        if (p->pname[i] == ' ')
            p->pname[i] = '_';
    p->java = comm >= 4 && memcmp(p->pname, "java", 4) == 0;
    p->timed = header_time(l, comm, &p->time);
    return FG_OK;
}

/* The first record's event decides the sample types. */
static void first_event(const char *text, size_t len, struct ps *p)
{
    size_t at = 0;
    struct line l, period;
    while (next_line(text, len, &at, &l)) {
        if (l.n == 0 || l.s[0] == '#')
            continue;
        if (header_comm(&l) && header_event(&l, &period, &p->event)) {
            p->has_event = true;
            return;
        }
    }
}

bool fg_perf_script_sniff(const unsigned char *data, size_t len)
{
    const char *text = (const char *)data;
    size_t at = 0;
    struct line l, next, period, event, sym, dso;
    while (next_line(text, len, &at, &l)) {
        if (l.n == 0 || l.s[0] == '#')
            continue;
        if (memchr(l.s, '\0', l.n) || !header_comm(&l))
            return false;
        if (header_event(&l, &period, &event))
            return true;
        return next_line(text, len, &at, &next) && next.n > 0 &&
               sp(next.s[0]) && frame_line(&next, &sym, &dso);
    }
    return false;
}

int fg_perf_script_decode(const unsigned char *data, size_t len,
                          const char *source, const struct fg_limits *lim,
                          struct fg_profile **out, struct fg_error *err)
{
    *out = NULL;
    const char *text = (const char *)data;
    struct ps p;
    memset(&p, 0, sizeof(p));
    p.source = source;
    p.lim = lim;
    p.err = err;
    first_event(text, len, &p);
    fg_build_init(&p.b, FG_FORMAT_PERF_SCRIPT, source, p.has_event ? 2 : 1,
                  true, lim, err);
    fg_build_type(&p.b, 0, "samples", "count");
    if (p.has_event) {
        char *ev = fg_xstrndup(p.event.s, p.event.n);
        size_t base = strcspn(ev, ":");
        bool clock = (base == 9 && strncmp(ev, "cpu-clock", 9) == 0) ||
                     (base == 10 && strncmp(ev, "task-clock", 10) == 0);
        fg_build_type(&p.b, 1, ev, clock ? "nanoseconds" : "events");
        free(ev);
    }
    size_t at = 0, lineno = 0;
    struct line l, sym, dso;
    int rc = FG_OK;
    while (!rc && next_line(text, len, &at, &l)) {
        lineno++;
        if (l.n > 0 && l.s[0] == '#')
            continue;
        if (l.n == 0) {
            rc = flush(&p);
            continue;
        }
        size_t comm = header_comm(&l);
        if (comm) {
            rc = flush(&p);
            rc = rc ? rc : header(&p, &l, comm, lineno);
        } else if (frame_line(&l, &sym, &dso)) {
            if (p.pname)
                rc = add_frame(&p, sym, dso);
        }
    }
    rc = rc ? rc : flush(&p);
    free(p.pname);
    free(p.tmp);
    free(p.fields);
    free(p.ids);
    if (rc) {
        fg_build_release(&p.b);
        return rc;
    }
    if (p.b.ns == 0) {
        fg_build_release(&p.b);
        return fg_error_set(err, FG_EFORMAT,
                            "%s: no perf script records (expected 'comm pid "
                            "time: period event:' lines followed by stack "
                            "frames)",
                            source);
    }
    return fg_build_finish(&p.b, false, out);
}
