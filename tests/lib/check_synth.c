/*
 * check_synth.c - the pprof encoder and the synthetic profile generator:
 * the encoded message field by field (through protobuf-c), encode/decode
 * round trips, determinism, the shape of the generated call trees,
 * regression injection, Gamma overdispersion and encoded sizes.
 */
#include "core/arena.h"
#include "flamegate/buf.h"
#include "input/pprof.h"
#include "flamegate/strtab.h"
#include "synth.h"
#include "core/util.h"
#include "testutil.h"

#include "profile.pb-c.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------ */

static struct fg_synth_tree *make_tree(uint32_t seed, size_t funcs,
                                       size_t stacks, size_t depth)
{
    struct fg_synth_opts o;
    fg_synth_opts_default(&o);
    o.seed = seed;
    o.n_funcs = funcs;
    o.n_stacks = stacks;
    o.depth = depth;
    struct fg_synth_tree *t = NULL;
    struct fg_error err;
    ck_assert_msg(fg_synth_tree_new(&o, &t, &err) == FG_OK, "%s", err.msg);
    return t;
}

static struct fg_profile *draw(const struct fg_synth_tree *t, uint32_t seed,
                               size_t n, double cv, size_t types, bool all,
                               const struct fg_synth_regression *rg,
                               size_t nrg)
{
    struct fg_synth_run_opts o;
    fg_synth_run_opts_default(&o);
    o.seed = seed;
    o.n_samples = n;
    o.cv = cv;
    o.n_types = types;
    o.all_stacks = all;
    o.regress = rg;
    o.n_regress = nrg;
    struct fg_profile *p = NULL;
    struct fg_error err;
    ck_assert_msg(fg_synth_generate(t, &o, &p, &err) == FG_OK, "%s", err.msg);
    return p;
}

static void encode(const struct fg_profile *p, struct fg_buf *b)
{
    struct fg_error err;
    fg_buf_init(b, 0);
    ck_assert_msg(fg_pprof_encode(p, b, &err) == FG_OK, "%s", err.msg);
}

static Perftools__Profiles__Profile *unpack(const struct fg_buf *b)
{
    Perftools__Profiles__Profile *m = perftools__profiles__profile__unpack(
        NULL, b->len, (const uint8_t *)b->data);
    ck_assert_ptr_nonnull(m);
    return m;
}

/*
 * Frames of sample s as "name\x01name\x01..." (leaf first, innermost
 * first), so stacks compare across profiles with different numbering.
 * Hot loops test with "if" and ck_abort_msg: every passing ck_assert
 * costs Check a write to its log pipe.
 */
static void stack_key(const struct fg_profile *p, size_t s, struct fg_buf *k)
{
    int rc = FG_OK;
    fg_buf_reset(k);
    for (uint32_t i = p->sample_start[s]; i < p->sample_start[s + 1]; i++) {
        uint32_t l = p->sample_locs[i];
        for (uint32_t j = p->loc_start[l]; j < p->loc_start[l + 1]; j++) {
            rc |= fg_buf_adds(k, p->func_names[p->loc_frames[j]]);
            rc |= fg_buf_addc(k, '\x01');
        }
    }
    if (rc)
        ck_abort_msg("stack key of sample %zu", s);
}

static const char *leaf_name(const struct fg_profile *p, size_t s)
{
    uint32_t l = p->sample_locs[p->sample_start[s]];
    return p->func_names[p->loc_frames[p->loc_start[l]]];
}

static int64_t flat_count(const struct fg_profile *p, const char *name)
{
    int64_t n = 0;
    for (size_t s = 0; s < p->n_samples; s++)
        if (strcmp(leaf_name(p, s), name) == 0)
            n += p->values[s * p->n_types];
    return n;
}

static void assert_strtab_unique(const Perftools__Profiles__Profile *m)
{
    ck_assert_uint_ge(m->n_string_table, 1);
    ck_assert_str_eq(m->string_table[0], "");
    struct fg_strtab t;
    fg_strtab_init(&t);
    for (size_t i = 0; i < m->n_string_table; i++) {
        const char *s = m->string_table[i];
        if (fg_strtab_find(&t, s, strlen(s)) != UINT32_MAX)
            ck_abort_msg("duplicate string '%s' at %zu", s, i);
        fg_strtab_intern(&t, s, strlen(s));
    }
    fg_strtab_release(&t);
}

/* ---- a hand-built model ------------------------------------------------- */

struct hand {
    struct fg_profile p;
    struct fg_value_type types[2];
    const char *names[4];
    uint32_t loc_start[4], loc_frames[4];
    uint32_t sample_start[3], sample_locs[4];
    int64_t values[4];
};

/* Function "cpu" repeats a type name and function 3 is "": the string
 * table must hold each once. */
static void hand_init(struct hand *h)
{
    memset(h, 0, sizeof(*h));
    struct fg_profile *p = &h->p;
    h->types[0] = (struct fg_value_type){"samples", "count"};
    h->types[1] = (struct fg_value_type){"cpu", "nanoseconds"};
    p->source = "hand";
    p->n_types = 2;
    p->types = h->types;
    p->default_type = 0;
    p->period_type = h->types[1];
    p->period = 10000000;
    p->time_nanos = 123;
    p->duration_nanos = 456;
    h->names[0] = "main.main";
    h->names[1] = "cpu";
    h->names[2] = "pkg.f<T> `x`|y";
    h->names[3] = "";
    p->n_funcs = 4;
    p->func_names = h->names;
    /* loc 0 = [f2 inlined into f0], loc 1 = [f0], loc 2 = [f1] */
    static const uint32_t ls[4] = {0, 2, 3, 4}, lf[4] = {2, 0, 0, 1};
    memcpy(h->loc_start, ls, sizeof(ls));
    memcpy(h->loc_frames, lf, sizeof(lf));
    p->n_locs = 3;
    p->loc_start = h->loc_start;
    p->loc_frames = h->loc_frames;
    static const uint32_t ss[3] = {0, 2, 4}, sl[4] = {0, 1, 2, 1};
    static const int64_t v[4] = {3, 30000000, 1, 10000000};
    memcpy(h->sample_start, ss, sizeof(ss));
    memcpy(h->sample_locs, sl, sizeof(sl));
    memcpy(h->values, v, sizeof(v));
    p->n_samples = 2;
    p->sample_start = h->sample_start;
    p->sample_locs = h->sample_locs;
    p->values = h->values;
}

static const char *str(const Perftools__Profiles__Profile *m, int64_t i)
{
    ck_assert(i >= 0 && (size_t)i < m->n_string_table);
    return m->string_table[i];
}

START_TEST(test_encode_fields)
{
    struct hand h;
    hand_init(&h);
    struct fg_buf b;
    encode(&h.p, &b);
    Perftools__Profiles__Profile *m = unpack(&b);
    assert_strtab_unique(m);
    /* "" + 4 type strings + 2 names ("cpu" and "" are there already) */
    ck_assert_uint_eq(m->n_string_table, 7);
    ck_assert_uint_eq(m->n_sample_type, 2);
    ck_assert_str_eq(str(m, m->sample_type[0]->type), "samples");
    ck_assert_str_eq(str(m, m->sample_type[0]->unit), "count");
    ck_assert_str_eq(str(m, m->sample_type[1]->type), "cpu");
    ck_assert_str_eq(str(m, m->sample_type[1]->unit), "nanoseconds");
    /* default_type 0 is not the last type: named explicitly */
    ck_assert_str_eq(str(m, m->default_sample_type), "samples");
    ck_assert_ptr_nonnull(m->period_type);
    ck_assert_str_eq(str(m, m->period_type->type), "cpu");
    ck_assert_str_eq(str(m, m->period_type->unit), "nanoseconds");
    ck_assert_int_eq(m->period, 10000000);
    ck_assert_int_eq(m->time_nanos, 123);
    ck_assert_int_eq(m->duration_nanos, 456);
    ck_assert_uint_eq(m->n_mapping, 0);

    ck_assert_uint_eq(m->n_function, 4);
    for (size_t i = 0; i < 4; i++) {
        ck_assert_uint_eq(m->function[i]->id, i + 1);
        ck_assert_str_eq(str(m, m->function[i]->name), h.names[i]);
        ck_assert_int_eq(m->function[i]->system_name, m->function[i]->name);
    }
    ck_assert_int_eq(m->function[3]->name, 0);
    ck_assert_uint_eq(m->n_location, 3);
    for (size_t i = 0; i < 3; i++) {
        const Perftools__Profiles__Location *l = m->location[i];
        ck_assert_uint_eq(l->id, i + 1);
        ck_assert_uint_eq(l->n_line, h.loc_start[i + 1] - h.loc_start[i]);
        for (size_t j = 0; j < l->n_line; j++)
            ck_assert_uint_eq(l->line[j]->function_id,
                              h.loc_frames[h.loc_start[i] + j] + 1);
    }
    ck_assert_uint_eq(m->location[0]->line[0]->function_id, 3); /* inlined */
    ck_assert_uint_eq(m->n_sample, 2);
    for (size_t s = 0; s < 2; s++) {
        const Perftools__Profiles__Sample *x = m->sample[s];
        ck_assert_uint_eq(x->n_location_id, 2);
        ck_assert_uint_eq(x->location_id[0], h.sample_locs[2 * s] + 1);
        ck_assert_uint_eq(x->location_id[1], h.sample_locs[2 * s + 1] + 1);
        ck_assert_uint_eq(x->n_value, 2);
        ck_assert_int_eq(x->value[0], h.values[2 * s]);
        ck_assert_int_eq(x->value[1], h.values[2 * s + 1]);
    }
    perftools__profiles__profile__free_unpacked(m, NULL);

    /* the last type is pprof's default: default_sample_type stays 0; an
     * absent period type is left out; encoding appends to the buffer */
    h.p.default_type = 1;
    h.p.period_type = (struct fg_value_type){"", ""};
    size_t before = b.len;
    struct fg_error err;
    ck_assert_int_eq(fg_pprof_encode(&h.p, &b, &err), FG_OK);
    ck_assert_uint_gt(b.len, before);
    m = perftools__profiles__profile__unpack(NULL, b.len - before,
                                             (uint8_t *)b.data + before);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(m->default_sample_type, 0);
    ck_assert_ptr_null(m->period_type);
    perftools__profiles__profile__free_unpacked(m, NULL);
    fg_buf_release(&b);
}
END_TEST

START_TEST(test_encode_errors)
{
    struct hand h;
    struct fg_buf b;
    struct fg_error err;
    hand_init(&h);
    h.loc_frames[1] = 4; /* function 4 of 4 */
    fg_buf_init(&b, 0);
    ck_assert_int_eq(fg_pprof_encode(&h.p, &b, &err), FG_EFORMAT);
    ck_assert_msg(strstr(err.msg, "location 0") && strstr(err.msg, "hand"),
                  "%s", err.msg);
    hand_init(&h);
    h.sample_locs[3] = 3; /* location 3 of 3 */
    ck_assert_int_eq(fg_pprof_encode(&h.p, &b, &err), FG_EFORMAT);
    ck_assert_msg(strstr(err.msg, "sample 1"), "%s", err.msg);
    hand_init(&h);
    h.p.default_type = 2;
    ck_assert_int_eq(fg_pprof_encode(&h.p, &b, &err), FG_EFORMAT);
    ck_assert_uint_eq(b.len, 0);
    /* the buffer's size limit applies */
    hand_init(&h);
    fg_buf_init(&b, 40);
    ck_assert_int_eq(fg_pprof_encode(&h.p, &b, &err), FG_ELIMIT);
    fg_buf_release(&b);
}
END_TEST

/* ---- generator ---------------------------------------------------------- */

static void roundtrip(size_t types, bool all)
{
    struct fg_synth_tree *t = make_tree(11, 300, 3000, 8);
    struct fg_profile *p = draw(t, 5, 50000, 0.2, types, all, NULL, 0);
    struct fg_buf b, k1, k2;
    encode(p, &b);
    fg_buf_init(&k1, 0);
    fg_buf_init(&k2, 0);
    struct fg_profile *q = NULL;
    struct fg_error err;
    ck_assert_msg(fg_pprof_decode((const unsigned char *)b.data, b.len, "rt",
                                  NULL, &q, &err) == FG_OK, "%s", err.msg);
    ck_assert_uint_eq(q->n_types, types);
    for (size_t i = 0; i < types; i++) {
        ck_assert_str_eq(q->types[i].type, p->types[i].type);
        ck_assert_str_eq(q->types[i].unit, p->types[i].unit);
    }
    ck_assert_uint_eq(q->default_type, types - 1);
    ck_assert_str_eq(q->period_type.type, p->period_type.type);
    ck_assert_str_eq(q->period_type.unit, p->period_type.unit);
    ck_assert_int_eq(q->period, p->period);
    ck_assert_int_eq(q->time_nanos, p->time_nanos);
    ck_assert_int_eq(q->duration_nanos, p->duration_nanos);
    ck_assert_uint_eq(q->n_funcs, p->n_funcs);
    for (size_t f = 0; f < p->n_funcs; f++) {
        const char *s = p->func_names[f];
        if (fg_strtab_find(&q->func_index, s, strlen(s)) == UINT32_MAX)
            ck_abort_msg("lost function '%s'", s);
    }
    ck_assert_uint_eq(q->n_locs, p->n_locs);
    ck_assert_uint_eq(q->n_samples, p->n_samples);
    int64_t total = 0;
    for (size_t s = 0; s < p->n_samples; s++) {
        stack_key(p, s, &k1);
        stack_key(q, s, &k2);
        if (k1.len != k2.len || memcmp(k1.data, k2.data, k1.len) != 0)
            ck_abort_msg("stack of sample %zu differs", s);
        if (memcmp(q->values + s * types, p->values + s * types,
                   types * sizeof(int64_t)) != 0)
            ck_abort_msg("values of sample %zu differ", s);
        total += q->values[s * types];
        if (!all && q->values[s * types] <= 0)
            ck_abort_msg("sample %zu drawn %lld times", s,
                         (long long)q->values[s * types]);
        if (types == 2 && q->values[s * 2 + 1] != q->values[s * 2] * 10000000)
            ck_abort_msg("cpu of sample %zu is not count * period", s);
    }
    ck_assert_int_eq(total, 50000);
    if (all)
        ck_assert_uint_eq(p->n_samples, 3000);
    /* names that need escaping are there and survive */
    ck_assert_uint_ne(fg_strtab_find(&q->func_index, "Query.`run`|<cached>",
                                     20), UINT32_MAX);
    fg_profile_free(q);
    fg_profile_free(p);
    fg_synth_tree_free(t);
    fg_buf_release(&b);
    fg_buf_release(&k1);
    fg_buf_release(&k2);
}

START_TEST(test_roundtrip)
{
    roundtrip(2, false);
    roundtrip(1, false);
    roundtrip(2, true);
}
END_TEST

START_TEST(test_strtab_of_generated)
{
    struct fg_synth_tree *t = make_tree(3, 400, 2000, 6);
    struct fg_profile *p = draw(t, 1, 20000, 0.1, 2, false, NULL, 0);
    struct fg_buf b;
    encode(p, &b);
    Perftools__Profiles__Profile *m = unpack(&b);
    assert_strtab_unique(m);
    /* "" + samples, count, cpu, nanoseconds + one per function */
    ck_assert_uint_eq(m->n_string_table, 5 + p->n_funcs);
    ck_assert_int_eq(m->default_sample_type, 0);
    ck_assert_str_eq(str(m, m->period_type->type), "cpu");
    ck_assert_int_eq(m->period, 10000000);
    ck_assert_uint_eq(m->n_function, p->n_funcs);
    ck_assert_uint_eq(m->n_location, p->n_locs);
    ck_assert_uint_eq(m->n_sample, p->n_samples);
    /* only referenced functions and locations are written */
    char *used = fg_xcalloc(p->n_locs, 1);
    for (size_t i = 0; i < p->sample_start[p->n_samples]; i++)
        used[p->sample_locs[i]] = 1;
    for (size_t l = 0; l < p->n_locs; l++)
        if (!used[l])
            ck_abort_msg("location %zu unreferenced", l);
    free(used);
    perftools__profiles__profile__free_unpacked(m, NULL);
    fg_buf_release(&b);
    fg_profile_free(p);
    fg_synth_tree_free(t);
}
END_TEST

START_TEST(test_determinism)
{
    struct fg_buf b[4];
    struct fg_synth_regression rg = {20, 1.5};
    for (int i = 0; i < 4; i++) {
        /* 0 and 1 identical; 2: another run seed; 3: another tree seed */
        struct fg_synth_tree *t = make_tree(i == 3 ? 8 : 7, 500, 4000, 8);
        struct fg_profile *p = draw(t, i == 2 ? 2 : 1, 30000, 0.2, 2, false,
                                    &rg, 1);
        encode(p, &b[i]);
        fg_profile_free(p);
        fg_synth_tree_free(t);
    }
    ck_assert_uint_eq(b[0].len, b[1].len);
    ck_assert(memcmp(b[0].data, b[1].data, b[0].len) == 0);
    ck_assert(b[0].len != b[2].len ||
              memcmp(b[0].data, b[2].data, b[0].len) != 0);
    ck_assert(b[0].len != b[3].len ||
              memcmp(b[0].data, b[3].data, b[0].len) != 0);
    for (int i = 0; i < 4; i++)
        fg_buf_release(&b[i]);

    /* the tree does not depend on the run; seeds are spread */
    struct fg_synth_tree *t1 = make_tree(7, 500, 4000, 8);
    struct fg_synth_tree *t2 = make_tree(7, 500, 4000, 8);
    for (size_t s = 0; s < fg_synth_n_stacks(t1); s++) {
        size_t n1, n2;
        const uint32_t *a = fg_synth_stack_locs(t1, s, &n1);
        const uint32_t *c = fg_synth_stack_locs(t2, s, &n2);
        if (n1 != n2 || memcmp(a, c, n1 * sizeof(uint32_t)) != 0 ||
            fg_synth_stack_weight(t1, s) != fg_synth_stack_weight(t2, s))
            ck_abort_msg("stack %zu differs between equal trees", s);
    }
    fg_synth_tree_free(t1);
    fg_synth_tree_free(t2);
    ck_assert_uint_eq(fg_synth_seed(1, 1), fg_synth_seed(1, 1));
    ck_assert_uint_ne(fg_synth_seed(1, 1), fg_synth_seed(1, 2));
    ck_assert_uint_ne(fg_synth_seed(1, 1), fg_synth_seed(2, 1));
}
END_TEST

static void check_shape(uint32_t seed, size_t funcs, size_t stacks,
                        size_t depth)
{
    struct fg_synth_tree *t = make_tree(seed, funcs, stacks, depth);
    struct fg_synth_stats st;
    fg_synth_tree_stats(t, &st);
    ck_assert_uint_eq(st.n_stacks, stacks);
    ck_assert_uint_eq(st.n_funcs, funcs);
    ck_assert_uint_le(st.max_depth, 2 * depth + 16);
    /* every stack is distinct (as a sequence of locations) */
    struct fg_strtab seen;
    fg_strtab_init(&seen);
    double wsum = 0;
    for (size_t s = 0; s < stacks; s++) {
        size_t n;
        const uint32_t *l = fg_synth_stack_locs(t, s, &n);
        if (n < 1 || fg_synth_stack_leaf(t, s) >= funcs)
            ck_abort_msg("stack %zu: %zu locations, leaf %zu", s, n,
                         fg_synth_stack_leaf(t, s));
        if (fg_strtab_find(&seen, (const char *)l, n * sizeof(*l)) !=
            UINT32_MAX)
            ck_abort_msg("stack %zu repeats an earlier one", s);
        fg_strtab_intern(&seen, (const char *)l, n * sizeof(*l));
        wsum += fg_synth_stack_weight(t, s);
    }
    fg_strtab_release(&seen);
    ck_assert_double_eq_tol(wsum, 1.0, 1e-9);
    double fsum = 0;
    for (size_t f = 0; f < funcs; f++)
        fsum += fg_synth_flat_share(t, f);
    ck_assert_double_eq_tol(fsum, 1.0, 1e-9);
    fg_synth_tree_free(t);
}

START_TEST(test_tree_shape)
{
    struct fg_synth_tree *t = make_tree(5, 1000, 5000, 8);
    struct fg_synth_stats st;
    fg_synth_tree_stats(t, &st);
    ck_assert_msg(st.mean_depth > 6 && st.mean_depth < 11, "mean depth %g",
                  st.mean_depth);
    ck_assert_uint_gt(st.n_inlined_locs, st.n_locs / 50);
    ck_assert_uint_lt(st.n_inlined_locs, st.n_locs / 5);
    ck_assert_uint_gt(st.n_recursive, 0);
    /* locations are shared between stacks */
    ck_assert_uint_lt(st.n_locs, st.n_frames / 4);
    /* Zipf weights: the k-th heaviest weighs 1/k of the heaviest */
    double w1 = 0, w2 = 0;
    for (size_t s = 0; s < 5000; s++) {
        double w = fg_synth_stack_weight(t, s);
        if (w > w1) {
            w2 = w1;
            w1 = w;
        } else if (w > w2) {
            w2 = w;
        }
    }
    ck_assert_double_eq_tol(w1 / w2, 2.0, 1e-9);
    ck_assert_int_eq(fg_synth_find_func(t, fg_synth_func_name(t, 123)), 123);
    ck_assert_int_eq(fg_synth_find_func(t, "no such function"), -1);
    ck_assert_int_ge(fg_synth_find_func(t, "block in `Parser#parse_line'"),
                     0);
    fg_synth_tree_free(t);

    check_shape(5, 1000, 5000, 8);
    check_shape(1, 1, 50, 4);       /* one function: sites keep stacks apart */
    check_shape(2, 10, 300, 1);     /* shallow, no root functions */
    check_shape(3, 40, 2000, 3);
    check_shape(4, 5000, 1, 20);    /* a single stack */
    /* deep */
    check_shape(6, 200, fg_test_under_valgrind() ? 3000 : 20000, 30);
}
END_TEST

START_TEST(test_regression)
{
    struct fg_synth_tree *t = make_tree(9, 500, 5000, 8);
    size_t F = fg_synth_n_funcs(t);
    double s0;
    long f = fg_synth_pick_func(t, 0.05, 0, &s0);
    ck_assert_int_ge(f, 0);
    ck_assert_double_eq(s0, fg_synth_flat_share(t, (size_t)f));
    /* brute force: nothing is closer to 5% */
    for (size_t g = 0; g < F; g++)
        if (fg_synth_flat_share(t, g) > 0 &&
            fabs(fg_synth_flat_share(t, g) - 0.05) < fabs(s0 - 0.05))
            ck_abort_msg("function %zu is closer to 5%%", g);
    ck_assert_int_eq(fg_synth_pick_func(t, 0.05, 0.99, NULL), -1);
    double s1;
    long f1 = fg_synth_pick_func(t, 0.0, 0.02, &s1);
    ck_assert_int_ge(f1, 0);
    ck_assert(s1 >= 0.02);

    /* expected shares: the target's odds grow by the factor, the others
     * shrink together */
    struct fg_synth_regression rg[2] = {{(size_t)f, 2.0}, {(size_t)f, 1.5}};
    double *flat = fg_xmalloc(F * sizeof(double));
    struct fg_error err;
    ck_assert_int_eq(fg_synth_expected_flat(t, rg, 2, flat, &err), FG_OK);
    double odds0 = s0 / (1 - s0), odds1 = flat[f] / (1 - flat[f]);
    ck_assert_double_eq_tol(odds1 / odds0, 3.0, 1e-9);
    double scale = (1 - flat[f]) / (1 - s0);
    for (size_t g = 0; g < F; g++)
        if ((long)g != f &&
            fabs(flat[g] - fg_synth_flat_share(t, g) * scale) > 1e-12)
            ck_abort_msg("share of function %zu not scaled", g);
    ck_assert_int_eq(fg_synth_expected_flat(t, rg, 1, flat, &err), FG_OK);
    double want = flat[f];
    ck_assert_double_eq_tol(want, 2 * s0 / (1 + s0), 1e-12);

    /* drawn counts follow (no noise: binomial tolerance, 5 sigma) */
    size_t N = fg_test_under_valgrind() ? 200000 : 2000000;
    const char *name = fg_synth_func_name(t, (size_t)f);
    struct fg_profile *base = draw(t, 1, N, 0, 1, false, NULL, 0);
    struct fg_profile *cand = draw(t, 2, N, 0, 1, false, rg, 1);
    double sb = (double)flat_count(base, name) / (double)N;
    double sc = (double)flat_count(cand, name) / (double)N;
    ck_assert_msg(fabs(sb - s0) < 5 * sqrt(s0 * (1 - s0) / (double)N),
                  "base share %g, expected %g", sb, s0);
    ck_assert_msg(fabs(sc - want) < 5 * sqrt(want * (1 - want) / (double)N),
                  "candidate share %g, expected %g", sc, want);
    fg_profile_free(base);
    fg_profile_free(cand);
    free(flat);
    fg_synth_tree_free(t);
}
END_TEST

/* Coefficient of variation of the heaviest stack's count over runs. */
static double top_stack_cv(const struct fg_synth_tree *t, double cv, int runs)
{
    size_t top = 0, S = fg_synth_n_stacks(t);
    for (size_t s = 1; s < S; s++)
        if (fg_synth_stack_weight(t, s) > fg_synth_stack_weight(t, top))
            top = s;
    double sum = 0, sum2 = 0;
    for (int r = 0; r < runs; r++) {
        /* all_stacks: sample i is stack i */
        struct fg_profile *p = draw(t, fg_synth_seed(42, (uint32_t)r),
                                    1000000, cv, 1, true, NULL, 0);
        if (p->n_samples != S)
            ck_abort_msg("%zu samples, expected %zu", p->n_samples, S);
        double x = (double)p->values[top];
        sum += x;
        sum2 += x * x;
        fg_profile_free(p);
    }
    double mean = sum / runs;
    double var = (sum2 - runs * mean * mean) / (runs - 1);
    return sqrt(var > 0 ? var : 0) / mean;
}

START_TEST(test_overdispersion)
{
    struct fg_synth_tree *t = make_tree(4, 300, 2000, 6);
    double c0 = top_stack_cv(t, 0, 20);
    double c3 = top_stack_cv(t, 0.3, 20);
    /* Poisson alone: about 0.003 at 120,000 expected samples */
    ck_assert_msg(c0 < 0.02, "cv without noise %g", c0);
    ck_assert_msg(c3 > 0.15 && c3 < 0.45, "cv with noise 0.3: %g", c3);
    fg_synth_tree_free(t);
}
END_TEST

START_TEST(test_encoded_size)
{
    /* a mid-size profile: 2,000 functions, 20,000 stacks of mean depth 8
     * (valgrind: 4,000) */
    struct fg_synth_tree *t = make_tree(12, 2000,
                                        fg_test_under_valgrind() ? 4000
                                                                 : 20000,
                                        8);
    struct fg_profile *p = draw(t, 1, 1000000, 0.1, 2, true, NULL, 0);
    struct fg_synth_stats st;
    fg_synth_tree_stats(t, &st);
    struct fg_buf b;
    encode(p, &b);
    size_t names = 0;
    for (size_t f = 0; f < p->n_funcs; f++)
        names += strlen(p->func_names[f]);
    /* floor: the names and one byte per location reference; ceiling: a
     * generous per-item budget (varints of at most 3 bytes here) */
    size_t floor_ = names + st.n_frames;
    size_t ceil_ = names + 4 * names / 10 + 24 * p->n_funcs +
                   16 * p->n_locs + 4 * st.n_frames + 20 * p->n_samples;
    ck_assert_msg(b.len > floor_ && b.len < ceil_,
                  "%zu bytes, expected %zu..%zu", b.len, floor_, ceil_);
    /* packing in sections equals packing the whole message at once */
    Perftools__Profiles__Profile *m = unpack(&b);
    ck_assert_uint_eq(perftools__profiles__profile__get_packed_size(m),
                      b.len);
    uint8_t *again = fg_xmalloc(b.len);
    ck_assert_uint_eq(perftools__profiles__profile__pack(m, again), b.len);
    ck_assert(memcmp(again, b.data, b.len) == 0);
    free(again);
    perftools__profiles__profile__free_unpacked(m, NULL);
    fg_buf_release(&b);
    fg_profile_free(p);
    fg_synth_tree_free(t);
}
END_TEST

START_TEST(test_errors)
{
    struct fg_synth_opts o;
    struct fg_synth_tree *t = NULL;
    struct fg_error err;
    fg_synth_opts_default(&o);
    o.n_funcs = 0;
    ck_assert_int_eq(fg_synth_tree_new(&o, &t, &err), FG_EUSAGE);
    ck_assert_ptr_null(t);
    fg_synth_opts_default(&o);
    o.n_stacks = 0;
    ck_assert_int_eq(fg_synth_tree_new(&o, &t, &err), FG_EUSAGE);
    fg_synth_opts_default(&o);
    o.zipf = -1;
    ck_assert_int_eq(fg_synth_tree_new(&o, &t, &err), FG_EUSAGE);
    fg_synth_opts_default(&o);
    o.depth = 0;
    ck_assert_int_eq(fg_synth_tree_new(&o, &t, &err), FG_EUSAGE);
    fg_synth_opts_default(&o);
    o.max_depth = 5000;
    ck_assert_int_eq(fg_synth_tree_new(&o, &t, &err), FG_EUSAGE);

    t = make_tree(1, 50, 100, 5);
    struct fg_synth_run_opts r;
    struct fg_profile *p = NULL;
    fg_synth_run_opts_default(&r);
    r.n_types = 3;
    ck_assert_int_eq(fg_synth_generate(t, &r, &p, &err), FG_EUSAGE);
    fg_synth_run_opts_default(&r);
    r.cv = -0.5;
    ck_assert_int_eq(fg_synth_generate(t, &r, &p, &err), FG_EUSAGE);
    struct fg_synth_regression rg = {50, 2.0};
    fg_synth_run_opts_default(&r);
    r.regress = &rg;
    r.n_regress = 1;
    ck_assert_int_eq(fg_synth_generate(t, &r, &p, &err), FG_EUSAGE);
    ck_assert_msg(strstr(err.msg, "out of range"), "%s", err.msg);
    rg.func = 3;
    rg.factor = 0;
    ck_assert_int_eq(fg_synth_generate(t, &r, &p, &err), FG_EUSAGE);
    ck_assert_ptr_null(p);
    double flat[50];
    ck_assert_int_eq(fg_synth_expected_flat(t, &rg, 1, flat, &err),
                     FG_EUSAGE);
    /* zero samples is a valid (empty) run */
    fg_synth_run_opts_default(&r);
    r.n_samples = 0;
    ck_assert_int_eq(fg_synth_generate(t, &r, &p, &err), FG_OK);
    ck_assert_uint_eq(p->n_samples, 0);
    ck_assert_uint_eq(p->n_funcs, 0);
    struct fg_buf b;
    encode(p, &b);
    fg_buf_release(&b);
    fg_profile_free(p);
    fg_synth_tree_free(t);
}
END_TEST

Suite *synth_suite(void); /* called from check_main.c */
Suite *synth_suite(void)
{
    Suite *s = suite_create("synth");
    TCase *tc = tcase_create("encode");
    tcase_add_test(tc, test_encode_fields);
    tcase_add_test(tc, test_encode_errors);
    suite_add_tcase(s, tc);
    TCase *g = tcase_create("generate");
    tcase_set_timeout(g, 120);
    tcase_add_test(g, test_roundtrip);
    tcase_add_test(g, test_strtab_of_generated);
    tcase_add_test(g, test_determinism);
    tcase_add_test(g, test_tree_shape);
    tcase_add_test(g, test_regression);
    tcase_add_test(g, test_overdispersion);
    tcase_add_test(g, test_encoded_size);
    tcase_add_test(g, test_errors);
    suite_add_tcase(s, g);
    return s;
}
