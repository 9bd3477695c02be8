/*
 * fuzz_otlp.c - libFuzzer harness for the OpenTelemetry profiles reader
 * (input/otlp.h): every input is decoded both as binary protobuf and as
 * the JSON form (each without format detection; the sniffer runs too),
 * and each result checked as fuzz_reader.h says.
 */
#include "input/otlp.h"
#include "fuzz_common.h"
#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_limits lim;
    fz_limits(&lim);
    (void)fg_otlp_sniff(data, size);
    struct fg_profile *p = NULL;
    struct fg_error err;
    int rc = fg_otlp_decode(data, size, "fuzz.pb", &lim, &p, &err);
    if (rc != FG_OK)
        fz_check_failure(rc, &p, 1, &err, "fuzz.pb");
    else
        fz_check_decoded(p, FG_FORMAT_OTLP);
    p = NULL;
    rc = fg_otlp_decode_json(data, size, "fuzz.json", &lim, &p, &err);
    if (rc != FG_OK)
        fz_check_failure(rc, &p, 1, &err, "fuzz.json");
    else
        fz_check_decoded(p, FG_FORMAT_OTLP);
    return 0;
}
