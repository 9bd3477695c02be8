/*
 * fuzz_flamebearer.c - libFuzzer harness for the Pyroscope flame-graph
 * JSON reader (input/flamebearer.h): arbitrary text, parsed as JSON and
 * decoded whatever its keys (no format detection in the way), one or two
 * profiles; each checked as fuzz_reader.h says, and a two-sided result
 * has two profiles of the same sample types.
 */
#include "input/flamebearer.h"
#include "input/json.h"
#include "fuzz_common.h"
#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_limits lim;
    fz_limits(&lim);
    (void)fg_json_sniff(data, size);
    struct fg_profile *p[2] = {NULL, NULL};
    size_t n = 0;
    struct fg_error err;
    int rc = fg_flamebearer_decode(data, size, "fuzz.json", &lim, p, &n,
                                   &err);
    if (rc != FG_OK) {
        fz_check_failure(rc, p, 2, &err, "fuzz.json");
        return 0;
    }
    if (n < 1 || n > 2 || (n == 2 && p[0]->n_types != p[1]->n_types))
        fz_fail("%zu sides of %zu and %zu types", n, p[0]->n_types,
                n == 2 ? p[1]->n_types : 0);
    (void)fg_flamebearer_pruned(p[0]);
    for (size_t i = 0; i < n; i++)
        fz_check_decoded(p[i], FG_FORMAT_FLAMEBEARER);
    return 0;
}
