/*
 * fuzz_folded.c - libFuzzer harness for the folded-stack parser.
 *
 * Input: arbitrary text given straight to fg_folded_parse (no format
 * detection, so every input exercises the parser).  On success the model
 * is checked, aggregated, and turned into a stack tree against itself
 * (fg_flame_build), whose root must hold the whole total on both sides.
 * The format sniffer runs on every input too.
 */
#include "flamegate/flame.h"
#include "input/folded.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_limits lim;
    fz_limits(&lim);
    (void)fg_folded_sniff(data, size);
    struct fg_profile *p = NULL;
    struct fg_error err;
    int rc = fg_folded_parse((const char *)data, size, "fuzz.folded", &lim,
                             &p, &err);
    if (rc != FG_OK) {
        if (p)
            fz_fail("failed parse left a profile behind");
        if (rc != FG_EFORMAT && rc != FG_ELIMIT)
            fz_fail("unexpected status %d: %s", rc, err.msg);
        if (!strstr(err.msg, "fuzz.folded"))
            fz_fail("error does not name the source: %s", err.msg);
        return 0;
    }
    fz_check_profile(p);
    if (p->n_types != 1 || p->n_samples == 0)
        fz_fail("folded profile with %zu types and %zu samples", p->n_types,
                p->n_samples);
    fz_aggregate_all(p);

    struct fg_agg a;
    memset(&a, 0, sizeof(a));
    bool have_total = fg_aggregate_type(p, 0, &a, &err) == FG_OK;
    struct fg_profile *one[1] = {p};
    struct fg_flame *f = NULL;
    rc = fg_flame_build(one, 1, one, 1, 0, 0, &f, &err);
    if (rc == FG_OK) {
        if (f->n_nodes < 1 || f->base_total != f->cand_total)
            fz_fail("flame of a profile against itself is asymmetric");
        if (have_total && f->base_total != a.total) {
            /* zero-valued samples are skipped by both, so the totals
             * agree exactly */
            fz_fail("flame total %lld != aggregate total %lld",
                    (long long)f->base_total, (long long)a.total);
        }
        for (size_t i = 1; i < f->n_nodes; i++)
            if (f->nodes[i].parent >= i || f->nodes[i].depth == 0)
                fz_fail("flame node %zu has parent %u depth %u", i,
                        f->nodes[i].parent, f->nodes[i].depth);
        fg_flame_free(f);
    } else if (rc != FG_EFORMAT && rc != FG_ELIMIT) {
        fz_fail("fg_flame_build returned %d: %s", rc, err.msg);
    }
    if (have_total)
        fg_agg_release(&a);
    fg_profile_free(p);
    return 0;
}
