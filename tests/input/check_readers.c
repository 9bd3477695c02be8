/*
 * check_readers.c - the input readers of issue 18 on small hand-written
 * inputs: what each format's conventions say (names, units, sample types,
 * times, merged profiles, inline chains, name fallbacks), detection by
 * content, and one clear error per way an input can be wrong.  The real
 * recordings are in check_formats.c.
 */
#include "flamegate/aggregate.h"
#include "flamegate/buf.h"
#include "flamegate/source.h"
#include "input/cpuprofile.h"
#include "input/flamebearer.h"
#include "input/otlp.h"
#include "input/perf_script.h"
#include "input/speedscope.h"
#include "testutil.h"

#include "otlp_profiles.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OT(x) Opentelemetry__Proto__Profiles__V1development__##x

static const unsigned char *u(const char *s)
{
    return (const unsigned char *)s;
}

/* Decode text through content detection; aborts on error. */
static struct fg_profile *decode(const char *text)
{
    struct fg_profile *p = NULL;
    struct fg_error err = {0, ""};
    ck_assert_msg(fg_source_decode(u(text), strlen(text), "t", NULL, &p,
                                   &err) == FG_OK,
                  "%s", err.msg);
    return p;
}

/* The error of decoding text through content detection. */
static void decode_fails(const char *text, int code, const char *msg)
{
    struct fg_profile *p[2] = {NULL, NULL};
    size_t n = 9;
    struct fg_error err = {0, ""};
    int rc = fg_source_decode_sides(u(text), strlen(text), "bad.in", NULL, p,
                                    &n, &err);
    ck_assert_msg(rc == code, "want %d, got %d (%s) for %s", code, rc,
                  err.msg, text);
    ck_assert_msg(n == 0 && !p[0] && !p[1], "profiles left behind");
    ck_assert_msg(strstr(err.msg, "bad.in") && strstr(err.msg, msg),
                  "message '%s' lacks '%s'", err.msg, msg);
}

static void type_is(const struct fg_profile *p, size_t t, const char *type,
                    const char *unit)
{
    ck_assert_uint_lt(t, p->n_types);
    ck_assert_str_eq(p->types[t].type, type);
    ck_assert_str_eq(p->types[t].unit, unit);
}

/* flat and cum of name for type t. */
static void fc(const struct fg_profile *p, size_t t, const char *name,
               long long flat, long long cum)
{
    struct fg_agg a;
    struct fg_error err = {0, ""};
    ck_assert_int_eq(fg_aggregate_type(p, t, &a, &err), FG_OK);
    uint32_t f = fg_strtab_find(&p->func_index, name, strlen(name));
    long long mf = f == UINT32_MAX ? 0 : (long long)a.flat[f];
    long long mc = f == UINT32_MAX ? 0 : (long long)a.cum[f];
    ck_assert_msg(mf == flat && mc == cum, "%s: flat %lld cum %lld, want "
                                          "%lld %lld",
                  name, mf, mc, flat, cum);
    fg_agg_release(&a);
}

/* The leaf-first frame names of sample s joined by ';'. */
static void stack_is(const struct fg_profile *p, size_t s, const char *want)
{
    char got[512] = "";
    for (uint32_t i = p->sample_start[s]; i < p->sample_start[s + 1]; i++) {
        uint32_t l = p->sample_locs[i];
        for (uint32_t j = p->loc_start[l]; j < p->loc_start[l + 1]; j++) {
            if (got[0])
                strncat(got, ";", sizeof(got) - strlen(got) - 1);
            strncat(got, p->func_names[p->loc_frames[j]],
                    sizeof(got) - strlen(got) - 1);
        }
    }
    ck_assert_msg(strcmp(got, want) == 0, "sample %zu: '%s', want '%s'", s,
                  got, want);
}

/* ---- Pyroscope flame-graph JSON -------------------------------------------- */

/* total=30: main(30) -> a(20, self 5) -> b(15, self 15); main -> b(10) */
static const char fb_037[] =
    "{\"flamebearer\":{\"names\":[\"total\",\"main\",\"a\",\"b\"],"
    "\"levels\":[[0,30,0,0],[0,30,0,1],[0,20,5,2,0,10,10,3],[0,15,15,3]],"
    "\"numTicks\":30,\"maxSelf\":15,\"spyName\":\"gospy\","
    "\"sampleRate\":100,\"units\":\"samples\",\"format\":\"single\"},"
    "\"timeline\":null}";

START_TEST(flamebearer_037_samples)
{
    struct fg_profile *p = decode(fb_037);
    ck_assert_int_eq(p->format, FG_FORMAT_FLAMEBEARER);
    ck_assert_uint_eq(p->n_types, 2);
    type_is(p, 0, "samples", "count");
    type_is(p, 1, "cpu", "nanoseconds");
    ck_assert_uint_eq(p->default_type, 1);
    ck_assert_int_eq(p->period, 10000000);
    ck_assert_ptr_null(p->sample_time);
    fc(p, 0, "main", 0, 30);
    fc(p, 0, "a", 5, 20);
    fc(p, 0, "b", 25, 25);
    fc(p, 1, "b", 250000000, 250000000);
    fc(p, 0, "total", 0, 0);
    ck_assert(!fg_flamebearer_pruned(p));
    fg_profile_free(p);
}
END_TEST

START_TEST(flamebearer_v1_units)
{
    struct fg_profile *p = decode(
        "{\"version\":1,\"flamebearer\":{\"names\":[\"total\",\"other\","
        "\"main\"],\"levels\":[[0,9,0,0],[0,4,4,1,0,5,5,2]],\"numTicks\":9,"
        "\"maxSelf\":5},\"metadata\":{\"format\":\"single\",\"units\":"
        "\"objects\",\"sampleRate\":100,\"name\":\"alloc_objects\"}}");
    ck_assert_uint_eq(p->n_types, 1);
    type_is(p, 0, "alloc_objects", "count");
    ck_assert(fg_flamebearer_pruned(p));
    ck_assert_msg(p->warning && strstr(p->warning, "t: the flame graph was "
                                                   "pruned") &&
                      strstr(p->warning, "'other' holds 44.4%"),
                  "%s", p->warning ? p->warning : "(none)");
    fc(p, 0, "main", 5, 5);
    fg_profile_free(p);
    /* 0.37 puts "app date" in name: the unit names the type */
    p = decode("{\"flamebearer\":{\"names\":[\"total\",\"f\"],\"levels\":"
               "[[0,8,0,0],[0,8,8,1]]},\"metadata\":{\"units\":\"bytes\","
               "\"name\":\"app.alloc 2023-01-01T00:00:00Z\"}}");
    type_is(p, 0, "space", "bytes");
    fg_profile_free(p);
    p = decode("{\"flamebearer\":{\"names\":[\"total\",\"f\"],\"levels\":"
               "[[0,8,0,0],[0,8,8,1]]},\"metadata\":{\"units\":"
               "\"nanoseconds\",\"name\":\"wall\",\"sampleRate\":100}}");
    type_is(p, 0, "wall", "nanoseconds");
    fg_profile_free(p);
}
END_TEST

START_TEST(flamebearer_diff_sides)
{
    /* main: left 10 self 0, right 7; a only left (4), b only right (7) */
    const char *text =
        "{\"version\":1,\"flamebearer\":{\"names\":[\"total\",\"main\",\"a\","
        "\"b\",\"c\"],\"levels\":[[0,10,0,0,7,0,0],[0,10,0,0,7,0,1],"
        "[0,4,4,0,0,0,2,0,0,0,0,7,7,3,0,6,6,0,0,0,4]]},\"metadata\":"
        "{\"format\":\"double\",\"units\":\"samples\",\"sampleRate\":"
        "1000000000},\"leftTicks\":10,\"rightTicks\":7}";
    struct fg_profile *p[2];
    size_t n = 0;
    struct fg_error err = {0, ""};
    ck_assert_int_eq(fg_source_decode_sides(u(text), strlen(text), "d.json",
                                            NULL, p, &n, &err),
                     FG_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(p[0]->source, "d.json (base side)");
    ck_assert_str_eq(p[1]->source, "d.json (candidate side)");
    fc(p[0], 0, "a", 4, 4);
    fc(p[0], 0, "c", 6, 6);
    fc(p[0], 0, "b", 0, 0);
    fc(p[1], 0, "b", 7, 7);
    fc(p[1], 0, "main", 0, 7);
    fg_profile_free(p[0]);
    fg_profile_free(p[1]);
    /* one profile expected: a clear error */
    struct fg_profile *one = NULL;
    ck_assert_int_eq(fg_source_decode(u(text), strlen(text), "d.json", NULL,
                                      &one, &err),
                     FG_EFORMAT);
    ck_assert_ptr_null(one);
    ck_assert_ptr_nonnull(strstr(err.msg, "d.json: a two-sided diff"));
}
END_TEST

START_TEST(flamebearer_errors)
{
    decode_fails("{\"flamebearer\":{\"names\":[\"total\"],\"levels\":"
                 "[[0,1,0]]}}",
                 FG_EFORMAT, "level 0 has 3 numbers, not a multiple of 4");
    decode_fails("{\"flamebearer\":{\"names\":[\"total\",\"a\"],\"levels\":"
                 "[[0,5,0,0],[0,5,5,99]]}}",
                 FG_EFORMAT, "name index 99 but names has 2 entries");
    /* b starts at 20 but its parent a covers [0, 10) */
    decode_fails("{\"flamebearer\":{\"names\":[\"total\",\"a\",\"b\"],"
                 "\"levels\":[[0,10,0,0],[0,10,0,1],[20,5,5,2]]}}",
                 FG_EFORMAT, "lies outside its parent");
    decode_fails("{\"flamebearer\":{\"names\":[\"total\",\"a\"],\"levels\":"
                 "[[0,5,0,0],[0,-5,5,1]]}}",
                 FG_EFORMAT, "negative value");
    decode_fails("{\"flamebearer\":{\"names\":[\"total\",\"a\"],\"levels\":"
                 "[[0,5,0,0],[0,5,9,1]]}}",
                 FG_EFORMAT, "self larger than total");
    decode_fails("{\"flamebearer\":{\"names\":[\"total\",\"a\"],\"levels\":"
                 "[[0,5,0,0],[9223372036854775807,5,5,1]]}}",
                 FG_EFORMAT, "offsets overflow");
    decode_fails("{\"flamebearer\":{\"levels\":[]}}", FG_EFORMAT,
                 "needs \"names\" and \"levels\"");
    decode_fails("{\"flamebearer\":{\"names\":[\"t\"],\"levels\":[]},"
                 "\"metadata\":{\"format\":\"triple\"}}",
                 FG_EFORMAT, "unknown flame-graph format 'triple'");
    decode_fails("{\"flamebearer\": [1, 2", FG_EFORMAT, "invalid JSON");
    decode_fails("{\"hello\": 1}", FG_EFORMAT,
                 "JSON, but not a profile format");
}
END_TEST

/* ---- V8 .cpuprofile ----------------------------------------------------- */

static const char cp_tiny[] =
    "{\"nodes\":[{\"id\":1,\"callFrame\":{\"functionName\":\"(root)\"},"
    "\"children\":[2,3]},{\"id\":2,\"callFrame\":{\"functionName\":\"\"},"
    "\"children\":[4]},{\"id\":3,\"callFrame\":{\"functionName\":"
    "\"(garbage collector)\"}},{\"id\":4,\"callFrame\":{\"functionName\":"
    "\"f\"},\"hitCount\":2}],\"startTime\":100,\"endTime\":400,"
    "\"samples\":[4,3,4,2],\"timeDeltas\":[5,10,-2,7]}";

START_TEST(cpuprofile_times_and_names)
{
    struct fg_profile *p = decode(cp_tiny);
    ck_assert_int_eq(p->format, FG_FORMAT_CPUPROFILE);
    type_is(p, 0, "samples", "count");
    type_is(p, 1, "wall", "microseconds");
    ck_assert_uint_eq(p->default_type, 1);
    ck_assert_uint_eq(p->n_samples, 4);
    stack_is(p, 0, "f;(anonymous)");
    stack_is(p, 1, "(garbage collector)");
    /* each sample lasts until the next; the last gets 0 */
    static const long long wall[] = {10, -2, 7, 0};
    static const long long at[] = {105, 115, 113, 120};
    ck_assert_ptr_nonnull(p->sample_time);
    for (size_t s = 0; s < 4; s++) {
        ck_assert_int_eq(p->values[s * 2], 1);
        ck_assert_int_eq(p->values[s * 2 + 1], wall[s]);
        ck_assert_int_eq(p->sample_time[s], at[s] * 1000);
    }
    fc(p, 0, "f", 2, 2);
    fc(p, 0, "(anonymous)", 1, 3);
    fc(p, 1, "f", 17, 17);
    fc(p, 0, "(root)", 0, 0);
    ck_assert_int_eq(p->time_nanos, 100000);
    ck_assert_int_eq(p->duration_nanos, 300000);
    fg_profile_free(p);
}
END_TEST

START_TEST(cpuprofile_wrapped_hitcounts)
{
    /* the DevTools protocol's Profiler.stop result, no samples[]: the
     * hit counts are all there is */
    struct fg_profile *p = decode(
        "{\"profile\":{\"nodes\":[{\"id\":7,\"callFrame\":{\"functionName\":"
        "\"(root)\"}},{\"id\":9,\"parent\":7,\"callFrame\":{"
        "\"functionName\":\"g\"},\"hitCount\":3}]}}");
    ck_assert_uint_eq(p->n_types, 1);
    ck_assert_ptr_null(p->sample_time);
    fc(p, 0, "g", 3, 3);
    fg_profile_free(p);
}
END_TEST

START_TEST(cpuprofile_errors)
{
    decode_fails("{\"nodes\":[{\"id\":1},{\"id\":2,"
                 "\"children\":[3]},{\"id\":3,\"children\":[2]}],"
                 "\"samples\":[3],\"timeDeltas\":[1]}",
                 FG_EFORMAT, "form a cycle");
    decode_fails("{\"nodes\":[{\"id\":1,\"children\":[1]}]}", FG_EFORMAT,
                 "node 1 is its own parent");
    decode_fails("{\"nodes\":[{\"id\":1,\"children\":[2,3]},{\"id\":2,"
                 "\"children\":[3]},{\"id\":3}]}",
                 FG_EFORMAT, "node 3 has two parents");
    decode_fails("{\"nodes\":[{\"id\":1},{\"id\":1}]}", FG_EFORMAT,
                 "duplicate node id 1");
    decode_fails("{\"nodes\":[{\"id\":1,\"children\":[77]}]}", FG_EFORMAT,
                 "node 1 lists child 77, which is not a node");
    decode_fails("{\"nodes\":[{\"id\":1}],\"samples\":[1,5],"
                 "\"timeDeltas\":[1,1]}",
                 FG_EFORMAT, "sample 1 refers to node 5");
    decode_fails("{\"nodes\":[{\"id\":1}],\"samples\":[1,1],"
                 "\"timeDeltas\":[1]}",
                 FG_EFORMAT, "2 samples but 1 timeDeltas");
    decode_fails("{\"nodes\":[{\"id\":1}],\"startTime\":9223372036854775,"
                 "\"samples\":[1],\"timeDeltas\":[900000000000]}",
                 FG_EFORMAT, "time overflows");
}
END_TEST

/* ---- speedscope ------------------------------------------------------------ */

START_TEST(speedscope_sampled_merged)
{
    /* py-spy: one sampled profile per thread, unit none, weights 1 */
    struct fg_profile *p = decode(
        "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\","
        "\"shared\":{\"frames\":[{\"name\":\"main\",\"file\":\"a.py\"},"
        "{\"name\":\"f\",\"file\":\"a.py\",\"line\":3},{\"name\":\"f\","
        "\"file\":\"b.py\"}]},\"profiles\":[{\"type\":\"sampled\",\"name\":"
        "\"MainThread\",\"unit\":\"none\",\"startValue\":0,\"endValue\":3,"
        "\"samples\":[[0,1],[0],[0,1,2]],\"weights\":[1,1.0,2.5]},"
        "{\"type\":\"sampled\",\"name\":\"t2\",\"unit\":\"none\","
        "\"startValue\":0,\"endValue\":1,\"samples\":[[2]],"
        "\"weights\":[1]}]}");
    ck_assert_int_eq(p->format, FG_FORMAT_SPEEDSCOPE);
    ck_assert_uint_eq(p->n_types, 1);
    type_is(p, 0, "samples", "count");
    ck_assert_ptr_null(p->sample_time);
    ck_assert_uint_eq(p->n_samples, 4);
    stack_is(p, 2, "f;f;main");
    fc(p, 0, "main", 1, 5);      /* 2.5 rounds to 3, with a warning */
    ck_assert_msg(p->warning && strstr(p->warning, "1 weights or times "
                                                   "were not whole numbers"),
                  "%s", p->warning ? p->warning : "(none)");
    fc(p, 0, "f", 5, 5);
    fg_profile_free(p);
}
END_TEST

START_TEST(speedscope_evented_ms)
{
    /* milliseconds become nanoseconds; a: [0.5, 1.25) and [2, 9), b:
     * [1.25, 2) */
    struct fg_profile *p = decode(
        "{\"shared\":{\"frames\":[{\"name\":\"a\"},{\"name\":\"b\"}]},"
        "\"profiles\":[{\"type\":\"evented\",\"name\":\"x\",\"unit\":"
        "\"milliseconds\",\"startValue\":0.5,\"endValue\":9,\"events\":["
        "{\"type\":\"O\",\"frame\":0,\"at\":0.5},{\"type\":\"O\","
        "\"frame\":1,\"at\":1.25},{\"type\":\"C\",\"frame\":1,\"at\":2},"
        "{\"type\":\"C\",\"frame\":0,\"at\":9}]}]}");
    ck_assert_uint_eq(p->n_types, 1);
    type_is(p, 0, "wall", "nanoseconds");
    ck_assert_uint_eq(p->n_samples, 3);
    fc(p, 0, "a", 7750000, 8500000);
    fc(p, 0, "b", 750000, 750000);
    ck_assert_ptr_nonnull(p->sample_time);
    ck_assert_int_eq(p->sample_time[0], 0);
    ck_assert_int_eq(p->sample_time[1], 750000);
    ck_assert_int_eq(p->sample_time[2], 1500000);
    fg_profile_free(p);
}
END_TEST

START_TEST(speedscope_errors)
{
    const char *pre = "{\"shared\":{\"frames\":[{\"name\":\"a\"},{\"name\":"
                      "\"b\"}]},\"profiles\":[";
    char buf[1024];
    snprintf(buf, sizeof(buf),
             "%s{\"type\":\"evented\",\"unit\":\"none\",\"events\":[{\"type\":"
             "\"O\",\"frame\":0,\"at\":0},{\"type\":\"O\",\"frame\":1,\"at\":"
             "1},{\"type\":\"C\",\"frame\":0,\"at\":2}]}]}",
             pre);
    decode_fails(buf, FG_EFORMAT, "closes a frame that is not the innermost");
    snprintf(buf, sizeof(buf),
             "%s{\"type\":\"evented\",\"unit\":\"none\",\"events\":[{\"type\":"
             "\"O\",\"frame\":0,\"at\":0}]}]}",
             pre);
    decode_fails(buf, FG_EFORMAT, "1 frames are never closed");
    snprintf(buf, sizeof(buf),
             "%s{\"type\":\"evented\",\"unit\":\"none\",\"events\":[{\"type\":"
             "\"O\",\"frame\":0,\"at\":5},{\"type\":\"C\",\"frame\":0,\"at\":"
             "4}]}]}",
             pre);
    decode_fails(buf, FG_EFORMAT, "goes back in time");
    snprintf(buf, sizeof(buf),
             "%s{\"type\":\"sampled\",\"unit\":\"none\",\"samples\":[[0,9]],"
             "\"weights\":[1]}]}",
             pre);
    decode_fails(buf, FG_EFORMAT, "sample 0 refers to frame out of range");
    snprintf(buf, sizeof(buf),
             "%s{\"type\":\"sampled\",\"unit\":\"none\",\"samples\":[[0]],"
             "\"weights\":[1,2]}]}",
             pre);
    decode_fails(buf, FG_EFORMAT, "1 samples but 2 weights");
    snprintf(buf, sizeof(buf),
             "%s{\"type\":\"sampled\",\"unit\":\"none\",\"samples\":[],"
             "\"weights\":[]},{\"type\":\"sampled\",\"unit\":\"bytes\","
             "\"samples\":[],\"weights\":[]}]}",
             pre);
    decode_fails(buf, FG_EFORMAT, "units 'none' and 'bytes' cannot be merged");
    snprintf(buf, sizeof(buf),
             "%s{\"type\":\"sampled\",\"unit\":\"furlongs\",\"samples\":[],"
             "\"weights\":[]}]}",
             pre);
    decode_fails(buf, FG_EFORMAT, "unknown unit 'furlongs'");
}
END_TEST

/* ---- perf script ---------------------------------------------------------- */

START_TEST(perf_stackcollapse_rules)
{
    struct fg_profile *p = decode(
        "# cmdline : /usr/bin/perf record -g java -jar x.jar\n"
        "java 123/124 [001] 10.500000: 250000 cycles:u: \n"
        "\t7f0 a->b+0x10 (/lib/x.so)\n"
        "\t7f1 [unknown] (/tmp/perf-123.map)\n"
        "\t7f2 Lcom/x/Y;.run(I)V+0x3 (/tmp/perf-123.map)\n"
        "\t0 [unknown] ([unknown])\n"
        "\n"
        "V8 Worker 5 11.0: 3 instructions:\n"
        "\t1 f (x)\n"
        "\n"
        "V8 Worker 5 [000] 12.25: 7 cycles:u:\n"
        "\t1 net/http.(*Client).Do+0x12 (/bin/srv)\n"
        "\t2 ns::(anonymous namespace)::run(int)+0x1 (/bin/srv)\n"
        "\t3 std::vector<int>::push_back(int const&) (/bin/srv)\n"
        "\t4 (deleted) (/bin/srv)\n"
        "\t5 say\"hi\" (/bin/srv)\n"
        "\n"
        "nocount 9 13.0: cycles:u:\n"
        "\t1 leaf (/bin/x)\n");
    ck_assert_int_eq(p->format, FG_FORMAT_PERF_SCRIPT);
    type_is(p, 0, "samples", "count");
    type_is(p, 1, "cycles:u", "events");
    ck_assert_uint_eq(p->n_samples, 3); /* instructions are filtered */
    stack_is(p, 0,
             "b_[i];a;[perf-123.map];com/x/Y:.run;[unknown];java");
    stack_is(p, 1, "net/http.(*Client).Do;ns::(anonymous namespace)::run;"
                   "std::vector<int>::push_back;sayhi;V8_Worker");
    stack_is(p, 2, "leaf;nocount");
    ck_assert_int_eq(p->values[1], 250000);
    ck_assert_int_eq(p->values[3], 7);
    ck_assert_int_eq(p->values[5], 1); /* no period: 1 */
    ck_assert_ptr_nonnull(p->sample_time);
    ck_assert_int_eq(p->sample_time[0], 10500000000LL);
    ck_assert_int_eq(p->sample_time[1], 12250000000LL);
    fg_profile_free(p);
}
END_TEST

START_TEST(perf_detection_and_errors)
{
    const char *perf = "work 1 1.0: 1000 cpu-clock:\n\tff f (x)\n\n";
    const char *folded = "main;a 3\nmain 1\n";
    ck_assert(fg_perf_script_sniff(u(perf), strlen(perf)));
    ck_assert(!fg_perf_script_sniff(u(folded), strlen(folded)));
    /* a record without its header's event line still needs a frame */
    ck_assert(fg_perf_script_sniff(u("a b 12 x\n\t1 f (g)\n"), 18));
    ck_assert(!fg_perf_script_sniff(u("a b 12 x\nmore\n"), 14));
    struct fg_profile *p = decode(perf);
    type_is(p, 1, "cpu-clock", "nanoseconds");
    fg_profile_free(p);
    struct fg_profile *q = NULL;
    struct fg_error err = {0, ""};
    const char *none = "# only comments\n\n";
    ck_assert_int_eq(fg_perf_script_decode(u(none), strlen(none), "bad.txt",
                                           NULL, &q, &err),
                     FG_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "bad.txt: no perf script records"));
    const char *big = "w 1 1.0: 99999999999999999999 cpu-clock:\n\t1 f (x)\n\n";
    ck_assert_int_eq(fg_perf_script_decode(u(big), strlen(big), "bad.txt",
                                           NULL, &q, &err),
                     FG_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "bad.txt:1: the period overflows"));
}
END_TEST

/* ---- OpenTelemetry profiles ---------------------------------------------- */

/* strings: 0 "", 1 cpu, 2 nanoseconds, 3 samples, 4 count, 5 main, 6 inl,
 * 7 /usr/lib/libfoo.so, 8 leaf.  Functions: 1 main, 2 inl, 3 (no name),
 * 4 leaf.  Locations: 1 [leaf, inl inlined] , 2 main, 3 no lines in
 * libfoo, 4 unnamed function in libfoo.  Stacks: 1 [1, 2], 2 [3, 2],
 * 3 [4]. */
static const char otlp_json[] =
    "{\"resourceProfiles\":[{\"scopeProfiles\":[{\"profiles\":["
    "{\"sampleType\":{\"typeStrindex\":1,\"unitStrindex\":2},"
    "\"samples\":[{\"stackIndex\":1,\"values\":[\"100\",\"50\"],"
    "\"timestampsUnixNano\":[\"1000\",\"2000\"]},{\"stackIndex\":2,"
    "\"values\":[\"7\"]},{\"stackIndex\":0,\"values\":[\"9\"]}],"
    "\"periodType\":{\"typeStrindex\":1,\"unitStrindex\":2},"
    "\"period\":\"10000000\",\"timeUnixNano\":\"5\"}]}]},"
    "{\"scope_profiles\":[{\"profiles\":[{\"sample_type\":"
    "{\"type_strindex\":3,\"unit_strindex\":4},\"samples\":[{"
    "\"stack_index\":3,\"timestamps_unix_nano\":[3000,4000,5000]}]}]}]}],"
    "\"dictionary\":{\"stringTable\":[\"\",\"cpu\",\"nanoseconds\","
    "\"samples\",\"count\",\"main\",\"inl\",\"/usr/lib/libfoo.so\","
    "\"leaf\"],\"mappingTable\":[{},{\"filenameStrindex\":7}],"
    "\"functionTable\":[{},{\"nameStrindex\":5},{\"nameStrindex\":6},{},"
    "{\"nameStrindex\":8}],\"locationTable\":[{},{\"lines\":["
    "{\"functionIndex\":4},{\"functionIndex\":2}]},{\"lines\":["
    "{\"functionIndex\":1}]},{\"mappingIndex\":1},{\"mappingIndex\":1,"
    "\"lines\":[{\"functionIndex\":3}]}],\"stackTable\":[{},"
    "{\"locationIndices\":[1,2]},{\"locationIndices\":[3,2]},"
    "{\"locationIndices\":[4]}]}}";

static void otlp_checks(struct fg_profile *p)
{
    ck_assert_int_eq(p->format, FG_FORMAT_OTLP);
    ck_assert_uint_eq(p->n_types, 2);
    type_is(p, 0, "cpu", "nanoseconds");
    type_is(p, 1, "samples", "count");
    ck_assert_uint_eq(p->default_type, 0);
    ck_assert_int_eq(p->period, 10000000);
    ck_assert_str_eq(p->period_type.type, "cpu");
    /* 2 + 1 observations of the first profile (the stack-0 sample is
     * skipped), 3 timestamps of the second */
    ck_assert_uint_eq(p->n_samples, 6);
    stack_is(p, 0, "leaf;inl;main");
    stack_is(p, 2, "[libfoo.so];main");
    stack_is(p, 3, "[libfoo.so]");
    ck_assert_ptr_null(p->sample_time); /* the value 7 has no time */
    fc(p, 0, "main", 0, 157);
    fc(p, 0, "leaf", 150, 150);
    fc(p, 0, "[libfoo.so]", 7, 7);
    fc(p, 1, "[libfoo.so]", 3, 3);
    fc(p, 1, "main", 0, 0);
}

START_TEST(otlp_json_form)
{
    struct fg_profile *p = decode(otlp_json);
    otlp_checks(p);
    fg_profile_free(p);
}
END_TEST

/* The same profile as otlp_json, packed by protobuf-c. */
static void pack_otlp(struct fg_buf *out)
{
    static const char *const lit[] = {"", "cpu", "nanoseconds", "samples",
                                      "count", "main", "inl",
                                      "/usr/lib/libfoo.so", "leaf"};
    char *strs[9];
    for (int i = 0; i < 9; i++)
        strs[i] = (char *)(uintptr_t)lit[i]; /* protobuf-c only reads */
    OT(Mapping) m0 = OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__MAPPING__INIT,
                m1 = m0;
    m1.filename_strindex = 7;
    OT(Mapping) *maps[] = {&m0, &m1};
    OT(Function) f[5];
    for (int i = 0; i < 5; i++)
        f[i] = (OT(Function))
            OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__FUNCTION__INIT;
    f[1].name_strindex = 5;
    f[2].name_strindex = 6;
    f[4].name_strindex = 8;
    OT(Function) *funcs[] = {&f[0], &f[1], &f[2], &f[3], &f[4]};
    OT(Line) ln[4];
    for (int i = 0; i < 4; i++)
        ln[i] = (OT(Line))OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__LINE__INIT;
    ln[0].function_index = 4;
    ln[1].function_index = 2;
    ln[2].function_index = 1;
    ln[3].function_index = 3;
    OT(Line) *l1[] = {&ln[0], &ln[1]}, *l2[] = {&ln[2]}, *l4[] = {&ln[3]};
    OT(Location) loc[5];
    for (int i = 0; i < 5; i++)
        loc[i] = (OT(Location))
            OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__LOCATION__INIT;
    loc[1].n_lines = 2;
    loc[1].lines = l1;
    loc[2].n_lines = 1;
    loc[2].lines = l2;
    loc[3].mapping_index = 1;
    loc[4].mapping_index = 1;
    loc[4].n_lines = 1;
    loc[4].lines = l4;
    OT(Location) *locs[] = {&loc[0], &loc[1], &loc[2], &loc[3], &loc[4]};
    int32_t s1[] = {1, 2}, s2[] = {3, 2}, s3[] = {4};
    OT(Stack) st[4];
    for (int i = 0; i < 4; i++)
        st[i] = (OT(Stack))OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__STACK__INIT;
    st[1].n_location_indices = 2;
    st[1].location_indices = s1;
    st[2].n_location_indices = 2;
    st[2].location_indices = s2;
    st[3].n_location_indices = 1;
    st[3].location_indices = s3;
    OT(Stack) *stacks[] = {&st[0], &st[1], &st[2], &st[3]};
    OT(ProfilesDictionary) d =
        OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__PROFILES_DICTIONARY__INIT;
    d.n_string_table = 9;
    d.string_table = strs;
    d.n_mapping_table = 2;
    d.mapping_table = maps;
    d.n_function_table = 5;
    d.function_table = funcs;
    d.n_location_table = 5;
    d.location_table = locs;
    d.n_stack_table = 4;
    d.stack_table = stacks;
    int64_t v1[] = {100, 50}, v2[] = {7}, v3[] = {9};
    uint64_t t1[] = {1000, 2000}, t3[] = {3000, 4000, 5000};
    OT(Sample) sm[4];
    for (int i = 0; i < 4; i++)
        sm[i] = (OT(Sample))OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__SAMPLE__INIT;
    sm[0].stack_index = 1;
    sm[0].n_values = 2;
    sm[0].values = v1;
    sm[0].n_timestamps_unix_nano = 2;
    sm[0].timestamps_unix_nano = t1;
    sm[1].stack_index = 2;
    sm[1].n_values = 1;
    sm[1].values = v2;
    sm[2].stack_index = 0;
    sm[2].n_values = 1;
    sm[2].values = v3;
    sm[3].stack_index = 3;
    sm[3].n_timestamps_unix_nano = 3;
    sm[3].timestamps_unix_nano = t3;
    OT(Sample) *samples1[] = {&sm[0], &sm[1], &sm[2]}, *samples2[] = {&sm[3]};
    OT(ValueType) vt1 = OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__VALUE_TYPE__INIT,
                  vt2 = vt1;
    vt1.type_strindex = 1;
    vt1.unit_strindex = 2;
    vt2.type_strindex = 3;
    vt2.unit_strindex = 4;
    OT(Profile) pr1 = OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__PROFILE__INIT,
                pr2 = pr1;
    pr1.sample_type = &vt1;
    pr1.period_type = &vt1;
    pr1.period = 10000000;
    pr1.time_unix_nano = 5;
    pr1.n_samples = 3;
    pr1.samples = samples1;
    pr2.sample_type = &vt2;
    pr2.n_samples = 1;
    pr2.samples = samples2;
    OT(Profile) *ps1[] = {&pr1}, *ps2[] = {&pr2};
    OT(ScopeProfiles) sp1 =
        OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__SCOPE_PROFILES__INIT,
                      sp2 = sp1;
    sp1.n_profiles = 1;
    sp1.profiles = ps1;
    sp2.n_profiles = 1;
    sp2.profiles = ps2;
    OT(ScopeProfiles) *sps1[] = {&sp1}, *sps2[] = {&sp2};
    OT(ResourceProfiles) rp1 =
        OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__RESOURCE_PROFILES__INIT,
                         rp2 = rp1;
    rp1.n_scope_profiles = 1;
    rp1.scope_profiles = sps1;
    rp2.n_scope_profiles = 1;
    rp2.scope_profiles = sps2;
    OT(ResourceProfiles) *rps[] = {&rp1, &rp2};
    OT(ProfilesData) pd =
        OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__PROFILES_DATA__INIT;
    pd.n_resource_profiles = 2;
    pd.resource_profiles = rps;
    pd.dictionary = &d;
    size_t n = opentelemetry__proto__profiles__v1development__profiles_data__get_packed_size(&pd);
    uint8_t *bytes = malloc(n);
    opentelemetry__proto__profiles__v1development__profiles_data__pack(&pd,
                                                                     bytes);
    fg_buf_init(out, 0);
    ck_assert_int_eq(fg_buf_add(out, bytes, n), FG_OK);
    free(bytes);
}

START_TEST(otlp_binary_form)
{
    struct fg_buf b;
    pack_otlp(&b);
    ck_assert(fg_otlp_sniff(u(b.data), b.len));
    struct fg_profile *p = NULL;
    struct fg_error err = {0, ""};
    ck_assert_int_eq(fg_source_decode(u(b.data), b.len, "o.pb", NULL, &p,
                                      &err),
                     FG_OK);
    otlp_checks(p);
    fg_profile_free(p);
    /* cut short: a clear error */
    ck_assert_int_eq(fg_otlp_decode(u(b.data), b.len - 3, "o.pb", NULL, &p,
                                    &err),
                     FG_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "o.pb: not a valid OpenTelemetry "
                                          "profile: malformed protobuf"));
    fg_buf_release(&b);
    /* a pprof profile is not taken for OTLP */
    struct fg_buf pp;
    fg_test_make_pprof("main;a 3\nmain 1\n", &pp);
    ck_assert(!fg_otlp_sniff(u(pp.data), pp.len));
    fg_buf_release(&pp);
}
END_TEST

/* otlp_json with one replacement made. */
static void otlp_bad(const char *from, const char *to, const char *msg)
{
    const char *at = strstr(otlp_json, from);
    ck_assert_ptr_nonnull(at);
    char buf[4096];
    snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - otlp_json), otlp_json,
             to, at + strlen(from));
    decode_fails(buf, FG_EFORMAT, msg);
}

START_TEST(otlp_errors)
{
    otlp_bad("\"stackIndex\":2", "\"stackIndex\":40",
             "profile 0 sample 1 refers to stack 40 but the stack table has "
             "4 entries");
    otlp_bad("[3,2]", "[3,-2]",
             "stack 2 refers to location -2 but the location table has 5 "
             "entries");
    otlp_bad("{\"functionIndex\":4}", "{\"functionIndex\":12}",
             "location 1 refers to function 12 but the function table has 5 "
             "entries");
    otlp_bad("{\"mappingIndex\":1}", "{\"mappingIndex\":3}",
             "location 3 refers to mapping 3");
    otlp_bad("{\"nameStrindex\":8}", "{\"nameStrindex\":80}",
             "refers to string 80 but the string table has 9 entries");
    otlp_bad("\"values\":[\"100\",\"50\"]", "\"values\":[\"100\"]",
             "profile 0 sample 0 has 1 values but 2 timestamps");
    otlp_bad("\"values\":[\"7\"]", "\"values\":[]",
             "profile 0 sample 1 has neither values nor timestamps");
    otlp_bad("\"stackIndex\":1,", "\"stackIndex\":\"x\",",
             "stackIndex is not of its protobuf type");
    otlp_bad("\"stackIndex\":1,", "\"stackIndex\":4294967297,",
             "stackIndex is not of its protobuf type");
}
END_TEST

/* ---- folded: async-profiler's collapsed output --------------------------- */

START_TEST(folded_async_profiler_suffixes)
{
    struct fg_profile *p = decode(
        "java/lang/Thread.run_[j];Work.main_[i];Work.hot_[0] 5\n"
        "Work.main;Work.hot_[1] 2\n__schedule_[k] 1\nkeep_[x] 1\n");
    fc(p, 0, "Work.hot", 7, 7);
    fc(p, 0, "Work.main", 0, 7);
    fc(p, 0, "java/lang/Thread.run", 0, 5);
    fc(p, 0, "__schedule", 1, 1);
    fc(p, 0, "keep_[x]", 1, 1);
    fg_profile_free(p);
}
END_TEST

/* ---- detection ------------------------------------------------------------ */

START_TEST(detection_by_content)
{
    struct {
        const char *text;
        enum fg_profile_format fmt;
    } cases[] = {
        {fb_037, FG_FORMAT_FLAMEBEARER},
        {cp_tiny, FG_FORMAT_CPUPROFILE},
        {"\xef\xbb\xbf  {\"shared\":{\"frames\":[{\"name\":\"a\"}]},"
         "\"profiles\":[{\"type\":\"sampled\",\"unit\":\"none\","
         "\"samples\":[[0]],\"weights\":[1]}]}",
         FG_FORMAT_SPEEDSCOPE},
        {otlp_json, FG_FORMAT_OTLP},
        {"w 1 1.0: 1000 cpu-clock:\n\tff f (x)\n\n",
         FG_FORMAT_PERF_SCRIPT},
        {"main;f 1\n", FG_FORMAT_FOLDED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fg_profile *p = decode(cases[i].text);
        ck_assert_msg(p->format == cases[i].fmt, "case %zu: format %d", i,
                      (int)p->format);
        fg_profile_free(p);
    }
    decode_fails("{\"nodes\": 5}", FG_EFORMAT, "JSON, but not a profile");
}
END_TEST

Suite *readers_suite(void)
{
    Suite *s = suite_create("readers");
    TCase *tc = tcase_create("formats");
    tcase_add_test(tc, flamebearer_037_samples);
    tcase_add_test(tc, flamebearer_v1_units);
    tcase_add_test(tc, flamebearer_diff_sides);
    tcase_add_test(tc, flamebearer_errors);
    tcase_add_test(tc, cpuprofile_times_and_names);
    tcase_add_test(tc, cpuprofile_wrapped_hitcounts);
    tcase_add_test(tc, cpuprofile_errors);
    tcase_add_test(tc, speedscope_sampled_merged);
    tcase_add_test(tc, speedscope_evented_ms);
    tcase_add_test(tc, speedscope_errors);
    tcase_add_test(tc, perf_stackcollapse_rules);
    tcase_add_test(tc, perf_detection_and_errors);
    tcase_add_test(tc, otlp_json_form);
    tcase_add_test(tc, otlp_binary_form);
    tcase_add_test(tc, otlp_errors);
    tcase_add_test(tc, folded_async_profiler_suffixes);
    tcase_add_test(tc, detection_by_content);
    suite_add_tcase(s, tc);
    return s;
}
