/*
 * fg-report-check.h - report fixtures shared by tests/report/check_report.c and
 * the fg-report-check tool (which writes the same reports for the
 * end-to-end scripts: markdown through cmark-gfm, HTML in Chromium).
 *
 * The sample is a hand-built comparison result with every kind of row
 * (regressions, marginal, improvements, a budget breach, new, vanished,
 * ignored, untested) and hostile names (backticks, pipes, markup, tabs,
 * newlines, invalid UTF-8), plus a stack tree built from folded text
 * whose function names match the rows.  Everything is fixed, so reports
 * are byte-stable and can be compared with testdata/golden.
 *
 * Only static functions: each includer uses all of them.
 */
#ifndef FG_REPORT_CHECK_H
#define FG_REPORT_CHECK_H

#include "flamegate/compare.h"
#include "flamegate/flame.h"
#include "input/folded.h"
#include "flamegate/report.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fixed version and settings so goldens survive version bumps. */
#define FGT_VERSION "0.0.0-golden"
#define FGT_SETTINGS "flamegate compare --base 'base/*.pb.gz' " \
                     "--candidate 'cand/*.pb.gz' --budget 'tick=2%'"

#define FGT_BAD_NAME "bad\xff\xfe name\twith\ttabs\nand a newline"

static const char fgt_base_folded[] =
    "main;server.handle;db.query 400\n"
    "main;server.handle;json.encode 200\n"
    "main;server.handle;cache.get 150\n"
    "main;gc.run 100\n"
    "main;server.handle;`tick``|pipe 30\n"
    "main;old.path 50\n"
    "main;<script>alert(1)</script> 20\n";

static const char fgt_cand_folded[] =
    "main;server.handle;db.query 600\n"
    "main;server.handle;json.encode 200\n"
    "main;server.handle;cache.get 60\n"
    "main;gc.run 130\n"
    "main;server.handle;`tick``|pipe 30\n"
    "main;new.feature 40\n"
    "main;<script>alert(1)</script> 20\n";

/* Per-run totals of the folded texts above (two identical runs). */
#define FGT_BASE_RUN 950
#define FGT_CAND_RUN 1080

static const struct fg_rule fgt_rules[] = {
    {FG_RULE_IGNORE, "^ignored\\.", false, -1, -1, -1, "command line", NULL},
    {FG_RULE_THRESHOLD, "tick", false, -1, -1, 0.02, ".flamegate.json", NULL},
    /* an ignore preset: reports name it instead of printing its regex */
    {FG_RULE_IGNORE, "^(runtime\\.(gcBgMarkWorker|gcDrain))$", false, -1, -1,
     -1, ".flamegate.json, ignore_presets[0]", "go-gc"},
};

static char **fgt_strs(const char *a, const char *b)
{
    char **v = fg_xcalloc(2, sizeof(char *));
    v[0] = fg_xstrdup(a);
    v[1] = fg_xstrdup(b);
    return v;
}

static int64_t *fgt_pair(int64_t a, int64_t b)
{
    int64_t *v = fg_xcalloc(2, sizeof(int64_t));
    v[0] = a;
    v[1] = b;
    return v;
}

static struct fg_func_result *fgt_row(struct fg_result *r, const char *name,
                                      unsigned flags, int64_t base,
                                      int64_t cand)
{
    struct fg_func_result *f = &r->funcs[r->n_funcs++];
    memset(f, 0, sizeof(*f));
    f->name = fg_xstrdup(name);
    f->metric = FG_METRIC_FLAT;
    f->base_runs = fgt_pair(base / 2, base - base / 2);
    f->cand_runs = fgt_pair(cand / 2, cand - cand / 2);
    f->base_count = base;
    f->cand_count = cand;
    f->base_value = (double)base * 1e6; /* 1 ms per sample */
    f->cand_value = (double)cand * 1e6;
    f->base_share = (double)base / (2.0 * FGT_BASE_RUN);
    f->cand_share = (double)cand / (2.0 * FGT_CAND_RUN);
    f->delta = f->cand_share - f->base_share;
    f->ratio = ((double)cand + 0.5) / ((double)base + 0.5) *
               (2.0 * FGT_BASE_RUN) / (2.0 * FGT_CAND_RUN);
    f->ratio_lo = f->ratio * 0.9;
    f->ratio_hi = f->ratio * 1.1;
    f->stat = log(f->ratio) * 10;
    f->df = 0;
    f->p = 0.5;
    f->p_holm = 1;
    f->p_bh = 0.9;
    f->flags = flags;
    f->min_change = 0.10;
    f->min_delta = 0.005;
    return f;
}

/* One caller or callee edge of a finding (owned name). */
static struct fg_finding_edge fgt_edge(const char *name, int64_t a, int64_t b)
{
    struct fg_finding_edge e = {fg_xstrdup(name), a, b,
                                (double)a / (2.0 * FGT_BASE_RUN),
                                (double)b / (2.0 * FGT_CAND_RUN)};
    return e;
}

/* The findings of the sample: db.query's own time (FAIL, gc.run's rise
 * inside it), the new path server.handle -> new.feature (FAIL), and the
 * marginal gc.run; rows by index as fgt_sample_result adds them. */
static void fgt_findings(struct fg_result *r)
{
    r->findings = fg_xcalloc(3, sizeof(*r->findings));
    struct fg_finding *f = &r->findings[0];
    f->kind = FG_FINDING_SELF;
    f->level = FG_VERDICT_FAIL;
    f->row = 0;
    f->base_share = r->funcs[0].base_share;
    f->cand_share = r->funcs[0].cand_share;
    f->context = fg_xcalloc(1, sizeof(size_t));
    f->context[f->n_context++] = 8; /* main */
    f->callers = fg_xcalloc(2, sizeof(*f->callers));
    f->callers[f->n_callers++] = fgt_edge("server.handle", 800, 1200);
    f = &r->findings[1];
    f->kind = FG_FINDING_NEW_PATH;
    f->level = FG_VERDICT_FAIL;
    f->row = 1;
    f->caller = fg_xstrdup("server.handle");
    f->base_share = 0;
    f->cand_share = r->funcs[1].cand_share;
    f->members = fg_xcalloc(1, sizeof(size_t));
    f->members[f->n_members++] = 10; /* the bad name, new too */
    f->callers = fg_xcalloc(1, sizeof(*f->callers));
    f->callers[f->n_callers++] = fgt_edge("server.handle", 0, 80);
    f->callees = fg_xcalloc(1, sizeof(*f->callees));
    f->callees[f->n_callees++] = fgt_edge(FGT_BAD_NAME, 0, 4);
    f = &r->findings[2];
    f->kind = FG_FINDING_INCLUSIVE;
    f->level = FG_VERDICT_MARGINAL;
    f->row = 2;
    f->base_share = r->funcs[2].base_share;
    f->cand_share = r->funcs[2].cand_share;
    r->n_findings = 3;
    r->n_fail_findings = 2;
    r->n_marginal_findings = 1;
    r->funcs[0].finding = 1;
    r->funcs[8].finding = 1;
    r->funcs[1].finding = 2;
    r->funcs[10].finding = 2;
    r->funcs[2].finding = 3;
}

static void fgt_side(struct fg_side *s, const char *src0, const char *src1,
                     int64_t run_total, double mde, double size_factor)
{
    s->runs = 2;
    s->sources = fgt_strs(src0, src1);
    s->run_totals = fgt_pair(run_total, run_total);
    s->total = 2 * run_total;
    s->value_total = (double)s->total * 1e6;
    s->mde = mde;
    s->size_factor = size_factor;
}

static struct fg_result *fgt_sample_result(void)
{
    const unsigned T = FG_F_TESTED, S = FG_F_SIGNIFICANT | FG_F_BH;
    const unsigned UP = FG_F_INCREASE, M = FG_F_MATERIAL;
    struct fg_result *r = fg_xcalloc(1, sizeof(*r));
    r->verdict = FG_VERDICT_FAIL;
    r->exit_code = 1;
    snprintf(r->reason, sizeof(r->reason),
             "2 functions regressed significantly and materially; the "
             "largest is db.query (+31.9%%, Holm p = 4.0e-08)");
    fg_compare_opts_default(&r->opts);
    r->opts.alpha = 0.05;
    r->opts.min_change = 0.10;
    r->opts.min_delta = 0.005;
    r->opts.min_share = 0.001;
    r->opts.min_count = 20;
    r->opts.min_samples = 500;
    r->opts.metric = FG_METRIC_FLAT;
    r->opts.normalize = FG_NORM_ROBUST;
    r->opts.test = FG_TEST_AUTO;
    r->opts.rules = fgt_rules;
    r->opts.n_rules = sizeof(fgt_rules) / sizeof(fgt_rules[0]);
    r->sample_type = fg_xstrdup("cpu");
    r->unit = fg_xstrdup("nanoseconds");
    r->count_type = fg_xstrdup("samples/count");
    r->test = FG_TEST_BINOMIAL;
    r->normalize = FG_NORM_ROBUST;
    r->r = 1.0421;
    r->overdispersion = 0.0123;
    r->noise_var = 0.0123;
    r->mde_noise = 0.583;
    fgt_side(&r->base, "base/run1.pb.gz", "base/run 2|x.pb.gz",
             FGT_BASE_RUN, 0.412, 1.0);
    fgt_side(&r->cand, "cand/run1.pb.gz", "cand/run2.pb.gz", FGT_CAND_RUN,
             0.398, 1.0421);

    r->funcs = fg_xcalloc(16, sizeof(*r->funcs));
    struct fg_func_result *f;
    f = fgt_row(r, "db.query", T | S | M | UP | FG_F_REGRESSION, 800, 1200);
    f->p = 1e-9; f->p_holm = 4e-8; f->p_bh = 2e-8;
    f->fail_rule = FG_FAIL_HOLM;
    f->ratio_lo = 1.21; f->ratio_hi = 1.47;
    f = fgt_row(r, "new.feature",
                T | S | M | UP | FG_F_REGRESSION | FG_F_NEW, 0, 80);
    f->p = 2e-6; f->p_holm = 1.6e-5; f->p_bh = 8e-6;
    f->ratio_hi = INFINITY; /* unbounded: JSON null, no interval shown */
    f->fail_rule = FG_FAIL_HOLM;
    f = fgt_row(r, "gc.run", T | FG_F_BH | M | UP | FG_F_MARGINAL, 200, 260);
    f->p = 0.004; f->p_holm = 0.028 * 2.5; f->p_bh = 0.03;
    f = fgt_row(r, "cache.get", T | S | M | FG_F_IMPROVEMENT, 300, 120);
    f->p = 1e-12; f->p_holm = 8e-12; f->p_bh = 4e-12;
    f = fgt_row(r, "old.path",
                T | S | M | FG_F_IMPROVEMENT | FG_F_VANISHED, 100, 0);
    f->p = 3e-7; f->p_holm = 2.1e-6; f->p_bh = 1e-6;
    f->ratio_lo = NAN; /* not computable: shown without interval */
    f = fgt_row(r, "`tick``|pipe", T | UP | FG_F_BUDGET, 60, 60);
    f->rule = &fgt_rules[1];
    f->p = 0.9; f->p_bh = 0.95;
    fgt_row(r, "json.encode", T, 400, 400);
    f = fgt_row(r, "<script>alert(1)</script>", T, 40, 40);
    f->p = 0.97; f->p_bh = 0.99;
    fgt_row(r, "main", 0, 0, 0); /* no flat samples: untested */
    fgt_row(r, "server.handle", 0, 0, 0);
    fgt_row(r, FGT_BAD_NAME, FG_F_NEW, 0, 4);
    fgt_row(r, "ignored.helper", FG_F_IGNORED, 50, 90);
    r->n_tested = 8;
    r->n_gate = 7; /* one tested function too small to move 0.5 pp */
    r->n_regressions = 2;
    r->n_marginal = 1;
    r->n_improvements = 2;
    r->n_new = 2;
    r->n_vanished = 1;
    r->n_budget = 1;
    r->n_warnings = 2;
    r->warnings = fgt_strs(
        "2 runs per side: the replicated test needs at least 3, so runs "
        "were merged (unreplicated)",
        "a name with <b>markup</b>, `ticks` and *stars* in a warning");
    r->overlap = 0.97;
    fgt_findings(r);
    return r;
}

static struct fg_profile *fgt_folded(const char *text, const char *source)
{
    struct fg_profile *p = NULL;
    struct fg_error err;
    if (fg_folded_parse(text, strlen(text), source, NULL, &p, &err) != 0) {
        fprintf(stderr, "fixture: %s\n", err.msg);
        abort();
    }
    return p;
}

/* The stack tree of two identical runs per side. */
static struct fg_flame *fgt_sample_flame(void)
{
    struct fg_profile *b[2] = {fgt_folded(fgt_base_folded, "base1"),
                               fgt_folded(fgt_base_folded, "base2")};
    struct fg_profile *c[2] = {fgt_folded(fgt_cand_folded, "cand1"),
                               fgt_folded(fgt_cand_folded, "cand2")};
    struct fg_flame *f = NULL;
    struct fg_error err;
    if (fg_flame_build(b, 2, c, 2, 0, 0, &f, &err) != 0) {
        fprintf(stderr, "fixture: %s\n", err.msg);
        abort();
    }
    for (size_t i = 0; i < 2; i++) {
        fg_profile_free(b[i]);
        fg_profile_free(c[i]);
    }
    return f;
}

/*
 * A result with n functions (a third regressed, a third improved, the
 * rest unchanged; every 7th name is 300 bytes long with backticks and
 * pipes) for the size limits of the markdown report.
 */
static struct fg_result *fgt_big_result(size_t n)
{
    struct fg_result *r = fgt_sample_result();
    for (size_t i = 0; i < r->n_funcs; i++) {
        free(r->funcs[i].name);
        free(r->funcs[i].base_runs);
        free(r->funcs[i].cand_runs);
    }
    free(r->funcs);
    r->funcs = fg_xcalloc(n, sizeof(*r->funcs));
    r->n_funcs = 0;
    char name[400];
    for (size_t i = 0; i < n; i++) {
        if (i % 7 == 6) {
            int len = snprintf(name, sizeof(name), "pkg`%zu`|", i);
            memset(name + len, 'x', 300 - (size_t)len);
            name[300] = '\0';
        } else {
            snprintf(name, sizeof(name), "pkg.module%zu.function_%06zu",
                     i % 97, i);
        }
        unsigned fl = FG_F_TESTED;
        if (i % 3 == 0)
            fl |= FG_F_REGRESSION | FG_F_SIGNIFICANT | FG_F_BH |
                  FG_F_MATERIAL | FG_F_INCREASE;
        else if (i % 3 == 1)
            fl |= FG_F_IMPROVEMENT | FG_F_SIGNIFICANT | FG_F_BH |
                  FG_F_MATERIAL;
        struct fg_func_result *f = fgt_row(r, name, fl, 10 + (int64_t)i % 50,
                                           10 + (int64_t)(i * 7) % 50);
        f->p = 1e-6;
        f->p_holm = 1e-3;
        f->p_bh = 1e-4;
    }
    r->n_tested = n;
    r->n_gate = n;
    r->n_regressions = (n + 2) / 3;
    r->n_improvements = (n + 1) / 3;
    r->n_marginal = r->n_new = r->n_vanished = r->n_budget = 0;
    return r;
}

static void fgt_ctx(struct fg_report_ctx *ctx, const struct fg_result *r,
                    const struct fg_flame *f)
{
    fg_report_ctx_init(ctx, r, f);
    ctx->version = FGT_VERSION;
    ctx->settings = FGT_SETTINGS;
    ctx->marker_id = "perf-gate";
}

#endif
