/*
 * fuzz_compare.c - libFuzzer harness for the compare engine and every
 * report format.
 *
 * Input layout:
 *   byte 0   options: bits 0-1 metric (flat, cum, both), bits 2-3
 *            normalization (robust, total, none), bits 4-5 test (auto,
 *            binomial, moderated), bit 6 rules (an ignore rule and a share
 *            budget), bit 7 small min-samples/min-count (so verdicts other
 *            than INCONCLUSIVE are reachable with small inputs)
 *   byte 1   how many of the runs are base runs
 *   rest     folded-stack runs separated by NUL bytes (at most 16 runs)
 * Each run is parsed with fg_folded_parse; an input whose runs do not all
 * parse is dropped (the folded harness covers the parser).  Then
 * fg_compare, the merged stack tree, and fg_report_write in every format.
 *
 * Checked: every number in struct fg_result is finite; the JSON report
 * parses (jansson rejects NaN and infinity) and has schema_version; the
 * markdown report stays under its cap and holds no raw control bytes; the
 * text report holds no raw control bytes other than newlines.
 */
#include "flamegate/compare.h"
#include "flamegate/flame.h"
#include "input/folded.h"
#include "flamegate/report.h"
#include "fuzz_common.h"

#include "analysis/stats.h"

#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fg_stats_init(); /* as main() does: GSL errors are returned, not fatal */
    return 0;
}

#define MAX_RUNS 16

static void fz_finite(double v, const char *what, size_t i)
{
    if (!isfinite(v))
        fz_fail("%s (row %zu) is %g", what, i, v);
}

static void check_result(const struct fg_result *r)
{
    fz_finite(r->r, "r", 0);
    fz_finite(r->overdispersion, "overdispersion", 0);
    fz_finite(r->prior_var, "prior_var", 0);
    fz_finite(r->prior_df, "prior_df", 0);
    const struct fg_side *sides[2] = {&r->base, &r->cand};
    for (int s = 0; s < 2; s++) {
        fz_finite(sides[s]->value_total, "side value_total", (size_t)s);
        fz_finite(sides[s]->mde, "side mde", (size_t)s);
        fz_finite(sides[s]->size_factor, "side size_factor", (size_t)s);
    }
    for (size_t i = 0; i < r->n_funcs; i++) {
        const struct fg_func_result *f = &r->funcs[i];
        fz_finite(f->base_value, "base_value", i);
        fz_finite(f->cand_value, "cand_value", i);
        fz_finite(f->base_share, "base_share", i);
        fz_finite(f->cand_share, "cand_share", i);
        fz_finite(f->delta, "delta", i);
        fz_finite(f->ratio, "ratio", i);
        fz_finite(f->ratio_lo, "ratio_lo", i);
        fz_finite(f->ratio_hi, "ratio_hi", i);
        fz_finite(f->stat, "stat", i);
        fz_finite(f->df, "df", i);
        fz_finite(f->p, "p", i);
        fz_finite(f->p_holm, "p_holm", i);
        fz_finite(f->p_bh, "p_bh", i);
        fz_finite(f->min_change, "min_change", i);
        fz_finite(f->min_delta, "min_delta", i);
        if (f->p < 0 || f->p > 1 || f->p_holm < 0 || f->p_holm > 1 ||
            f->p_bh < 0 || f->p_bh > 1)
            fz_fail("p value out of [0, 1] in row %zu: %g %g %g", i, f->p,
                    f->p_holm, f->p_bh);
        if (!f->name)
            fz_fail("row %zu has no name", i);
    }
    if (r->exit_code != (r->verdict == FG_VERDICT_FAIL ? 1 : 0))
        fz_fail("verdict %d with exit code %d", (int)r->verdict,
                r->exit_code);
    if (!r->reason[0])
        fz_fail("verdict without a reason");
}

static void no_controls(const char *what, const char *s, size_t n, bool tab)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\n' && !(tab && c == '\t')) || c == 0x7f)
            fz_fail("%s report holds raw control byte 0x%02x at %zu", what,
                    c, i);
    }
}

static void check_json_numbers(json_t *v)
{
    if (json_is_real(v) && !isfinite(json_real_value(v)))
        fz_fail("non-finite number in JSON");
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) check_json_numbers(x);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) check_json_numbers(x);
    }
}

static void write_reports(const struct fg_result *res,
                          const struct fg_flame *flame)
{
    struct fg_report_ctx ctx;
    fg_report_ctx_init(&ctx, res, flame);
    ctx.version = "fuzz";
    ctx.settings = "flamegate compare fuzz";
    for (int f = FG_REPORT_TEXT; f <= FG_REPORT_FOLDED; f++) {
        struct fg_buf b;
        struct fg_error err;
        fg_buf_init(&b, 0);
        int rc = fg_report_write((enum fg_report_format)f, &ctx, &b, &err);
        if (rc != FG_OK) {
            /* folded needs the tree, which may have failed to build */
            if (!(f == FG_REPORT_FOLDED && !flame))
                fz_fail("%s report failed: %s",
                        fg_report_format_name((enum fg_report_format)f),
                        err.msg);
            fg_buf_release(&b);
            continue;
        }
        const char *s = b.data ? b.data : "";
        if (strlen(s) != b.len)
            fz_fail("%s report holds a NUL byte",
                    fg_report_format_name((enum fg_report_format)f));
        if (f == FG_REPORT_JSON) {
            json_error_t je;
            json_t *root = json_loadb(s, b.len, 0, &je);
            if (!root)
                fz_fail("JSON report does not parse: %s (line %d)", je.text,
                        je.line);
            if (!json_object_get(root, "schema_version"))
                fz_fail("JSON report has no schema_version");
            check_json_numbers(root);
            json_decref(root);
        } else if (f == FG_REPORT_MARKDOWN) {
            if (b.len > FG_REPORT_MD_MAX_DEFAULT)
                fz_fail("markdown report of %zu bytes exceeds the cap %d",
                        b.len, FG_REPORT_MD_MAX_DEFAULT);
            no_controls("markdown", s, b.len, false);
        } else if (f == FG_REPORT_TEXT) {
            no_controls("text", s, b.len, false);
        } else if (f == FG_REPORT_HTML) {
            if (!strstr(s, "</html>"))
                fz_fail("HTML report is not complete");
        }
        fg_buf_release(&b);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    unsigned flags = data[0], nbase = data[1];
    const char *text = (const char *)data + 2;
    size_t len = size - 2;

    struct fg_limits lim;
    fz_limits(&lim);
    struct fg_profile *runs[MAX_RUNS];
    size_t n = 0;
    bool ok = true;
    for (size_t i = 0; i < len && n < MAX_RUNS && ok;) {
        const char *z = memchr(text + i, '\0', len - i);
        size_t e = z ? (size_t)(z - text) : len;
        struct fg_error err;
        ok = fg_folded_parse(text + i, e - i, n ? "cand.folded"
                                                : "base.folded",
                             &lim, &runs[n], &err) == FG_OK;
        if (ok)
            n++;
        i = e + 1;
    }
    if (!ok || n < 2)
        goto out;
    size_t k = 1 + nbase % (n - 1);

    struct fg_rule rules[2] = {
        {FG_RULE_IGNORE, "^ign", false, -1, -1, -1, "fuzz"},
        {FG_RULE_THRESHOLD, "b*", true, 0.2, 0.01, 0.5, "fuzz"},
    };
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    o.metric = (enum fg_metric)((flags & 3) % 3);
    o.normalize = (enum fg_normalize)(((flags >> 2) & 3) % 3);
    o.test = (enum fg_test)(((flags >> 4) & 3) % 3);
    if (flags & 0x40) {
        o.rules = rules;
        o.n_rules = 2;
    }
    if (flags & 0x80) {
        o.min_samples = 1;
        o.min_count = 2;
    }
    struct fg_result *res = NULL;
    struct fg_error err;
    int rc = fg_compare(runs, k, runs + k, n - k, &o, &res, &err);
    if (rc != FG_OK) {
        if (res)
            fz_fail("failed compare left a result behind");
        if (rc != FG_EFORMAT && rc != FG_ESTATS && rc != FG_ELIMIT)
            fz_fail("fg_compare returned %d: %s", rc, err.msg);
        goto out;
    }
    check_result(res);
    struct fg_flame *flame = NULL;
    rc = fg_flame_build(runs, k, runs + k, n - k, 0, 0, &flame, &err);
    if (rc != FG_OK && rc != FG_EFORMAT && rc != FG_ELIMIT)
        fz_fail("fg_flame_build returned %d: %s", rc, err.msg);
    write_reports(res, flame);
    fg_flame_free(flame);
    fg_result_free(res);
out:
    for (size_t i = 0; i < n; i++)
        fg_profile_free(runs[i]);
    return 0;
}
