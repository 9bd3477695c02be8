/*
 * report_html.c - one self-contained HTML file: the verdict, a
 * differential flame graph (icicle: root at the top, as Pyroscope and
 * Parca draw it) and the results tables.  No network access: the style
 * and script are embedded (report_html_assets.h), fonts are the system's.
 *
 * Frame width is the node's share of the candidate; colour is the change
 * of the node's share (candidate share - base share): red for growth,
 * blue for shrinkage, darker for larger changes, but only for functions
 * the comparison found significant; everything else is beige, and frames
 * of new functions are purple.  Shares (value / side total) make sides
 * with different totals comparable.
 *
 * Size: nodes whose candidate value is below FG_REPORT_HTML_PRUNE of the
 * candidate total are folded, per parent, into one "(other)" node (the
 * threshold doubles until at most FG_REPORT_HTML_MAX_NODES remain), and
 * the script merges sibling frames narrower than a pixel when drawing.
 * The data is JSON in <script type="application/json"> with '<', '>' and
 * '&' written as \u escapes, so no name can close the script element.
 */
#include "flamegate/report.h"
#include "core/util.h"
#include "report/report_html_assets.h"
#include "report/report_common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Function status codes shared with the script (report_html_assets.h). */
enum { ST_NONE, ST_REG, ST_MARG, ST_IMPR, ST_SIG, ST_UNCHANGED };

struct html {
    struct fg_rw w;
    const struct fg_report_ctx *ctx;
    const struct fg_result *r;
};

static void esc(struct html *h, const char *s)
{
    fg_rep_html_escape(&h->w, s, strlen(s));
}

/* ---- embedded data ---- */

/* JSON string of the display form of s[0..len). */
static void json_str(struct fg_rw *w, const char *s, size_t len)
{
    struct fg_buf tmp;
    fg_buf_init(&tmp, 0);
    struct fg_rw t;
    fg_rw_init(&t, &tmp);
    fg_rep_escape(&t, s, len, false);
    fg_rw_addc(w, '"');
    for (size_t i = 0; i < tmp.len; i++) {
        char c = tmp.data[i];
        switch (c) {
        case '"': fg_rw_adds(w, "\\\""); break;
        case '\\': fg_rw_adds(w, "\\\\"); break;
        case '<': fg_rw_adds(w, "\\u003c"); break;
        case '>': fg_rw_adds(w, "\\u003e"); break;
        case '&': fg_rw_adds(w, "\\u0026"); break;
        default: fg_rw_addc(w, c); break;
        }
    }
    fg_rw_addc(w, '"');
    fg_buf_release(&tmp);
}

static void json_num(struct fg_rw *w, double v)
{
    if (isfinite(v))
        fg_rw_addf(w, "%.6g", v);
    else
        fg_rw_adds(w, "null");
}

/* Smallest candidate value kept in the embedded tree. */
static int64_t prune_threshold(const struct fg_flame *f)
{
    double t = ceil(FG_REPORT_HTML_PRUNE * (double)f->cand_total);
    int64_t thr = t < 1 ? 1 : (int64_t)t;
    for (;;) {
        size_t kept = 0;
        for (size_t i = 1; i < f->n_nodes; i++)
            kept += f->nodes[i].cand >= thr;
        if (kept <= FG_REPORT_HTML_MAX_NODES || thr > INT64_MAX / 2)
            return thr;
        thr *= 2;
    }
}

struct emit {
    uint32_t node;
    int64_t parent; /* emitted index of the parent */
    bool other;     /* the "(other)" node of node's pruned children */
};

static int name_status(unsigned fl)
{
    if (fl & FG_F_REGRESSION)
        return ST_REG;
    if (fl & FG_F_MARGINAL)
        return ST_MARG;
    if (fl & FG_F_IMPROVEMENT)
        return ST_IMPR;
    if (fl & (FG_F_SIGNIFICANT | FG_F_BH))
        return ST_SIG;
    if (fl & FG_F_TESTED)
        return ST_UNCHANGED;
    return ST_NONE;
}

/* The "funcs" array: per emitted name, the combined status and the
 * numbers of the first (most significant) row of that name. */
static void data_funcs(struct html *h, const struct fg_flame *f,
                       const uint32_t *names, size_t n_names)
{
    const struct fg_result *r = h->r;
    const struct fg_func_result **first =
        fg_xcalloc(n_names + 1, sizeof(*first));
    unsigned *flags = fg_xcalloc(n_names + 1, sizeof(unsigned));
    /* The rows are looked up among the emitted names only (id e in this
     * table is emitted name e): a table of the tree's names has every
     * function, and 335,000 rows probing it at random took longer than
     * the rest of the page. */
    struct fg_strtab emitted;
    fg_strtab_init(&emitted);
    for (size_t e = 0; e < n_names; e++) {
        uint32_t id = names[e];
        fg_strtab_intern_hashed(&emitted, f->names.strs[id], f->names.lens[id],
                                f->names.hashes[id]);
    }
    for (size_t i = 0; i < r->n_funcs; i++) {
        const struct fg_func_result *fr = &r->funcs[i];
        if (fr->flags & FG_F_IGNORED)
            continue;
        uint32_t e = fg_strtab_find(&emitted, fr->name, strlen(fr->name));
        if (e == UINT32_MAX)
            continue;
        if (!first[e])
            first[e] = fr;
        flags[e] |= fr->flags;
    }
    fg_strtab_release(&emitted);
    fg_rw_adds(&h->w, ",\n\"funcs\":[");
    bool comma = false;
    for (size_t e = 0; e < n_names; e++) {
        const struct fg_func_result *fr = first[e];
        if (!fr)
            continue;
        fg_rw_addf(&h->w, "%s\n[%zu,%d,%d,", comma ? "," : "", e,
                   name_status(flags[e]), (flags[e] & FG_F_NEW) ? 1 : 0);
        comma = true;
        const double v[] = {fr->base_share, fr->cand_share, fr->ratio,
                            fr->ratio_lo, fr->ratio_hi, fg_rep_adj_p(fr)};
        for (size_t j = 0; j < sizeof(v) / sizeof(*v); j++) {
            if (j)
                fg_rw_addc(&h->w, ',');
            json_num(&h->w, v[j]);
        }
        fg_rw_addc(&h->w, ']');
    }
    fg_rw_adds(&h->w, "]");
    free(first);
    free(flags);
}

/* [parent, name, base, cand] or, for "(other)" (name -2), also the
 * number of frames it stands for. */
static void emit_node(struct html *h, int64_t parent, long name, int64_t b,
                      int64_t c, bool comma, long count)
{
    fg_rw_addf(&h->w, "%s\n[%lld,%ld,%lld,%lld", comma ? "," : "",
               (long long)parent, name, (long long)b, (long long)c);
    if (count >= 0)
        fg_rw_addf(&h->w, ",%ld", count);
    fg_rw_addc(&h->w, ']');
}

static void data_nodes(struct html *h, const struct fg_flame *f,
                       uint32_t *name_map, uint32_t *names, size_t *n_names)
{
    int64_t thr = prune_threshold(f);
    struct emit *stack = fg_xmalloc(2 * f->n_nodes * sizeof(*stack));
    size_t sp = 0;
    int64_t emitted = 0;
    stack[sp++] = (struct emit){0, -1, false};
    fg_rw_adds(&h->w, "\"nodes\":[");
    while (sp && h->w.rc == FG_OK) {
        struct emit e = stack[--sp];
        const struct fg_flame_node *n = &f->nodes[e.node];
        const uint32_t *kids = f->kids + n->child_start;
        if (e.other) {
            int64_t b = 0, c = 0;
            uint32_t count = 0;
            for (uint32_t i = 0; i < n->n_children; i++) {
                const struct fg_flame_node *k = &f->nodes[kids[i]];
                if (k->cand < thr) {
                    b += k->base;
                    c += k->cand;
                    count++;
                }
            }
            emit_node(h, e.parent, -2, b, c, true, (long)count);
            emitted++;
            continue;
        }
        long name = -1;
        if (n->name != FG_FLAME_NONE) {
            if (name_map[n->name] == FG_FLAME_NONE) {
                name_map[n->name] = (uint32_t)*n_names;
                names[(*n_names)++] = n->name;
            }
            name = (long)name_map[n->name];
        }
        emit_node(h, e.parent, name, n->base, n->cand, emitted > 0, -1);
        int64_t self = emitted++;
        /* Pushed in reverse so children come out in name order, with the
         * "(other)" node (pushed first) last among its siblings. */
        bool pruned = false;
        for (uint32_t i = 0; i < n->n_children; i++)
            pruned |= f->nodes[kids[i]].cand < thr;
        if (pruned)
            stack[sp++] = (struct emit){e.node, self, true};
        for (uint32_t i = n->n_children; i-- > 0;) {
            if (f->nodes[kids[i]].cand >= thr)
                stack[sp++] = (struct emit){kids[i], self, false};
        }
    }
    fg_rw_adds(&h->w, "]");
    free(stack);
}

static void data(struct html *h)
{
    const struct fg_flame *f = h->ctx->flame;
    char pct[FG_REP_NUM];
    fg_rw_adds(&h->w, "<script type=\"application/json\" id=\"fg-data\">{");
    if (!f) {
        fg_rw_adds(&h->w, "\"nodes\":[],\"names\":[],\"funcs\":[]}</script>\n");
        return;
    }
    uint32_t *name_map = fg_xmalloc((f->names.n + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < f->names.n; i++)
        name_map[i] = FG_FLAME_NONE;
    uint32_t *names = fg_xmalloc((f->names.n + 1) * sizeof(uint32_t));
    size_t n_names = 0;
    fg_rw_adds(&h->w, "\"type\":");
    json_str(&h->w, f->sample_type, strlen(f->sample_type));
    fg_rw_adds(&h->w, ",\"unit\":");
    json_str(&h->w, f->unit, strlen(f->unit));
    fg_rw_addf(&h->w, ",\"baseTotal\":%lld,\"candTotal\":%lld,",
               (long long)f->base_total, (long long)f->cand_total);
    fg_rw_adds(&h->w, "\"pruneLabel\":");
    fg_rep_pct(pct, FG_REPORT_HTML_PRUNE);
    json_str(&h->w, pct, strlen(pct));
    fg_rw_adds(&h->w, ",\n");
    data_nodes(h, f, name_map, names, &n_names);
    fg_rw_adds(&h->w, ",\n\"names\":[");
    for (size_t i = 0; i < n_names; i++) {
        fg_rw_adds(&h->w, i ? ",\n" : "\n");
        json_str(&h->w, f->names.strs[names[i]], f->names.lens[names[i]]);
    }
    fg_rw_adds(&h->w, "]");
    data_funcs(h, f, names, n_names);
    fg_rw_adds(&h->w, "}</script>\n");
    free(name_map);
    free(names);
}

/* ---- page ---- */

static void head(struct html *h)
{
    fg_rw_adds(&h->w, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                      "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
                      "content=\"width=device-width, initial-scale=1\">\n"
                      "<meta name=\"generator\" content=\"flamegate ");
    esc(h, fg_rep_version(h->ctx));
    fg_rw_addf(&h->w, "\">\n<title>flamegate %s: ",
               fg_verdict_name(h->r->verdict));
    fg_rep_verdict_phrase(&h->w, h->r);
    fg_rw_adds(&h->w, "</title>\n<style>\n");
    for (size_t i = 0; html_css[i]; i++)
        fg_rw_adds(&h->w, html_css[i]);
    fg_rw_adds(&h->w, "</style>\n</head>\n");
}

static void side_text(struct html *h, const char *label,
                      const struct fg_side *s)
{
    char c[FG_REP_NUM];
    if (s->runs == 0)
        fg_rw_addf(&h->w, "%s: no samples", label);
    else
        fg_rw_addf(&h->w, "%s: %zu %s, %s samples", label, s->runs,
                   s->runs == 1 ? "run" : "runs", fg_rep_count(c, s->total));
}

static void verdict(struct html *h)
{
    const struct fg_result *r = h->r;
    const char *v = fg_verdict_name(r->verdict);
    fg_rw_addf(&h->w, "<body>\n<header class=\"verdict v-%s\">\n<h1>"
                      "<span class=\"badge\">%s</span> <span>", v, v);
    fg_rep_verdict_phrase(&h->w, r);
    fg_rw_adds(&h->w, "</span></h1>\n");
    if (r->reason[0]) {
        fg_rw_adds(&h->w, "<p class=\"reason\">");
        esc(h, r->reason);
        fg_rw_adds(&h->w, "</p>\n");
    }
    fg_rw_adds(&h->w, "<p class=\"compared\">");
    side_text(h, "base", &r->base);
    fg_rw_adds(&h->w, " &middot; ");
    side_text(h, "candidate", &r->cand);
    fg_rw_adds(&h->w, " &middot; ");
    esc(h, r->sample_type ? r->sample_type : "?");
    fg_rw_adds(&h->w, " (");
    esc(h, r->unit ? r->unit : "?");
    fg_rw_addf(&h->w, ") &middot; metric %s &middot; %s normalization "
                      "&middot; %s test &middot; %zu row%s tested</p>\n"
                      "</header>\n",
               fg_metric_name(r->opts.metric),
               fg_normalize_name(r->normalize),
               fg_test_name(r->test), r->n_tested,
               r->n_tested == 1 ? "" : "s");
}

static void graph(struct html *h)
{
    fg_rw_adds(&h->w, "<section id=\"graph\">\n<h2>Differential flame "
                      "graph</h2>\n");
    if (!h->ctx->flame) {
        fg_rw_adds(&h->w, "<p class=\"note\">No flame graph: the stacks "
                          "of the profiles were not available.</p>\n");
    }
    fg_rw_adds(
        &h->w,
        "<div class=\"toolbar\"><input id=\"search\" type=\"search\" "
        "placeholder=\"Search functions (regular expression)\" "
        "aria-label=\"search functions\"> <button id=\"reset\" "
        "type=\"button\">Reset zoom</button> <span id=\"status\"></span>"
        "</div>\n<div class=\"legend\"><span>Width: share of the "
        "candidate's samples.</span><span><i class=\"sw-up\"></i>share "
        "grew</span><span><i class=\"sw-down\"></i>share shrank</span>"
        "<span><i class=\"sw-ns\"></i>no significant change</span><span>"
        "<i class=\"sw-new\"></i>new function</span><span>Colours only for "
        "functions with a significant change; darker = larger change."
        "</span></div>\n<div id=\"crumbs\"></div>\n<div id=\"flame\" "
        "role=\"img\" aria-label=\"differential flame graph\"></div>\n"
        "<div id=\"tip\" hidden></div>\n<div id=\"fg-error\" class=\"err\" "
        "hidden></div>\n<noscript><p class=\"note\">The flame graph needs "
        "JavaScript; the tables below do not.</p></noscript>\n"
        "</section>\n");
}

static const char *row_class(unsigned fl)
{
    if (fl & FG_F_REGRESSION)
        return "s-regression";
    if (fl & FG_F_MARGINAL)
        return "s-marginal";
    if (fl & FG_F_IMPROVEMENT)
        return "s-improvement";
    return "s-other";
}

static void table_row(struct html *h, const struct fg_func_result *f,
                      enum fg_rep_section s)
{
    char a[FG_REP_NUM], b[FG_REP_NUM], d[FG_REP_NUM], q[FG_REP_NUM];
    char ci[FG_REP_NUM * 3];
    fg_rw_addf(&h->w, "<tr class=\"%s\" data-name=\"", row_class(f->flags));
    esc(h, f->name);
    fg_rw_adds(&h->w, "\"><td class=\"fn\"><code>");
    esc(h, f->name);
    fg_rw_adds(&h->w, "</code>");
    if (fg_rep_show_metric(h->r))
        fg_rw_addf(&h->w, " (%s)", fg_metric_name(f->metric));
    fg_rw_adds(&h->w, "</td>");
    if (s == FG_SEC_BUDGET) {
        fg_rw_addf(&h->w, "<td>%s</td><td>%s</td>",
                   fg_rep_pct(a, f->cand_share),
                   f->rule && f->rule->max_share >= 0
                       ? fg_rep_pct(b, f->rule->max_share)
                       : "n/a");
    } else {
        fg_rw_addf(&h->w, "<td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                          "<td>%s</td>",
                   fg_rep_pct(a, f->base_share), fg_rep_pct(b, f->cand_share),
                   fg_rep_pp(d, f->delta), fg_rep_rel_ci(ci, sizeof(ci), f),
                   (f->flags & FG_F_TESTED) ? fg_rep_p(q, fg_rep_adj_p(f))
                                            : "untested");
    }
    fg_rw_adds(&h->w, "</tr>\n");
}

static void table_head(struct html *h, const char *title, size_t n,
                       bool budget)
{
    char lv[FG_REP_NUM];
    fg_rw_adds(&h->w, "<h2>");
    esc(h, title);
    fg_rw_addf(&h->w, " (%zu)</h2>\n<table class=\"res\"><thead><tr>"
                      "<th class=\"fn\">function</th>", n);
    if (budget)
        fg_rw_adds(&h->w, "<th>candidate</th><th>budget</th>");
    else
        fg_rw_addf(&h->w, "<th>base</th><th>candidate</th><th>change</th>"
                          "<th>relative (%s CI)</th><th>adj. p</th>",
                   fg_rep_ci_level(lv, h->r));
    fg_rw_adds(&h->w, "</tr></thead><tbody>\n");
}

static void html_name(struct fg_rw *w, const char *s)
{
    fg_rw_adds(w, "<code>");
    fg_rep_html_escape(w, s, strlen(s));
    fg_rw_adds(w, "</code>");
}

/* The findings, each with a button that highlights its functions (the
 * root and what is inside it) in the flame graph and the tables, through
 * the search box. */
static void findings(struct html *h)
{
    const struct fg_result *r = h->r;
    if (!r->n_findings)
        return;
    char rule[FG_REP_NUM * 4];
    fg_rw_addf(&h->w, "<section id=\"findings\">\n<h2>Findings (%zu)</h2>\n"
                      "<ol>\n",
               r->n_findings);
    struct fg_buf names;
    fg_buf_init(&names, 0);
    for (size_t i = 0; i < r->n_findings; i++) {
        const struct fg_finding *f = &r->findings[i];
        fg_buf_reset(&names);
        struct fg_rw nw;
        fg_rw_init(&nw, &names);
        fg_rw_addc(&nw, '[');
        const char *root = r->funcs[f->row].name;
        json_str(&nw, root, strlen(root));
        for (size_t j = 0; j < f->n_members; j++) {
            const char *m = r->funcs[f->members[j]].name;
            fg_rw_addc(&nw, ',');
            json_str(&nw, m, strlen(m));
        }
        fg_rw_addc(&nw, ']');
        fg_rw_addf(&h->w, "<li class=\"%s\"><button class=\"hl-finding\" "
                          "type=\"button\" data-names=\"",
                   f->level == FG_VERDICT_FAIL ? "reg" : "marg");
        esc(h, names.data ? names.data : "[]");
        fg_rw_addf(&h->w, "\">show</button> <strong>%s</strong> ",
                   f->level == FG_VERDICT_FAIL ? "FAIL" : "MARGINAL");
        fg_rep_finding_title(&h->w, r, f, html_name);
        fg_rw_adds(&h->w, " &mdash; ");
        esc(h, fg_rep_rule(rule, sizeof(rule), r, &r->funcs[f->row]));
        if (f->n_members)
            fg_rw_addf(&h->w, " <span class=\"note\">(%zu more function%s "
                              "inside)</span>",
                       f->n_members, f->n_members == 1 ? "" : "s");
        fg_rw_adds(&h->w, "</li>\n");
    }
    fg_buf_release(&names);
    fg_rw_adds(&h->w, "</ol>\n</section>\n");
}

static void results(struct html *h)
{
    const struct fg_result *r = h->r;
    fg_rw_adds(&h->w, "<section id=\"results\">\n");
    bool *listed = fg_xcalloc(r->n_funcs + 1, sizeof(bool));
    bool any = false;
    for (int s = 0; s < FG_SEC_COUNT; s++) {
        size_t n;
        size_t *rows = fg_rep_section_rows(r, (enum fg_rep_section)s, &n);
        if (n) {
            any = true;
            table_head(h, fg_rep_section_title((enum fg_rep_section)s), n,
                       s == FG_SEC_BUDGET);
            for (size_t i = 0; i < n; i++) {
                table_row(h, &r->funcs[rows[i]], (enum fg_rep_section)s);
                listed[rows[i]] = true;
            }
            fg_rw_adds(&h->w, "</tbody></table>\n");
        }
        free(rows);
    }
    if (!any && fg_rep_empty_side(r))
        fg_rw_addf(&h->w, "<p>Nothing was compared: the %s has no "
                          "samples.</p>\n", fg_rep_empty_side(r));
    else if (!any)
        fg_rw_adds(&h->w, "<p>No function changed significantly.</p>\n");
    size_t others = 0;
    for (size_t i = 0; i < r->n_funcs; i++)
        others += !listed[i] && (r->funcs[i].flags & FG_F_TESTED) &&
                  !(r->funcs[i].flags & FG_F_IGNORED);
    if (others) {
        table_head(h, "Other tested functions", others, false);
        size_t shown = 0;
        for (size_t i = 0; i < r->n_funcs; i++) {
            const struct fg_func_result *f = &r->funcs[i];
            if (listed[i] || !(f->flags & FG_F_TESTED) ||
                (f->flags & FG_F_IGNORED))
                continue;
            if (shown++ == FG_REPORT_HTML_OTHER_ROWS)
                break;
            table_row(h, f, FG_SEC_COUNT);
        }
        fg_rw_adds(&h->w, "</tbody></table>\n");
        if (others > FG_REPORT_HTML_OTHER_ROWS)
            fg_rw_addf(&h->w, "<p class=\"note\">%zu more in the JSON "
                              "report.</p>\n",
                       others - FG_REPORT_HTML_OTHER_ROWS);
    }
    free(listed);
    if (r->n_warnings) {
        fg_rw_adds(&h->w, "<h2>Warnings</h2>\n<ul class=\"warn\">\n");
        for (size_t i = 0; i < r->n_warnings; i++) {
            fg_rw_adds(&h->w, "<li>");
            esc(h, r->warnings[i] ? r->warnings[i] : "");
            fg_rw_adds(&h->w, "</li>\n");
        }
        fg_rw_adds(&h->w, "</ul>\n");
    }
    fg_rw_adds(&h->w, "</section>\n");
}

static void method_side(struct html *h, const char *label,
                        const struct fg_side *s)
{
    char c[FG_REP_NUM];
    if (s->runs == 0)
        fg_rw_addf(&h->w, "<tr><th>%s</th><td>no samples (no profile of "
                          "this side holds any)", label);
    else
        fg_rw_addf(&h->w, "<tr><th>%s</th><td>%zu %s, %s samples", label,
                   s->runs, s->runs == 1 ? "run" : "runs",
                   fg_rep_count(c, s->total));
    for (size_t i = 0; s->sources && i < s->runs; i++) {
        fg_rw_adds(&h->w, i ? ", <code>" : ": <code>");
        esc(h, s->sources[i] ? s->sources[i] : "-");
        fg_rw_adds(&h->w, "</code>");
    }
    fg_rw_adds(&h->w, "</td></tr>\n");
}

static void method(struct html *h)
{
    const struct fg_result *r = h->r;
    const struct fg_compare_opts *o = &r->opts;
    char a[FG_REP_NUM], b[FG_REP_NUM], c[FG_REP_NUM];
    fg_rw_adds(&h->w, "<details><summary>Method and settings</summary>\n"
                      "<table class=\"res\">\n");
    method_side(h, "base", &r->base);
    method_side(h, "candidate", &r->cand);
    fg_rw_adds(&h->w, "<tr><th>profile</th><td>");
    esc(h, r->sample_type ? r->sample_type : "?");
    fg_rw_adds(&h->w, " (");
    esc(h, r->unit ? r->unit : "?");
    fg_rw_adds(&h->w, "); tests count ");
    esc(h, r->count_type ? r->count_type : "?");
    fg_rw_addf(&h->w, "; metric %s</td></tr>\n",
               fg_metric_name(o->metric));
    fg_rw_addf(&h->w, "<tr><th>test</th><td>%s</td></tr>\n",
               fg_rep_test_desc(r->test));
    fg_rw_addf(&h->w, "<tr><th>normalization</th><td>%s, size ratio %s",
               fg_normalize_name(r->normalize), fg_rep_num(a, r->r));
    fg_rw_addf(&h->w, ", %s", fg_rep_noise(a, r));
    if (r->test == FG_TEST_MODERATED && r->prior_df > 0)
        fg_rw_addf(&h->w, ", prior df %s", fg_rep_num(a, r->prior_df));
    fg_rw_addf(&h->w, "</td></tr>\n<tr><th>gates</th><td>FAIL needs "
                      "Holm-adjusted p &lt; %s, change &ge; %s and &ge; "
                      "%s</td></tr>\n",
               fg_rep_num(a, o->alpha), fg_rep_rel(b, 1 + o->min_change),
               fg_rep_pp(c, o->min_delta));
    fg_rw_addf(&h->w, "<tr><th>tested</th><td>share &ge; %s and count "
                      "&ge; %lld: %zu of %zu function%s%s</td></tr>\n",
               fg_rep_pct(a, o->min_share), (long long)o->min_count,
               r->n_tested, r->n_funcs, r->n_funcs == 1 ? "" : "s",
               fg_rep_gate(b, r));
    fg_rw_addf(&h->w, "<tr><th>detectable</th><td>base %s, candidate %s "
                      "(%s)",
               fg_rep_mde(a, r->base.mde), fg_rep_mde(b, r->cand.mde),
               FG_REP_MDE_SAMPLING);
    if (r->noise_var > 0)
        fg_rw_addf(&h->w, "; %s %s", fg_rep_mde(a, r->mde_noise),
                   FG_REP_MDE_NOISE);
    fg_rw_adds(&h->w, "</td></tr>\n");
    fg_rw_addf(&h->w, "</table>\n<p class=\"note\">Columns: base, "
                      "candidate = share of all samples on that side; "
                      "change = candidate minus base in percentage points "
                      "(pp); relative = normalized change with its %s "
                      "interval; adj. p = p-value corrected for testing "
                      "many functions (Holm; BH for marginal rows).</p>\n"
                      "</details>\n",
               fg_rep_ci_level(a, r));
}

static void footer(struct html *h)
{
    fg_rw_adds(&h->w, "<footer>flamegate ");
    esc(h, fg_rep_version(h->ctx));
    fg_rw_adds(&h->w, " &middot; settings: <code>");
    esc(h, fg_rep_settings(h->ctx));
    fg_rw_adds(&h->w, "</code></footer>\n");
}

int fg_report_html(const struct fg_report_ctx *ctx, struct fg_buf *out,
                   struct fg_error *err)
{
    if (!ctx->result)
        return fg_error_set(err, FG_EUSAGE,
                            "the html report needs a comparison result");
    struct html h = {.ctx = ctx, .r = ctx->result};
    fg_rw_init(&h.w, out);
    head(&h);
    verdict(&h);
    findings(&h);
    graph(&h);
    results(&h);
    method(&h);
    footer(&h);
    data(&h);
    fg_rw_adds(&h.w, "<script>\n");
    for (size_t i = 0; html_js[i]; i++)
        fg_rw_adds(&h.w, html_js[i]);
    fg_rw_adds(&h.w, "</script>\n</body>\n</html>\n");
    return fg_rw_finish(&h.w, "html", err);
}
