/*
 * fuzz_parca.c - libFuzzer harness for the Parca client: gRPC-Web frames
 * and the REST gateway's JSON.
 *
 * byte 0 picks what runs (value % 6):
 *   0  fg_grpcweb_unframe directly: byte 1 is the length h of an HTTP
 *      header block (trailers-only answers carry grpc-status there; 0: no
 *      headers), the next h bytes are that block, the rest is the body
 *   1  fg_parca_merge, REST, one window      } the rest of the input is
 *   2  fg_parca_merge, gRPC-Web, one window  } the response script
 *   3  fg_parca_merge, two windows (REST with bit 3 clear, else gRPC-Web)
 *   4  fg_parca_profile_types                } (fuzz_net.h)
 *   5  fg_parca_label_values                 }
 * bit 7 of byte 0 uses basic auth instead of a bearer token.
 */
#include "net/parca.h"
#include "flamegate/source.h"
#include "fuzz_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void unframe(const uint8_t *data, size_t size)
{
    if (size < 1)
        return;
    size_t h = data[0];
    if (h > size - 1)
        h = size - 1;
    char *headers = NULL;
    if (h) {
        headers = fg_xstrndup((const char *)data + 1, h);
    }
    const uint8_t *body = data + 1 + h;
    size_t len = size - 1 - h;
    struct fg_buf msg;
    fg_buf_init(&msg, 0);
    struct fg_error err = {0, ""};
    int rc = fg_grpcweb_unframe(body, len, headers,
                                "http://u:" FZ_PASSWORD "@parca:7070/q", &msg,
                                &err);
    if (rc == FG_OK) {
        if (msg.len > len)
            fz_fail("unframed message longer than the body");
    } else {
        if (!err.msg[0])
            fz_fail("unframe failure without a message");
        if (strstr(err.msg, FZ_PASSWORD))
            fz_fail("URL credentials in the error: %s", err.msg);
        for (const char *c = err.msg; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                fz_fail("raw control byte 0x%02x in the error: %s",
                        (unsigned char)*c, err.msg);
    }
    fg_buf_release(&msg);
    free(headers);
}

static void decode_out(struct fg_buf *out, size_t n, size_t cap)
{
    struct fg_limits lim;
    fz_limits(&lim);
    for (size_t i = 0; i < n; i++) {
        if (out[i].len > cap)
            fz_fail("merged profile of %zu bytes over the cap %zu",
                    out[i].len, cap);
        struct fg_profile *p = NULL;
        struct fg_error e2;
        if (out[i].len &&
            fg_source_decode((const unsigned char *)out[i].data, out[i].len,
                             "parca", &lim, &p, &e2) == FG_OK) {
            fz_check_profile(p);
            fg_profile_free(p);
        }
        fg_buf_release(&out[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned sel = data[0] % 6;
    if (sel == 0) {
        unframe(data + 1, size - 1);
        return 0;
    }
    const char *url = fz_net_begin();
    fz_net_script(data + 1, size - 1);
    struct fg_http_opts o;
    struct fg_http_ext x;
    fz_http_opts(&o, &x, (data[0] & 0x80) != 0);
    struct fg_error err = {0, ""};
    int rc;
    const struct fg_parca_query q[2] = {
        {"process_cpu:samples:count:cpu:nanoseconds:delta{job=\"api\"}",
         1700000000000, 1700000060000},
        {"process_cpu:samples:count:cpu:nanoseconds:delta{job=\"api\"}",
         1700000060001, 1700000120000}};
    if (sel <= 3) {
        enum fg_parca_transport t =
            sel == 1 ? FG_PARCA_REST
            : sel == 2 ? FG_PARCA_GRPC_WEB
                       : ((data[0] & 8) ? FG_PARCA_GRPC_WEB : FG_PARCA_REST);
        size_t n = sel == 3 ? 2 : 1;
        struct fg_buf out[2];
        rc = fg_parca_merge(&o, &x, url, t, q, n, out, &err);
        fz_net_check(rc, &err);
        if (rc == FG_OK)
            decode_out(out, n, o.max_response);
    } else {
        char **v = NULL;
        size_t n = 0;
        if (sel == 4)
            rc = fg_parca_profile_types(&o, &x, url, &v, &n, &err);
        else
            rc = fg_parca_label_values(&o, &x, url, "version",
                                       (data[0] & 8) ? "{job=\"api\"}" : NULL,
                                       (data[0] & 16) ? q[0].query : NULL,
                                       q[0].start_ms, q[0].end_ms, &v, &n,
                                       &err);
        fz_net_check(rc, &err);
        for (size_t i = 0; rc == FG_OK && i < n; i++)
            if (!v[i])
                fz_fail("string %zu is NULL", i);
        fz_free_strings(v, rc == FG_OK ? n : 0);
    }
    return 0;
}
