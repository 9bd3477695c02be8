/*
 * fuzz_cpuprofile.c - libFuzzer harness for the V8 .cpuprofile reader
 * (input/cpuprofile.h): arbitrary text, parsed as JSON and decoded
 * whatever its keys (no format detection in the way); the result checked
 * as fuzz_reader.h says.
 */
#include "input/cpuprofile.h"
#include "fuzz_common.h"
#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_limits lim;
    fz_limits(&lim);
    struct fg_profile *p = NULL;
    struct fg_error err;
    int rc = fg_cpuprofile_decode(data, size, "fuzz.json", &lim, &p, &err);
    if (rc != FG_OK) {
        fz_check_failure(rc, &p, 1, &err, "fuzz.json");
        return 0;
    }
    fz_check_decoded(p, FG_FORMAT_CPUPROFILE);
    return 0;
}
