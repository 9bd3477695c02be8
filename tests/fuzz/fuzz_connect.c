/*
 * fuzz_connect.c - libFuzzer harness for the Pyroscope client (Connect
 * protocol: binary proto answers, JSON error bodies).
 *
 * byte 0 picks the call: 0 fg_pyroscope_merge of one window, 1 of two
 * windows (concurrent requests, and the SelectMergeProfile and /render
 * flame-graph JSON fallbacks for some of them), 2
 * fg_pyroscope_profile_types, 3
 * fg_pyroscope_label_values.  The rest is the response script
 * (fuzz_net.h).  A merged profile that comes back is decoded like the
 * backend does, through fg_source_decode.
 */
#include "net/pyroscope.h"
#include "flamegate/source.h"
#include "fuzz_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *url = fz_net_begin();
    fz_net_script(data + 1, size - 1);
    struct fg_http_opts o;
    struct fg_http_ext x;
    fz_http_opts(&o, &x, (data[0] & 4) != 0);
    struct fg_error err = {0, ""};
    int rc;
    switch (data[0] & 3) {
    case 0:
    case 1: {
        struct fg_pyroscope_query q[2] = {
            {"process_cpu:cpu:nanoseconds:cpu:nanoseconds",
             "{service_name=\"a\",version=\"v1\"}", 1700000000000,
             1700000060000, 0},
            {"process_cpu:cpu:nanoseconds:cpu:nanoseconds",
             "{service_name=\"a\",version=\"v1\"}", 1700000060001,
             1700000120000, 16384}};
        size_t n = (data[0] & 3) == 0 ? 1 : 2;
        struct fg_buf out[2];
        bool fallback = false;
        rc = fg_pyroscope_merge(&o, &x, url, q, n, out, &fallback, &err);
        fz_net_check(rc, &err);
        if (rc == FG_OK) {
            struct fg_limits lim;
            fz_limits(&lim);
            for (size_t i = 0; i < n; i++) {
                if (out[i].len > o.max_response)
                    fz_fail("merged profile of %zu bytes over the cap",
                            out[i].len);
                struct fg_profile *p = NULL;
                struct fg_error e2;
                if (out[i].len &&
                    fg_source_decode((const unsigned char *)out[i].data,
                                     out[i].len, "pyroscope", &lim, &p,
                                     &e2) == FG_OK) {
                    fz_check_profile(p);
                    fg_profile_free(p);
                }
                fg_buf_release(&out[i]);
            }
        }
        break;
    }
    case 2: {
        char **v = NULL;
        size_t n = 0;
        rc = fg_pyroscope_profile_types(&o, &x, url, 1700000000000,
                                        1700003600000, &v, &n, &err);
        fz_net_check(rc, &err);
        for (size_t i = 0; rc == FG_OK && i < n; i++)
            if (!v[i])
                fz_fail("profile type %zu is NULL", i);
        fz_free_strings(v, rc == FG_OK ? n : 0);
        break;
    }
    default: {
        char **v = NULL;
        size_t n = 0;
        rc = fg_pyroscope_label_values(&o, &x, url, "version",
                                       (data[0] & 8) ? "{service_name=\"a\"}"
                                                     : NULL,
                                       1700000000000, 1700003600000, &v, &n,
                                       &err);
        fz_net_check(rc, &err);
        for (size_t i = 0; rc == FG_OK && i < n; i++)
            if (!v[i])
                fz_fail("label value %zu is NULL", i);
        fz_free_strings(v, rc == FG_OK ? n : 0);
        break;
    }
    }
    return 0;
}
