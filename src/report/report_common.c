/*
 * report_common.c - what every report format shares (report_common.h): a
 * writer with a sticky status, escaping, number and unit formatting, and
 * the row sections each format shows.
 */
#include "report/report_common.h"
#include "core/escape.h"
#include "core/units.h"
#include "analysis/stats.h"
#include "core/util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writer ---- */

void fg_rw_init(struct fg_rw *w, struct fg_buf *buf)
{
    w->buf = buf;
    w->rc = FG_OK;
}

void fg_rw_add(struct fg_rw *w, const char *s, size_t n)
{
    if (w->rc == FG_OK)
        w->rc = fg_buf_add(w->buf, s, n);
}

void fg_rw_adds(struct fg_rw *w, const char *s)
{
    fg_rw_add(w, s, strlen(s));
}

void fg_rw_addc(struct fg_rw *w, char c)
{
    fg_rw_add(w, &c, 1);
}

void fg_rw_addf(struct fg_rw *w, const char *fmt, ...)
{
    if (w->rc != FG_OK)
        return;
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        w->rc = FG_EFORMAT;
        return;
    }
    if ((size_t)n < sizeof(small)) {
        fg_rw_add(w, small, (size_t)n);
        return;
    }
    char *big = fg_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    fg_rw_add(w, big, (size_t)n);
    free(big);
}

void fg_rw_repeat(struct fg_rw *w, char c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fg_rw_addc(w, c);
}

int fg_rw_finish(struct fg_rw *w, const char *what, struct fg_error *err)
{
    if (w->rc == FG_ELIMIT)
        return fg_error_set(err, FG_ELIMIT,
                            "%s report exceeds the output size limit", what);
    if (w->rc != FG_OK)
        return fg_error_set(err, w->rc, "cannot format the %s report",
                            what);
    return FG_OK;
}

size_t fg_rep_escape(struct fg_rw *w, const char *s, size_t len,
                     bool semicolon_colon)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t start = w->buf->len;
    size_t i = 0;
    while (i < len && w->rc == FG_OK) {
        /* Copy the longest run of plain printable ASCII in one go. */
        size_t j = i;
        while (j < len && u[j] >= 0x20 && u[j] < 0x7f &&
               !(semicolon_colon && u[j] == ';'))
            j++;
        fg_rw_add(w, s + i, j - i);
        i = j;
        if (i >= len)
            break;
        uint32_t cp;
        size_t n = fg_utf8_next(u + i, len - i, &cp);
        if (n == 0) {
            fg_rw_addf(w, "\\x%02x", u[i]);
            i++;
        } else if (cp == ';') {
            fg_rw_addc(w, ':');
            i++;
        } else if (cp == '\t' || cp == '\n' || cp == '\r') {
            fg_rw_adds(w, cp == '\t' ? "\\t" : cp == '\n' ? "\\n" : "\\r");
            i++;
        } else if (cp < 0x20 || cp == 0x7f) {
            fg_rw_addf(w, "\\x%02x", (unsigned)cp);
            i++;
        } else if (fg_escape_invisible(cp)) {
            fg_rw_addf(w, "\\u{%04x}", (unsigned)cp);
            i += n;
        } else {
            fg_rw_add(w, s + i, n);
            i += n;
        }
    }
    return w->buf->len >= start ? w->buf->len - start : 0;
}

char *fg_rep_utf8_fix(const char *s, bool *changed)
{
    struct fg_buf b;
    fg_buf_init(&b, 0);
    /* Only an invalid byte makes the output differ from the input. */
    bool bad = fg_escape_utf8(&b, s) != FG_OK || b.len != strlen(s) ||
               memcmp(b.data ? b.data : "", s, b.len) != 0;
    if (changed)
        *changed = bad;
    return fg_buf_detach(&b, NULL);
}

int fg_report_escape_display(struct fg_buf *out, const char *s, size_t len)
{
    struct fg_rw w;
    fg_rw_init(&w, out);
    fg_rep_escape(&w, s, len, false);
    return w.rc;
}

void fg_rep_html_escape(struct fg_rw *w, const char *s, size_t len)
{
    struct fg_buf tmp;
    fg_buf_init(&tmp, 0);
    struct fg_rw t;
    fg_rw_init(&t, &tmp);
    fg_rep_escape(&t, s, len, false);
    for (size_t i = 0; i < tmp.len; i++) {
        char c = tmp.data[i];
        switch (c) {
        case '&': fg_rw_adds(w, "&amp;"); break;
        case '<': fg_rw_adds(w, "&lt;"); break;
        case '>': fg_rw_adds(w, "&gt;"); break;
        case '"': fg_rw_adds(w, "&quot;"); break;
        case '\'': fg_rw_adds(w, "&#39;"); break;
        default: fg_rw_addc(w, c); break;
        }
    }
    fg_buf_release(&tmp);
}

/* ---- numbers ---- */

const char *fg_rep_pct(char *buf, double share)
{
    double v = share * 100.0;
    if (!isfinite(v))
        snprintf(buf, FG_REP_NUM, "n/a");
    else if (v == 0)
        snprintf(buf, FG_REP_NUM, "0%%");
    else if (fabs(v) < 0.01)
        snprintf(buf, FG_REP_NUM, "%s0.01%%", v < 0 ? ">-" : "<");
    else
        snprintf(buf, FG_REP_NUM, "%.2f%%", v);
    return buf;
}

const char *fg_rep_pp(char *buf, double delta)
{
    double v = delta * 100.0;
    if (!isfinite(v))
        snprintf(buf, FG_REP_NUM, "n/a");
    else if (fabs(v) < 0.005)
        snprintf(buf, FG_REP_NUM, "0.00 pp");
    else
        snprintf(buf, FG_REP_NUM, "%+.2f pp", v);
    return buf;
}

const char *fg_rep_env_fail(char *buf, size_t n,
                            const struct fg_func_result *f)
{
    double share = f->base_share > 0 ? f->base_share
                                     : f->cand_share / fmax(f->ratio, 1e-9);
    if (!(f->fail_ratio > 0) || f->fail_ratio * share >= 1.0)
        snprintf(buf, n, "cannot fail at these sample counts");
    else
        snprintf(buf, n, f->fail_ratio < 10 ? "would fail from about x%.1f"
                                            : "would fail from about x%.0f",
                 f->fail_ratio);
    return buf;
}

const char *fg_rep_rel(char *buf, double ratio)
{
    double v = (ratio - 1.0) * 100.0;
    if (isnan(v))
        snprintf(buf, FG_REP_NUM, "n/a");
    else if (isinf(v))
        snprintf(buf, FG_REP_NUM, "%sinf", v > 0 ? "+" : "-");
    else if (fabs(v) < 0.05)
        snprintf(buf, FG_REP_NUM, "0.0%%");
    else if (fabs(v) < 1000)
        snprintf(buf, FG_REP_NUM, "%+.1f%%", v);
    else
        snprintf(buf, FG_REP_NUM, "%+.0f%%", v);
    return buf;
}

bool fg_rep_has_rel(const struct fg_func_result *f)
{
    return f->base_count > 0 && f->cand_count > 0;
}

const char *fg_rep_rel_ci(char *buf, size_t n,
                          const struct fg_func_result *f)
{
    char r[FG_REP_NUM], lo[FG_REP_NUM], hi[FG_REP_NUM];
    /* a side at zero has no relative change worth printing (+50025%) */
    if (!fg_rep_has_rel(f)) {
        snprintf(buf, n, "%s", f->base_count ? "gone" : "new");
        return buf;
    }
    /* an untested row has no estimate: its ratio field is a placeholder */
    if (!(f->flags & FG_F_TESTED)) {
        snprintf(buf, n, "untested");
        return buf;
    }
    fg_rep_rel(r, f->ratio);
    if (isfinite(f->ratio_lo) && isfinite(f->ratio_hi) &&
        f->ratio_hi > 0)
        snprintf(buf, n, "%s [%s, %s]", r, fg_rep_rel(lo, f->ratio_lo),
                 fg_rep_rel(hi, f->ratio_hi));
    else
        snprintf(buf, n, "%s", r);
    return buf;
}

const char *fg_rep_p(char *buf, double p)
{
    if (!isfinite(p) || p < 0)
        snprintf(buf, FG_REP_NUM, "n/a");
    else if (p >= 1)
        snprintf(buf, FG_REP_NUM, "1");
    else if (p >= 0.001)
        snprintf(buf, FG_REP_NUM, "%.3f", p);
    else if (p >= 1e-300)
        snprintf(buf, FG_REP_NUM, "%.1e", p);
    else
        snprintf(buf, FG_REP_NUM, "<1e-300");
    return buf;
}

const char *fg_rep_count(char *buf, int64_t v)
{
    char digits[32];
    snprintf(digits, sizeof(digits), "%lld", (long long)v);
    const char *d = digits;
    size_t o = 0;
    if (*d == '-')
        buf[o++] = *d++;
    size_t nd = strlen(d);
    for (size_t i = 0; i < nd; i++) {
        if (i && (nd - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = d[i];
    }
    buf[o] = '\0';
    return buf;
}

const char *fg_rep_mde(char *buf, double mde)
{
    if (!(mde > 0) || !isfinite(mde))
        snprintf(buf, FG_REP_NUM, "n/a");
    else if (mde >= FG_STATS_MDE_MAX)
        snprintf(buf, FG_REP_NUM, "none (undetectable)");
    else
        fg_rep_rel(buf, 1 + mde);
    return buf;
}

const char *fg_rep_noise(char *buf, const struct fg_result *r)
{
    /* the single-profile posterior mean is > 0 whenever it was estimated */
    if (r->test == FG_TEST_BINOMIAL && !(r->overdispersion > 0)) {
        snprintf(buf, FG_REP_NUM,
                 "run-to-run noise not estimated (too few functions)");
        return buf;
    }
    double a = r->overdispersion;
    double cv = a > 0 && isfinite(a) ? 100.0 * sqrt(a) : 0.0;
    int n;
    if (cv > 0 && cv < 1)
        n = snprintf(buf, FG_REP_NUM, "run-to-run noise <1%% per stack");
    else
        n = snprintf(buf, FG_REP_NUM, "run-to-run noise %.0f%% per stack", cv);
    if (r->spread_var > 0 && n > 0 && n < FG_REP_NUM)
        snprintf(buf + n, FG_REP_NUM - (size_t)n,
                 ", functions spread %.0f%% beyond it",
                 100.0 * (exp(sqrt(r->spread_var)) - 1.0));
    return buf;
}

const char *fg_rep_env(char *buf, const struct fg_result *r)
{
    char a[FG_REP_NUM], b[FG_REP_NUM];
    size_t n = 0;
    buf[0] = 0;
    if (r->env_share[0] > 0 || r->env_share[1] > 0)
        n += (size_t)snprintf(buf, FG_REP_ENV,
                              "set aside as environment-driven (collector, "
                              "scheduler, waits): base %s, candidate %s of "
                              "the samples",
                              fg_rep_pct(a, r->env_share[0]),
                              fg_rep_pct(b, r->env_share[1]));
    if ((r->charged_share[0] > 0 || r->charged_share[1] > 0) &&
        n < FG_REP_ENV)
        snprintf(buf + n, FG_REP_ENV - n,
                 "%spreemption counted as the interrupted function's time: "
                 "base %s, candidate %s",
                 n ? "; " : "", fg_rep_pct(a, r->charged_share[0]),
                 fg_rep_pct(b, r->charged_share[1]));
    return buf[0] ? buf : NULL;
}

const char *fg_rep_gate(char *buf, const struct fg_result *r)
{
    buf[0] = 0;
    if (r->n_gate < r->n_tested)
        snprintf(buf, FG_REP_NUM, "; Holm over the %zu that can move by "
                                  "min-delta",
                 r->n_gate);
    return buf;
}

const char *fg_rep_num(char *buf, double v)
{
    if (!isfinite(v))
        snprintf(buf, FG_REP_NUM, "n/a");
    else
        snprintf(buf, FG_REP_NUM, "%.4g", v);
    return buf;
}

const char *fg_rep_value(char *buf, double v, const char *unit)
{
    if (!isfinite(v)) {
        snprintf(buf, FG_REP_NUM, "n/a");
    } else if (unit && fg_units_known(unit)) {
        /* times and sizes as pprof prints them: "120s", "46.70MB" */
        fg_units_format(v, unit, buf, FG_REP_NUM);
    } else {
        /* Unknown units are printed after the number, cut to fit. */
        char c[32];
        if (v == floor(v) && fabs(v) < 9e15)
            fg_rep_count(c, (int64_t)v);
        else
            snprintf(c, sizeof(c), "%.4g", v);
        bool named = unit && *unit && strcmp(unit, "count") != 0;
        size_t room = FG_REP_NUM - strlen(c) - 2;
        snprintf(buf, FG_REP_NUM, "%s%s%.*s", c, named ? " " : "",
                 (int)room, named ? unit : "");
    }
    return buf;
}

/* ---- names (the short names are compare.c's fg_*_name) ---- */

const char *fg_rep_test_desc(enum fg_test t)
{
    switch (t) {
    case FG_TEST_AUTO: return "chosen from the number of runs";
    case FG_TEST_BINOMIAL:
        return "single-profile test on sample counts";
    case FG_TEST_MODERATED:
        return "moderated Welch t-test on per-run log shares";
    }
    return "unknown";
}

/* ---- sections ---- */

bool fg_rep_in_section(const struct fg_func_result *f, enum fg_rep_section s)
{
    unsigned fl = f->flags;
    if (fl & FG_F_IGNORED)
        return false;
    switch (s) {
    case FG_SEC_REGRESSION: return fl & FG_F_REGRESSION;
    case FG_SEC_MARGINAL:
        return (fl & FG_F_MARGINAL) && !(fl & FG_F_REGRESSION);
    case FG_SEC_IMPROVEMENT: return fl & FG_F_IMPROVEMENT;
    case FG_SEC_BUDGET: return fl & FG_F_BUDGET;
    case FG_SEC_NEW: return fl & FG_F_NEW;
    case FG_SEC_VANISHED: return fl & FG_F_VANISHED;
    case FG_SEC_COUNT: break;
    }
    return false;
}

size_t *fg_rep_section_rows(const struct fg_result *r, enum fg_rep_section s,
                            size_t *n)
{
    size_t *rows = fg_xmalloc((r->n_funcs ? r->n_funcs : 1) *
                              sizeof(size_t));
    bool once = s == FG_SEC_NEW || s == FG_SEC_VANISHED;
    struct fg_strtab seen;
    fg_strtab_init(&seen);
    *n = 0;
    for (size_t i = 0; i < r->n_funcs; i++) {
        const struct fg_func_result *f = &r->funcs[i];
        if (!fg_rep_in_section(f, s))
            continue;
        if (once) {
            size_t len = strlen(f->name);
            if (fg_strtab_find(&seen, f->name, len) != UINT32_MAX)
                continue;
            fg_strtab_intern(&seen, f->name, len);
        }
        rows[(*n)++] = i;
    }
    fg_strtab_release(&seen);
    return rows;
}

bool fg_rep_show_metric(const struct fg_result *r)
{
    return r->opts.metric == FG_METRIC_BOTH;
}

const char *fg_rep_section_title(enum fg_rep_section s)
{
    switch (s) {
    case FG_SEC_REGRESSION: return "Regressions";
    case FG_SEC_MARGINAL: return "Marginal (significant, below the gates)";
    case FG_SEC_IMPROVEMENT: return "Improvements";
    case FG_SEC_BUDGET: return "Over budget";
    case FG_SEC_NEW: return "New functions (only in the candidate)";
    case FG_SEC_VANISHED: return "Vanished functions (only in the base)";
    case FG_SEC_COUNT: break;
    }
    return "";
}

double fg_rep_adj_p(const struct fg_func_result *f)
{
    if ((f->flags & FG_F_MARGINAL) && !(f->flags & FG_F_REGRESSION))
        return f->p_bh;
    return f->p_holm;
}

const char *fg_rep_ci_level(char *buf, const struct fg_result *r)
{
    double a = r->opts.alpha;
    if (!(a > 0 && a < 1))
        a = 0.05;
    snprintf(buf, FG_REP_NUM, "%g%%", 100.0 * (1.0 - a));
    return buf;
}

static const char *plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

const char *fg_rep_empty_side(const struct fg_result *r)
{
    if (r->base.runs == 0 && r->cand.runs > 0)
        return "base";
    if (r->cand.runs == 0 && r->base.runs > 0)
        return "candidate";
    return NULL;
}

void fg_rep_verdict_phrase(struct fg_rw *w, const struct fg_result *r)
{
    switch (r->verdict) {
    case FG_VERDICT_FAIL:
        if (r->n_fail_findings)
            fg_rw_addf(w, "%zu %s", r->n_fail_findings,
                       plural(r->n_fail_findings, "regression",
                              "regressions"));
        if (r->n_fail_findings && r->n_budget)
            fg_rw_adds(w, ", ");
        if (r->n_budget)
            fg_rw_addf(w, "%zu over budget", r->n_budget);
        if (!r->n_fail_findings && !r->n_budget)
            fg_rw_adds(w, "regression found");
        break;
    case FG_VERDICT_MARGINAL:
        fg_rw_addf(w, "%zu possible %s, below the bar for failing",
                   r->n_marginal_findings,
                   plural(r->n_marginal_findings, "regression",
                          "regressions"));
        break;
    case FG_VERDICT_PASS:
        fg_rw_adds(w, "no significant regression");
        if (r->n_improvements)
            fg_rw_addf(w, ", %zu %s", r->n_improvements,
                       plural(r->n_improvements, "improvement",
                              "improvements"));
        break;
    case FG_VERDICT_INCONCLUSIVE:
        if (fg_rep_empty_side(r))
            fg_rw_addf(w, "no %s samples to compare", fg_rep_empty_side(r));
        else
            fg_rw_adds(w, "not enough data to decide");
        break;
    }
}

size_t fg_rep_flag_names(unsigned flags, const char **names)
{
    static const char *const all[] = {
        "tested",   "significant", "bh_significant", "material",
        "regression", "marginal",  "improvement",    "new",
        "vanished", "budget",      "ignored",        "increase",
        "gate",     "environment",  "moved",
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++) {
        if (flags & (1u << i))
            names[n++] = all[i];
    }
    return n;
}

const char *fg_rep_version(const struct fg_report_ctx *ctx)
{
    return ctx->version ? ctx->version : FG_VERSION;
}

const char *fg_rep_settings(const struct fg_report_ctx *ctx)
{
    return ctx->settings ? ctx->settings : "(not recorded)";
}

size_t fg_rep_top(const struct fg_report_ctx *ctx, enum fg_rep_section s,
                  size_t dflt)
{
    if (ctx->top)
        return ctx->top;
    if (s == FG_SEC_NEW || s == FG_SEC_VANISHED)
        return (dflt + 1) / 2;
    return dflt;
}

/* ---- findings, rules, moves ---- */

const char *fg_rep_finding_kind(enum fg_finding_kind k)
{
    switch (k) {
    case FG_FINDING_NEW_PATH: return "new call path";
    case FG_FINDING_SELF: return "self time";
    case FG_FINDING_INCLUSIVE: return "inclusive time";
    }
    return "?";
}

void fg_rep_finding_title(struct fg_rw *w, const struct fg_result *r,
                          const struct fg_finding *f,
                          void (*name)(struct fg_rw *w, const char *s))
{
    char a[FG_REP_NUM], b[FG_REP_NUM], c[FG_REP_NUM];
    const char *root = r->funcs[f->row].name;
    if (f->kind == FG_FINDING_NEW_PATH && f->caller) {
        name(w, f->caller);
        fg_rw_adds(w, " -> ");
    }
    name(w, root);
    fg_rw_addf(w, ": %s, %s -> %s of the samples (%s)",
               fg_rep_finding_kind(f->kind), fg_rep_pct(a, f->base_share),
               fg_rep_pct(b, f->cand_share),
               fg_rep_pp(c, f->cand_share - f->base_share));
}

const char *fg_rep_rule(char *buf, size_t n, const struct fg_result *r,
                        const struct fg_func_result *f)
{
    char p[FG_REP_NUM], al[FG_REP_NUM], d[FG_REP_NUM];
    fg_rep_num(al, r->opts.alpha);
    switch (f->fail_rule) {
    case FG_FAIL_HOLM:
        snprintf(buf, n, "Holm p %s < %s", fg_rep_p(p, f->p_holm), al);
        break;
    case FG_FAIL_CRITICAL:
        snprintf(buf, n, "BH p %s < %s, x%.2f >= x1.5, %s >= +2 pp",
                 fg_rep_p(p, f->p_bh), al, f->ratio, fg_rep_pp(d, f->delta));
        break;
    case FG_FAIL_NONE:
    default:
        if (f->flags & FG_F_MARGINAL)
            snprintf(buf, n, "%s p %s%s",
                     f->p_holm < r->opts.alpha ? "Holm" : "BH",
                     fg_rep_p(p, fg_rep_adj_p(f)),
                     (f->flags & FG_F_MOVED)
                         ? "; inclusive time did not rise (moved from its "
                           "callees)"
                         : "");
        else
            snprintf(buf, n, "%s", "");
        break;
    }
    return buf;
}

struct move {
    double d;
    size_t row;
};

static int cmp_move(const void *x, const void *y)
{
    const struct move *a = x, *b = y;
    if (a->d != b->d)
        return a->d > b->d ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

size_t *fg_rep_top_moves(const struct fg_result *r, size_t max, size_t *n)
{
    size_t *rows = fg_xmalloc((r->n_funcs ? r->n_funcs : 1) * sizeof(size_t));
    size_t k = 0;
    for (size_t i = 0; i < r->n_funcs; i++) {
        const struct fg_func_result *f = &r->funcs[i];
        /* the root's inclusive share is all samples on both sides */
        if ((f->flags & FG_F_IGNORED) ||
            fmin(f->base_share, f->cand_share) >= 0.999 ||
            f->cand_share == f->base_share)
            continue;
        rows[k++] = i;
    }
    struct move *mv = fg_xmalloc((k ? k : 1) * sizeof(*mv));
    for (size_t i = 0; i < k; i++) {
        const struct fg_func_result *f = &r->funcs[rows[i]];
        mv[i] = (struct move){fabs(f->cand_share - f->base_share), rows[i]};
    }
    qsort(mv, k, sizeof(*mv), cmp_move);
    for (size_t i = 0; i < k; i++)
        rows[i] = mv[i].row;
    free(mv);
    *n = k < max ? k : max;
    return rows;
}
