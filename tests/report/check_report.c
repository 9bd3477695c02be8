/*
 * check_report.c - the report formats and the merged stack tree.
 *
 * Golden files: testdata/golden/report-sample.* are the reports of the
 * fixture in tests/tools/fg-report-check.h, compared byte for byte;
 * FG_UPDATE_GOLDEN=1 rewrites them (make update-golden).  The JSON is
 * validated against docs/json-schema.json with the small JSON Schema
 * validator below (the keywords the schema uses; any other keyword is an
 * error, so the schema cannot silently outgrow the validator).
 */
#include "flamegate/aggregate.h"
#include "core/arena.h"
#include "core/escape.h"
#include "flamegate/report.h"
#include "flamegate/source.h"
#include "synth.h"
#include "testutil.h"
#include "tools/fg-report-check.h"
/* White-box: the shared formatting helpers. */
#include "analysis/work.h"
#include "report/report_common.h"

#include <jansson.h>
#include <regex.h>
#include <time.h>

/* ---- helpers ---- */

static char *render(enum fg_report_format fmt, const struct fg_report_ctx *c,
                    size_t *len)
{
    struct fg_buf b;
    fg_buf_init(&b, 0);
    struct fg_error err = {0, ""};
    int rc = fg_report_write(fmt, c, &b, &err);
    ck_assert_msg(rc == FG_OK, "%s report: %s", fg_report_format_name(fmt),
                  err.msg);
    return fg_buf_detach(&b, len);
}

static bool update_golden(void)
{
    const char *u = getenv("FG_UPDATE_GOLDEN");
    return u && strcmp(u, "1") == 0;
}

static void golden(const char *name, const char *data, size_t len)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "golden/%s", name);
    char *path = fg_test_data_path(rel);
    if (update_golden()) {
        struct fg_error err;
        ck_assert_int_eq(fg_write_file_atomic(path, data, len, &err), 0);
        fprintf(stderr, "updated %s\n", path);
        free(path);
        return;
    }
    FILE *probe = fopen(path, "rb");
    ck_assert_msg(probe != NULL, "%s is missing: run 'make update-golden'",
                  path);
    fclose(probe);
    size_t glen;
    char *want = fg_test_read(path, &glen);
    if (glen != len || memcmp(want, data, len) != 0) {
        char actual[300];
        snprintf(actual, sizeof(actual), "%s/flamegate-%s.actual",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", name);
        struct fg_error err;
        if (fg_write_file_atomic(actual, data, len, &err) != FG_OK)
            fprintf(stderr, "%s\n", err.msg);
        ck_abort_msg("%s differs from the output (saved in %s): "
                     "'diff -u %s %s'; if the change is intended, run "
                     "'make update-golden'",
                     path, actual, path, actual);
    }
    free(want);
    free(path);
}

static bool valid_utf8(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = fg_utf8_next(u + i, n - i, &cp);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

static size_t count_str(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* A markdown table line ends in " |" (a row) or is the delimiter row. */
static bool table_line_complete(const char *l)
{
    const char *nl = strchr(l, '\n');
    if (!nl || nl - l < 3)
        return false;
    if (strncmp(nl - 2, " |", 2) == 0)
        return true;
    for (const char *c = l; c < nl; c++)
        if (!strchr("|:-", *c))
            return false;
    return true;
}

struct sample {
    struct fg_result *r;
    struct fg_flame *f;
    struct fg_report_ctx ctx;
};

static void sample_init(struct sample *s)
{
    s->r = fgt_sample_result();
    s->f = fgt_sample_flame();
    fgt_ctx(&s->ctx, s->r, s->f);
}

static void sample_release(struct sample *s)
{
    fg_result_free(s->r);
    fg_flame_free(s->f);
}

/* ---- a JSON Schema validator for the subset docs/json-schema.json uses */

struct vctx {
    json_t *root;
    char msg[512];
};

static bool vfail(struct vctx *v, const char *path, const char *what)
{
    if (!v->msg[0])
        snprintf(v->msg, sizeof(v->msg), "%s: %s", path, what);
    return false;
}

static bool type_ok(json_t *inst, const char *t)
{
    if (strcmp(t, "object") == 0)
        return json_is_object(inst);
    if (strcmp(t, "array") == 0)
        return json_is_array(inst);
    if (strcmp(t, "string") == 0)
        return json_is_string(inst);
    if (strcmp(t, "integer") == 0)
        return json_is_integer(inst);
    if (strcmp(t, "number") == 0)
        return json_is_number(inst);
    if (strcmp(t, "boolean") == 0)
        return json_is_boolean(inst);
    if (strcmp(t, "null") == 0)
        return json_is_null(inst);
    ck_abort_msg("schema uses unknown type '%s'", t);
    return false;
}

static bool validate(struct vctx *v, json_t *schema, json_t *inst,
                     const char *path);

static bool v_keyword(struct vctx *v, json_t *schema, const char *key,
                      json_t *val, json_t *inst, const char *path)
{
    char sub[512];
    if (!strcmp(key, "$schema") || !strcmp(key, "title") ||
        !strcmp(key, "description") || !strcmp(key, "$defs"))
        return true;
    if (!strcmp(key, "$ref")) {
        const char *ref = json_string_value(val);
        ck_assert_msg(ref && !strncmp(ref, "#/$defs/", 8), "bad $ref");
        json_t *t = json_object_get(json_object_get(v->root, "$defs"),
                                    ref + 8);
        ck_assert_msg(t != NULL, "dangling $ref '%s'", ref);
        return validate(v, t, inst, path);
    }
    if (!strcmp(key, "type")) {
        if (json_is_string(val))
            return type_ok(inst, json_string_value(val)) ||
                   vfail(v, path, "wrong type");
        size_t i;
        json_t *t;
        json_array_foreach(val, i, t) {
            if (type_ok(inst, json_string_value(t)))
                return true;
        }
        return vfail(v, path, "wrong type");
    }
    if (!strcmp(key, "const"))
        return json_equal(val, inst) || vfail(v, path, "not the constant");
    if (!strcmp(key, "enum")) {
        size_t i;
        json_t *t;
        json_array_foreach(val, i, t) {
            if (json_equal(t, inst))
                return true;
        }
        return vfail(v, path, "not in the enum");
    }
    if (!strcmp(key, "minimum"))
        return !json_is_number(inst) ||
               json_number_value(inst) >= json_number_value(val) ||
               vfail(v, path, "below the minimum");
    if (!strcmp(key, "maximum"))
        return !json_is_number(inst) ||
               json_number_value(inst) <= json_number_value(val) ||
               vfail(v, path, "above the maximum");
    if (!strcmp(key, "pattern")) {
        if (!json_is_string(inst))
            return true;
        regex_t re;
        ck_assert_int_eq(regcomp(&re, json_string_value(val),
                                 REG_EXTENDED | REG_NOSUB), 0);
        bool ok = regexec(&re, json_string_value(inst), 0, NULL, 0) == 0;
        regfree(&re);
        return ok || vfail(v, path, "does not match the pattern");
    }
    if (!strcmp(key, "required")) {
        size_t i;
        json_t *t;
        json_array_foreach(val, i, t) {
            if (json_is_object(inst) &&
                !json_object_get(inst, json_string_value(t))) {
                snprintf(sub, sizeof(sub), "missing '%s'",
                         json_string_value(t));
                return vfail(v, path, sub);
            }
        }
        return true;
    }
    if (!strcmp(key, "properties")) {
        if (!json_is_object(inst))
            return true;
        const char *k;
        json_t *t;
        bool ok = true;
        json_object_foreach(val, k, t) {
            json_t *x = json_object_get(inst, k);
            snprintf(sub, sizeof(sub), "%s.%s", path, k);
            if (x)
                ok &= validate(v, t, x, sub);
        }
        return ok;
    }
    if (!strcmp(key, "additionalProperties")) {
        if (!json_is_object(inst))
            return true;
        json_t *props = json_object_get(schema, "properties");
        const char *k;
        json_t *x;
        bool ok = true;
        json_object_foreach(inst, k, x) {
            if (props && json_object_get(props, k))
                continue;
            snprintf(sub, sizeof(sub), "%s.%s", path, k);
            if (json_is_false(val))
                return vfail(v, sub, "property not allowed");
            if (json_is_object(val))
                ok &= validate(v, val, x, sub);
        }
        return ok;
    }
    if (!strcmp(key, "items")) {
        if (!json_is_array(inst))
            return true;
        size_t i;
        json_t *x;
        bool ok = true;
        json_array_foreach(inst, i, x) {
            snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
            ok &= validate(v, val, x, sub);
        }
        return ok;
    }
    if (!strcmp(key, "oneOf")) {
        /* exactly one branch; the message names every branch's failure */
        char keep[512], why[1024] = "";
        snprintf(keep, sizeof(keep), "%s", v->msg);
        size_t i, hits = 0;
        json_t *t;
        json_array_foreach(val, i, t) {
            v->msg[0] = '\0';
            if (validate(v, t, inst, path))
                hits++;
            else
                snprintf(why + strlen(why), sizeof(why) - strlen(why),
                         "%s[%zu] %.200s", i ? "; " : "", i, v->msg);
        }
        snprintf(v->msg, sizeof(v->msg), "%s", keep);
        if (hits == 1)
            return true;
        return vfail(v, path, hits ? "matches several oneOf branches"
                                   : why);
    }
    ck_abort_msg("the test's validator does not know keyword '%s'", key);
    return false;
}

static bool validate(struct vctx *v, json_t *schema, json_t *inst,
                     const char *path)
{
    const char *key;
    json_t *val;
    bool ok = true;
    json_object_foreach(schema, key, val) {
        ok &= v_keyword(v, schema, key, val, inst, path);
    }
    return ok;
}

static json_t *load_schema(void)
{
    json_error_t je;
    json_t *s = json_load_file("docs/json-schema.json", 0, &je);
    ck_assert_msg(s != NULL, "docs/json-schema.json:%d: %s", je.line,
                  je.text);
    return s;
}

/* Validate text against the schema; returns NULL or the first error. */
static bool schema_check(const char *text, char *msg, size_t n)
{
    json_error_t je;
    json_t *doc = json_loads(text, 0, &je);
    ck_assert_msg(doc != NULL, "report is not JSON: line %d: %s", je.line,
                  je.text);
    struct vctx v = {load_schema(), ""};
    bool ok = validate(&v, v.root, doc, "$");
    snprintf(msg, n, "%s", v.msg);
    json_decref(v.root);
    json_decref(doc);
    return ok;
}

/* ---- format names ---- */

START_TEST(test_format_parse)
{
    enum fg_report_format f = FG_REPORT_TEXT;
    ck_assert_int_eq(fg_report_format_parse("md", &f), FG_OK);
    ck_assert_int_eq(f, FG_REPORT_MARKDOWN);
    const char *names[] = {"text", "markdown", "json", "html", "folded"};
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(fg_report_format_parse(names[i], &f), FG_OK);
        ck_assert_int_eq(f, i);
        ck_assert_str_eq(fg_report_format_name(f), names[i]);
    }
    f = FG_REPORT_JSON;
    ck_assert_int_eq(fg_report_format_parse("svg", &f), FG_EUSAGE);
    ck_assert_int_eq(fg_report_format_parse("", &f), FG_EUSAGE);
    ck_assert_int_eq(fg_report_format_parse(NULL, &f), FG_EUSAGE);
    ck_assert_int_eq(f, FG_REPORT_JSON);

    /* Missing inputs are errors, not crashes. */
    struct fg_report_ctx ctx;
    fg_report_ctx_init(&ctx, NULL, NULL);
    struct fg_buf b;
    fg_buf_init(&b, 0);
    struct fg_error err;
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(fg_report_write((enum fg_report_format)i, &ctx, &b,
                                         &err), FG_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "folded"));
    fg_buf_release(&b);
}
END_TEST

/* ---- escaping and numbers ---- */

static char *esc(const char *s, size_t n)
{
    struct fg_buf b;
    fg_buf_init(&b, 0);
    ck_assert_int_eq(fg_report_escape_display(&b, s, n), FG_OK);
    return fg_buf_detach(&b, NULL);
}

START_TEST(test_escape_display)
{
    static const struct {
        const char *in;
        size_t n;
        const char *out;
    } cases[] = {
        {"plain::name(int)", 16, "plain::name(int)"},
        {"a\tb\nc\rd", 7, "a\\tb\\nc\\rd"},
        {"esc\033[31mred", 11, "esc\\x1b[31mred"},
        {"del\x7f", 4, "del\\x7f"},
        {"bad\xff\xfe", 5, "bad\\xff\\xfe"},
        {"caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\xa5", 14,
         "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\xa5"},
        {"over\xc0\xaflong", 10, "over\\xc0\\xaflong"},
        {"sur\xed\xa0\x80", 6, "sur\\xed\\xa0\\x80"},
        {"big\xf4\x90\x80\x80", 7, "big\\xf4\\x90\\x80\\x80"},
        {"cut\xe2\x86", 5, "cut\\xe2\\x86"},
        {"c1\xc2\x9b" "2J", 6, "c1\\u{009b}2J"},
        {"rlo\xe2\x80\xae" "txt", 9, "rlo\\u{202e}txt"},
        {"nul\0after", 9, "nul\\x00after"},
        {"back\\slash;semi", 15, "back\\slash;semi"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char *got = esc(cases[i].in, cases[i].n);
        ck_assert_msg(strcmp(got, cases[i].out) == 0, "case %zu: '%s'", i,
                      got);
        ck_assert(valid_utf8(got, strlen(got)));
        free(got);
    }
}
END_TEST

START_TEST(test_numbers)
{
    char b[FG_REP_NUM];
    ck_assert_str_eq(fg_rep_pct(b, 0.12345), "12.35%");
    ck_assert_str_eq(fg_rep_pct(b, 0), "0%");
    ck_assert_str_eq(fg_rep_pct(b, 0.00001), "<0.01%");
    ck_assert_str_eq(fg_rep_pct(b, NAN), "n/a");
    ck_assert_str_eq(fg_rep_pp(b, 0.0145), "+1.45 pp");
    ck_assert_str_eq(fg_rep_pp(b, -0.02), "-2.00 pp");
    ck_assert_str_eq(fg_rep_pp(b, -0.00001), "0.00 pp");
    ck_assert_str_eq(fg_rep_rel(b, 1.25), "+25.0%");
    ck_assert_str_eq(fg_rep_rel(b, 0.5), "-50.0%");
    ck_assert_str_eq(fg_rep_rel(b, 1.0), "0.0%");
    ck_assert_str_eq(fg_rep_rel(b, 31), "+3000%");
    ck_assert_str_eq(fg_rep_rel(b, INFINITY), "+inf");
    /* what an environment-driven row needs to fail; never a ratio that
     * would give it more than all the samples (x64702 at 0.73% read as
     * if it could happen) */
    struct fg_func_result ef = {.base_share = 0.05, .cand_share = 0.06,
                                .ratio = 1.2, .fail_ratio = 2.44};
    ck_assert_str_eq(fg_rep_env_fail(b, sizeof(b), &ef),
                     "would fail from about x2.4");
    ef.base_share = 0.011, ef.fail_ratio = 78.4;
    ck_assert_str_eq(fg_rep_env_fail(b, sizeof(b), &ef),
                     "would fail from about x78");
    ef.base_share = 0.0073, ef.fail_ratio = 64701.6;
    ck_assert_str_eq(fg_rep_env_fail(b, sizeof(b), &ef),
                     "cannot fail at these sample counts");
    ef.base_share = 0, ef.ratio = INFINITY, ef.fail_ratio = 3;
    ck_assert_str_eq(fg_rep_env_fail(b, sizeof(b), &ef),
                     "would fail from about x3.0");
    /* a row the tests skipped has no estimate to print (its ratio of 1
     * read as "0.0% [0.0%, 0.0%]") */
    struct fg_func_result un = {.base_count = 4, .cand_count = 3,
                                .ratio = 1, .ratio_lo = 1, .ratio_hi = 1};
    ck_assert_str_eq(fg_rep_rel_ci(b, sizeof(b), &un), "untested");
    un.flags = FG_F_TESTED;
    ck_assert_str_eq(fg_rep_rel_ci(b, sizeof(b), &un), "0.0% [0.0%, 0.0%]");
    ck_assert_str_eq(fg_rep_p(b, 0.0123), "0.012");
    ck_assert_str_eq(fg_rep_p(b, 3.14e-6), "3.1e-06");
    ck_assert_str_eq(fg_rep_p(b, 1.5), "1");
    ck_assert_str_eq(fg_rep_p(b, 0), "<1e-300");
    ck_assert_str_eq(fg_rep_p(b, NAN), "n/a");
    ck_assert_str_eq(fg_rep_count(b, 1234567), "1,234,567");
    ck_assert_str_eq(fg_rep_count(b, -1000), "-1,000");
    ck_assert_str_eq(fg_rep_count(b, 999), "999");
    /* times and sizes as pprof prints them */
    ck_assert_str_eq(fg_rep_value(b, 1.5e9, "nanoseconds"), "1.50s");
    ck_assert_str_eq(fg_rep_value(b, 2.5e5, "nanoseconds"), "250us");
    ck_assert_str_eq(fg_rep_value(b, 3, "milliseconds"), "3ms");
    ck_assert_str_eq(fg_rep_value(b, 1.2e11, "nanoseconds"), "120s");
    ck_assert_str_eq(fg_rep_value(b, 1.2e12, "nanoseconds"), "1200s");
    ck_assert_str_eq(fg_rep_value(b, 1536, "bytes"), "1.50kB");
    ck_assert_str_eq(fg_rep_value(b, 48927457, "bytes"), "46.66MB");
    ck_assert_str_eq(fg_rep_value(b, 12345, "count"), "12,345");
    ck_assert_str_eq(fg_rep_value(b, 7, "objects"), "7 objects");
    ck_assert_str_eq(fg_rep_value(b, 0.5, ""), "0.5");
}
END_TEST

/* ---- the stack tree ---- */

static long find_child(const struct fg_flame *f, long node, const char *name)
{
    const struct fg_flame_node *n = &f->nodes[node];
    for (uint32_t i = 0; i < n->n_children; i++) {
        uint32_t k = f->kids[n->child_start + i];
        if (strcmp(fg_flame_node_name(f, k), name) == 0)
            return (long)k;
    }
    return -1;
}

static long find_path(const struct fg_flame *f, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    long node = 0;
    for (char *save = NULL, *t = strtok_r(buf, ";", &save); t && node >= 0;
         t = strtok_r(NULL, ";", &save))
        node = find_child(f, node, t);
    return node;
}

START_TEST(test_flame_small)
{
    struct fg_flame *f = fgt_sample_flame();
    ck_assert_int_eq(f->base_runs, 2);
    ck_assert_int_eq(f->cand_runs, 2);
    ck_assert_int_eq(f->base_total, 2 * FGT_BASE_RUN);
    ck_assert_int_eq(f->cand_total, 2 * FGT_CAND_RUN);
    ck_assert_int_eq(f->nodes[0].base, f->base_total);
    ck_assert_str_eq(fg_flame_node_name(f, 0), "");
    ck_assert_int_eq(f->max_depth, 3);
    ck_assert_str_eq(f->sample_type, "samples");
    ck_assert_str_eq(f->unit, "count");
    /* root, main, 5 under main, 4 under server.handle */
    ck_assert_int_eq(f->n_nodes, 1 + 1 + 5 + 4);
    long m = find_path(f, "main");
    ck_assert_int_ge(m, 0);
    ck_assert_int_eq(f->nodes[m].base, 2 * FGT_BASE_RUN);
    ck_assert_int_eq(f->nodes[m].base_self, 0);
    long sh = find_path(f, "main;server.handle");
    ck_assert_int_eq(f->nodes[sh].base, 2 * (400 + 200 + 150 + 30));
    ck_assert_int_eq(f->nodes[sh].cand, 2 * (600 + 200 + 60 + 30));
    long db = find_path(f, "main;server.handle;db.query");
    ck_assert_int_eq(f->nodes[db].base, 800);
    ck_assert_int_eq(f->nodes[db].cand, 1200);
    ck_assert_int_eq(f->nodes[db].base_self, 800);
    ck_assert_int_eq(f->nodes[db].depth, 3);
    ck_assert_int_eq(f->nodes[db].parent, sh);
    long nf = find_path(f, "main;new.feature");
    ck_assert_int_eq(f->nodes[nf].base, 0);
    ck_assert_int_eq(f->nodes[nf].cand_self, 80);
    long op = find_path(f, "main;old.path");
    ck_assert_int_eq(f->nodes[op].cand, 0);
    /* Children are sorted by name in byte order. */
    for (size_t i = 0; i < f->n_nodes; i++) {
        const struct fg_flame_node *n = &f->nodes[i];
        for (uint32_t j = 1; j < n->n_children; j++) {
            const uint32_t *k = f->kids + n->child_start;
            const char *a = fg_flame_node_name(f, k[j - 1]);
            const char *b = fg_flame_node_name(f, k[j]);
            ck_assert_msg(strcmp(a, b) < 0, "'%s' before '%s'", a, b);
        }
    }
    fg_flame_free(f);
    fg_flame_free(NULL);
}
END_TEST

/* A profile built by hand: one location with an inlined frame, so a
 * sample's leaf-first frame list is [inner, outer, caller]. */
static struct fg_profile *inline_profile(void)
{
    struct fg_profile *p = fg_xcalloc(1, sizeof(*p));
    p->arena = fg_arena_new(0);
    p->source = "inline";
    fg_strtab_init(&p->func_index);
    p->n_types = 2;
    p->types = fg_arena_calloc(p->arena, 2, sizeof(*p->types));
    p->types[0] = (struct fg_value_type){"samples", "count"};
    p->types[1] = (struct fg_value_type){"cpu", "nanoseconds"};
    static const char *const names[] = {"caller", "outer", "inner", "leaf"};
    p->n_funcs = 4;
    p->func_names = fg_arena_calloc(p->arena, 4, sizeof(char *));
    for (size_t i = 0; i < 4; i++)
        p->func_names[i] = names[i];
    /* loc 0: [inner, outer] (inlined, innermost first); loc 1: caller;
     * loc 2: leaf. */
    p->n_locs = 3;
    p->loc_start = fg_arena_calloc(p->arena, 4, sizeof(uint32_t));
    p->loc_frames = fg_arena_calloc(p->arena, 4, sizeof(uint32_t));
    p->loc_frames[0] = 2;
    p->loc_frames[1] = 1;
    p->loc_frames[2] = 0;
    p->loc_frames[3] = 3;
    p->loc_start[0] = 0;
    p->loc_start[1] = 2;
    p->loc_start[2] = 3;
    p->loc_start[3] = 4;
    /* s0: [loc0, loc1] = caller;outer;inner   value 5 / 50
     * s1: [loc2, loc0, loc1] = caller;outer;inner;leaf   3 / 30
     * s2: no locations   2 / 20
     * s3: [loc1] value 0 / 0 (skipped) */
    p->n_samples = 4;
    p->sample_start = fg_arena_calloc(p->arena, 5, sizeof(uint32_t));
    p->sample_locs = fg_arena_calloc(p->arena, 6, sizeof(uint32_t));
    static const uint32_t starts[] = {0, 2, 5, 5, 6};
    static const uint32_t locs[] = {0, 1, 2, 0, 1, 1};
    memcpy(p->sample_start, starts, sizeof(starts));
    memcpy(p->sample_locs, locs, sizeof(locs));
    p->values = fg_arena_calloc(p->arena, 8, sizeof(int64_t));
    static const int64_t vals[] = {5, 50, 3, 30, 2, 20, 0, 0};
    memcpy(p->values, vals, sizeof(vals));
    return p;
}

START_TEST(test_flame_inline_and_types)
{
    struct fg_profile *p = inline_profile();
    struct fg_flame *f = NULL;
    struct fg_error err;
    ck_assert_int_eq(fg_flame_build(&p, 1, &p, 1, 0, 1, &f, &err), FG_OK);
    ck_assert_int_eq(f->base_total, 10);
    ck_assert_int_eq(f->cand_total, 100);
    ck_assert_int_eq(f->nodes[0].base_self, 2); /* frameless sample */
    long in = find_path(f, "caller;outer;inner");
    ck_assert_int_ge(in, 0);
    ck_assert_int_eq(f->nodes[in].base, 8);
    ck_assert_int_eq(f->nodes[in].base_self, 5);
    ck_assert_int_eq(f->nodes[in].cand, 80);
    long lf = find_path(f, "caller;outer;inner;leaf");
    ck_assert_int_eq(f->nodes[lf].cand_self, 30);
    ck_assert_int_eq(f->nodes[lf].depth, 4);
    ck_assert_int_eq(f->n_nodes, 5);
    ck_assert_str_eq(f->sample_type, "samples");
    fg_flame_free(f);

    /* Out-of-range type: an error naming the source. */
    f = NULL;
    ck_assert_int_eq(fg_flame_build(&p, 1, &p, 1, 0, 2, &f, &err), FG_EUSAGE);
    ck_assert_ptr_null(f);
    ck_assert_ptr_nonnull(strstr(err.msg, "'inline'"));
    /* An empty side is allowed. */
    ck_assert_int_eq(fg_flame_build(NULL, 0, &p, 1, 0, 1, &f, &err), FG_OK);
    ck_assert_int_eq(f->base_total, 0);
    ck_assert_str_eq(f->sample_type, "cpu");
    struct fg_report_ctx ctx;
    fg_report_ctx_init(&ctx, NULL, f);
    size_t len;
    char *folded = render(FG_REPORT_FOLDED, &ctx, &len);
    ck_assert_ptr_nonnull(strstr(folded, "\ncaller;outer;inner 0 50\n"));
    ck_assert_ptr_nonnull(strstr(folded, "\ncaller;outer;inner;leaf 0 30\n"));
    free(folded);
    fg_flame_free(f);
    fg_profile_free(p);
}
END_TEST

/* Exactness against pprof's flat and cum (aggregate.c, itself checked
 * against pprof's goldens): flat(f) = sum of self over nodes named f;
 * cum(f) = sum over the outermost nodes named f (no ancestor named f). */
static void check_against_aggregate(const char *rel)
{
    char *path = fg_test_corpus_path(rel);
    if (!path) {
        fg_test_skip("corpus absent: flame tree not checked against pprof");
        return;
    }
    struct fg_profile *p = NULL;
    struct fg_error err;
    ck_assert_msg(fg_source_load_file(path, NULL, &p, &err) == FG_OK, "%s",
                  err.msg);
    size_t type = p->default_type;
    struct fg_agg agg;
    ck_assert_int_eq(fg_aggregate_type(p, type, &agg, &err), FG_OK);
    struct fg_flame *f = NULL;
    ck_assert_int_eq(fg_flame_build(&p, 1, &p, 1, type, type, &f, &err),
                     FG_OK);
    ck_assert_int_eq(f->base_total, agg.total);
    int64_t *flat = fg_xcalloc(f->names.n + 1, sizeof(int64_t));
    int64_t *cum = fg_xcalloc(f->names.n + 1, sizeof(int64_t));
    for (size_t i = 1; i < f->n_nodes; i++) {
        const struct fg_flame_node *n = &f->nodes[i];
        ck_assert_int_eq(n->base, n->cand);
        flat[n->name] += n->base_self;
        bool outer = true;
        for (uint32_t a = n->parent; a != 0 && outer; a = f->nodes[a].parent)
            outer = f->nodes[a].name != n->name;
        if (outer)
            cum[n->name] += n->base;
    }
    for (size_t fn = 0; fn < p->n_funcs; fn++) {
        const char *name = p->func_names[fn];
        uint32_t id = fg_strtab_find(&f->names, name, strlen(name));
        int64_t fl = id == UINT32_MAX ? 0 : flat[id];
        int64_t cu = id == UINT32_MAX ? 0 : cum[id];
        ck_assert_msg(fl == agg.flat[fn] && cu == agg.cum[fn],
                      "%s: '%s' flat %lld/%lld cum %lld/%lld", rel, name,
                      (long long)fl, (long long)agg.flat[fn], (long long)cu,
                      (long long)agg.cum[fn]);
    }
    free(flat);
    free(cum);
    fg_flame_free(f);
    fg_agg_release(&agg);
    fg_profile_free(p);
    free(path);
}

START_TEST(test_flame_corpus)
{
    static const char *const files[] = {
        "profiles/go-sample-cpu.pb.gz", "profiles/java-async-profiler.pb.gz",
        "profiles/go-heap.pb.gz",       "profiles/python-pyspy.pb.gz",
        "profiles/rust-cpu.pb.gz",      "profiles/cpp-bench-cpu-legacy.pb.gz",
        "replicates/kafka-java-cpu/cpu-0.pb.gz",
        "malformed/invalid-utf8.pb.gz",
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++)
        check_against_aggregate(files[i]);
}
END_TEST

/* n_samples stacks shaped like a real profile: random walks of depth 4 to
 * 27 down a call graph of 5,000 functions with 6 callees each, skewed
 * toward the first callee, so hot paths repeat and prefixes are shared. */
static uint64_t xorshift(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static struct fg_profile *big_profile(size_t n_samples)
{
    struct fg_profile *p = fg_xcalloc(1, sizeof(*p));
    p->arena = fg_arena_new(0);
    p->source = "big";
    fg_strtab_init(&p->func_index);
    p->n_types = 1;
    p->types = fg_arena_calloc(p->arena, 1, sizeof(*p->types));
    p->types[0] = (struct fg_value_type){"samples", "count"};
    size_t nf = 5000;
    p->n_funcs = nf;
    p->func_names = fg_arena_calloc(p->arena, nf, sizeof(char *));
    for (size_t i = 0; i < nf; i++) {
        char name[48];
        snprintf(name, sizeof(name), "github.com/org/pkg%zu.(*T).Method%zu",
                 i % 61, i);
        p->func_names[i] = fg_arena_strndup(p->arena, name, strlen(name));
    }
    p->n_locs = nf;
    p->loc_start = fg_arena_calloc(p->arena, nf + 1, sizeof(uint32_t));
    p->loc_frames = fg_arena_calloc(p->arena, nf, sizeof(uint32_t));
    for (size_t i = 0; i < nf; i++) {
        p->loc_start[i] = (uint32_t)i;
        p->loc_frames[i] = (uint32_t)i;
    }
    p->loc_start[nf] = (uint32_t)nf;
    p->n_samples = n_samples;
    p->sample_start = fg_arena_calloc(p->arena, n_samples + 1,
                                      sizeof(uint32_t));
    p->sample_locs = fg_arena_calloc(p->arena, n_samples * 28,
                                     sizeof(uint32_t));
    p->values = fg_arena_calloc(p->arena, n_samples, sizeof(int64_t));
    uint64_t x = 88172645463325252ull;
    uint32_t walk[28];
    size_t at = 0;
    for (size_t s = 0; s < n_samples; s++) {
        size_t depth = 4 + xorshift(&x) % 24;
        uint64_t cur = xorshift(&x) % 3;
        for (size_t d = 0; d < depth; d++) {
            walk[d] = (uint32_t)cur;
            uint64_t a = xorshift(&x) % 6, b = xorshift(&x) % 6;
            cur = (cur * 7919 + 1 + (a < b ? a : b) * 613) % nf;
        }
        p->sample_start[s] = (uint32_t)at;
        for (size_t d = depth; d-- > 0;) /* leaf first */
            p->sample_locs[at++] = walk[d];
        p->values[s] = 1 + (int64_t)(xorshift(&x) % 5);
    }
    p->sample_start[n_samples] = (uint32_t)at;
    return p;
}

START_TEST(test_flame_speed)
{
    /* Sanitizers slow memory-bound code several times: a smaller tree
     * still checks correctness there, the timing only counts without. */
#if defined(__SANITIZE_ADDRESS__)
    bool slow = true;
#else
    bool slow = fg_test_under_valgrind();
#endif
    size_t n = slow ? 20000 : 1000000;
    struct fg_profile *p = big_profile(n);
    struct fg_flame *f = NULL;
    struct fg_error err;
    /* CPU time, not wall time: shared CI machines are often loaded. */
    clock_t c0 = clock();
    double t0 = fg_now();
    ck_assert_int_eq(fg_flame_build(&p, 1, &p, 1, 0, 0, &f, &err), FG_OK);
    double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
    fprintf(stderr, "flame: 2 x %zu stacks -> %zu nodes in %.3f s CPU "
                    "(%.3f s wall)\n",
            n, f->n_nodes, cpu, fg_now() - t0);
    /* Linear in the frames (31 million here); memory latency bound. */
    if (!slow)
        ck_assert_msg(cpu < 15.0, "building took %.2f s", cpu);
    /* The pruned HTML stays small. */
    struct fg_result *r = fgt_sample_result();
    struct fg_report_ctx ctx;
    fgt_ctx(&ctx, r, f);
    size_t len;
    t0 = fg_now();
    char *html = render(FG_REPORT_HTML, &ctx, &len);
    fprintf(stderr, "html: %zu bytes in %.3f s\n", len, fg_now() - t0);
    ck_assert_ptr_nonnull(strstr(html, ",-2,")); /* an "(other)" node */
    free(html);
    fg_result_free(r);
    fg_flame_free(f);
    fg_profile_free(p);
}
END_TEST

/* ---- goldens ---- */

START_TEST(test_golden_sample)
{
    struct sample s;
    sample_init(&s);
    static const struct {
        enum fg_report_format fmt;
        const char *file;
    } g[] = {
        {FG_REPORT_TEXT, "report-sample.txt"},
        {FG_REPORT_MARKDOWN, "report-sample.md"},
        {FG_REPORT_JSON, "report-sample.json"},
        {FG_REPORT_HTML, "report-sample.html"},
        {FG_REPORT_FOLDED, "report-sample.folded"},
    };
    for (size_t i = 0; i < sizeof(g) / sizeof(*g); i++) {
        size_t len, len2;
        char *out = render(g[i].fmt, &s.ctx, &len);
        char *again = render(g[i].fmt, &s.ctx, &len2);
        ck_assert_msg(len == len2 && memcmp(out, again, len) == 0,
                      "%s is not deterministic", g[i].file);
        golden(g[i].file, out, len);
        free(out);
        free(again);
    }
    s.ctx.color = true;
    s.ctx.top = 1;
    size_t len;
    char *out = render(FG_REPORT_TEXT, &s.ctx, &len);
    golden("report-sample-color-top1.txt", out, len);
    free(out);
    sample_release(&s);
}
END_TEST

/* Reports of a real pair through the real comparison (fg_compare), with
 * the corpus location taken out of the sources.  formats lists which to
 * compare with testdata/golden/report-NAME.*. */
static void corpus_golden(const char *name, const char *rel0,
                          const char *rel1, const int *formats, size_t nf)
{
    static const char *const ext[] = {"txt", "md", "json", "html",
                                      "folded"};
    const char *rel[2] = {rel0, rel1};
    struct fg_profile *p[2];
    struct fg_error err;
    for (int i = 0; i < 2; i++) {
        char *path = fg_test_corpus_path(rel[i]);
        ck_assert_msg(fg_source_load_file(path, NULL, &p[i], &err) == FG_OK,
                      "%s", err.msg);
        free(path);
    }
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    struct fg_result *r = NULL;
    ck_assert_msg(fg_compare(&p[0], 1, &p[1], 1, &o, &r, &err) == FG_OK,
                  "%s", err.msg);
    struct fg_side *sides[2] = {&r->base, &r->cand};
    for (int i = 0; i < 2; i++) {
        char *b = fg_xstrdup(fg_basename(sides[i]->sources[0]));
        free(sides[i]->sources[0]);
        sides[i]->sources[0] = b;
    }
    size_t bt, ct;
    ck_assert_int_eq(fg_profile_select_type(p[0], NULL, &bt, &err), FG_OK);
    ck_assert_int_eq(fg_profile_select_type(p[1], NULL, &ct, &err), FG_OK);
    struct fg_flame *f = NULL;
    ck_assert_int_eq(fg_flame_build(&p[0], 1, &p[1], 1, bt, ct, &f, &err),
                     FG_OK);
    struct fg_report_ctx ctx;
    fg_report_ctx_init(&ctx, r, f);
    ctx.version = FGT_VERSION;
    char settings[300];
    snprintf(settings, sizeof(settings), "flamegate compare %s %s",
             fg_basename(rel0), fg_basename(rel1));
    ctx.settings = settings;
    for (size_t i = 0; i < nf; i++) {
        enum fg_report_format fmt = (enum fg_report_format)formats[i];
        size_t len;
        char *out = render(fmt, &ctx, &len);
        if (fmt == FG_REPORT_JSON) {
            char msg[600];
            ck_assert_msg(schema_check(out, msg, sizeof(msg)), "%s", msg);
        }
        char file[64];
        snprintf(file, sizeof(file), "report-%s.%s", name, ext[fmt]);
        golden(file, out, len);
        free(out);
    }
    fg_result_free(r);
    fg_flame_free(f);
    fg_profile_free(p[0]);
    fg_profile_free(p[1]);
}

START_TEST(test_golden_corpus)
{
    if (!fg_test_corpus()) {
        fg_test_skip("corpus absent: corpus goldens not checked");
        return;
    }
    /* Two heap profiles of one process 12 s apart: every format. */
    static const int all[] = {FG_REPORT_TEXT, FG_REPORT_MARKDOWN,
                              FG_REPORT_JSON, FG_REPORT_HTML,
                              FG_REPORT_FOLDED};
    corpus_golden("parca", "replicates/parca-many/1644509272337470000.pb.gz",
                  "replicates/parca-many/1644509284338649000.pb.gz", all, 5);
    /* Two CPU windows of a Kafka broker (A/A); the other formats of this
     * pair are hundreds of kilobytes, so only the text ones. */
    static const int small[] = {FG_REPORT_TEXT, FG_REPORT_MARKDOWN};
    corpus_golden("kafka", "replicates/kafka-java-cpu/cpu-1.pb.gz",
                  "replicates/kafka-java-cpu/cpu-3.pb.gz", small, 2);
}
END_TEST

/* ---- markdown ---- */

START_TEST(test_markdown_escaping)
{
    struct sample s;
    sample_init(&s);
    size_t len;
    char *md = render(FG_REPORT_MARKDOWN, &s.ctx, &len);
    ck_assert(valid_utf8(md, len));
    ck_assert(strncmp(md, "<!-- flamegate:perf-gate -->\n", 29) == 0);
    ck_assert_ptr_nonnull(strstr(md, "\n### :x: flamegate: **FAIL**: 2 "));
    /* Backtick runs need a longer fence; '|' is escaped in tables. */
    ck_assert_ptr_nonnull(strstr(md, "| ``` `tick``\\|pipe ``` |"));
    /* Raw markup from names only inside code spans. */
    ck_assert_ptr_nonnull(strstr(md, "`<script>alert(1)</script>`"));
    ck_assert_int_eq(count_str(md, "<script>"),
                     count_str(md, "`<script>alert(1)</script>`"));
    ck_assert_ptr_nonnull(strstr(md, "&lt;b&gt;markup&lt;/b&gt;"));
    /* Control bytes and invalid UTF-8 shown escaped on one line. */
    ck_assert_ptr_nonnull(strstr(
        md, "`bad\\xff\\xfe name\\twith\\ttabs\\nand a newline`"));
    for (size_t i = 0; i < len; i++)
        ck_assert((unsigned char)md[i] >= 0x20 || md[i] == '\n');
    ck_assert_int_eq(count_str(md, "<details>"), count_str(md, "</details>"));
    ck_assert_ptr_nonnull(strstr(md, FGT_SETTINGS));
    ck_assert_ptr_nonnull(strstr(md, FGT_VERSION));
    free(md);

    /* The marker id cannot close the comment. */
    s.ctx.marker_id = "x --> <b>y";
    md = render(FG_REPORT_MARKDOWN, &s.ctx, &len);
    ck_assert(strncmp(md, "<!-- flamegate:x------b-y -->\n", 30) == 0);
    free(md);
    s.ctx.marker_id = NULL;
    md = render(FG_REPORT_MARKDOWN, &s.ctx, &len);
    ck_assert(strncmp(md, "<!-- flamegate:default -->\n", 27) == 0);
    free(md);
    sample_release(&s);
}
END_TEST

START_TEST(test_markdown_size_cap)
{
    size_t n = fg_test_under_valgrind() ? 5000 : 100000;
    struct fg_result *r = fgt_big_result(n);
    struct fg_report_ctx ctx;
    fgt_ctx(&ctx, r, NULL);
    size_t caps[] = {0, 20000, 100};
    for (size_t c = 0; c < 3; c++) {
        ctx.md_max_bytes = caps[c];
        size_t cap = caps[c] == 0 ? FG_REPORT_MD_MAX_DEFAULT
                     : caps[c] < FG_REPORT_MD_MIN ? FG_REPORT_MD_MIN
                                                  : caps[c];
        size_t len;
        char *md = render(FG_REPORT_MARKDOWN, &ctx, &len);
        ck_assert_msg(len <= cap && len < FG_REPORT_MD_LIMIT,
                      "%zu bytes over the cap %zu", len, cap);
        ck_assert_int_gt(len, cap - 2000);
        ck_assert(valid_utf8(md, len));
        ck_assert_ptr_nonnull(strstr(md, "rows left out to stay under"));
        ck_assert_int_eq(count_str(md, "<details>"),
                         count_str(md, "</details>"));
        ck_assert(strncmp(md, "<!-- flamegate:perf-gate -->\n", 29) == 0);
        /* The footer (version, settings) is always there, last. */
        const char *foot = strstr(md, "<sub>flamegate " FGT_VERSION);
        ck_assert_ptr_nonnull(foot);
        ck_assert(strchr(foot, '\n') == md + len - 1);
        /* Whole rows: every table line is complete. */
        for (const char *l = md; *l; l = strchr(l, '\n') + 1) {
            if (*l == '|')
                ck_assert(table_line_complete(l));
        }
        free(md);
    }
    fg_result_free(r);
}
END_TEST

/* ---- JSON ---- */

/* The settings that shaped the profiles before the comparison (pprof's
 * filters, --split, --folded-column) and the gate's patterns are in the
 * JSON settings when set, absent otherwise, and valid against the schema. */
START_TEST(test_json_settings_prep)
{
    struct sample s;
    sample_init(&s);
    char msg[600];
    size_t len;
    char *js = render(FG_REPORT_JSON, &s.ctx, &len);
    json_error_t je;
    json_t *doc = json_loads(js, 0, &je);
    json_t *st = json_object_get(doc, "settings");
    static const char *const absent[] = {"focus", "ignore", "hide",
                                         "show_from", "tagfocus", "tagignore",
                                         "gate_only", "split",
                                         "folded_column"};
    for (size_t i = 0; i < sizeof(absent) / sizeof(*absent); i++)
        ck_assert_msg(!json_object_get(st, absent[i]), "%s set", absent[i]);
    /* the fixture's regex ignore rule; its preset rule stays in rules */
    json_t *gi = json_object_get(st, "gate_ignore");
    ck_assert_int_eq(json_array_size(gi), 1);
    ck_assert_str_eq(json_string_value(json_array_get(gi, 0)), "^ignored\\.");
    json_decref(doc);
    free(js);

    const char *focus[] = {"^main\\.", "server"};
    const char *tagfocus[] = {"endpoint=/checkout"};
    const char *hide[] = {"runtime\\..*"};
    struct fg_report_prep prep = {0};
    prep.focus = focus;
    prep.n_focus = 2;
    prep.tagfocus = tagfocus;
    prep.n_tagfocus = 1;
    prep.hide = hide;
    prep.n_hide = 1;
    prep.split = 4;
    prep.folded_column = 2;
    s.ctx.prep = &prep;
    js = render(FG_REPORT_JSON, &s.ctx, &len);
    ck_assert_msg(schema_check(js, msg, sizeof(msg)), "prep: %s", msg);
    doc = json_loads(js, 0, &je);
    st = json_object_get(doc, "settings");
    ck_assert_int_eq(json_array_size(json_object_get(st, "focus")), 2);
    ck_assert_str_eq(json_string_value(json_array_get(
                         json_object_get(st, "focus"), 1)), "server");
    ck_assert_str_eq(json_string_value(json_array_get(
                         json_object_get(st, "tagfocus"), 0)),
                     "endpoint=/checkout");
    ck_assert_int_eq(json_array_size(json_object_get(st, "hide")), 1);
    ck_assert_ptr_null(json_object_get(st, "ignore"));
    ck_assert_int_eq(json_integer_value(json_object_get(st, "split")), 4);
    ck_assert_int_eq(json_integer_value(json_object_get(st, "folded_column")),
                     2);
    json_decref(doc);
    /* the schema refuses what these keys cannot hold */
    char *bad = fg_xasprintf("%s", js);
    char *at = strstr(bad, "\"folded_column\": 2");
    ck_assert_ptr_nonnull(at);
    at[strlen("\"folded_column\": ")] = '3';
    ck_assert(!schema_check(bad, msg, sizeof(msg)));
    free(bad);
    free(js);
    sample_release(&s);
}
END_TEST

/* Occurrences of needle in hay. */
static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/*
 * Issue "Verdicts I": a regex-like shape, a caller gaining 100 new small
 * callees worth 30% of the samples (one profile of 2,000 samples per
 * side), is one finding naming the caller and the new path, in text,
 * markdown, JSON and HTML alike.
 */
START_TEST(test_regex_shape_one_finding)
{
    struct fg_synth_opts so;
    fg_synth_opts_default(&so);
    so.seed = 42;
    so.n_funcs = 300;
    so.n_stacks = 2000;
    struct fg_synth_tree *t = NULL;
    struct fg_error err;
    ck_assert_int_eq(fg_synth_tree_new(&so, &t, &err), FG_OK);
    size_t caller = 0;
    double bestd = 1;
    for (size_t f = 0; f < fg_synth_n_funcs(t); f++) {
        double c = fg_synth_cum_weight(t, f);
        if (c < 0.9 && fabs(c - 0.40) < bestd) {
            bestd = fabs(c - 0.40);
            caller = f;
        }
    }
    double cum = fg_synth_cum_weight(t, caller);
    /* 30% of the samples: share of the caller s with s c / (1 + s c) = 0.3 */
    double share = 0.3 / (0.7 * cum);
    ck_assert_int_eq(fg_synth_add_subtree(t, caller, 100, share, 99, &err),
                     FG_OK);
    struct fg_synth_run_opts ro;
    fg_synth_run_opts_default(&ro);
    ro.n_samples = 2000;
    ro.cv = 0.05;
    struct fg_profile *b = NULL, *c = NULL;
    ro.seed = 1;
    ck_assert_int_eq(fg_synth_generate(t, &ro, &b, &err), FG_OK);
    ro.seed = 2;
    ro.latent = true;
    ck_assert_int_eq(fg_synth_generate(t, &ro, &c, &err), FG_OK);
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    struct fg_result *r = NULL;
    ck_assert_int_eq(fg_compare(&b, 1, &c, 1, &o, &r, &err), FG_OK);
    struct fg_flame *fl = NULL;
    ck_assert_int_eq(fg_flame_build(&b, 1, &c, 1, 0, 0, &fl, &err), FG_OK);
    ck_assert_int_eq(r->verdict, FG_VERDICT_FAIL);
    ck_assert_uint_eq(r->n_findings, 1);
    const struct fg_finding *fd = &r->findings[0];
    ck_assert_int_eq(fd->kind, FG_FINDING_NEW_PATH);
    const char *cname = fg_synth_func_name(t, caller);
    ck_assert_ptr_nonnull(fd->caller);
    ck_assert_str_eq(fd->caller, cname);
    const char *root = r->funcs[fd->row].name;
    ck_assert_ptr_nonnull(strstr(root, "regexp"));
    ck_assert_uint_ge(fd->n_members, 10);
    char *title = fg_xasprintf("%s -> %s: new call path", cname, root);
    struct fg_report_ctx ctx;
    fgt_ctx(&ctx, r, fl);
    size_t len;
    /* text and markdown: one finding, titled by caller and path */
    char *txt = render(FG_REPORT_TEXT, &ctx, &len);
    ck_assert_ptr_nonnull(strstr(txt, "Findings (1)"));
    ck_assert_uint_eq(count_of(txt, title), 1);
    free(txt);
    char *md = render(FG_REPORT_MARKDOWN, &ctx, &len);
    ck_assert_uint_eq(count_of(md, ": new call path"), 1);
    ck_assert_ptr_nonnull(strstr(md, root));
    free(md);
    /* JSON: one finding of that kind and caller */
    char *js = render(FG_REPORT_JSON, &ctx, &len);
    json_error_t je;
    json_t *doc = json_loads(js, 0, &je);
    ck_assert_ptr_nonnull(doc);
    json_t *fds = json_object_get(doc, "findings");
    ck_assert_int_eq(json_array_size(fds), 1);
    json_t *f0 = json_array_get(fds, 0);
    ck_assert_str_eq(json_string_value(json_object_get(f0, "kind")),
                     "new_call_path");
    ck_assert_str_eq(json_string_value(json_object_get(f0, "caller")), cname);
    ck_assert_ptr_eq(strstr(json_string_value(json_object_get(f0, "title")),
                            title),
                     json_string_value(json_object_get(f0, "title")));
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_object_get(doc, "summary"), "regressions")),
                     1);
    json_decref(doc);
    free(js);
    /* HTML: the one finding, with its button */
    char *html = render(FG_REPORT_HTML, &ctx, &len);
    ck_assert_uint_eq(count_of(html, ": new call path"), 1);
    ck_assert_ptr_nonnull(strstr(html, root));
    free(html);
    free(title);
    fg_flame_free(fl);
    fg_result_free(r);
    fg_profile_free(b);
    fg_profile_free(c);
    fg_synth_tree_free(t);
}
END_TEST

START_TEST(test_json_schema)
{
    struct sample s;
    sample_init(&s);
    char msg[600];
    size_t len;
    char *js = render(FG_REPORT_JSON, &s.ctx, &len);
    ck_assert_msg(schema_check(js, msg, sizeof(msg)), "sample: %s", msg);

    json_error_t je;
    json_t *doc = json_loads(js, 0, &je);
    ck_assert_int_eq(json_integer_value(json_object_get(doc,
                                                        "schema_version")), 2);
    /* the findings reference rows, and rows their finding */
    json_t *fds = json_object_get(doc, "findings");
    ck_assert_int_eq(json_array_size(fds), 3);
    json_t *f1 = json_array_get(fds, 1);
    ck_assert_str_eq(json_string_value(json_object_get(f1, "kind")),
                     "new_call_path");
    ck_assert_str_eq(json_string_value(json_object_get(f1, "caller")),
                     "server.handle");
    ck_assert_int_eq(json_integer_value(json_object_get(f1, "row")), 1);
    ck_assert_ptr_nonnull(strstr(
        json_string_value(json_object_get(f1, "title")),
        "server.handle -> new.feature: new call path"));
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_array_get(json_object_get(doc, "functions"), 1),
                         "finding")),
                     1);
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_object_get(doc, "summary"), "regressions")),
                     2);
    json_t *funcs = json_object_get(doc, "functions");
    ck_assert_int_eq(json_array_size(funcs), s.r->n_funcs);
    /* Invalid UTF-8: U+FFFD in name, exact bytes in name_hex. */
    bool seen = false;
    for (size_t i = 0; i < json_array_size(funcs); i++) {
        json_t *fn = json_array_get(funcs, i);
        json_t *hex = json_object_get(fn, "name_hex");
        if (!hex)
            continue;
        seen = true;
        const char *h = json_string_value(hex);
        char bytes[128];
        size_t nb = strlen(h) / 2;
        for (size_t k = 0; k < nb; k++) {
            unsigned v;
            sscanf(h + 2 * k, "%2x", &v);
            bytes[k] = (char)v;
        }
        bytes[nb] = '\0';
        ck_assert_str_eq(bytes, FGT_BAD_NAME);
        ck_assert_str_eq(json_string_value(json_object_get(fn, "name")),
                         "bad\xef\xbf\xbd\xef\xbf\xbd name\twith\ttabs\n"
                         "and a newline");
    }
    ck_assert(seen);
    /* Infinity and NaN are null. */
    json_t *nf = json_array_get(funcs, 1);
    ck_assert_str_eq(json_string_value(json_object_get(nf, "name")),
                     "new.feature");
    ck_assert(json_is_null(json_object_get(nf, "ratio_hi")));
    json_t *flags = json_object_get(nf, "flags");
    ck_assert_str_eq(json_string_value(json_array_get(flags, 0)), "tested");
    json_decref(doc);

    /* The validator can fail: break the document in several ways. */
    static const char *const broken[][2] = {
        {"\"schema_version\": 2", "\"schema_version\": 1"},
        {"\"verdict\": \"FAIL\"", "\"verdict\": \"BROKEN\""},
        {"\"exit_code\": 1", "\"exit_code\": \"1\""},
        {"\"share_change\":", "\"extra\": 1, \"share_change\":"},
        {"\"kind\": \"new_call_path\"", "\"kind\": \"new\""},
        {"\"p_holm\":", "\"p_holm_renamed\":"},
        {"\"name_hex\": \"", "\"name_hex\": \"zz"},
    };
    for (size_t i = 0; i < sizeof(broken) / sizeof(*broken); i++) {
        const char *at = strstr(js, broken[i][0]);
        ck_assert_ptr_nonnull(at);
        struct fg_buf b;
        fg_buf_init(&b, 0);
        ck_assert_int_eq(fg_buf_add(&b, js, (size_t)(at - js)), 0);
        ck_assert_int_eq(fg_buf_adds(&b, broken[i][1]), 0);
        ck_assert_int_eq(fg_buf_adds(&b, at + strlen(broken[i][0])), 0);
        ck_assert_msg(!schema_check(b.data, msg, sizeof(msg)),
                      "validator accepted '%s'", broken[i][1]);
        fg_buf_release(&b);
    }
    free(js);

    /* Non-finite numbers everywhere still give a valid document. */
    for (size_t i = 0; i < s.r->n_funcs; i++) {
        struct fg_func_result *f = &s.r->funcs[i];
        f->ratio = f->ratio_lo = f->p = f->stat = NAN;
        f->delta = -INFINITY;
    }
    s.r->r = NAN;
    s.r->base.mde = INFINITY;
    js = render(FG_REPORT_JSON, &s.ctx, &len);
    ck_assert_msg(schema_check(js, msg, sizeof(msg)), "nan: %s", msg);
    ck_assert_ptr_null(strstr(js, ": nan"));
    ck_assert_ptr_null(strstr(js, ": inf"));
    ck_assert_ptr_null(strstr(js, "NaN"));
    ck_assert_ptr_null(strstr(js, "Infinity"));
    free(js);
    sample_release(&s);
}
END_TEST

/* The example in docs/json-schema.md is valid too. */
START_TEST(test_json_doc_example)
{
    size_t len;
    char *doc = fg_test_read("docs/json-schema.md", &len);
    const char *start = strstr(doc, "```json\n");
    ck_assert_ptr_nonnull(start);
    start += 8;
    char *end = strstr(start, "\n```");
    ck_assert_ptr_nonnull(end);
    *end = '\0';
    char msg[600];
    ck_assert_msg(schema_check(start, msg, sizeof(msg)), "docs example: %s",
                  msg);
    free(doc);
}
END_TEST

/* The error document (--on-error pass): valid against the schema, every
 * field as documented, and the example in docs/json-schema.md too. */
START_TEST(test_json_error_document)
{
    struct fg_report_ctx ctx;
    fg_report_ctx_init(&ctx, NULL, NULL);
    ctx.version = "0.0.0-test";
    ctx.settings = "flamegate compare --on-error pass a b";
    struct fg_error e = {0, ""};
    fg_error_set(&e, FG_EHTTP, "HTTP 503 from 'http://p:4040/x': bad \xff");
    struct fg_report_failure f = {&e, 0, true};
    struct fg_buf b;
    fg_buf_init(&b, 0);
    ck_assert_int_eq(fg_report_json_error(&ctx, &f, &b, &e), FG_OK);
    char msg[600];
    ck_assert_msg(schema_check(b.data, msg, sizeof(msg)), "%s", msg);
    json_error_t je;
    json_t *d = json_loads(b.data, 0, &je);
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(json_integer_value(json_object_get(d, "schema_version")),
                     2);
    ck_assert_str_eq(json_string_value(json_object_get(d, "verdict")),
                     "ERROR");
    ck_assert_int_eq(json_integer_value(json_object_get(d, "exit_code")), 0);
    json_t *err = json_object_get(d, "error");
    ck_assert_str_eq(json_string_value(json_object_get(err, "kind")),
                     "fetch");
    ck_assert_int_eq(json_integer_value(json_object_get(err, "exit_code")),
                     3);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
                                     err, "message")), "bad \xef\xbf\xbd"));
    ck_assert_str_eq(json_string_value(json_object_get(d, "on_error")),
                     "pass");
    json_decref(d);
    ck_assert(b.data[b.len - 1] == '\n');
    /* not passed: on_error fail, the exit code as is */
    fg_error_set(&e, FG_EFORMAT, "x.pb: not a profile");
    f = (struct fg_report_failure){&e, 2, false};
    fg_buf_reset(&b);
    ck_assert_int_eq(fg_report_json_error(&ctx, &f, &b, &e), FG_OK);
    ck_assert_msg(schema_check(b.data, msg, sizeof(msg)), "%s", msg);
    ck_assert_ptr_nonnull(strstr(b.data, "\"kind\": \"input\""));
    ck_assert_ptr_nonnull(strstr(b.data, "\"on_error\": \"fail\""));
    /* an error document is not a report, nor the reverse */
    char *bad = fg_xasprintf("%.*s\"summary\": {},\n%s",
                             (int)(strstr(b.data, "\"error\"") - b.data),
                             b.data, strstr(b.data, "\"error\""));
    ck_assert(!schema_check(bad, msg, sizeof(msg)));
    free(bad);
    fg_buf_release(&b);

    size_t len;
    char *doc = fg_test_read("docs/json-schema.md", &len);
    char *start = strstr(doc, "## Error document");
    ck_assert_ptr_nonnull(start);
    start = strstr(start, "```json\n");
    ck_assert_ptr_nonnull(start);
    start += 8;
    char *end = strstr(start, "\n```");
    ck_assert_ptr_nonnull(end);
    *end = '\0';
    ck_assert_msg(schema_check(start, msg, sizeof(msg)), "docs example: %s",
                  msg);
    free(doc);
}
END_TEST

/* ---- HTML ---- */

/* The JSON embedded in the page, parsed. */
static json_t *html_data(const char *html)
{
    const char *open = "<script type=\"application/json\" id=\"fg-data\">";
    const char *s = strstr(html, open);
    ck_assert_ptr_nonnull(s);
    s += strlen(open);
    const char *e = strstr(s, "</script>");
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_null(memchr(s, '<', (size_t)(e - s)));
    json_error_t je;
    json_t *d = json_loadb(s, (size_t)(e - s), 0, &je);
    ck_assert_msg(d != NULL, "embedded data: %s", je.text);
    return d;
}

START_TEST(test_html_self_contained)
{
    struct sample s;
    sample_init(&s);
    size_t len;
    char *html = render(FG_REPORT_HTML, &s.ctx, &len);
    ck_assert(valid_utf8(html, len));
    ck_assert(strncmp(html, "<!DOCTYPE html>", 15) == 0);
    /* Nothing is fetched: no URLs, links, sources or imports. */
    static const char *const banned[] = {
        "http:", "https:", "<link", " src=", "@import", "url(", "//cdn",
        "<iframe", "fetch(", "XMLHttpRequest", "<script>alert",
    };
    for (size_t i = 0; i < sizeof(banned) / sizeof(*banned); i++)
        ck_assert_msg(strstr(html, banned[i]) == NULL, "html has '%s'",
                      banned[i]);
    ck_assert_int_eq(count_str(html, "<script"), 2);
    ck_assert_ptr_nonnull(
        strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    ck_assert_ptr_nonnull(strstr(html, FGT_VERSION));
    ck_assert_ptr_nonnull(strstr(html, "--budget &#39;tick=2%&#39;"));

    json_t *d = html_data(html);
    json_t *nodes = json_object_get(d, "nodes");
    json_t *names = json_object_get(d, "names");
    ck_assert_int_eq(json_array_size(nodes), s.f->n_nodes);
    ck_assert_int_eq(json_integer_value(json_object_get(d, "candTotal")),
                     2 * FGT_CAND_RUN);
    /* Preorder: every parent comes before its children. */
    for (size_t i = 1; i < json_array_size(nodes); i++) {
        json_int_t par = json_integer_value(
            json_array_get(json_array_get(nodes, i), 0));
        ck_assert(par >= 0 && (size_t)par < i);
    }
    /* db.query is flagged a regression (status 1), cache.get an
     * improvement (3), new.feature new. */
    json_t *funcs = json_object_get(d, "funcs");
    int found = 0;
    for (size_t i = 0; i < json_array_size(funcs); i++) {
        json_t *f = json_array_get(funcs, i);
        const char *nm = json_string_value(json_array_get(
            names, (size_t)json_integer_value(json_array_get(f, 0))));
        json_int_t st = json_integer_value(json_array_get(f, 1));
        json_int_t isnew = json_integer_value(json_array_get(f, 2));
        if (!strcmp(nm, "db.query"))
            found += st == 1;
        if (!strcmp(nm, "cache.get"))
            found += st == 3;
        if (!strcmp(nm, "new.feature"))
            found += isnew == 1;
        if (!strcmp(nm, "<script>alert(1)</script>"))
            found += st == 5;
    }
    ck_assert_int_eq(found, 4);
    json_decref(d);
    free(html);

    /* Without stacks the page still renders, saying why. */
    s.ctx.flame = NULL;
    html = render(FG_REPORT_HTML, &s.ctx, &len);
    ck_assert_ptr_nonnull(strstr(html, "No flame graph"));
    d = html_data(html);
    ck_assert_int_eq(json_array_size(json_object_get(d, "nodes")), 0);
    json_decref(d);
    free(html);
    sample_release(&s);
}
END_TEST

START_TEST(test_html_pruning)
{
    /* 20,000 tiny leaves under one frame next to one big stack. */
    struct fg_buf t;
    fg_buf_init(&t, 0);
    ck_assert_int_eq(fg_buf_adds(&t, "main;big 10000000\n"), 0);
    for (int i = 0; i < 20000; i++)
        ck_assert_int_eq(fg_buf_addf(&t, "main;tiny;leaf%05d 7\n", i), 0);
    struct fg_profile *p = fgt_folded(t.data, "prune");
    fg_buf_release(&t);
    struct fg_flame *f = NULL;
    struct fg_error err;
    ck_assert_int_eq(fg_flame_build(&p, 1, &p, 1, 0, 0, &f, &err), FG_OK);
    struct fg_result *r = fgt_sample_result();
    struct fg_report_ctx ctx;
    fgt_ctx(&ctx, r, f);
    size_t len;
    char *html = render(FG_REPORT_HTML, &ctx, &len);
    json_t *d = html_data(html);
    json_t *nodes = json_object_get(d, "nodes");
    /* root, main, big, tiny, one (other) under tiny */
    ck_assert_int_eq(json_array_size(nodes), 5);
    json_int_t sum = 0, tiny = -1;
    for (size_t i = 0; i < json_array_size(nodes); i++) {
        json_t *n = json_array_get(nodes, i);
        if (json_integer_value(json_array_get(n, 1)) == -2) {
            sum = json_integer_value(json_array_get(n, 3));
            tiny = json_integer_value(json_array_get(n, 0));
        }
    }
    ck_assert_int_eq(sum, 20000 * 7);
    json_t *tn = json_array_get(nodes, (size_t)tiny);
    ck_assert_int_eq(json_integer_value(json_array_get(tn, 3)), 20000 * 7);
    json_decref(d);
    free(html);
    fg_result_free(r);
    fg_flame_free(f);
    fg_profile_free(p);
}
END_TEST

/* ---- text and folded ---- */

START_TEST(test_text)
{
    struct sample s;
    sample_init(&s);
    size_t len;
    char *txt = render(FG_REPORT_TEXT, &s.ctx, &len);
    ck_assert(strncmp(txt, "FAIL  2 regressions", 19) == 0);
    ck_assert_ptr_nonnull(strstr(txt, "Findings (3)"));
    ck_assert_ptr_nonnull(strstr(
        txt, "server.handle -> new.feature: new call path, 0% -> "));
    ck_assert_ptr_nonnull(strstr(txt, "Holm p 4.0e-08 < 0.05"));
    ck_assert_ptr_null(strchr(txt, '\033'));
    ck_assert(valid_utf8(txt, len));
    for (size_t i = 0; i < len; i++)
        ck_assert((unsigned char)txt[i] >= 0x20 || txt[i] == '\n');
    ck_assert_ptr_nonnull(strstr(txt, "bad\\xff\\xfe name\\twith"));
    ck_assert_ptr_nonnull(strstr(txt, "Columns: "));
    ck_assert_ptr_null(strstr(txt, "ignored.helper"));
    free(txt);

    s.ctx.color = true;
    txt = render(FG_REPORT_TEXT, &s.ctx, &len);
    ck_assert_ptr_nonnull(strstr(txt, "\033[31m"));  /* regressions */
    ck_assert_ptr_nonnull(strstr(txt, "\033[32m"));  /* improvements */
    ck_assert_ptr_nonnull(strstr(txt, "\033[1;97;41m FAIL "));
    free(txt);

    s.ctx.color = false;
    s.ctx.top = 1;
    txt = render(FG_REPORT_TEXT, &s.ctx, &len);
    ck_assert_ptr_nonnull(strstr(txt, "... and 1 more (raise --top"));
    free(txt);

    /* The output buffer's limit is reported, not overrun. */
    struct fg_buf b;
    fg_buf_init(&b, 100);
    struct fg_error err;
    ck_assert_int_eq(fg_report_write(FG_REPORT_TEXT, &s.ctx, &b, &err),
                     FG_ELIMIT);
    ck_assert_ptr_nonnull(strstr(err.msg, "text report"));
    fg_buf_release(&b);

    /* Intervals are 1 - alpha intervals; headers say which. */
    s.r->opts.alpha = 0.01;
    s.ctx.top = 0;
    txt = render(FG_REPORT_TEXT, &s.ctx, &len);
    ck_assert_ptr_nonnull(strstr(txt, "relative [99% CI]"));
    free(txt);
    txt = render(FG_REPORT_MARKDOWN, &s.ctx, &len);
    ck_assert_ptr_nonnull(strstr(txt, "| relative (99% CI) |"));
    free(txt);

    /* A passing, empty comparison reads sensibly. */
    s.r->verdict = FG_VERDICT_PASS;
    s.r->exit_code = 0;
    s.r->reason[0] = '\0';
    s.r->n_funcs = 0;
    s.r->n_warnings = 0;
    txt = render(FG_REPORT_TEXT, &s.ctx, &len);
    ck_assert(strncmp(txt, "PASS  no significant regression", 31) == 0);
    ck_assert_ptr_nonnull(strstr(txt, "No function changed significantly"));
    free(txt);
    s.r->n_funcs = 12;
    s.r->n_warnings = 2;
    sample_release(&s);
}
END_TEST

START_TEST(test_folded)
{
    struct sample s;
    sample_init(&s);
    size_t len;
    char *fo = render(FG_REPORT_FOLDED, &s.ctx, &len);
    ck_assert(fo[0] == '#');
    ck_assert(valid_utf8(fo, len));
    /* Every data line is "stack N M", counts summing to the totals. */
    long long sb = 0, sc = 0;
    size_t lines = 0;
    for (char *l = strchr(fo, '\n') + 1; *l; l = strchr(l, '\n') + 1) {
        char *nl = strchr(l, '\n');
        ck_assert_ptr_nonnull(nl);
        *nl = '\0';
        char *c2 = strrchr(l, ' ');
        *c2 = '\0';
        char *c1 = strrchr(l, ' ');
        ck_assert_ptr_nonnull(c1);
        sb += atoll(c1 + 1);
        sc += atoll(c2 + 1);
        ck_assert(strncmp(l, "main;", 5) == 0);
        lines++;
        *c2 = ' ';
        *nl = '\n';
    }
    ck_assert_int_eq(lines, 8);
    ck_assert_int_eq(sb, 2 * FGT_BASE_RUN);
    ck_assert_int_eq(sc, 2 * FGT_CAND_RUN);
    free(fo);

    /* ';' and newlines inside names cannot split frames or lines. */
    struct fg_profile *p = inline_profile();
    p->func_names[1] = "ou;ter\nname";
    struct fg_flame *f = NULL;
    struct fg_error err;
    ck_assert_int_eq(fg_flame_build(&p, 1, &p, 1, 0, 0, &f, &err), FG_OK);
    struct fg_report_ctx ctx;
    fg_report_ctx_init(&ctx, NULL, f);
    fo = render(FG_REPORT_FOLDED, &ctx, &len);
    ck_assert_ptr_nonnull(strstr(fo, "\ncaller;ou:ter\\nname;inner 5 5\n"));
    ck_assert_ptr_nonnull(strstr(fo, "(not recorded) #\n"));
    free(fo);
    fg_flame_free(f);
    fg_profile_free(p);
    sample_release(&s);
}
END_TEST

/* ---- hostile names from the corpus ---- */

START_TEST(test_corpus_invalid_utf8)
{
    char *path = fg_test_corpus_path("malformed/invalid-utf8.pb.gz");
    if (!path) {
        fg_test_skip("corpus absent: invalid-utf8 names not checked");
        return;
    }
    struct fg_profile *p = NULL;
    struct fg_error err;
    ck_assert_int_eq(fg_source_load_file(path, NULL, &p, &err), FG_OK);
    struct fg_flame *f = NULL;
    ck_assert_int_eq(fg_flame_build(&p, 1, &p, 1, p->default_type,
                                    p->default_type, &f, &err), FG_OK);
    /* Every function of the profile as a regression row. */
    struct fg_result *r = fgt_sample_result();
    for (size_t i = 0; i < r->n_funcs; i++) {
        free(r->funcs[i].name);
        free(r->funcs[i].base_runs);
        free(r->funcs[i].cand_runs);
    }
    free(r->funcs);
    fg_findings_free(r); /* they pointed at the sample's rows */
    r->funcs = fg_xcalloc(p->n_funcs + 1, sizeof(*r->funcs));
    r->n_funcs = 0;
    for (size_t i = 0; i < p->n_funcs; i++)
        fgt_row(r, p->func_names[i], FG_F_TESTED | FG_F_REGRESSION, 10, 20);
    struct fg_report_ctx ctx;
    fgt_ctx(&ctx, r, f);
    ctx.top = 1000;
    for (int fmt = 0; fmt < 5; fmt++) {
        size_t len;
        char *out = render((enum fg_report_format)fmt, &ctx, &len);
        ck_assert_msg(valid_utf8(out, len), "%s is not valid UTF-8",
                      fg_report_format_name((enum fg_report_format)fmt));
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)out[i];
            ck_assert_msg(c >= 0x20 || c == '\n',
                          "%s has control byte 0x%02x",
                          fg_report_format_name((enum fg_report_format)fmt),
                          c);
        }
        if (fmt == FG_REPORT_JSON) {
            char msg[600];
            ck_assert_msg(schema_check(out, msg, sizeof(msg)), "%s", msg);
        }
        if (fmt == FG_REPORT_MARKDOWN) {
            for (const char *l = out; *l; l = strchr(l, '\n') + 1) {
                if (*l == '|')
                    ck_assert(table_line_complete(l));
            }
        }
        free(out);
    }
    fg_result_free(r);
    fg_flame_free(f);
    fg_profile_free(p);
    free(path);
}
END_TEST

Suite *report_suite(void); /* called from check_main.c */
Suite *report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, test_format_parse);
    tcase_add_test(tc, test_escape_display);
    tcase_add_test(tc, test_numbers);
    suite_add_tcase(s, tc);
    tc = tcase_create("flame");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_flame_small);
    tcase_add_test(tc, test_flame_inline_and_types);
    tcase_add_test(tc, test_flame_corpus);
    tcase_add_test(tc, test_flame_speed);
    suite_add_tcase(s, tc);
    tc = tcase_create("golden");
    tcase_add_test(tc, test_golden_sample);
    tcase_add_test(tc, test_golden_corpus);
    suite_add_tcase(s, tc);
    tc = tcase_create("formats");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_markdown_escaping);
    tcase_add_test(tc, test_markdown_size_cap);
    tcase_add_test(tc, test_json_schema);
    tcase_add_test(tc, test_regex_shape_one_finding);
    tcase_add_test(tc, test_json_settings_prep);
    tcase_add_test(tc, test_json_doc_example);
    tcase_add_test(tc, test_json_error_document);
    tcase_add_test(tc, test_html_self_contained);
    tcase_add_test(tc, test_html_pruning);
    tcase_add_test(tc, test_text);
    tcase_add_test(tc, test_folded);
    tcase_add_test(tc, test_corpus_invalid_utf8);
    suite_add_tcase(s, tc);
    return s;
}
