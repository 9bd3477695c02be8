/*
 * fuzz_perf_script.c - libFuzzer harness for the `perf script` text
 * reader (input/perf_script.h): arbitrary text straight to the decoder
 * (and the sniffer); the result checked as fuzz_reader.h says, and every
 * sample's stack ends in its process name (the root frame), so no stack
 * is empty.
 */
#include "input/perf_script.h"
#include "fuzz_common.h"
#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_limits lim;
    fz_limits(&lim);
    (void)fg_perf_script_sniff(data, size);
    struct fg_profile *p = NULL;
    struct fg_error err;
    int rc = fg_perf_script_decode(data, size, "fuzz.txt", &lim, &p, &err);
    if (rc != FG_OK) {
        fz_check_failure(rc, &p, 1, &err, "fuzz.txt");
        return 0;
    }
    for (size_t s = 0; s < p->n_samples; s++)
        if (p->sample_start[s + 1] == p->sample_start[s])
            fz_fail("sample %zu has no frame (not even its process)", s);
    fz_check_decoded(p, FG_FORMAT_PERF_SCRIPT);
    return 0;
}
