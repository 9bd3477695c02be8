/*
 * badformats.c - bad inputs for the readers of issue 18 (see
 * badformats.h).  JSON and text are written literally; OpenTelemetry
 * protobuf with a small writer (field numbers of src/proto/
 * otlp_profiles.proto).
 */
#include "badformats.h"
#include "flamegate/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef void put_fn(const char *, const void *, size_t, void *);

static void put_text(put_fn *put, void *ctx, const char *name,
                     const char *text)
{
    put(name, text, strlen(text), ctx);
}

/* The first half of text (a transfer cut short). */
static void put_half(put_fn *put, void *ctx, const char *name,
                     const char *text)
{
    put(name, text, strlen(text) / 2, ctx);
}

/* ---- Pyroscope flame-graph JSON ---------------------------------------- */

/* main 600 (self 100) -> work 500 (self 200) -> leaf 300 */
#define FB_NAMES "\"names\":[\"total\",\"main\",\"work\",\"leaf\"]"
#define FB_META                                                              \
    "\"metadata\":{\"format\":\"single\",\"spyName\":\"\",\"sampleRate\":"    \
    "100,\"units\":\"samples\",\"name\":\"cpu\"},\"timeline\":null}"

static const char fb_single[] =
    "{\"version\":1,\"flamebearer\":{" FB_NAMES ",\"levels\":[[0,600,0,0],"
    "[0,600,100,1],[100,500,200,2],[300,300,300,3]],\"numTicks\":600,"
    "\"maxSelf\":300}," FB_META "\n";

/* the same tree on the left, a larger leaf on the right */
static const char fb_diff[] =
    "{\"version\":1,\"flamebearer\":{" FB_NAMES ",\"levels\":["
    "[0,600,0,0,800,0,0],[0,600,100,0,800,100,1],"
    "[100,500,200,100,700,300,2],[300,300,300,300,400,400,3]],"
    "\"numTicks\":1400,\"maxSelf\":400},\"metadata\":{\"format\":"
    "\"double\",\"spyName\":\"\",\"sampleRate\":100,\"units\":\"samples\","
    "\"name\":\"cpu\"},\"timeline\":null,\"leftTicks\":600,"
    "\"rightTicks\":800}\n";

static void flamebearer(put_fn *put, void *ctx)
{
    put_text(put, ctx, "flamebearer-diff.json", fb_diff);
    put_half(put, ctx, "flamebearer-truncated.json", fb_single);
    /* leaf starts at 700, past the end of its parent work (600) */
    put_text(put, ctx, "flamebearer-bad-offsets.json",
             "{\"version\":1,\"flamebearer\":{" FB_NAMES ",\"levels\":["
             "[0,600,0,0],[0,600,100,1],[100,500,200,2],[700,300,300,3]]},"
             FB_META "\n");
    put_text(put, ctx, "flamebearer-name-range.json",
             "{\"version\":1,\"flamebearer\":{" FB_NAMES ",\"levels\":["
             "[0,600,0,0],[0,600,100,1],[100,500,200,2],[300,300,300,99]]},"
             FB_META "\n");
    put_text(put, ctx, "flamebearer-huge-count.json",
             "{\"version\":1,\"flamebearer\":{" FB_NAMES ",\"levels\":["
             "[0,10,0,0],[0,5000000000000000000,0,1,0,5000000000000000000,"
             "0,2]]}," FB_META "\n");
    /* "double" with nodes of 4 numbers */
    put_text(put, ctx, "flamebearer-wrong-size.json",
             "{\"version\":1,\"flamebearer\":{" FB_NAMES ",\"levels\":["
             "[0,600,0,0],[0,600,600,1]]},\"metadata\":{\"format\":"
             "\"double\",\"units\":\"samples\",\"sampleRate\":100}}\n");
}

/* ---- V8 .cpuprofile --------------------------------------------------------- */

#define CP_NODE(id, name, children)                                          \
    "{\"id\":" #id ",\"callFrame\":{\"functionName\":\"" name "\","         \
    "\"scriptId\":\"0\",\"url\":\"\",\"lineNumber\":-1,\"columnNumber\":"   \
    "-1},\"hitCount\":0" children "}"

static const char cp_valid[] =
    "{\"nodes\":[" CP_NODE(1, "(root)", ",\"children\":[2,3]") ","
    CP_NODE(2, "main", ",\"children\":[4]") "," CP_NODE(3, "(program)", "")
    "," CP_NODE(4, "work", "") "],\"startTime\":1000,\"endTime\":5000,"
    "\"samples\":[4,4,3,2,4],\"timeDeltas\":[100,1000,1000,1000,900]}\n";

static void cpuprofile(put_fn *put, void *ctx)
{
    put_half(put, ctx, "cpuprofile-truncated.cpuprofile", cp_valid);
    /* a (3) and b (4) list each other as children */
    put_text(put, ctx, "cpuprofile-cycle.cpuprofile",
             "{\"nodes\":[" CP_NODE(1, "(root)", ",\"children\":[2]") ","
             CP_NODE(2, "main", "") "," CP_NODE(3, "a", ",\"children\":[4]")
             "," CP_NODE(4, "b", ",\"children\":[3]") "],\"startTime\":0,"
             "\"endTime\":10,\"samples\":[2,4],\"timeDeltas\":[1,1]}\n");
    put_text(put, ctx, "cpuprofile-two-parents.cpuprofile",
             "{\"nodes\":[" CP_NODE(1, "(root)", ",\"children\":[2,3]") ","
             CP_NODE(2, "main", ",\"children\":[3]") "," CP_NODE(3, "a", "")
             "],\"startTime\":0,\"endTime\":10,\"samples\":[3],"
             "\"timeDeltas\":[1]}\n");
    put_text(put, ctx, "cpuprofile-missing-node.cpuprofile",
             "{\"nodes\":[" CP_NODE(1, "(root)", ",\"children\":[2]") ","
             CP_NODE(2, "main", "") "],\"startTime\":0,\"endTime\":10,"
             "\"samples\":[2,99],\"timeDeltas\":[1,1]}\n");
    put_text(put, ctx, "cpuprofile-missing-child.cpuprofile",
             "{\"nodes\":[" CP_NODE(1, "(root)", ",\"children\":[2,77]") ","
             CP_NODE(2, "main", "") "],\"startTime\":0,\"endTime\":10,"
             "\"samples\":[2],\"timeDeltas\":[1]}\n");
    /* microseconds that overflow as nanoseconds */
    put_text(put, ctx, "cpuprofile-huge-time.cpuprofile",
             "{\"nodes\":[" CP_NODE(1, "(root)", ",\"children\":[2]") ","
             CP_NODE(2, "main", "") "],\"startTime\":9223372036854775,"
             "\"endTime\":9223372036854776,\"samples\":[2],"
             "\"timeDeltas\":[900000000000]}\n");
}

/* ---- speedscope ------------------------------------------------------------ */

#define SS_HEAD                                                              \
    "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\","    \
    "\"shared\":{\"frames\":[{\"name\":\"main\"},{\"name\":\"work\"}]},"     \
    "\"profiles\":["

static void speedscope(put_fn *put, void *ctx)
{
    /* work is opened inside main, then main is closed first */
    put_text(put, ctx, "speedscope-unbalanced.json",
             SS_HEAD "{\"type\":\"evented\",\"name\":\"p\",\"unit\":"
             "\"microseconds\",\"startValue\":0,\"endValue\":30,\"events\":["
             "{\"type\":\"O\",\"frame\":0,\"at\":0},{\"type\":\"O\","
             "\"frame\":1,\"at\":10},{\"type\":\"C\",\"frame\":0,\"at\":20},"
             "{\"type\":\"C\",\"frame\":1,\"at\":30}]}]}\n");
    put_text(put, ctx, "speedscope-unclosed.json",
             SS_HEAD "{\"type\":\"evented\",\"name\":\"p\",\"unit\":"
             "\"microseconds\",\"startValue\":0,\"endValue\":30,\"events\":["
             "{\"type\":\"O\",\"frame\":0,\"at\":0},{\"type\":\"O\","
             "\"frame\":1,\"at\":10},{\"type\":\"C\",\"frame\":1,\"at\":20}"
             "]}]}\n");
    put_text(put, ctx, "speedscope-frame-range.json",
             SS_HEAD "{\"type\":\"sampled\",\"name\":\"p\",\"unit\":\"none\","
             "\"startValue\":0,\"endValue\":2,\"samples\":[[0,9],[0]],"
             "\"weights\":[1,1]}]}\n");
    put_text(put, ctx, "speedscope-huge-weight.json",
             SS_HEAD "{\"type\":\"sampled\",\"name\":\"p\",\"unit\":\"none\","
             "\"startValue\":0,\"endValue\":2,\"samples\":[[0,1],[0]],"
             "\"weights\":[1e300,1]}]}\n");
}

/* ---- perf script ----------------------------------------------------------- */

static const char perf_two[] =
    "work 19765  9942.681105:    1000000 cpu-clock: \n"
    "\t            11d7 hot_loop+0x1c (/home/dev/work)\n"
    "\t            136a main+0x60 (/home/dev/work)\n"
    "\n"
    "work 19765  9942.682105:    1000000 cpu-clock: \n"
    "\t            11d7 hot_loop+0x1c (/home/dev/work)\n"
    "\t            136a main+0x60 (/home/dev/work)\n"
    "\n";

static void perf(put_fn *put, void *ctx)
{
    /* cut inside the last frame line of the second record */
    put("perf-cut.txt", perf_two, strlen(perf_two) - 30, ctx);
    put_text(put, ctx, "perf-huge-period.txt",
             "work 1 1.000000: 99999999999999999999 cpu-clock: \n"
             "\t            11d7 hot_loop+0x1c (/home/dev/work)\n\n");
}

/* ---- OpenTelemetry profiles (binary) ------------------------------------- */

static void varint(struct fg_buf *b, uint64_t v)
{
    while (v >= 0x80) {
        if (fg_buf_addc(b, (char)(v | 0x80)))
            abort();
        v >>= 7;
    }
    if (fg_buf_addc(b, (char)v))
        abort();
}

static void field_varint(struct fg_buf *b, unsigned field, uint64_t v)
{
    varint(b, (uint64_t)field << 3);
    varint(b, v);
}

static void field_bytes(struct fg_buf *b, unsigned field, const void *p,
                        size_t n)
{
    varint(b, (uint64_t)field << 3 | 2);
    varint(b, n);
    if (n && fg_buf_add(b, p, n))
        abort();
}

/* Append message m as field (and release m). */
static void field_msg(struct fg_buf *b, unsigned field, struct fg_buf *m)
{
    field_bytes(b, field, m->data ? m->data : "", m->len);
    fg_buf_release(m);
}

struct otlp_knobs {
    int32_t stack;      /* the sample's stack index (1 is valid) */
    int32_t leaf_name;  /* string index of the leaf function's name (4) */
    int64_t value;      /* each sample's value */
    int nsamples;
};

/* strings "", cpu, count, main, leaf; functions main, leaf; locations
 * main, leaf; stack 1 = [leaf, main]; one profile cpu/count. */
static void otlp(struct fg_buf *out, const struct otlp_knobs *k)
{
    static const char *const strs[] = {"", "cpu", "count", "main", "leaf"};
    struct fg_buf d, m, sub;
    fg_buf_init(&d, 0);
    fg_buf_init(&m, 0);
    field_msg(&d, 1, &m); /* mapping_table[0] */
    for (int i = 0; i < 3; i++) { /* location_table: {}, main, leaf */
        fg_buf_init(&m, 0);
        if (i > 0) {
            fg_buf_init(&sub, 0);
            field_varint(&sub, 1, (uint64_t)i); /* function_index */
            field_msg(&m, 3, &sub);
        }
        field_msg(&d, 2, &m);
    }
    for (int i = 0; i < 3; i++) { /* function_table: {}, main, leaf */
        fg_buf_init(&m, 0);
        if (i > 0)
            field_varint(&m, 1, (uint64_t)(i == 1 ? 3 : k->leaf_name));
        field_msg(&d, 3, &m);
    }
    for (int i = 0; i < 5; i++)
        field_bytes(&d, 5, strs[i], strlen(strs[i]));
    fg_buf_init(&m, 0);
    field_msg(&d, 7, &m); /* stack_table[0] */
    fg_buf_init(&m, 0);
    fg_buf_init(&sub, 0);
    varint(&sub, 2);
    varint(&sub, 1);
    field_msg(&m, 1, &sub); /* packed location_indices [2, 1] */
    field_msg(&d, 7, &m);

    struct fg_buf prof, vt, s, scope, res;
    fg_buf_init(&prof, 0);
    fg_buf_init(&vt, 0);
    field_varint(&vt, 1, 1);
    field_varint(&vt, 2, 2);
    field_msg(&prof, 1, &vt); /* sample_type cpu/count */
    for (int i = 0; i < k->nsamples; i++) {
        fg_buf_init(&s, 0);
        field_varint(&s, 1, (uint64_t)(uint32_t)k->stack);
        field_varint(&s, 4, (uint64_t)k->value);
        field_msg(&prof, 2, &s);
    }
    fg_buf_init(&scope, 0);
    field_msg(&scope, 2, &prof);
    fg_buf_init(&res, 0);
    field_msg(&res, 2, &scope);
    fg_buf_init(out, 0);
    field_msg(out, 1, &res);
    field_msg(out, 2, &d);
}

static void put_otlp(put_fn *put, void *ctx, const char *name,
                     const struct otlp_knobs *k, size_t cut)
{
    struct fg_buf b;
    otlp(&b, k);
    put(name, b.data, cut ? cut : b.len, ctx);
    fg_buf_release(&b);
}

static void opentelemetry(put_fn *put, void *ctx)
{
    const struct otlp_knobs valid = {1, 4, 5, 3};
    put_otlp(put, ctx, "otlp-valid.pb", &valid, 0);
    struct fg_buf b;
    otlp(&b, &valid);
    size_t half = b.len / 2;
    fg_buf_release(&b);
    put_otlp(put, ctx, "otlp-truncated.pb", &valid, half);
    struct otlp_knobs k = valid;
    k.stack = 7;
    put_otlp(put, ctx, "otlp-stack-range.pb", &k, 0);
    k = valid;
    k.leaf_name = 50;
    put_otlp(put, ctx, "otlp-string-range.pb", &k, 0);
    k = valid;
    k.value = INT64_MAX / 2 + 1;
    k.nsamples = 2;
    put_otlp(put, ctx, "otlp-huge-count.pb", &k, 0);
    put_text(put, ctx, "otlp-location-range.json",
             "{\"resourceProfiles\":[{\"scopeProfiles\":[{\"profiles\":[{"
             "\"sampleType\":{\"typeStrindex\":1,\"unitStrindex\":2},"
             "\"samples\":[{\"stackIndex\":1,\"values\":[\"5\"]}]}]}]}],"
             "\"dictionary\":{\"stringTable\":[\"\",\"cpu\",\"count\","
             "\"main\"],\"functionTable\":[{},{\"nameStrindex\":3}],"
             "\"locationTable\":[{},{\"lines\":[{\"functionIndex\":1}]}],"
             "\"stackTable\":[{},{\"locationIndices\":[9,1]}]}}\n");
    put_text(put, ctx, "otlp-mismatch.json",
             "{\"resourceProfiles\":[{\"scopeProfiles\":[{\"profiles\":[{"
             "\"sampleType\":{\"typeStrindex\":1,\"unitStrindex\":2},"
             "\"samples\":[{\"stackIndex\":1,\"values\":[\"5\",\"6\"],"
             "\"timestampsUnixNano\":[\"1700000000000000000\"]}]}]}]}],"
             "\"dictionary\":{\"stringTable\":[\"\",\"cpu\",\"count\","
             "\"main\"],\"functionTable\":[{},{\"nameStrindex\":3}],"
             "\"locationTable\":[{},{\"lines\":[{\"functionIndex\":1}]}],"
             "\"stackTable\":[{},{\"locationIndices\":[1]}]}}\n");
}

void fg_badformats_each(put_fn *put, void *ctx)
{
    flamebearer(put, ctx);
    cpuprofile(put, ctx);
    speedscope(put, ctx);
    perf(put, ctx);
    opentelemetry(put, ctx);
}
