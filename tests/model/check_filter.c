/*
 * check_filter.c - pprof's sample filters (model/filter.h) and merging
 * (model/merge.h) on small hand-made profiles: name filters on inlined
 * frames, tag expressions (string, numeric ranges with units, no key),
 * and what merging keeps.  tests/cli/top_pprof.sh checks the same against
 * pprof's own output on real profiles.
 */
#include "flamegate/aggregate.h"
#include "model/derive.h"
#include "model/filter.h"
#include "model/merge.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

/*
 * A profile with one sample type (samples/count):
 *   functions main, a, b, inl (inlined into a), c;
 *   locations L0 = [main], L1 = [inl, a] (inl inlined in a), L2 = [b],
 *   L3 = [c];
 *   samples (leaf first):
 *     s0 = L1 L0 (main > a > inl), 10, labels endpoint=/checkout,
 *          bytes=2048 (unit bytes)
 *     s1 = L2 L0 (main > b), 5, labels endpoint=/cart, request=512
 *          (no unit: bytes for "request")
 *     s2 = L3 L2 L0 (main > b > c), 1, labels latency=150 ms
 *     s3 = L0 (main), 2, no labels
 */
static struct fg_profile *sample_profile(void)
{
    struct fg_profile tmpl;
    memset(&tmpl, 0, sizeof(tmpl));
    struct fg_value_type vt = {"samples", "count"};
    tmpl.n_types = 1;
    tmpl.types = &vt;
    tmpl.period_type.type = "";
    tmpl.period_type.unit = "";
    struct fg_derive d;
    fg_derive_init(&d, &tmpl, "sample");
    uint32_t f_main = fg_derive_func(&d, "main", 4);
    uint32_t f_a = fg_derive_func(&d, "a", 1);
    uint32_t f_b = fg_derive_func(&d, "b", 1);
    uint32_t f_inl = fg_derive_func(&d, "inl", 3);
    uint32_t f_c = fg_derive_func(&d, "c", 1);
    uint32_t fr0[] = {f_main}, fr1[] = {f_inl, f_a}, fr2[] = {f_b},
             fr3[] = {f_c};
    ck_assert_uint_eq(fg_derive_loc(&d, fr0, 1), 0);
    ck_assert_uint_eq(fg_derive_loc(&d, fr1, 2), 1);
    ck_assert_uint_eq(fg_derive_loc(&d, fr2, 1), 2);
    ck_assert_uint_eq(fg_derive_loc(&d, fr3, 1), 3);
    struct fg_label l0[] = {{"endpoint", "/checkout", 0, NULL},
                            {"bytes", NULL, 2048, "bytes"}};
    struct fg_label l1[] = {{"endpoint", "/cart", 0, NULL},
                            {"request", NULL, 512, ""}};
    struct fg_label l2[] = {{"latency", NULL, 150, "ms"}};
    uint32_t s0[] = {1, 0}, s1[] = {2, 0}, s2[] = {3, 2, 0}, s3[] = {0};
    int64_t v0 = 10, v1 = 5, v2 = 1, v3 = 2;
    struct fg_error err;
    ck_assert_int_eq(fg_derive_sample(&d, s0, 2, &v0, NULL, l0, 2, &err), 0);
    ck_assert_int_eq(fg_derive_sample(&d, s1, 2, &v1, NULL, l1, 2, &err), 0);
    ck_assert_int_eq(fg_derive_sample(&d, s2, 3, &v2, NULL, l2, 1, &err), 0);
    ck_assert_int_eq(fg_derive_sample(&d, s3, 1, &v3, NULL, NULL, 0, &err),
                     0);
    struct fg_profile *p = NULL;
    ck_assert_int_eq(fg_derive_finish(&d, &p, &err), 0);
    return p;
}

/* flat and cum of name in p (0 when absent). */
static void fc(const struct fg_profile *p, const char *name, int64_t *flat,
               int64_t *cum)
{
    struct fg_agg a;
    struct fg_error err;
    ck_assert_int_eq(fg_aggregate_type(p, 0, &a, &err), FG_OK);
    uint32_t f = fg_strtab_find(&p->func_index, name, strlen(name));
    *flat = f == UINT32_MAX ? 0 : a.flat[f];
    *cum = f == UINT32_MAX ? 0 : a.cum[f];
    fg_agg_release(&a);
}

static int64_t total(const struct fg_profile *p)
{
    int64_t t = 0;
    for (size_t s = 0; s < p->n_samples; s++)
        t += p->values[s];
    return t;
}

/* Apply one filter of kind k ("focus", "tagfocus", ...) with expr. */
static struct fg_profile *run1(const struct fg_profile *p, const char *k,
                               const char *expr, struct fg_filter_stats *st)
{
    const char *v[] = {expr};
    struct fg_filter_spec spec;
    memset(&spec, 0, sizeof(spec));
    if (strcmp(k, "focus") == 0)
        spec.focus = v, spec.n_focus = 1;
    else if (strcmp(k, "ignore") == 0)
        spec.ignore = v, spec.n_ignore = 1;
    else if (strcmp(k, "hide") == 0)
        spec.hide = v, spec.n_hide = 1;
    else if (strcmp(k, "show_from") == 0)
        spec.show_from = v, spec.n_show_from = 1;
    else if (strcmp(k, "tagfocus") == 0)
        spec.tagfocus = v, spec.n_tagfocus = 1;
    else
        spec.tagignore = v, spec.n_tagignore = 1;
    struct fg_filter *f = NULL;
    struct fg_error err;
    ck_assert_msg(fg_filter_new(&spec, &f, &err) == FG_OK, "%s", err.msg);
    struct fg_profile *out = NULL;
    struct fg_filter_stats dummy;
    ck_assert_int_eq(fg_filter_apply(f, p, &out, st ? st : &dummy, &err),
                     FG_OK);
    fg_filter_free(f);
    return out;
}

/* Total of p after one filter. */
static int64_t kept(const struct fg_profile *p, const char *k,
                    const char *expr)
{
    struct fg_profile *q = run1(p, k, expr, NULL);
    int64_t t = total(q);
    fg_profile_free(q);
    return t;
}

START_TEST(name_filters)
{
    struct fg_profile *p = sample_profile();
    int64_t fl, cu;
    /* focus: a sample passes when one of its locations matches, inlined
     * frames included */
    ck_assert_int_eq(kept(p, "focus", "^inl$"), 10);
    ck_assert_int_eq(kept(p, "focus", "^b$"), 6);
    ck_assert_int_eq(kept(p, "focus", "^(a|c)$"), 11);
    ck_assert_int_eq(kept(p, "ignore", "^b$"), 12);
    ck_assert_int_eq(kept(p, "ignore", "^a$"), 8); /* drops s0 via L1 */
    /* hide removes frames; a location without frames leaves the stack */
    struct fg_profile *q = run1(p, "hide", "^a$", NULL);
    ck_assert_int_eq(total(q), 18);
    fc(q, "inl", &fl, &cu);
    ck_assert_int_eq(fl, 10);
    fc(q, "a", &fl, &cu);
    ck_assert_int_eq(cu, 0);
    fg_profile_free(q);
    /* hiding every frame of every sample drops them all */
    ck_assert_int_eq(kept(p, "hide", "."), 0);
    /* hiding the root: s3 (main alone) is dropped, the rest keep */
    q = run1(p, "hide", "^main$", NULL);
    ck_assert_int_eq(total(q), 16);
    fc(q, "main", &fl, &cu);
    ck_assert_int_eq(cu, 0);
    fg_profile_free(q);
    /* show_from keeps the frames from the root-most match down */
    q = run1(p, "show_from", "^b$", NULL);
    ck_assert_int_eq(total(q), 6);
    fc(q, "main", &fl, &cu);
    ck_assert_int_eq(cu, 0);
    fc(q, "b", &fl, &cu);
    ck_assert_int_eq(fl, 5);
    ck_assert_int_eq(cu, 6);
    fg_profile_free(q);
    /* inside an inlined location: from the inlined callee down, its
     * caller a (outer frame of the same location) goes */
    q = run1(p, "show_from", "^inl$", NULL);
    ck_assert_int_eq(total(q), 10);
    fc(q, "a", &fl, &cu);
    ck_assert_int_eq(cu, 0);
    fc(q, "inl", &fl, &cu);
    ck_assert_int_eq(fl, 10);
    fg_profile_free(q);
    struct fg_filter_stats st;
    q = run1(p, "focus", "nomatch", &st);
    ck_assert(!st.focus);
    ck_assert_uint_eq(st.kept, 0);
    ck_assert_uint_eq(st.dropped, 4);
    fg_profile_free(q);
    fg_profile_free(p);
}
END_TEST

START_TEST(tag_filters)
{
    struct fg_profile *p = sample_profile();
    /* string labels: KEY=REGEX (unanchored), alternatives with commas */
    ck_assert_int_eq(kept(p, "tagfocus", "endpoint=/checkout"), 10);
    ck_assert_int_eq(kept(p, "tagfocus", "endpoint=c"), 15);
    ck_assert_int_eq(kept(p, "tagfocus", "endpoint=^/ca,kout$"), 15);
    ck_assert_int_eq(kept(p, "tagignore", "endpoint=cart"), 13);
    ck_assert_int_eq(kept(p, "tagfocus", "nokey=x"), 0);
    /* without a key every regex must match some "key:value" */
    ck_assert_int_eq(kept(p, "tagfocus", "endpoint:/c"), 15);
    ck_assert_int_eq(kept(p, "tagfocus", "endpoint:/c,kout"), 10);
    ck_assert_int_eq(kept(p, "tagfocus", "endpoint:/cart,kout"), 0);
    /* numeric ranges, scaled to the label's unit */
    ck_assert_int_eq(kept(p, "tagfocus", "bytes=2kb"), 10);
    ck_assert_int_eq(kept(p, "tagfocus", "bytes=1kb:"), 10);
    ck_assert_int_eq(kept(p, "tagfocus", "bytes=:1kb"), 0);
    ck_assert_int_eq(kept(p, "tagfocus", "bytes=1kb:4kb"), 10);
    ck_assert_int_eq(kept(p, "tagfocus", "bytes=1kb:4"), 10); /* 4 kB */
    /* "request" without a unit is in bytes, as pprof assumes */
    ck_assert_int_eq(kept(p, "tagfocus", "request=512b"), 5);
    ck_assert_int_eq(kept(p, "tagfocus", "request=:1kb"), 5);
    ck_assert_int_eq(kept(p, "tagfocus", "latency=100ms:"), 1);
    ck_assert_int_eq(kept(p, "tagfocus", "latency=:100ms"), 0);
    ck_assert_int_eq(kept(p, "tagfocus", "latency=150000000ns"), 1);
    /* a bare number against a unit label: the units differ, no match */
    ck_assert_int_eq(kept(p, "tagfocus", "latency=150"), 0);
    /* without a key a range matches any numeric label */
    ck_assert_int_eq(kept(p, "tagfocus", "1kb:"), 10);
    ck_assert_int_eq(kept(p, "tagignore", "100ms:1s"), 17);
    /* a number where a string label is: a range, which no string label
     * matches (pprof prints "Interpreted ... as range") */
    ck_assert_int_eq(kept(p, "tagfocus", "endpoint=5"), 0);
    /* not exactly a range: regexes */
    ck_assert_int_eq(kept(p, "tagfocus", "endpoint=v1.2|cart"), 5);
    ck_assert_int_eq(kept(p, "tagfocus", "endpoint=1x2"), 0);
    /* labels survive the filter */
    struct fg_profile *q = run1(p, "tagfocus", "endpoint=cart", NULL);
    ck_assert_uint_eq(q->n_samples, 1);
    ck_assert_ptr_nonnull(q->label_start);
    ck_assert_uint_eq(q->label_start[1] - q->label_start[0], 2);
    ck_assert_str_eq(q->labels[0].str, "/cart");
    ck_assert_int_eq(q->labels[1].num, 512);
    fg_profile_free(q);
    ck_assert_str_eq(fg_label_unit(p, "bytes"), "bytes");
    ck_assert_str_eq(fg_label_unit(p, "request"), "bytes");
    ck_assert_str_eq(fg_label_unit(p, "latency"), "ms");
    ck_assert_str_eq(fg_label_unit(p, "other"), "other");
    fg_profile_free(p);
}
END_TEST

START_TEST(bad_expressions)
{
    struct fg_error err;
    ck_assert_int_eq(fg_filter_check_tag("k=(", "--tagfocus", &err),
                     FG_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "--tagfocus"));
    ck_assert_int_eq(fg_filter_check_tag("k=a{1000}", "--tagfocus", &err),
                     FG_EUSAGE);
    ck_assert_int_eq(fg_filter_check_tag("", "--tagignore", &err),
                     FG_EUSAGE);
    ck_assert_int_eq(fg_filter_check_tag("k=99999999999999999999", "--tagfocus",
                                         &err),
                     FG_EUSAGE);
    ck_assert_int_eq(fg_filter_check_tag("k=1kb:2mb", "--tagfocus", &err),
                     FG_OK);
    const char *bad[] = {"(x"};
    struct fg_filter_spec spec;
    memset(&spec, 0, sizeof(spec));
    spec.hide = bad;
    spec.n_hide = 1;
    struct fg_filter *f = NULL;
    ck_assert_int_eq(fg_filter_new(&spec, &f, &err), FG_EUSAGE);
    ck_assert_ptr_null(f);
    ck_assert_ptr_nonnull(strstr(err.msg, "--hide"));
    const char *nested[] = {"(a*)*(b*)*(c*)*(d*)*{50}"};
    spec.hide = nested;
    ck_assert_int_eq(fg_filter_new(&spec, &f, &err), FG_EUSAGE);
    memset(&spec, 0, sizeof(spec));
    ck_assert_int_eq(fg_filter_new(&spec, &f, &err), FG_OK);
    ck_assert_ptr_null(f); /* no filter at all */
}
END_TEST

START_TEST(merge)
{
    struct fg_profile *p = sample_profile();
    struct fg_profile *ps[] = {p, p, p};
    struct fg_profile *m = NULL;
    struct fg_error err;
    ck_assert_int_eq(fg_profile_merge(ps, 3, "merged", &m, &err), FG_OK);
    ck_assert_str_eq(m->source, "merged");
    ck_assert_uint_eq(m->n_samples, 12);
    ck_assert_uint_eq(m->n_funcs, 5);
    ck_assert_int_eq(total(m), 54);
    int64_t fl, cu;
    fc(m, "inl", &fl, &cu);
    ck_assert_int_eq(fl, 30);
    fc(m, "main", &fl, &cu);
    ck_assert_int_eq(cu, 54);
    ck_assert_uint_eq(m->n_labels, 3 * p->n_labels);
    ck_assert_int_eq(kept(m, "tagfocus", "endpoint=/checkout"), 30);
    fg_profile_free(m);
    /* different sample types cannot be merged */
    struct fg_profile other = *p;
    struct fg_value_type vt = {"cpu", "nanoseconds"};
    other.types = &vt;
    other.source = "other.pb";
    struct fg_profile *bad[] = {p, &other};
    ck_assert_int_eq(fg_profile_merge(bad, 2, "x", &m, &err), FG_EUSAGE);
    ck_assert_ptr_null(m);
    ck_assert_ptr_nonnull(strstr(err.msg, "'other.pb' (cpu/nanoseconds)"));
    fg_profile_free(p);
}
END_TEST

Suite *filter_suite(void);
Suite *filter_suite(void)
{
    Suite *s = suite_create("filter");
    TCase *tc = tcase_create("filter");
    tcase_add_test(tc, name_filters);
    tcase_add_test(tc, tag_filters);
    tcase_add_test(tc, bad_expressions);
    tcase_add_test(tc, merge);
    suite_add_tcase(s, tc);
    return s;
}
