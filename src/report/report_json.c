/*
 * report_json.c - the machine-readable report (docs/json-schema.md).
 *
 * Built with jansson: keys in insertion order, JSON_INDENT(2), reals with
 * JSON_REAL_PRECISION(10) so the text is stable.  Non-finite numbers are
 * written as null (JSON has no NaN or infinity, and jansson refuses them).
 * Strings must be valid UTF-8 for jansson: invalid bytes become U+FFFD, and
 * for function names "name_hex" then carries the exact bytes.
 */
#include "flamegate/report.h"
#include "core/util.h"
#include "report/report_common.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(10) | \
                    JSON_PRESERVE_ORDER)
#define JSON_MOVES 20 /* rows in top_moves */

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* Sums of the analysed sample type (ns, bytes): integral in practice, and
 * larger than the 10 significant digits reals get, so written exactly as
 * integers when they are whole numbers below 2^53. */
static json_t *value(double v)
{
    if (isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0)
        return json_integer((json_int_t)v);
    return num(v);
}

static json_t *integer(int64_t v)
{
    return json_integer((json_int_t)v);
}

/* A JSON string from arbitrary bytes (never NULL: fixed to UTF-8). */
static json_t *str(const char *s)
{
    if (!s)
        return json_null();
    char *fixed = fg_rep_utf8_fix(s, NULL);
    json_t *j = json_string(fixed);
    free(fixed);
    return j ? j : json_string("");
}

static void set(json_t *o, const char *key, json_t *v)
{
    json_object_set_new(o, key, v ? v : json_null());
}

static json_t *int_array(const int64_t *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; v && i < n; i++)
        json_array_append_new(a, integer(v[i]));
    return a;
}

static json_t *side(const struct fg_side *s)
{
    json_t *o = json_object();
    set(o, "runs", json_integer((json_int_t)s->runs));
    json_t *src = json_array();
    for (size_t i = 0; s->sources && i < s->runs; i++)
        json_array_append_new(src, str(s->sources[i]));
    set(o, "sources", src);
    set(o, "run_totals", int_array(s->run_totals, s->runs));
    set(o, "total", integer(s->total));
    set(o, "value_total", value(s->value_total));
    set(o, "mde", num(s->mde));
    set(o, "size_factor", num(s->size_factor));
    return o;
}

static json_t *rule(const struct fg_rule *r)
{
    static const char *const kind[] = {"ignore", "focus", "threshold"};
    json_t *o = json_object();
    set(o, "kind", json_string((size_t)r->kind < 3 ? kind[r->kind] : "?"));
    set(o, "pattern", str(r->pattern ? r->pattern : ""));
    set(o, "glob", json_boolean(r->is_glob));
    set(o, "min_change", r->min_change >= 0 ? num(r->min_change) : NULL);
    set(o, "min_delta", r->min_delta >= 0 ? num(r->min_delta) : NULL);
    set(o, "max_share", r->max_share >= 0 ? num(r->max_share) : NULL);
    set(o, "origin", r->origin ? str(r->origin) : NULL);
    set(o, "preset", r->preset ? str(r->preset) : NULL);
    return o;
}

static json_t *strings(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; v && i < n; i++)
        json_array_append_new(a, str(v[i] ? v[i] : ""));
    return a;
}

/* The regular expressions of the rules of kind k (--gate-only,
 * --gate-ignore or their config-file rules; presets and globs are in
 * "rules" only), or NULL when there are none. */
static json_t *gate_patterns(const struct fg_compare_opts *o,
                             enum fg_rule_kind k)
{
    json_t *a = NULL;
    for (size_t i = 0; o->rules && i < o->n_rules; i++) {
        const struct fg_rule *r = &o->rules[i];
        if (r->kind != k || r->is_glob || r->preset || !r->pattern)
            continue;
        if (!a)
            a = json_array();
        json_array_append_new(a, str(r->pattern));
    }
    return a;
}

/* What shaped the profiles before the comparison: only what is set. */
static void prep_settings(json_t *j, const struct fg_report_prep *p)
{
    if (!p)
        return;
    const struct {
        const char *key;
        const char *const *v;
        size_t n;
    } lists[] = {
        {"focus", p->focus, p->n_focus},
        {"ignore", p->ignore, p->n_ignore},
        {"hide", p->hide, p->n_hide},
        {"show_from", p->show_from, p->n_show_from},
        {"tagfocus", p->tagfocus, p->n_tagfocus},
        {"tagignore", p->tagignore, p->n_tagignore},
    };
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
        if (lists[i].n)
            set(j, lists[i].key, strings(lists[i].v, lists[i].n));
    if (p->split > 1)
        set(j, "split", json_integer((json_int_t)p->split));
    if (p->folded_column)
        set(j, "folded_column", json_integer((json_int_t)p->folded_column));
}

static json_t *settings(const struct fg_compare_opts *o,
                        const struct fg_report_prep *prep)
{
    json_t *j = json_object();
    set(j, "sample_type", o->sample_type ? str(o->sample_type) : NULL);
    set(j, "metric", json_string(fg_metric_name(o->metric)));
    set(j, "normalize", json_string(fg_normalize_name(o->normalize)));
    set(j, "test", json_string(fg_test_name(o->test)));
    set(j, "alpha", num(o->alpha));
    set(j, "min_change", num(o->min_change));
    set(j, "min_delta", num(o->min_delta));
    set(j, "min_share", num(o->min_share));
    set(j, "min_count", integer(o->min_count));
    set(j, "min_samples", integer(o->min_samples));
    set(j, "env_noise", json_boolean(o->env_noise));
    json_t *work = json_object();
    json_t *bw = json_array(), *cw = json_array();
    for (size_t i = 0; o->base_work && i < o->n_base_work; i++)
        json_array_append_new(bw, num(o->base_work[i]));
    for (size_t i = 0; o->cand_work && i < o->n_cand_work; i++)
        json_array_append_new(cw, num(o->cand_work[i]));
    set(work, "base", bw);
    set(work, "candidate", cw);
    set(j, "work", work);
    json_t *rules = json_array();
    for (size_t i = 0; o->rules && i < o->n_rules; i++)
        json_array_append_new(rules, rule(&o->rules[i]));
    set(j, "rules", rules);
    json_t *g = gate_patterns(o, FG_RULE_FOCUS);
    if (g)
        set(j, "gate_only", g);
    if ((g = gate_patterns(o, FG_RULE_IGNORE)))
        set(j, "gate_ignore", g);
    prep_settings(j, prep);
    return j;
}

static const char *status(unsigned fl)
{
    if (fl & FG_F_IGNORED)
        return "ignored";
    if (fl & FG_F_REGRESSION)
        return "regression";
    if (fl & FG_F_MARGINAL)
        return "marginal";
    if (fl & FG_F_IMPROVEMENT)
        return "improvement";
    if (fl & (FG_F_SIGNIFICANT | FG_F_BH))
        return "significant";
    if (fl & FG_F_TESTED)
        return "unchanged";
    return "untested";
}

static json_t *hex(const char *s)
{
    static const char digits[] = "0123456789abcdef";
    size_t n = strlen(s);
    char *h = fg_xmalloc(2 * n + 1);
    for (size_t i = 0; i < n; i++) {
        h[2 * i] = digits[(unsigned char)s[i] >> 4];
        h[2 * i + 1] = digits[(unsigned char)s[i] & 15];
    }
    h[2 * n] = '\0';
    json_t *j = json_string(h);
    free(h);
    return j;
}

static json_t *func_side(const int64_t *runs, size_t n, int64_t count,
                         double val, double share)
{
    json_t *o = json_object();
    set(o, "runs", int_array(runs, n));
    set(o, "count", integer(count));
    set(o, "value", value(val));
    set(o, "share", num(share));
    return o;
}

static json_t *func(const struct fg_result *r, const struct fg_func_result *f)
{
    json_t *o = json_object();
    bool changed;
    char *fixed = fg_rep_utf8_fix(f->name, &changed);
    json_t *name = json_string(fixed);
    free(fixed);
    set(o, "name", name ? name : json_string(""));
    if (changed)
        set(o, "name_hex", hex(f->name));
    set(o, "metric", json_string(fg_metric_name(f->metric)));
    set(o, "status", json_string(status(f->flags)));
    const char *names[16];
    size_t nf = fg_rep_flag_names(f->flags, names);
    json_t *flags = json_array();
    for (size_t i = 0; i < nf; i++)
        json_array_append_new(flags, json_string(names[i]));
    set(o, "flags", flags);
    set(o, "base", func_side(f->base_runs, r->base.runs, f->base_count,
                             f->base_value, f->base_share));
    set(o, "candidate", func_side(f->cand_runs, r->cand.runs, f->cand_count,
                                  f->cand_value, f->cand_share));
    set(o, "share_change", num(f->cand_share - f->base_share));
    set(o, "normalized_change", num(f->delta));
    set(o, "ratio", num(f->ratio));
    set(o, "ratio_lo", num(f->ratio_lo));
    set(o, "ratio_hi", num(f->ratio_hi));
    set(o, "statistic", num(f->stat));
    set(o, "df", num(f->df));
    set(o, "p", num(f->p));
    set(o, "p_holm", num(f->p_holm));
    set(o, "p_bh", num(f->p_bh));
    set(o, "min_change", num(f->min_change));
    set(o, "min_delta", num(f->min_delta));
    set(o, "rule", f->rule && f->rule->pattern ? str(f->rule->pattern)
                                               : NULL);
    static const char *const fail_rules[] = {NULL, "holm", "critical"};
    set(o, "fail_rule", (size_t)f->fail_rule < 3 && fail_rules[f->fail_rule]
                            ? json_string(fail_rules[f->fail_rule])
                            : NULL);
    json_t *env = NULL;
    if (f->env_family) {
        env = json_object();
        set(env, "family", json_string(f->env_family));
        set(env, "cv", num(f->env_cv));
        set(env, "fail_ratio", f->fail_ratio > 0 ? num(f->fail_ratio) : NULL);
    }
    set(o, "environment", env);
    set(o, "finding", f->finding ? json_integer((json_int_t)f->finding - 1)
                                 : NULL);
    return o;
}

static void raw_name(struct fg_rw *w, const char *s)
{
    fg_rw_adds(w, s);
}

static json_t *rows(const size_t *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_integer((json_int_t)v[i]));
    return a;
}

static json_t *edges(const struct fg_finding_edge *e, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        set(o, "function", str(e[i].name));
        set(o, "base_count", integer(e[i].base_count));
        set(o, "candidate_count", integer(e[i].cand_count));
        set(o, "base_share", num(e[i].base_share));
        set(o, "candidate_share", num(e[i].cand_share));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *finding(const struct fg_result *r, const struct fg_finding *f)
{
    static const char *const kinds[] = {"new_call_path", "self_time",
                                        "inclusive_time"};
    json_t *o = json_object();
    set(o, "kind", json_string((size_t)f->kind < 3 ? kinds[f->kind] : "?"));
    set(o, "level", json_string(fg_verdict_name(f->level)));
    struct fg_buf b;
    fg_buf_init(&b, 0);
    struct fg_rw w;
    fg_rw_init(&w, &b);
    fg_rep_finding_title(&w, r, f, raw_name);
    set(o, "title", str(b.data ? b.data : ""));
    fg_buf_release(&b);
    set(o, "function", str(r->funcs[f->row].name));
    set(o, "caller", f->caller ? str(f->caller) : NULL);
    set(o, "row", json_integer((json_int_t)f->row));
    char rule[FG_REP_NUM * 4];
    set(o, "rule", str(fg_rep_rule(rule, sizeof(rule), r, &r->funcs[f->row])));
    set(o, "base_share", num(f->base_share));
    set(o, "candidate_share", num(f->cand_share));
    set(o, "share_change", num(f->cand_share - f->base_share));
    set(o, "members", rows(f->members, f->n_members));
    set(o, "context", rows(f->context, f->n_context));
    set(o, "callers", edges(f->callers, f->n_callers));
    set(o, "callees", edges(f->callees, f->n_callees));
    return o;
}

static json_t *summary(const struct fg_result *r)
{
    json_t *o = json_object();
    set(o, "functions", json_integer((json_int_t)r->n_funcs));
    set(o, "tested", json_integer((json_int_t)r->n_tested));
    set(o, "gate_family", json_integer((json_int_t)r->n_gate));
    set(o, "findings", json_integer((json_int_t)r->n_findings));
    set(o, "regressions", json_integer((json_int_t)r->n_fail_findings));
    set(o, "marginal", json_integer((json_int_t)r->n_marginal_findings));
    set(o, "regression_rows", json_integer((json_int_t)r->n_regressions));
    set(o, "marginal_rows", json_integer((json_int_t)r->n_marginal));
    set(o, "improvements", json_integer((json_int_t)r->n_improvements));
    set(o, "budget", json_integer((json_int_t)r->n_budget));
    set(o, "new", json_integer((json_int_t)r->n_new));
    set(o, "vanished", json_integer((json_int_t)r->n_vanished));
    set(o, "environment_rows", json_integer((json_int_t)r->n_env));
    set(o, "overlap", num(r->overlap));
    return o;
}

static json_t *document(const struct fg_report_ctx *ctx)
{
    const struct fg_result *r = ctx->result;
    json_t *root = json_object();
    set(root, "schema_version", json_integer(2));
    json_t *gen = json_object();
    set(gen, "name", json_string("flamegate"));
    set(gen, "version", str(fg_rep_version(ctx)));
    set(gen, "settings", ctx->settings ? str(ctx->settings) : NULL);
    set(root, "generator", gen);
    set(root, "verdict", json_string(fg_verdict_name(r->verdict)));
    set(root, "exit_code", json_integer(r->exit_code));
    set(root, "reason", str(r->reason));
    set(root, "summary", summary(r));

    json_t *in = json_object();
    set(in, "sample_type", str(r->sample_type ? r->sample_type : ""));
    set(in, "unit", str(r->unit ? r->unit : ""));
    set(in, "count_type", str(r->count_type ? r->count_type : ""));
    set(in, "base", side(&r->base));
    set(in, "candidate", side(&r->cand));
    if (fg_rep_empty_side(r))
        set(in, "empty_side", json_string(fg_rep_empty_side(r)));
    set(root, "inputs", in);
    set(root, "settings", settings(&r->opts, ctx->prep));

    json_t *m = json_object();
    set(m, "test", json_string(fg_test_name(r->test)));
    set(m, "normalize", json_string(fg_normalize_name(r->normalize)));
    set(m, "size_ratio", num(r->r));
    set(m, "overdispersion", num(r->overdispersion));
    set(m, "mde_noise", num(r->mde_noise));
    set(m, "prior_var", num(r->prior_var));
    set(m, "prior_df", num(r->prior_df));
    set(m, "spread_var", num(r->spread_var));
    json_t *es = json_object();
    set(es, "base", num(r->env_share[0]));
    set(es, "candidate", num(r->env_share[1]));
    set(m, "environment_share", es);
    json_t *cs = json_object();
    set(cs, "base", num(r->charged_share[0]));
    set(cs, "candidate", num(r->charged_share[1]));
    set(m, "interrupt_share", cs);
    set(root, "method", m);

    json_t *fds = json_array();
    for (size_t i = 0; i < r->n_findings; i++)
        json_array_append_new(fds, finding(r, &r->findings[i]));
    set(root, "findings", fds);
    size_t nm;
    size_t *mv = fg_rep_top_moves(r, JSON_MOVES, &nm);
    set(root, "top_moves", rows(mv, nm));
    free(mv);
    json_t *funcs = json_array();
    for (size_t i = 0; i < r->n_funcs; i++)
        json_array_append_new(funcs, func(r, &r->funcs[i]));
    set(root, "functions", funcs);
    json_t *warn = json_array();
    for (size_t i = 0; r->warnings && i < r->n_warnings; i++)
        json_array_append_new(warn, str(r->warnings[i] ? r->warnings[i]
                                                        : ""));
    set(root, "warnings", warn);
    return root;
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
    struct fg_rw *w = data;
    fg_rw_add(w, buffer, size);
    return w->rc == FG_OK ? 0 : -1;
}

int fg_report_json(const struct fg_report_ctx *ctx, struct fg_buf *out,
                   struct fg_error *err)
{
    if (!ctx->result)
        return fg_error_set(err, FG_EUSAGE,
                            "the json report needs a comparison result");
    json_t *root = document(ctx);
    struct fg_rw w;
    fg_rw_init(&w, out);
    int rc = json_dump_callback(root, dump_cb, &w, JSON_FLAGS);
    json_decref(root);
    if (rc != 0 && w.rc == FG_OK)
        return fg_error_set(err, FG_EFORMAT, "cannot encode the json report");
    fg_rw_addc(&w, '\n');
    return fg_rw_finish(&w, "json", err);
}
