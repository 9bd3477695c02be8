/*
 * fuzz_jfr.c - libFuzzer harness for the Java Flight Recorder reader.
 *
 * Input: arbitrary bytes given straight to fg_jfr_decode (seeds: the
 * corpus recording, its truncated copies and testdata/corrupt/jfr-*.jfr).
 * A failure must be FG_EFORMAT or FG_ELIMIT naming the source, with no
 * profile left behind.  On success the model is checked, every sample
 * type aggregated, every sample has a time, and splitting the profile
 * into time blocks keeps every sample exactly once.
 */
#include "input/jfr.h"
#include "model/split.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_limits lim;
    fz_limits(&lim);
    (void)fg_jfr_sniff(data, size);
    struct fg_profile *p = NULL;
    struct fg_error err;
    int rc = fg_jfr_decode(data, size, "fuzz.jfr", &lim, &p, &err);
    if (rc != FG_OK) {
        if (p)
            fz_fail("failed decode left a profile behind");
        if (rc != FG_EFORMAT && rc != FG_ELIMIT)
            fz_fail("unexpected status %d: %s", rc, err.msg);
        if (!strstr(err.msg, "fuzz.jfr"))
            fz_fail("error does not name the source: %s", err.msg);
        return 0;
    }
    fz_check_profile(p);
    if (p->format != FG_FORMAT_JFR || p->n_samples == 0 || !p->sample_time)
        fz_fail("JFR profile without samples or times");
    fz_aggregate_all(p);

    unsigned n = 1 + (unsigned)(size % 7);
    struct fg_profile **blocks = NULL;
    rc = fg_profile_split_time(p, n, &blocks, &err);
    if (rc != FG_OK)
        fz_fail("splitting a timed profile failed: %s", err.msg);
    size_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        fz_check_profile(blocks[i]);
        total += blocks[i]->n_samples;
    }
    if (total != p->n_samples)
        fz_fail("split into %u blocks kept %zu of %zu samples", n, total,
                p->n_samples);
    fg_profile_split_free(blocks, n);
    fg_profile_free(p);
    return 0;
}
