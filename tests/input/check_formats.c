/*
 * check_formats.c - the real recordings of ../shared/corpus/formats/ (one
 * per input format, made with each format's own producer) read through
 * content detection: per function, flat and cum of every golden column
 * equal the golden tables computed by each format's reference reader,
 * the totals agree, the stacks are exactly the corpus's .folded files,
 * and each profile compared against itself passes.  Skipped when the
 * corpus (or its formats/ folder) is absent.  jfr/ is checked by the
 * JFR reader's suite.
 */
#include "analysis/stats.h"
#include "flamegate/aggregate.h"
#include "flamegate/compare.h"
#include "flamegate/source.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Which (side, sample type) each golden column pair and folded file is. */
struct col {
    size_t side, type;
};

struct folded_ref {
    size_t side, type;
    const char *file;
};

struct corpus_case {
    const char *file;
    enum fg_profile_format format;
    size_t nsides;
    const char *golden;
    struct col cols[4];
    size_t ncols;
    struct folded_ref folded[2];
    size_t nfolded;
    bool timed;
    const char *types; /* "type/unit,type/unit" of side 0 */
};

static const struct corpus_case cases[] = {
    {"cpuprofile/work.cpuprofile", FG_FORMAT_CPUPROFILE, 1,
     "cpuprofile/work.golden.tsv", {{0, 0}, {0, 1}}, 2,
     {{0, 0, "cpuprofile/work.folded"}}, 1, true,
     "samples/count,wall/microseconds"},
    {"flamebearer/jfr-cpu.single.json", FG_FORMAT_FLAMEBEARER, 1,
     "flamebearer/jfr-cpu.single.golden.tsv", {{0, 0}}, 1,
     {{0, 0, "flamebearer/jfr-cpu.single.folded"}}, 1, false,
     "cpu/nanoseconds"},
    {"flamebearer/jfr-cpu.diff.json", FG_FORMAT_FLAMEBEARER, 2,
     "flamebearer/jfr-cpu.diff.golden.tsv", {{0, 0}, {1, 0}}, 2,
     {{0, 0, "flamebearer/jfr-cpu.diff.left.folded"},
      {1, 0, "flamebearer/jfr-cpu.diff.right.folded"}},
     2, false, "cpu/nanoseconds"},
    {"speedscope/work.evented.speedscope.json", FG_FORMAT_SPEEDSCOPE, 1,
     "speedscope/work.evented.speedscope.golden.tsv", {{0, 0}}, 1,
     {{0, 0, "speedscope/work.evented.speedscope.folded"}}, 1, true,
     "wall/microseconds"},
    {"perf/work.perf.script.txt", FG_FORMAT_PERF_SCRIPT, 1,
     "perf/work.perf.golden.tsv", {{0, 0}, {0, 1}}, 2,
     {{0, 0, "perf/work.perf.samples.folded"},
      {0, 1, "perf/work.perf.period.folded"}},
     2, true, "samples/count,cpu-clock/nanoseconds"},
    {"otlp/work-cpu.otlp.pb", FG_FORMAT_OTLP, 1,
     "otlp/work-cpu.otlp.golden.tsv", {{0, 0}}, 1,
     {{0, 0, "otlp/work-cpu.otlp.folded"}}, 1, true, "cpu/count"},
    {"otlp/work-cpu.otlp.json", FG_FORMAT_OTLP, 1,
     "otlp/work-cpu.otlp.golden.tsv", {{0, 0}}, 1,
     {{0, 0, "otlp/work-cpu.otlp.folded"}}, 1, true, "cpu/count"},
    {"otlp/work-alloc-total.otlp.pb", FG_FORMAT_OTLP, 1,
     "otlp/work-alloc-total.otlp.golden.tsv", {{0, 0}}, 1,
     {{0, 0, "otlp/work-alloc-total.otlp.folded"}}, 1, true,
     "allocations/bytes"},
    {"otlp/work-alloc-total.otlp.json", FG_FORMAT_OTLP, 1,
     "otlp/work-alloc-total.otlp.golden.tsv", {{0, 0}}, 1,
     {{0, 0, "otlp/work-alloc-total.otlp.folded"}}, 1, true,
     "allocations/bytes"},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* The corpus path of formats/<rel>, or NULL (skipped) when absent. */
static char *formats_path(const char *rel)
{
    char *p = fg_test_corpus_path("formats");
    struct stat st;
    if (!p || stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
        free(p);
        return NULL;
    }
    size_t n = strlen(p) + strlen(rel) + 2;
    char *full = malloc(n);
    ck_assert_ptr_nonnull(full);
    snprintf(full, n, "%s/%s", p, rel);
    free(p);
    return full;
}

static void load_case(const struct corpus_case *c,
                      struct fg_profile *p[FG_SOURCE_MAX_SIDES], size_t *n)
{
    char *path = formats_path(c->file);
    struct fg_error err = {0, ""};
    ck_assert_msg(fg_source_load_sides(path, NULL, p, n, &err) == FG_OK,
                  "%s: %s", c->file, err.msg);
    ck_assert_msg(*n == c->nsides, "%s: %zu sides", c->file, *n);
    free(path);
}

/* Golden flat and cum of every function, and the totals. */
static void check_golden(const struct corpus_case *c,
                         struct fg_profile *const *p)
{
    char *path = formats_path(c->golden);
    char *text = fg_test_read(path, NULL);
    struct fg_agg agg[4];
    struct fg_error err = {0, ""};
    for (size_t k = 0; k < c->ncols; k++) {
        const struct col *col = &c->cols[k];
        ck_assert_msg(fg_aggregate_type(p[col->side], col->type, &agg[k],
                                        &err) == FG_OK,
                      "%s", err.msg);
    }
    size_t rows = 0;
    bool header = false;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "# total\t", 8) == 0) {
            char *q = line + 8;
            for (size_t k = 0; k < c->ncols; k++) {
                long long want = strtoll(q, &q, 10);
                ck_assert_msg(agg[k].total == want,
                              "%s: column %zu total %lld, golden %lld",
                              c->file, k, (long long)agg[k].total, want);
            }
            continue;
        }
        if (line[0] == '#')
            continue;
        if (!header) {
            header = true; /* "function<TAB>flat_...<TAB>cum_..." */
            continue;
        }
        char *tab = strchr(line, '\t');
        ck_assert_ptr_nonnull(tab);
        *tab = '\0';
        char *q = tab + 1;
        for (size_t k = 0; k < c->ncols; k++) {
            long long flat = strtoll(q, &q, 10);
            long long cum = strtoll(q, &q, 10);
            const struct fg_profile *pk = p[c->cols[k].side];
            uint32_t f = fg_strtab_find(&pk->func_index, line, strlen(line));
            long long mf = f == UINT32_MAX ? 0 : (long long)agg[k].flat[f];
            long long mc = f == UINT32_MAX ? 0 : (long long)agg[k].cum[f];
            ck_assert_msg(mf == flat && mc == cum,
                          "%s: %s column %zu: flat %lld cum %lld, golden "
                          "%lld %lld",
                          c->file, line, k, mf, mc, flat, cum);
        }
        rows++;
    }
    /* and no function the golden table lacks has a value */
    for (size_t k = 0; k < c->ncols; k++) {
        size_t nonzero = 0;
        for (size_t f = 0; f < agg[k].n_funcs; f++)
            nonzero += agg[k].cum[f] != 0 || agg[k].flat[f] != 0;
        ck_assert_msg(nonzero <= rows, "%s: %zu functions, golden has %zu",
                      c->file, nonzero, rows);
        fg_agg_release(&agg[k]);
    }
    ck_assert_msg(rows > 0, "%s: empty golden table", c->golden);
    free(text);
    free(path);
}

/* "stack value" pairs, root first, merged by stack. */
struct stack_val {
    char *stack;
    long long v;
};

static int cmp_stack(const void *a, const void *b)
{
    return strcmp(((const struct stack_val *)a)->stack,
                  ((const struct stack_val *)b)->stack);
}

static size_t merge(struct stack_val *s, size_t n)
{
    qsort(s, n, sizeof(*s), cmp_stack);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (w > 0 && strcmp(s[w - 1].stack, s[i].stack) == 0) {
            s[w - 1].v += s[i].v;
            free(s[i].stack);
        } else {
            s[w++] = s[i];
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < w; i++) {
        if (s[i].v != 0)
            s[k++] = s[i];
        else
            free(s[i].stack);
    }
    return k;
}

static char *stack_string(const struct fg_profile *p, size_t s)
{
    size_t len = 1;
    uint32_t a = p->sample_start[s], b = p->sample_start[s + 1];
    for (uint32_t i = a; i < b; i++) {
        uint32_t l = p->sample_locs[i];
        for (uint32_t j = p->loc_start[l]; j < p->loc_start[l + 1]; j++)
            len += strlen(p->func_names[p->loc_frames[j]]) + 1;
    }
    char *out = malloc(len);
    ck_assert_ptr_nonnull(out);
    size_t at = 0;
    /* the model is leaf first, frames innermost first: walk backwards */
    for (uint32_t i = b; i-- > a;) {
        uint32_t l = p->sample_locs[i];
        for (uint32_t j = p->loc_start[l + 1]; j-- > p->loc_start[l];) {
            const char *n = p->func_names[p->loc_frames[j]];
            if (at)
                out[at++] = ';';
            memcpy(out + at, n, strlen(n));
            at += strlen(n);
        }
    }
    out[at] = '\0';
    return out;
}

static void check_folded(const struct corpus_case *c,
                         struct fg_profile *const *p)
{
    for (size_t k = 0; k < c->nfolded; k++) {
        const struct folded_ref *r = &c->folded[k];
        const struct fg_profile *pr = p[r->side];
        struct stack_val *mine = calloc(pr->n_samples + 1, sizeof(*mine));
        ck_assert_ptr_nonnull(mine);
        for (size_t s = 0; s < pr->n_samples; s++) {
            mine[s].stack = stack_string(pr, s);
            mine[s].v = pr->values[s * pr->n_types + r->type];
        }
        size_t nm = merge(mine, pr->n_samples);
        char *path = formats_path(r->file);
        char *text = fg_test_read(path, NULL);
        size_t cap = 16, nf = 0;
        struct stack_val *ref = calloc(cap, sizeof(*ref));
        for (char *line = strtok(text, "\n"); line;
             line = strtok(NULL, "\n")) {
            char *sp = strrchr(line, ' ');
            ck_assert_ptr_nonnull(sp);
            *sp = '\0';
            if (nf == cap)
                ref = realloc(ref, (cap *= 2) * sizeof(*ref));
            ref[nf].stack = strdup(line);
            ref[nf++].v = strtoll(sp + 1, NULL, 10);
        }
        nf = merge(ref, nf);
        ck_assert_msg(nm == nf, "%s: %zu stacks, %s has %zu", c->file, nm,
                      r->file, nf);
        for (size_t i = 0; i < nf; i++) {
            ck_assert_msg(strcmp(mine[i].stack, ref[i].stack) == 0 &&
                              mine[i].v == ref[i].v,
                          "%s: stack %s %lld, %s has %s %lld", c->file,
                          mine[i].stack, mine[i].v, r->file, ref[i].stack,
                          ref[i].v);
        }
        for (size_t i = 0; i < nm; i++)
            free(mine[i].stack);
        for (size_t i = 0; i < nf; i++)
            free(ref[i].stack);
        free(mine);
        free(ref);
        free(text);
        free(path);
    }
}

static void check_model(const struct corpus_case *c,
                        struct fg_profile *const *p, size_t n)
{
    for (size_t s = 0; s < n; s++) {
        ck_assert_int_eq(p[s]->format, c->format);
        ck_assert_msg((p[s]->sample_time != NULL) == c->timed,
                      "%s: sample_time %s", c->file,
                      p[s]->sample_time ? "set" : "NULL");
        char types[256] = "";
        for (size_t t = 0; t < p[s]->n_types; t++) {
            char one[128], vt[96];
            snprintf(one, sizeof(one), "%s%s", t ? "," : "",
                     fg_value_type_str(&p[s]->types[t], vt, sizeof(vt)));
            strncat(types, one, sizeof(types) - strlen(types) - 1);
        }
        ck_assert_msg(strcmp(types, c->types) == 0, "%s: types %s, want %s",
                      c->file, types, c->types);
    }
    /* times never go back in the formats that record them in order */
    if (c->timed && c->format != FG_FORMAT_OTLP)
        for (size_t i = 1; i < p[0]->n_samples; i++)
            ck_assert_msg(p[0]->sample_time[i] >= p[0]->sample_time[i - 1],
                          "%s: sample %zu goes back in time", c->file, i);
}

/* Each profile against itself: PASS (with a sample minimum these small
 * recordings meet; the default 500 would make them INCONCLUSIVE). */
static void check_self_compare(const struct corpus_case *c,
                               struct fg_profile *const *p, size_t n)
{
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    o.min_samples = 100;
    for (size_t s = 0; s < n; s++) {
        for (size_t t = 0; t < p[s]->n_types; t++) {
            struct fg_result *r = NULL;
            struct fg_error err = {0, ""};
            struct fg_profile *one[1] = {p[s]};
            char name[160];
            fg_value_type_str(&p[s]->types[t], name, sizeof(name));
            o.sample_type = name;
            ck_assert_msg(fg_compare(one, 1, one, 1, &o, &r, &err) == FG_OK,
                          "%s: %s", c->file, err.msg);
            ck_assert_msg(r->verdict == FG_VERDICT_PASS,
                          "%s side %zu type %s vs itself: %s (%s)", c->file,
                          s, name, fg_verdict_name(r->verdict), r->reason);
            fg_result_free(r);
        }
    }
}

static void run_case(size_t i)
{
    const struct corpus_case *c = &cases[i];
    char *probe = formats_path(c->file);
    if (!probe) {
        fg_test_skip("input formats: ../shared/corpus/formats is absent");
        return;
    }
    free(probe);
    struct fg_profile *p[FG_SOURCE_MAX_SIDES] = {NULL};
    size_t n = 0;
    load_case(c, p, &n);
    check_model(c, p, n);
    check_golden(c, p);
    check_folded(c, p);
    check_self_compare(c, p, n);
    for (size_t s = 0; s < n; s++)
        fg_profile_free(p[s]);
}

START_TEST(test_cpuprofile) { run_case(0); }
END_TEST
START_TEST(test_flamebearer_single) { run_case(1); }
END_TEST
START_TEST(test_flamebearer_diff) { run_case(2); }
END_TEST
START_TEST(test_speedscope_evented) { run_case(3); }
END_TEST
START_TEST(test_perf_script) { run_case(4); }
END_TEST
START_TEST(test_otlp_cpu_proto) { run_case(5); }
END_TEST
START_TEST(test_otlp_cpu_json) { run_case(6); }
END_TEST
START_TEST(test_otlp_alloc_proto) { run_case(7); }
END_TEST
START_TEST(test_otlp_alloc_json) { run_case(8); }
END_TEST

/* A diff file's sides against each other (the Pyroscope before/after
 * workflow): a verdict, no error; the candidate lost 19% of its time
 * evenly, which is no regression. */
START_TEST(test_flamebearer_diff_compare)
{
    char *probe = formats_path(cases[2].file);
    if (!probe) {
        fg_test_skip("input formats: ../shared/corpus/formats is absent");
        return;
    }
    free(probe);
    struct fg_profile *p[FG_SOURCE_MAX_SIDES] = {NULL};
    size_t n = 0;
    load_case(&cases[2], p, &n);
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    o.min_samples = 100;
    struct fg_result *r = NULL;
    struct fg_error err = {0, ""};
    ck_assert_msg(fg_compare(&p[0], 1, &p[1], 1, &o, &r, &err) == FG_OK,
                  "%s", err.msg);
    ck_assert_msg(r->verdict != FG_VERDICT_FAIL, "%s",
                  fg_verdict_name(r->verdict));
    fg_result_free(r);
    fg_profile_free(p[0]);
    fg_profile_free(p[1]);
}
END_TEST

Suite *formats_suite(void)
{
    Suite *s = suite_create("formats");
    TCase *tc = tcase_create("corpus");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, fg_stats_init, NULL);
    tcase_add_test(tc, test_cpuprofile);
    tcase_add_test(tc, test_flamebearer_single);
    tcase_add_test(tc, test_flamebearer_diff);
    tcase_add_test(tc, test_speedscope_evented);
    tcase_add_test(tc, test_perf_script);
    tcase_add_test(tc, test_otlp_cpu_proto);
    tcase_add_test(tc, test_otlp_cpu_json);
    tcase_add_test(tc, test_otlp_alloc_proto);
    tcase_add_test(tc, test_otlp_alloc_json);
    tcase_add_test(tc, test_flamebearer_diff_compare);
    suite_add_tcase(s, tc);
    return s;
}
