/*
 * report_md.c - GitHub-flavoured markdown for PR comments and job
 * summaries: the sticky-comment marker, the verdict line, one line of what
 * was compared, compact tables (regressions, marginal, improvements,
 * budget, new, vanished; the first `top` rows visible, the rest folded in
 * <details>), warnings, the method and every tested row in <details>, and
 * a footer with the version and settings.
 *
 * Size: GitHub rejects comments over 65,536 characters.  Output is built
 * against a byte budget (ctx->md_max_bytes): closing tags, the footer and
 * the truncation note are reserved up front, and rows that do not fit are
 * dropped whole, with a note saying how many.  Bytes bound characters, so
 * the result is always under the limit.
 */
#include "flamegate/report.h"
#include "core/util.h"
#include "report/report_common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_BYTES 200
#define TEXT_MAX_BYTES 500
#define MAX_WARNINGS 20
#define MAX_SOURCES 10
#define NOTE_RESERVE 256
#define SETTINGS_MAX_BYTES 2000
#define MAX_MEMBERS 5   /* contributors named per finding */
#define MAX_PEEK 3      /* callers and callees named per finding */
#define MAX_ENV 5       /* environment-driven rows in their note */

struct md {
    struct fg_rw w;
    const struct fg_report_ctx *ctx;
    const struct fg_result *r;
    size_t limit;    /* out->len must stay <= limit */
    size_t reserved; /* bytes kept free for what must follow */
    size_t omitted;  /* rows dropped for size */
    bool full;       /* once a row did not fit, later rows are dropped */
};

/* ---- escaping ---- */

/* Display form of s, cut at max bytes on a character boundary. */
static char *display(const char *s, size_t max)
{
    struct fg_buf b;
    fg_buf_init(&b, 0);
    struct fg_rw w;
    fg_rw_init(&w, &b);
    fg_rep_escape(&w, s, strlen(s), false);
    if (b.len > max) {
        size_t cut = max;
        while (cut && ((unsigned char)b.data[cut] & 0xc0) == 0x80)
            cut--;
        b.len = cut;
        b.data[cut] = '\0';
        fg_rw_adds(&w, "\xe2\x80\xa6"); /* U+2026 ellipsis */
    }
    return fg_buf_detach(&b, NULL);
}

/*
 * A code span that shows s literally: the fence is one backtick longer than
 * the longest run inside, padded with a space when s starts or ends with a
 * backtick or space (CommonMark strips one space from each side).  In a
 * table, '|' must be written '\|' even inside a code span (GFM splits
 * cells first); the renderer turns it back into '|'.  '<', '>' and '&' are
 * literal text inside a code span, so no HTML can form.
 */
static void code(struct fg_rw *w, const char *s, bool in_table, size_t max)
{
    char *d = display(s, max);
    size_t n = strlen(d);
    if (n == 0) {
        fg_rw_adds(w, "*(empty name)*");
        free(d);
        return;
    }
    size_t run = 0, longest = 0;
    for (size_t i = 0; i < n; i++) {
        run = d[i] == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    bool pad = d[0] == '`' || d[0] == ' ' || d[n - 1] == '`' ||
               d[n - 1] == ' ';
    fg_rw_repeat(w, '`', longest + 1);
    if (pad)
        fg_rw_addc(w, ' ');
    for (size_t i = 0; i < n; i++) {
        if (in_table && d[i] == '|')
            fg_rw_addc(w, '\\');
        fg_rw_addc(w, d[i]);
    }
    if (pad)
        fg_rw_addc(w, ' ');
    fg_rw_repeat(w, '`', longest + 1);
    free(d);
}

/* Plain inline text (never at the start of a line): markdown's inline
 * punctuation is backslash-escaped and HTML's special characters become
 * entities, so neither emphasis, links, tables nor tags can form. */
static void text(struct fg_rw *w, const char *s, size_t max)
{
    char *d = display(s, max);
    for (const char *p = d; *p; p++) {
        switch (*p) {
        case '<': fg_rw_adds(w, "&lt;"); break;
        case '>': fg_rw_adds(w, "&gt;"); break;
        case '&': fg_rw_adds(w, "&amp;"); break;
        case '\\': case '`': case '*': case '_': case '[': case ']':
        case '|': case '~':
            fg_rw_addc(w, '\\');
            fg_rw_addc(w, *p);
            break;
        default: fg_rw_addc(w, *p); break;
        }
    }
    free(d);
}

/* ---- budgeted output ---- */

static bool fits(const struct md *m, size_t n)
{
    return m->w.rc == FG_OK &&
           m->w.buf->len + n + m->reserved <= m->limit;
}

/* Append a finished piece when it fits; returns whether it did. */
static bool put_mem(struct md *m, const char *s, size_t n)
{
    if (m->full || !fits(m, n)) {
        m->full = true;
        return false;
    }
    fg_rw_add(&m->w, s, n);
    return true;
}

static bool put(struct md *m, const struct fg_buf *piece)
{
    return put_mem(m, piece->data ? piece->data : "", piece->len);
}

static void put_str(struct md *m, const char *s)
{
    put_mem(m, s, strlen(s));
}

/* Every block inside ends with a blank line, which </details> needs. */
static const char *const CLOSE_DETAILS = "</details>\n\n";

/* Open a <details> block; its closing tag is reserved until close. */
static bool details_open(struct md *m, const char *summary)
{
    struct fg_buf b;
    fg_buf_init(&b, 0);
    struct fg_rw w;
    fg_rw_init(&w, &b);
    /* The blank line after </summary> lets the markdown inside render. */
    fg_rw_addf(&w, "<details><summary>%s</summary>\n\n", summary);
    bool ok = fits(m, b.len + strlen(CLOSE_DETAILS)) && put(m, &b);
    if (ok)
        m->reserved += strlen(CLOSE_DETAILS);
    else
        m->full = true;
    fg_buf_release(&b);
    return ok;
}

static void details_close(struct md *m)
{
    m->reserved -= strlen(CLOSE_DETAILS);
    fg_rw_adds(&m->w, CLOSE_DETAILS);
}

/* ---- tables ---- */

enum cols { COLS_FULL, COLS_NEW, COLS_GONE, COLS_BUDGET, COLS_ALL };

static void table_head(const struct md *m, enum cols c, struct fg_buf *out)
{
    char lv[FG_REP_NUM];
    fg_rep_ci_level(lv, m->r);
    struct fg_rw w;
    fg_rw_init(&w, out);
    switch (c) {
    case COLS_FULL:
        fg_rw_addf(&w, "| function | base | candidate | change | norm. | "
                       "relative (%s CI) | adj. p | rule |\n"
                       "|:---|---:|---:|---:|---:|---:|---:|:---|\n", lv);
        break;
    case COLS_NEW:
        fg_rw_adds(&w, "| function | candidate |\n|:---|---:|\n");
        break;
    case COLS_GONE:
        fg_rw_adds(&w, "| function | base |\n|:---|---:|\n");
        break;
    case COLS_BUDGET:
        fg_rw_adds(&w, "| function | candidate | budget |\n"
                       "|:---|---:|---:|\n");
        break;
    case COLS_ALL:
        fg_rw_addf(&w, "| function | base | candidate | change | norm. | "
                       "relative (%s CI) | p | adj. p | status |\n"
                       "|:---|---:|---:|---:|---:|---:|---:|---:|:---|\n",
                   lv);
        break;
    }
}

static const char *status_word(unsigned fl)
{
    if (fl & FG_F_REGRESSION)
        return "regression";
    if (fl & FG_F_MARGINAL)
        return "marginal";
    if (fl & FG_F_IMPROVEMENT)
        return "improvement";
    if (fl & (FG_F_SIGNIFICANT | FG_F_BH))
        return "significant, small";
    return "~";
}

static void row(const struct md *m, struct fg_rw *w, enum cols c,
                const struct fg_func_result *f)
{
    char a[FG_REP_NUM], b[FG_REP_NUM], d[FG_REP_NUM], p[FG_REP_NUM];
    char q[FG_REP_NUM], ci[FG_REP_NUM * 3], nd[FG_REP_NUM];
    char rule[FG_REP_NUM * 4];
    fg_rw_adds(w, "| ");
    code(w, f->name, true, NAME_MAX_BYTES);
    if (fg_rep_show_metric(m->r))
        fg_rw_addf(w, " (%s)", fg_metric_name(f->metric));
    switch (c) {
    case COLS_FULL:
        fg_rw_addf(w, " | %s | %s | %s | %s | %s | %s | %s |\n",
                   fg_rep_pct(a, f->base_share), fg_rep_pct(b, f->cand_share),
                   fg_rep_pp(d, f->cand_share - f->base_share),
                   fg_rep_pp(nd, f->delta), fg_rep_rel_ci(ci, sizeof(ci), f),
                   (f->flags & FG_F_TESTED) ? fg_rep_p(q, fg_rep_adj_p(f))
                                            : "n/a",
                   fg_rep_rule(rule, sizeof(rule), m->r, f));
        break;
    case COLS_NEW:
        fg_rw_addf(w, " | %s |\n", fg_rep_pct(a, f->cand_share));
        break;
    case COLS_GONE:
        fg_rw_addf(w, " | %s |\n", fg_rep_pct(a, f->base_share));
        break;
    case COLS_BUDGET:
        fg_rw_addf(w, " | %s | %s |\n", fg_rep_pct(a, f->cand_share),
                   f->rule && f->rule->max_share >= 0
                       ? fg_rep_pct(b, f->rule->max_share)
                       : "n/a");
        break;
    case COLS_ALL:
        fg_rw_addf(w, " | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                   fg_rep_pct(a, f->base_share), fg_rep_pct(b, f->cand_share),
                   fg_rep_pp(d, f->cand_share - f->base_share),
                   fg_rep_pp(nd, f->delta), fg_rep_rel_ci(ci, sizeof(ci), f),
                   (f->flags & FG_F_TESTED) ? fg_rep_p(p, f->p) : "n/a",
                   (f->flags & FG_F_TESTED) ? fg_rep_p(q, fg_rep_adj_p(f))
                                            : "n/a",
                   status_word(f->flags));
        break;
    }
}

/* Rows rows[from..to) as one table; returns how many were written (the
 * rest count as omitted). */
static size_t table(struct md *m, enum cols c, const size_t *rows,
                    size_t from, size_t to)
{
    if (from >= to)
        return 0;
    struct fg_buf b;
    fg_buf_init(&b, 0);
    struct fg_rw w;
    fg_rw_init(&w, &b);
    size_t done = 0;
    struct fg_buf head;
    fg_buf_init(&head, 0);
    table_head(m, c, &head);
    row(m, &w, c, &m->r->funcs[rows[from]]);
    /* Only start the table when its head and first row fit. */
    if (fits(m, head.len + b.len + 1) && !m->full) {
        fg_rw_add(&m->w, head.data, head.len);
        m->reserved += 1; /* the newline ending the table */
        for (size_t i = from; i < to; i++) {
            if (i > from) {
                fg_buf_reset(&b);
                row(m, &w, c, &m->r->funcs[rows[i]]);
            }
            if (!put(m, &b))
                break;
            done++;
        }
        m->reserved -= 1;
        fg_rw_addc(&m->w, '\n');
    } else {
        m->full = true;
    }
    fg_buf_release(&b);
    fg_buf_release(&head);
    m->omitted += (to - from) - done;
    return done;
}

static enum cols section_cols(enum fg_rep_section s)
{
    switch (s) {
    case FG_SEC_NEW: return COLS_NEW;
    case FG_SEC_VANISHED: return COLS_GONE;
    case FG_SEC_BUDGET: return COLS_BUDGET;
    default: return COLS_FULL;
    }
}

/* Visible part of a section: the title and the first top rows. */
static void section_head(struct md *m, enum fg_rep_section s,
                         const size_t *rows, size_t n, size_t top)
{
    if (!n)
        return;
    char title[128];
    snprintf(title, sizeof(title), "**%s: %zu**\n\n",
             fg_rep_section_title(s), n);
    put_str(m, title);
    table(m, section_cols(s), rows, 0, n < top ? n : top);
}

/* Folded part of a section: the rows after the first top. */
static void section_rest(struct md *m, enum fg_rep_section s,
                         const size_t *rows, size_t n, size_t top)
{
    if (n <= top)
        return;
    char summary[160];
    snprintf(summary, sizeof(summary), "%s: %zu more",
             fg_rep_section_title(s), n - top);
    if (!details_open(m, summary)) {
        m->omitted += n - top;
        return;
    }
    table(m, section_cols(s), rows, top, n);
    details_close(m);
}

/* ---- fixed parts ---- */

static const char *verdict_symbol(enum fg_verdict v)
{
    switch (v) {
    case FG_VERDICT_PASS: return ":white_check_mark:";
    case FG_VERDICT_MARGINAL: return ":warning:";
    case FG_VERDICT_FAIL: return ":x:";
    case FG_VERDICT_INCONCLUSIVE: return ":grey_question:";
    }
    return "";
}

static void marker(struct md *m)
{
    const char *id = m->ctx->marker_id ? m->ctx->marker_id : "default";
    /* Only [A-Za-z0-9._-]: nothing can end the comment early. */
    fg_rw_adds(&m->w, "<!-- flamegate:");
    for (size_t i = 0; id[i] && i < 100; i++) {
        char c = id[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        fg_rw_addc(&m->w, ok ? c : '-');
    }
    fg_rw_adds(&m->w, " -->\n");
}

static void heading(struct md *m)
{
    const struct fg_result *r = m->r;
    fg_rw_addf(&m->w, "### %s flamegate: **%s**: ",
               verdict_symbol(r->verdict), fg_verdict_name(r->verdict));
    fg_rep_verdict_phrase(&m->w, r);
    fg_rw_adds(&m->w, "\n\n");
    if (r->reason[0]) {
        fg_rw_adds(&m->w, "**Why:** ");
        text(&m->w, r->reason, TEXT_MAX_BYTES);
        fg_rw_adds(&m->w, "\n\n");
    }
    char a[FG_REP_NUM];
    const struct fg_side *sides[2] = {&r->base, &r->cand};
    fg_rw_adds(&m->w, "<sub>");
    for (int i = 0; i < 2; i++) {
        const struct fg_side *s = sides[i];
        if (s->runs == 0)
            fg_rw_addf(&m->w, "%s: no samples &middot; ",
                       i ? "candidate" : "base");
        else
            fg_rw_addf(&m->w, "%s: %zu %s, %s samples &middot; ",
                       i ? "candidate" : "base", s->runs,
                       s->runs == 1 ? "run" : "runs",
                       fg_rep_count(a, s->total));
    }
    text(&m->w, r->sample_type ? r->sample_type : "?", 100);
    fg_rw_adds(&m->w, " (");
    text(&m->w, r->unit ? r->unit : "?", 100);
    fg_rw_addf(&m->w,
               ") &middot; metric %s &middot; %zu row%s tested</sub>\n\n",
               fg_metric_name(r->opts.metric), r->n_tested,
               r->n_tested == 1 ? "" : "s");
}

static void md_name(struct fg_rw *w, const char *s)
{
    code(w, s, false, NAME_MAX_BYTES);
}

static void md_edges(const struct md *m, struct fg_rw *w, const char *label,
                     const struct fg_finding_edge *e, size_t n, bool *first)
{
    char a[FG_REP_NUM], b[FG_REP_NUM];
    (void)m;
    if (!n)
        return;
    fg_rw_addf(w, "%s%s: ", *first ? "" : " &middot; ", label);
    *first = false;
    for (size_t i = 0; i < n && i < MAX_PEEK; i++) {
        if (i)
            fg_rw_adds(w, ", ");
        md_name(w, e[i].name);
        fg_rw_addf(w, " %s&rarr;%s", fg_rep_pct(a, e[i].base_share),
                   fg_rep_pct(b, e[i].cand_share));
    }
    if (n > MAX_PEEK)
        fg_rw_addf(w, " and %zu more", n - MAX_PEEK);
}

/* One finding: its title and rule, then one small line of what is inside
 * it, its callers and callees, and the ancestors it explains. */
static void finding(const struct md *m, struct fg_rw *w, size_t i)
{
    const struct fg_result *r = m->r;
    const struct fg_finding *f = &r->findings[i];
    char a[FG_REP_NUM], rule[FG_REP_NUM * 4];
    fg_rw_addf(w, "%zu. %s ", i + 1,
               f->level == FG_VERDICT_FAIL ? ":x:" : ":warning:");
    fg_rep_finding_title(w, r, f, md_name);
    fg_rw_addf(w, " &mdash; %s\n",
               fg_rep_rule(rule, sizeof(rule), r, &r->funcs[f->row]));
    bool first = true;
    if (!f->n_members && !f->n_callers && !f->n_callees && !f->n_context)
        return;
    fg_rw_adds(w, "   <sub>");
    if (f->n_members) {
        fg_rw_adds(w, "inside: ");
        for (size_t j = 0; j < f->n_members && j < MAX_MEMBERS; j++) {
            const struct fg_func_result *g = &r->funcs[f->members[j]];
            if (j)
                fg_rw_adds(w, ", ");
            md_name(w, g->name);
            fg_rw_addf(w, " %s%s", fg_rep_pp(a, g->cand_share - g->base_share),
                       g->flags & FG_F_NEW ? " (new)" : "");
        }
        if (f->n_members > MAX_MEMBERS)
            fg_rw_addf(w, " and %zu more", f->n_members - MAX_MEMBERS);
        first = false;
    }
    md_edges(m, w, "callers", f->callers, f->n_callers, &first);
    md_edges(m, w, "callees", f->callees, f->n_callees, &first);
    if (f->n_context) {
        fg_rw_addf(w, "%sexplains the rise of: ", first ? "" : " &middot; ");
        first = false;
        for (size_t j = 0; j < f->n_context && j < MAX_MEMBERS; j++) {
            if (j)
                fg_rw_adds(w, ", ");
            md_name(w, r->funcs[f->context[j]].name);
        }
        if (f->n_context > MAX_MEMBERS)
            fg_rw_addf(w, " and %zu more", f->n_context - MAX_MEMBERS);
    }
    fg_rw_adds(w, "</sub>\n");
}

static void findings(struct md *m)
{
    const struct fg_result *r = m->r;
    if (!r->n_findings)
        return;
    char title[64];
    snprintf(title, sizeof(title), "**Findings: %zu**\n\n", r->n_findings);
    put_str(m, title);
    struct fg_buf b;
    fg_buf_init(&b, 0);
    struct fg_rw w;
    fg_rw_init(&w, &b);
    size_t done = 0;
    for (size_t i = 0; i < r->n_findings; i++) {
        fg_buf_reset(&b);
        finding(m, &w, i);
        if (!put(m, &b))
            break;
        done++;
    }
    fg_buf_release(&b);
    m->omitted += r->n_findings - done;
    put_str(m, "\n");
}

/* When nothing is flagged, still show what moved most. */
static void moves(struct md *m, size_t top)
{
    size_t n;
    size_t *rows = fg_rep_top_moves(m->r, top, &n);
    if (n) {
        char title[96];
        snprintf(title, sizeof(title),
                 "**Largest moves (none significant): %zu**\n\n", n);
        put_str(m, title);
        table(m, COLS_FULL, rows, 0, n);
    }
    free(rows);
}

/* Environment-driven rows that moved: they need a larger change to fail. */
static void environment(struct md *m)
{
    const struct fg_result *r = m->r;
    char a[FG_REP_NUM], b[FG_REP_NUM], c[FG_REP_NUM], d[FG_REP_NUM];
    struct fg_buf buf;
    fg_buf_init(&buf, 0);
    struct fg_rw w;
    fg_rw_init(&w, &buf);
    size_t shown = 0;
    for (size_t i = 0; i < r->n_funcs && shown < MAX_ENV; i++) {
        const struct fg_func_result *f = &r->funcs[i];
        if ((f->flags & (FG_F_ENV | FG_F_TESTED)) != (FG_F_ENV | FG_F_TESTED) ||
            !(f->fail_ratio > 0) || fabs(log(fmax(f->ratio, 1e-9))) < 0.2)
            continue;
        if (!shown++)
            fg_rw_adds(&w, "**Environment-driven functions** (their share "
                           "follows the machine; they need a larger change "
                           "to fail)\n\n");
        fg_rw_adds(&w, "- ");
        md_name(&w, f->name);
        fg_rw_addf(&w, " (%s) %s &rarr; %s (%s): `%s` frames, %s\n",
                   fg_metric_name(f->metric), fg_rep_pct(a, f->base_share),
                   fg_rep_pct(b, f->cand_share), fg_rep_rel(c, f->ratio),
                   f->env_family, fg_rep_env_fail(d, sizeof(d), f));
    }
    if (shown) {
        fg_rw_addc(&w, '\n');
        if (!put(m, &buf))
            m->omitted += shown;
    }
    fg_buf_release(&buf);
}

static void warnings(struct md *m)
{
    const struct fg_result *r = m->r;
    if (!r->n_warnings)
        return;
    put_str(m, "**Warnings**\n\n");
    struct fg_buf b;
    fg_buf_init(&b, 0);
    struct fg_rw w;
    fg_rw_init(&w, &b);
    size_t shown = 0, want = r->n_warnings;
    if (want > MAX_WARNINGS)
        want = MAX_WARNINGS;
    for (size_t i = 0; i < want; i++) {
        fg_buf_reset(&b);
        fg_rw_adds(&w, "- :warning: ");
        text(&w, r->warnings[i] ? r->warnings[i] : "", TEXT_MAX_BYTES);
        fg_rw_addc(&w, '\n');
        if (!put(m, &b))
            break;
        shown++;
    }
    fg_buf_release(&b);
    m->omitted += want - shown;
    if (shown == want && want < r->n_warnings) {
        char more[96];
        snprintf(more, sizeof(more),
                 "- and %zu more (the JSON report lists them all)\n",
                 r->n_warnings - want);
        put_str(m, more);
    }
    put_str(m, "\n");
}

static void sources_cell(struct fg_rw *w, const struct fg_side *s)
{
    char c[FG_REP_NUM];
    if (s->runs == 0) {
        fg_rw_adds(w, "no samples (no profile of this side holds any)");
        return;
    }
    fg_rw_addf(w, "%zu %s, %s samples", s->runs,
               s->runs == 1 ? "run" : "runs", fg_rep_count(c, s->total));
    for (size_t i = 0; i < s->runs && i < MAX_SOURCES; i++) {
        fg_rw_adds(w, i ? ", " : ": ");
        code(w, s->sources && s->sources[i] ? s->sources[i] : "-", true,
             NAME_MAX_BYTES);
    }
    if (s->runs > MAX_SOURCES)
        fg_rw_addf(w, " and %zu more", s->runs - MAX_SOURCES);
}

static void rules_cell(struct fg_rw *w, const struct fg_compare_opts *o)
{
    static const char *const kind[] = {"ignore", "focus", "threshold"};
    char a[FG_REP_NUM];
    for (size_t i = 0; i < o->n_rules && o->rules; i++) {
        const struct fg_rule *rule = &o->rules[i];
        fg_rw_addf(w, "%s%s%s ", i ? "; " : "",
                   (size_t)rule->kind < 3 ? kind[rule->kind] : "?",
                   rule->preset ? " preset" : "");
        code(w, rule->preset    ? rule->preset
                : rule->pattern ? rule->pattern
                                : "",
             true, NAME_MAX_BYTES);
        if (rule->min_change >= 0)
            fg_rw_addf(w, " min change %s",
                       fg_rep_rel(a, 1 + rule->min_change));
        if (rule->min_delta >= 0)
            fg_rw_addf(w, " min delta %s", fg_rep_pp(a, rule->min_delta));
        if (rule->max_share >= 0)
            fg_rw_addf(w, " budget %s", fg_rep_pct(a, rule->max_share));
    }
}

static void method(struct md *m)
{
    const struct fg_result *r = m->r;
    const struct fg_compare_opts *o = &r->opts;
    char a[FG_REP_NUM], b[FG_REP_NUM], c[FG_REP_NUM], d[FG_REP_NUM];
    struct fg_buf buf;
    fg_buf_init(&buf, 0);
    struct fg_rw w;
    fg_rw_init(&w, &buf);
    fg_rw_adds(&w, "| | |\n|:---|:---|\n| base | ");
    sources_cell(&w, &r->base);
    fg_rw_adds(&w, " |\n| candidate | ");
    sources_cell(&w, &r->cand);
    fg_rw_adds(&w, " |\n| profile | ");
    text(&w, r->sample_type ? r->sample_type : "?", 100);
    fg_rw_adds(&w, " (");
    text(&w, r->unit ? r->unit : "?", 100);
    fg_rw_adds(&w, "); tests count ");
    text(&w, r->count_type ? r->count_type : "?", 100);
    fg_rw_addf(&w, "; metric %s |\n", fg_metric_name(o->metric));
    fg_rw_addf(&w, "| test | %s (%s) |\n", fg_rep_test_desc(r->test),
               fg_test_name(r->test));
    fg_rw_addf(&w, "| normalization | %s", fg_normalize_name(r->normalize));
    if (r->normalize != o->normalize)
        fg_rw_addf(&w, " (%s requested)", fg_normalize_name(o->normalize));
    fg_rw_addf(&w, ", size ratio %s", fg_rep_num(a, r->r));
    fg_rw_addf(&w, ", %s", fg_rep_noise(a, r));
    if (r->test == FG_TEST_MODERATED && r->prior_df > 0)
        fg_rw_addf(&w, ", prior df %s, prior variance %s",
                   fg_rep_num(a, r->prior_df), fg_rep_num(b, r->prior_var));
    fg_rw_addf(&w, " |\n| gates | FAIL needs Holm-adjusted p &lt; %s, change "
                   "&ge; %s and &ge; %s; MARGINAL: BH-adjusted p &lt; %s |\n",
               fg_rep_num(a, o->alpha), fg_rep_rel(b, 1 + o->min_change),
               fg_rep_pp(c, o->min_delta), fg_rep_num(d, o->alpha));
    fg_rw_addf(&w, "| tested | share &ge; %s and count &ge; %lld: %zu of %zu "
                   "function%s%s; INCONCLUSIVE below %lld samples per side "
                   "|\n",
               fg_rep_pct(a, o->min_share), (long long)o->min_count,
               r->n_tested, r->n_funcs, r->n_funcs == 1 ? "" : "s",
               fg_rep_gate(b, r),
               (long long)o->min_samples);
    char env[FG_REP_ENV];
    if (fg_rep_env(env, r))
        fg_rw_addf(&w, "| environment | %s |\n", env);
    fg_rw_addf(&w, "| detectable | base %s, candidate %s: %s",
               fg_rep_mde(a, r->base.mde), fg_rep_mde(b, r->cand.mde),
               FG_REP_MDE_SAMPLING);
    if (r->noise_var > 0)
        fg_rw_addf(&w, "; %s %s", fg_rep_mde(a, r->mde_noise),
                   FG_REP_MDE_NOISE);
    fg_rw_adds(&w, " |\n");
    if (o->n_rules && o->rules) {
        fg_rw_adds(&w, "| rules | ");
        rules_cell(&w, o);
        fg_rw_adds(&w, " |\n");
    }
    fg_rw_addf(&w, "\nColumns: *base*, *candidate* = share of all samples on "
                   "that side; *change* = candidate minus base in percentage "
                   "points (pp); *norm.* = the change after normalization, "
                   "which the gates use; *relative* = normalized ratio with "
                   "its %s interval; *adj. p* = p-value corrected for testing "
                   "many rows (Holm; BH for marginal rows); *rule* = why a "
                   "row fails or is marginal. (flat) = self time, (cum) = "
                   "inclusive time.\n\n",
               fg_rep_ci_level(a, r));
    if (details_open(m, "Method and settings")) {
        put(m, &buf);
        details_close(m);
    }
    fg_buf_release(&buf);
}

static void all_tested(struct md *m)
{
    const struct fg_result *r = m->r;
    size_t *rows = fg_xmalloc((r->n_funcs ? r->n_funcs : 1) * sizeof(size_t));
    size_t n = 0;
    for (size_t i = 0; i < r->n_funcs; i++) {
        if (r->funcs[i].flags & FG_F_TESTED)
            rows[n++] = i;
    }
    char summary[96];
    snprintf(summary, sizeof(summary), "All tested functions: %zu", n);
    if (n && details_open(m, summary)) {
        table(m, COLS_ALL, rows, 0, n);
        details_close(m);
    } else {
        m->omitted += n;
    }
    free(rows);
}

static void footer(const struct md *m, struct fg_buf *out)
{
    struct fg_rw w;
    fg_rw_init(&w, out);
    fg_rw_addf(&w, "<sub>flamegate %s &middot; settings: ",
               fg_rep_version(m->ctx));
    code(&w, fg_rep_settings(m->ctx), false, SETTINGS_MAX_BYTES);
    fg_rw_adds(&w, "</sub>\n");
}

int fg_report_markdown(const struct fg_report_ctx *ctx, struct fg_buf *out,
                       struct fg_error *err)
{
    if (!ctx->result)
        return fg_error_set(err, FG_EUSAGE,
                            "the markdown report needs a comparison result");
    struct md m = {.ctx = ctx, .r = ctx->result};
    fg_rw_init(&m.w, out);
    size_t max = ctx->md_max_bytes ? ctx->md_max_bytes
                                   : FG_REPORT_MD_MAX_DEFAULT;
    if (max < FG_REPORT_MD_MIN)
        max = FG_REPORT_MD_MIN;
    m.limit = out->len + max;
    struct fg_buf foot;
    fg_buf_init(&foot, 0);
    footer(&m, &foot);
    m.reserved = foot.len + NOTE_RESERVE;

    marker(&m);
    heading(&m);
    findings(&m);
    size_t *rows[FG_SEC_COUNT];
    size_t n[FG_SEC_COUNT];
    for (int s = 0; s < FG_SEC_COUNT; s++)
        rows[s] = fg_rep_section_rows(m.r, (enum fg_rep_section)s, &n[s]);
    bool any = false;
    for (int s = 0; s < FG_SEC_COUNT; s++) {
        section_head(&m, (enum fg_rep_section)s, rows[s], n[s],
                     fg_rep_top(ctx, (enum fg_rep_section)s,
                                FG_REPORT_TOP_MD));
        any |= n[s] > 0;
    }
    if (!any && fg_rep_empty_side(m.r)) {
        char why[64];
        snprintf(why, sizeof(why),
                 "Nothing was compared: the %s has no samples.\n\n",
                 fg_rep_empty_side(m.r));
        put_str(&m, why);
    } else if (!any) {
        put_str(&m, "No function changed significantly.\n\n");
        moves(&m, fg_rep_top(ctx, FG_SEC_REGRESSION, FG_REPORT_TOP_MD));
    }
    environment(&m);
    warnings(&m);
    for (int s = 0; s < FG_SEC_COUNT; s++)
        section_rest(&m, (enum fg_rep_section)s, rows[s], n[s],
                     fg_rep_top(ctx, (enum fg_rep_section)s,
                                FG_REPORT_TOP_MD));
    method(&m);
    all_tested(&m);
    for (int s = 0; s < FG_SEC_COUNT; s++)
        free(rows[s]);

    if (m.omitted)
        fg_rw_addf(&m.w,
                   "*%zu row%s left out to stay under GitHub's "
                   "65,536-character limit; the JSON report has every "
                   "row.*\n\n",
                   m.omitted, m.omitted == 1 ? "" : "s");
    fg_rw_add(&m.w, foot.data, foot.len);
    fg_buf_release(&foot);
    return fg_rw_finish(&m.w, "markdown", err);
}
