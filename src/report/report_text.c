/*
 * report_text.c - the terminal report: verdict first, then what was
 * compared, then tables of regressions (red), marginal changes (yellow),
 * improvements (green), budget breaches, new and vanished functions,
 * warnings, a legend of the columns and the settings.  Function names go
 * last on each row so long names never break the column alignment.
 */
#include "flamegate/report.h"
#include "core/util.h"
#include "report/report_common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RED "\033[31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define BOLD "\033[1m"
#define DIM "\033[2m"
#define RESET "\033[0m"

#define MAX_COLS 9
#define MAX_SOURCES 4
#define MAX_MEMBERS 5    /* contributors named per finding */
#define MAX_PEEK 3       /* callers and callees named per finding */
#define MAX_ENV 5        /* environment-driven rows in their note */

struct text {
    struct fg_rw w;
    const struct fg_report_ctx *ctx;
    const struct fg_result *r;
};

static void on(struct text *t, const char *code)
{
    if (t->ctx->color)
        fg_rw_adds(&t->w, code);
}

static void off(struct text *t)
{
    if (t->ctx->color)
        fg_rw_adds(&t->w, RESET);
}

static void verdict(struct text *t)
{
    static const char *const badge[] = {
        [FG_VERDICT_PASS] = "\033[1;97;42m",
        [FG_VERDICT_MARGINAL] = "\033[1;30;43m",
        [FG_VERDICT_FAIL] = "\033[1;97;41m",
        [FG_VERDICT_INCONCLUSIVE] = "\033[1;30;43m",
    };
    const char *name = fg_verdict_name(t->r->verdict);
    if (t->ctx->color && (size_t)t->r->verdict < 4) {
        fg_rw_addf(&t->w, "%s %s " RESET "  " BOLD, badge[t->r->verdict],
                   name);
        fg_rep_verdict_phrase(&t->w, t->r);
        fg_rw_adds(&t->w, RESET "\n");
    } else {
        fg_rw_addf(&t->w, "%s  ", name);
        fg_rep_verdict_phrase(&t->w, t->r);
        fg_rw_addc(&t->w, '\n');
    }
    if (t->r->reason[0]) {
        fg_rw_adds(&t->w, "      ");
        fg_rep_escape(&t->w, t->r->reason, strlen(t->r->reason), false);
        fg_rw_addc(&t->w, '\n');
    }
    fg_rw_addc(&t->w, '\n');
}

static void side_line(struct text *t, const char *label,
                      const struct fg_side *s)
{
    char c[FG_REP_NUM], v[FG_REP_NUM];
    if (s->runs == 0) {
        fg_rw_addf(&t->w, "  %-11s no samples (no profile of this side "
                          "holds any)\n", label);
        return;
    }
    fg_rw_addf(&t->w, "  %-11s %zu %s, %s samples", label, s->runs,
               s->runs == 1 ? "run" : "runs", fg_rep_count(c, s->total));
    if (t->r->unit && strcmp(t->r->unit, "count") != 0)
        fg_rw_addf(&t->w, " (%s)",
                   fg_rep_value(v, s->value_total, t->r->unit));
    for (size_t i = 0; i < s->runs && i < MAX_SOURCES; i++) {
        fg_rw_adds(&t->w, i ? ", " : ": ");
        const char *src = s->sources && s->sources[i] ? s->sources[i] : "-";
        fg_rep_escape(&t->w, src, strlen(src), false);
    }
    if (s->runs > MAX_SOURCES)
        fg_rw_addf(&t->w, " and %zu more", s->runs - MAX_SOURCES);
    fg_rw_addc(&t->w, '\n');
}

static void rule_line(struct text *t, const struct fg_rule *rule)
{
    static const char *const kind[] = {"ignore", "focus", "threshold"};
    char a[FG_REP_NUM];
    fg_rw_addf(&t->w, "  %-11s %s %s '", "rule",
               (size_t)rule->kind < 3 ? kind[rule->kind] : "?",
               rule->preset ? "preset" : rule->is_glob ? "glob" : "regex");
    const char *pat = rule->preset  ? rule->preset
                      : rule->pattern ? rule->pattern
                                      : "";
    fg_rep_escape(&t->w, pat, strlen(pat), false);
    fg_rw_addc(&t->w, '\'');
    if (rule->min_change >= 0)
        fg_rw_addf(&t->w, ", min change %s",
                   fg_rep_rel(a, 1 + rule->min_change));
    if (rule->min_delta >= 0)
        fg_rw_addf(&t->w, ", min delta %s", fg_rep_pp(a, rule->min_delta));
    if (rule->max_share >= 0)
        fg_rw_addf(&t->w, ", budget %s", fg_rep_pct(a, rule->max_share));
    if (rule->origin) {
        fg_rw_adds(&t->w, " (from ");
        fg_rep_escape(&t->w, rule->origin, strlen(rule->origin), false);
        fg_rw_addc(&t->w, ')');
    }
    fg_rw_addc(&t->w, '\n');
}

static void compared(struct text *t)
{
    const struct fg_result *r = t->r;
    const struct fg_compare_opts *o = &r->opts;
    char a[FG_REP_NUM], b[FG_REP_NUM], c[FG_REP_NUM], d[FG_REP_NUM];
    on(t, BOLD);
    fg_rw_adds(&t->w, "What was compared");
    off(t);
    fg_rw_addc(&t->w, '\n');
    side_line(t, "base", &r->base);
    side_line(t, "candidate", &r->cand);
    fg_rw_addf(&t->w, "  %-11s ", "profile");
    fg_rep_escape(&t->w, r->sample_type ? r->sample_type : "?",
                  strlen(r->sample_type ? r->sample_type : "?"), false);
    fg_rw_adds(&t->w, " (");
    fg_rep_escape(&t->w, r->unit ? r->unit : "?",
                  strlen(r->unit ? r->unit : "?"), false);
    fg_rw_adds(&t->w, "), tests count ");
    fg_rep_escape(&t->w, r->count_type ? r->count_type : "?",
                  strlen(r->count_type ? r->count_type : "?"), false);
    fg_rw_addf(&t->w, ", metric %s\n", fg_metric_name(o->metric));
    if (fg_rep_empty_side(r)) {
        /* nothing was tested: no method, power or tests to show */
        fg_rw_addc(&t->w, '\n');
        return;
    }
    fg_rw_addf(&t->w, "  %-11s %s; normalization %s", "method",
               fg_rep_test_desc(r->test),
               fg_normalize_name(r->normalize));
    if (r->normalize != o->normalize)
        fg_rw_addf(&t->w, " (%s requested)",
                   fg_normalize_name(o->normalize));
    fg_rw_addf(&t->w, ", size ratio %s", fg_rep_num(a, r->r));
    fg_rw_addf(&t->w, ", %s", fg_rep_noise(a, r));
    if (r->test == FG_TEST_MODERATED && r->prior_df > 0)
        fg_rw_addf(&t->w, ", prior df %s", fg_rep_num(a, r->prior_df));
    fg_rw_addc(&t->w, '\n');
    fg_rw_addf(&t->w,
               "  %-11s FAIL needs Holm p < %s, change >= %s and >= %s; "
               "tested: share >= %s, count >= %lld, >= %lld samples "
               "per side\n",
               "gates", fg_rep_num(a, o->alpha),
               fg_rep_rel(b, 1 + o->min_change), fg_rep_pp(c, o->min_delta),
               fg_rep_pct(d, o->min_share), (long long)o->min_count,
               (long long)o->min_samples);
    for (size_t i = 0; i < o->n_rules && o->rules; i++)
        rule_line(t, &o->rules[i]);
    fg_rw_addf(&t->w, "  %-11s base %s, candidate %s (%s)\n", "detectable",
               fg_rep_mde(a, r->base.mde), fg_rep_mde(b, r->cand.mde),
               FG_REP_MDE_SAMPLING);
    if (r->noise_var > 0)
        fg_rw_addf(&t->w, "  %-11s %s %s\n", "", fg_rep_mde(a, r->mde_noise),
                   FG_REP_MDE_NOISE);
    char env[FG_REP_ENV];
    if (fg_rep_env(env, r))
        fg_rw_addf(&t->w, "  %-11s %s\n", "environment", env);
    fg_rw_addf(&t->w, "  %-11s %zu of %zu row%s (self and inclusive time "
               "per function)%s\n\n",
               "tested", r->n_tested, r->n_funcs, r->n_funcs == 1 ? "" : "s",
               fg_rep_gate(a, r));
}

static void esc_name(struct fg_rw *w, const char *s)
{
    fg_rep_escape(w, s, strlen(s), false);
}

/* "name +1.23 pp (new)" for one row of a finding. */
static void finding_row(struct text *t, size_t row)
{
    const struct fg_func_result *f = &t->r->funcs[row];
    char a[FG_REP_NUM];
    esc_name(&t->w, f->name);
    fg_rw_addf(&t->w, " %s%s", fg_rep_pp(a, f->cand_share - f->base_share),
               f->flags & FG_F_NEW ? " (new)" : "");
}

static void edges_line(struct text *t, const char *label,
                       const struct fg_finding_edge *e, size_t n)
{
    char a[FG_REP_NUM], b[FG_REP_NUM];
    if (!n)
        return;
    fg_rw_addf(&t->w, "       %s: ", label);
    for (size_t i = 0; i < n && i < MAX_PEEK; i++) {
        if (i)
            fg_rw_adds(&t->w, ", ");
        esc_name(&t->w, e[i].name);
        fg_rw_addf(&t->w, " %s -> %s", fg_rep_pct(a, e[i].base_share),
                   fg_rep_pct(b, e[i].cand_share));
    }
    if (n > MAX_PEEK)
        fg_rw_addf(&t->w, ", and %zu more", n - MAX_PEEK);
    fg_rw_addc(&t->w, '\n');
}

static void findings(struct text *t)
{
    const struct fg_result *r = t->r;
    if (!r->n_findings)
        return;
    on(t, BOLD);
    fg_rw_addf(&t->w, "Findings (%zu)", r->n_findings);
    off(t);
    fg_rw_addc(&t->w, '\n');
    char rule[FG_REP_NUM * 4];
    for (size_t i = 0; i < r->n_findings; i++) {
        const struct fg_finding *f = &r->findings[i];
        bool fail = f->level == FG_VERDICT_FAIL;
        on(t, fail ? RED : YELLOW);
        fg_rw_addf(&t->w, "  %zu. %-9s", i + 1, fail ? "FAIL" : "MARGINAL");
        fg_rep_finding_title(&t->w, r, f, esc_name);
        off(t);
        fg_rw_addc(&t->w, '\n');
        const struct fg_func_result *g = &r->funcs[f->row];
        fg_rep_rule(rule, sizeof(rule), r, g);
        fg_rw_addf(&t->w, "       gated by ");
        esc_name(&t->w, g->name);
        fg_rw_addf(&t->w, " [%s]: %s\n", fg_metric_name(g->metric), rule);
        if (f->n_members) {
            fg_rw_adds(&t->w, "       inside: ");
            for (size_t j = 0; j < f->n_members && j < MAX_MEMBERS; j++) {
                if (j)
                    fg_rw_adds(&t->w, ", ");
                finding_row(t, f->members[j]);
            }
            if (f->n_members > MAX_MEMBERS)
                fg_rw_addf(&t->w, ", and %zu more",
                           f->n_members - MAX_MEMBERS);
            fg_rw_addc(&t->w, '\n');
        }
        edges_line(t, "callers", f->callers, f->n_callers);
        edges_line(t, "callees", f->callees, f->n_callees);
        if (f->n_context) {
            fg_rw_adds(&t->w, "       explains the rise of: ");
            for (size_t j = 0; j < f->n_context && j < MAX_MEMBERS; j++) {
                if (j)
                    fg_rw_adds(&t->w, ", ");
                esc_name(&t->w, r->funcs[f->context[j]].name);
            }
            if (f->n_context > MAX_MEMBERS)
                fg_rw_addf(&t->w, ", and %zu more",
                           f->n_context - MAX_MEMBERS);
            fg_rw_addc(&t->w, '\n');
        }
    }
    fg_rw_addc(&t->w, '\n');
}

/* A table of text cells: every column right-aligned except the last (the
 * function name), which is left as is. */
struct table {
    size_t ncol;
    const char *head[MAX_COLS];
    size_t nrows;
    char **cells; /* owned, nrows * ncol */
};

static void table_release(struct table *tb)
{
    for (size_t i = 0; i < tb->nrows * tb->ncol; i++)
        free(tb->cells[i]);
    free(tb->cells);
}

static size_t width(const char *s)
{
    /* Display columns: count UTF-8 lead bytes (cells hold escaped text, so
     * every byte sequence is valid UTF-8 or ASCII). */
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static void table_print(struct text *t, const struct table *tb,
                        const char *colour)
{
    size_t wd[MAX_COLS];
    for (size_t c = 0; c < tb->ncol; c++) {
        wd[c] = width(tb->head[c]);
        for (size_t r = 0; r < tb->nrows; r++) {
            size_t x = width(tb->cells[r * tb->ncol + c]);
            if (x > wd[c])
                wd[c] = x;
        }
    }
    on(t, DIM);
    for (size_t c = 0; c < tb->ncol; c++) {
        fg_rw_adds(&t->w, "  ");
        if (c + 1 < tb->ncol)
            fg_rw_repeat(&t->w, ' ', wd[c] - width(tb->head[c]));
        fg_rw_adds(&t->w, tb->head[c]);
    }
    off(t);
    fg_rw_addc(&t->w, '\n');
    for (size_t r = 0; r < tb->nrows; r++) {
        if (colour)
            on(t, colour);
        for (size_t c = 0; c < tb->ncol; c++) {
            const char *cell = tb->cells[r * tb->ncol + c];
            fg_rw_adds(&t->w, "  ");
            if (c + 1 < tb->ncol)
                fg_rw_repeat(&t->w, ' ', wd[c] - width(cell));
            fg_rw_adds(&t->w, cell);
        }
        if (colour)
            off(t);
        fg_rw_addc(&t->w, '\n');
    }
}

static char *name_cell(const struct text *t, const struct fg_func_result *f)
{
    struct fg_buf b;
    fg_buf_init(&b, 0);
    struct fg_rw w;
    fg_rw_init(&w, &b);
    fg_rep_escape(&w, f->name, strlen(f->name), false);
    if (fg_rep_show_metric(t->r))
        fg_rw_addf(&w, " [%s]", fg_metric_name(f->metric));
    return fg_buf_detach(&b, NULL);
}

static void fill_row(const struct text *t, enum fg_rep_section s,
                     const struct fg_func_result *f, char **cell)
{
    char a[FG_REP_NUM], b[FG_REP_NUM * 3];
    size_t c = 0;
    switch (s) {
    case FG_SEC_NEW:
        cell[c++] = fg_xstrdup(fg_rep_pct(a, f->cand_share));
        break;
    case FG_SEC_VANISHED:
        cell[c++] = fg_xstrdup(fg_rep_pct(a, f->base_share));
        break;
    case FG_SEC_BUDGET:
        cell[c++] = fg_xstrdup(fg_rep_pct(a, f->cand_share));
        cell[c++] = fg_xstrdup(f->rule && f->rule->max_share >= 0
                                   ? fg_rep_pct(a, f->rule->max_share)
                                   : "n/a");
        break;
    default:
        cell[c++] = fg_xstrdup(fg_rep_pct(a, f->base_share));
        cell[c++] = fg_xstrdup(fg_rep_pct(a, f->cand_share));
        cell[c++] = fg_xstrdup(fg_rep_pp(a, f->cand_share - f->base_share));
        cell[c++] = fg_xstrdup(fg_rep_pp(a, f->delta));
        cell[c++] = fg_xstrdup(fg_rep_rel_ci(b, sizeof(b), f));
        cell[c++] = fg_xstrdup((f->flags & FG_F_TESTED)
                                   ? fg_rep_p(a, fg_rep_adj_p(f))
                                   : "n/a");
        if (s == FG_SEC_REGRESSION || s == FG_SEC_MARGINAL)
            cell[c++] = fg_xstrdup(fg_rep_rule(b, sizeof(b), t->r, f));
        break;
    }
    cell[c] = name_cell(t, f);
}

static void section(struct text *t, enum fg_rep_section s, size_t top)
{
    static const char *const colours[] = {
        [FG_SEC_REGRESSION] = RED,   [FG_SEC_MARGINAL] = YELLOW,
        [FG_SEC_IMPROVEMENT] = GREEN, [FG_SEC_BUDGET] = RED,
        [FG_SEC_NEW] = NULL,          [FG_SEC_VANISHED] = NULL,
    };
    size_t n;
    size_t *rows = fg_rep_section_rows(t->r, s, &n);
    if (n == 0) {
        free(rows);
        return;
    }
    on(t, BOLD);
    fg_rw_addf(&t->w, "%s (%zu)", fg_rep_section_title(s), n);
    off(t);
    fg_rw_addc(&t->w, '\n');

    struct table tb;
    memset(&tb, 0, sizeof(tb));
    const char *const *head;
    char rel[FG_REP_NUM * 2], lv[FG_REP_NUM];
    snprintf(rel, sizeof(rel), "relative [%s CI]", fg_rep_ci_level(lv, t->r));
    const char *const h_full[] = {"base", "cand", "change", "norm.", rel,
                                  "adj p", "function"};
    const char *const h_rule[] = {"base", "cand",  "change", "norm.", rel,
                                  "adj p", "rule", "function"};
    static const char *const h_new[] = {"cand", "function"};
    static const char *const h_gone[] = {"base", "function"};
    static const char *const h_budget[] = {"cand", "budget", "function"};
    if (s == FG_SEC_NEW) {
        head = h_new;
        tb.ncol = 2;
    } else if (s == FG_SEC_VANISHED) {
        head = h_gone;
        tb.ncol = 2;
    } else if (s == FG_SEC_BUDGET) {
        head = h_budget;
        tb.ncol = 3;
    } else if (s == FG_SEC_REGRESSION || s == FG_SEC_MARGINAL) {
        head = h_rule;
        tb.ncol = 8;
    } else {
        head = h_full;
        tb.ncol = 7;
    }
    for (size_t c = 0; c < tb.ncol; c++)
        tb.head[c] = head[c];
    tb.nrows = n < top ? n : top;
    tb.cells = fg_xcalloc(tb.nrows * tb.ncol + 1, sizeof(char *));
    for (size_t i = 0; i < tb.nrows; i++)
        fill_row(t, s, &t->r->funcs[rows[i]], tb.cells + i * tb.ncol);
    table_print(t, &tb, colours[s]);
    if (n > tb.nrows)
        fg_rw_addf(&t->w,
                   "  ... and %zu more (raise --top; --top 0 shows all)\n",
                   n - tb.nrows);
    fg_rw_addc(&t->w, '\n');
    table_release(&tb);
    free(rows);
}

/* When nothing is flagged, still show what moved most. */
static void moves(struct text *t, size_t top)
{
    size_t n;
    size_t *rows = fg_rep_top_moves(t->r, top, &n);
    if (n) {
        on(t, BOLD);
        fg_rw_addf(&t->w, "Largest moves (none significant) (%zu)", n);
        off(t);
        fg_rw_addc(&t->w, '\n');
        struct table tb;
        memset(&tb, 0, sizeof(tb));
        char rel[FG_REP_NUM * 2], lv[FG_REP_NUM];
        snprintf(rel, sizeof(rel), "relative [%s CI]",
                 fg_rep_ci_level(lv, t->r));
        const char *head[] = {"base", "cand", "change", "norm.", rel,
                              "adj p", "function"};
        tb.ncol = 7;
        for (size_t c = 0; c < tb.ncol; c++)
            tb.head[c] = head[c];
        tb.nrows = n;
        tb.cells = fg_xcalloc(n * tb.ncol + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++)
            fill_row(t, FG_SEC_IMPROVEMENT, &t->r->funcs[rows[i]],
                     tb.cells + i * tb.ncol);
        table_print(t, &tb, NULL);
        fg_rw_addc(&t->w, '\n');
        table_release(&tb);
    }
    free(rows);
}

/* Environment-driven rows that moved: they need a larger change to fail. */
static void environment(struct text *t)
{
    const struct fg_result *r = t->r;
    char a[FG_REP_NUM], b[FG_REP_NUM], c[FG_REP_NUM], d[FG_REP_NUM];
    size_t shown = 0;
    for (size_t i = 0; i < r->n_funcs && shown < MAX_ENV; i++) {
        const struct fg_func_result *f = &r->funcs[i];
        if ((f->flags & (FG_F_ENV | FG_F_TESTED)) != (FG_F_ENV | FG_F_TESTED) ||
            !(f->fail_ratio > 0) || fabs(log(fmax(f->ratio, 1e-9))) < 0.2)
            continue;
        if (!shown++) {
            on(t, BOLD);
            fg_rw_adds(&t->w, "Environment-driven functions (their share "
                              "follows the machine; they need a larger "
                              "change to fail)");
            off(t);
            fg_rw_addc(&t->w, '\n');
        }
        fg_rw_adds(&t->w, "  ");
        esc_name(&t->w, f->name);
        fg_rw_addf(&t->w, " [%s] %s -> %s (%s): %s frames, %s\n",
                   fg_metric_name(f->metric), fg_rep_pct(a, f->base_share),
                   fg_rep_pct(b, f->cand_share), fg_rep_rel(c, f->ratio),
                   f->env_family, fg_rep_env_fail(d, sizeof(d), f));
    }
    if (shown)
        fg_rw_addc(&t->w, '\n');
}

static void warnings(struct text *t)
{
    if (!t->r->n_warnings)
        return;
    on(t, BOLD);
    fg_rw_addf(&t->w, "Warnings (%zu)", t->r->n_warnings);
    off(t);
    fg_rw_addc(&t->w, '\n');
    for (size_t i = 0; i < t->r->n_warnings; i++) {
        const char *s = t->r->warnings[i] ? t->r->warnings[i] : "";
        on(t, YELLOW);
        fg_rw_adds(&t->w, "  - ");
        fg_rep_escape(&t->w, s, strlen(s), false);
        off(t);
        fg_rw_addc(&t->w, '\n');
    }
    fg_rw_addc(&t->w, '\n');
}

static void legend(struct text *t)
{
    char lv[FG_REP_NUM];
    on(t, DIM);
    fg_rw_addf(&t->w,
               "Columns: base, cand = share of all samples on that side; "
               "change = cand minus base\nin percentage points (pp); "
               "norm. = the change after normalization, which the gates "
               "use;\nrelative = normalized ratio with its %s interval; "
               "adj p = p-value corrected for\ntesting many rows (Holm; BH "
               "for marginal rows); rule = why a row fails or is\nmarginal. "
               "[flat] = self time, [cum] = inclusive time.\n",
               fg_rep_ci_level(lv, t->r));
    off(t);
    fg_rw_addf(&t->w, "flamegate %s, settings: ", fg_rep_version(t->ctx));
    const char *s = fg_rep_settings(t->ctx);
    fg_rep_escape(&t->w, s, strlen(s), false);
    fg_rw_addc(&t->w, '\n');
}

int fg_report_text(const struct fg_report_ctx *ctx, struct fg_buf *out,
                   struct fg_error *err)
{
    if (!ctx->result)
        return fg_error_set(err, FG_EUSAGE,
                            "the text report needs a comparison result");
    struct text t = {.ctx = ctx, .r = ctx->result};
    fg_rw_init(&t.w, out);
    verdict(&t);
    compared(&t);
    findings(&t);
    size_t shown = 0;
    for (int s = 0; s < FG_SEC_COUNT; s++) {
        size_t before = out->len;
        section(&t, (enum fg_rep_section)s,
                fg_rep_top(ctx, (enum fg_rep_section)s, FG_REPORT_TOP_TEXT));
        shown += out->len != before;
    }
    if (!shown && t.w.rc == FG_OK && fg_rep_empty_side(t.r)) {
        fg_rw_addf(&t.w, "Nothing was compared: the %s has no samples.\n\n",
                   fg_rep_empty_side(t.r));
    } else if (!shown && t.w.rc == FG_OK) {
        fg_rw_adds(&t.w, "No function changed significantly.\n\n");
        moves(&t, fg_rep_top(ctx, FG_SEC_REGRESSION, FG_REPORT_TOP_TEXT));
    }
    environment(&t);
    warnings(&t);
    legend(&t);
    return fg_rw_finish(&t.w, "text", err);
}
