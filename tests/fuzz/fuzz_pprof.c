/*
 * fuzz_pprof.c - libFuzzer harness for profile decoding.
 *
 * Input: arbitrary bytes, as a profile file would hold them.  They go
 * through fg_source_decode (format detection, gunzip with its cap, the
 * pprof decoder or the folded parser).  When decoding succeeds the model is
 * checked for consistency, every sample type is aggregated, and the
 * profile is encoded with fg_pprof_encode and decoded again: the second
 * model must have the same sample types, samples, values and frame names.
 */
#include "input/pprof.h"
#include "flamegate/source.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const struct fg_profile *p, const struct fg_limits *lim)
{
    struct fg_buf enc;
    struct fg_error err;
    fg_buf_init(&enc, 0);
    if (fg_pprof_encode(p, &enc, &err) != FG_OK)
        fz_fail("fg_pprof_encode failed on a decoded profile: %s", err.msg);
    struct fg_profile *q = NULL;
    /* The encoding of a valid model is valid: limits that admitted p must
     * admit its re-encoding (strings may be shared, never more). */
    int rc = fg_pprof_decode((const unsigned char *)(enc.data ? enc.data : ""),
                             enc.len, "roundtrip", lim, &q, &err);
    if (rc != FG_OK)
        fz_fail("re-decoding an encoded profile failed: %s", err.msg);
    fz_check_profile(q);
    if (q->n_types != p->n_types || q->n_samples != p->n_samples)
        fz_fail("round trip changed types %zu->%zu or samples %zu->%zu",
                p->n_types, q->n_types, p->n_samples, q->n_samples);
    for (size_t t = 0; t < p->n_types; t++)
        if (strcmp(p->types[t].type, q->types[t].type) ||
            strcmp(p->types[t].unit, q->types[t].unit))
            fz_fail("round trip changed sample type %zu", t);
    if (memcmp(p->values, q->values,
               p->n_samples * p->n_types * sizeof(int64_t)) != 0)
        fz_fail("round trip changed sample values");
    for (size_t s = 0; s < p->n_samples; s++) {
        /* compare the frame names of the two stacks, leaf first */
        uint32_t pa = p->sample_start[s], pb = p->sample_start[s + 1];
        uint32_t qa = q->sample_start[s], qb = q->sample_start[s + 1];
        if (pb - pa != qb - qa)
            fz_fail("round trip changed the depth of sample %zu", s);
        for (uint32_t i = 0; i < pb - pa; i++) {
            uint32_t pl = p->sample_locs[pa + i], ql = q->sample_locs[qa + i];
            uint32_t pn = p->loc_start[pl + 1] - p->loc_start[pl];
            uint32_t qn = q->loc_start[ql + 1] - q->loc_start[ql];
            if (pn != qn)
                fz_fail("round trip changed frames of sample %zu loc %u", s,
                        i);
            for (uint32_t j = 0; j < pn; j++) {
                const char *a =
                    p->func_names[p->loc_frames[p->loc_start[pl] + j]];
                const char *b =
                    q->func_names[q->loc_frames[q->loc_start[ql] + j]];
                if (!fz_same_name(a, b))
                    fz_fail("round trip renamed '%s' to '%s'", a, b);
            }
        }
    }
    fg_profile_free(q);
    fg_buf_release(&enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_limits lim;
    fz_limits(&lim);
    struct fg_profile *p = NULL;
    struct fg_error err;
    int rc = fg_source_decode(data, size, "fuzz", &lim, &p, &err);
    if (rc != FG_OK) {
        if (p)
            fz_fail("failed decode left a profile behind");
        if (rc != FG_EFORMAT && rc != FG_ELIMIT)
            fz_fail("unexpected status %d: %s", rc, err.msg);
        if (!err.msg[0])
            fz_fail("error without a message");
        return 0;
    }
    fz_check_profile(p);
    fz_aggregate_all(p);
    size_t idx;
    if (fg_profile_select_type(p, NULL, &idx, &err) != FG_OK ||
        idx >= p->n_types)
        fz_fail("default sample type not selectable");
    round_trip(p, &lim);
    fg_profile_free(p);
    return 0;
}
