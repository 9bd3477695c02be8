/*
 * fg-fakepyro - a fake Grafana Pyroscope querier (Connect protocol,
 * binary proto) plus a Go-style pprof endpoint, on 127.0.0.1, for the
 * end-to-end tests of "flamegate fetch" and "flamegate compare --backend"
 * (tests/cli/fetch_*.sh, tests/cli/backend_compare.sh).
 *
 *   fg-fakepyro --dir DIR --profiles VALUE=FILE[,FILE...] [--profiles ...]
 *               [--t0 MS --window MS] [--label NAME] [--v1]
 *               [--fail N:STATUS] [--delay S] [--token T] [--tenant T]
 *               [--idle-exit S]
 *
 * Profiles are read with flamegate's own decoder (pprof or folded text)
 * and served re-encoded as raw pprof, like Pyroscope does.  A query whose
 * label selector contains NAME="VALUE" (NAME defaults to "version") gets
 * the files of that VALUE; the window index (start - t0) / window picks
 * the file (modulo their number; without --t0 the first file).  A file
 * named "-" is a window without data (an empty answer, as for a canary
 * that did not exist yet).
 *
 * Endpoints: POST /querier.v1.QuerierService/SelectMergeStacktraces
 * (field 5 pprof; with --v1 a flame graph instead, as v1.x servers do, so
 * the client must fall back), .../SelectMergeProfile, .../ProfileTypes,
 * .../LabelValues; GET /debug/pprof/<anything> answers the first profile
 * of the first --profiles gzipped (application/octet-stream), and keeps a
 * copy in DIR/endpoint.pb.gz; with NAME=VALUE in its query (a live
 * endpoint per version) it answers the files of VALUE in turn, one per
 * request, "-" as an empty answer.  Errors are Connect JSON bodies.
 *
 * --fail N:STATUS answers the first N queries with STATUS; --delay S waits
 * S seconds before each answer; --token T requires "Authorization: Bearer
 * T" (else 401 unauthenticated); --tenant T requires X-Scope-OrgID: T (a
 * multi-tenant server).  DIR/port holds the port once ready; every request
 * is appended to DIR/requests.log as "METHOD PATH selector start end".
 * Exits after --idle-exit seconds without a request (default 60) or on
 * SIGTERM/SIGINT.
 */
#include "input/gz.h"
#include "input/pprof.h"
#include "flamegate/source.h"
#include "core/util.h"

#include "pyroscope.pb-c.h"

#include "fakesrv.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct version_files {
    char *value;
    struct fg_buf *raw; /* uncompressed pprof per file */
    size_t n;
    size_t served;      /* /debug/pprof answers given from these */
};

struct fake {
    const char *dir;
    const char *label;
    struct version_files *v;
    size_t nv;
    int64_t t0, window;
    bool v1;
    long fail_n;
    int fail_status;
    double delay;
    const char *token, *tenant;
    struct fg_buf endpoint_gz;
    FILE *log;
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void die(const char *msg, const char *detail)
{
    fprintf(stderr, "fg-fakepyro: %s%s%s\n", msg, detail ? ": " : "",
            detail ? detail : "");
    exit(2);
}

static void load_version(struct fake *f, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq)
        die("--profiles needs VALUE=FILE[,FILE...]", arg);
    f->v = fg_xrealloc(f->v, (f->nv + 1) * sizeof(*f->v));
    struct version_files *v = &f->v[f->nv++];
    v->value = fg_xstrndup(arg, (size_t)(eq - arg));
    v->raw = NULL;
    v->n = 0;
    v->served = 0;
    char *list = fg_xstrdup(eq + 1);
    struct fg_limits lim;
    fg_limits_default(&lim);
    for (char *save = NULL, *p = strtok_r(list, ",", &save); p;
         p = strtok_r(NULL, ",", &save)) {
        struct fg_profile *prof = NULL;
        struct fg_error err = {0};
        if (strcmp(p, "-") == 0) {
            v->raw = fg_xrealloc(v->raw, (v->n + 1) * sizeof(*v->raw));
            fg_buf_init(&v->raw[v->n++], 0);
            continue;
        }
        if (fg_source_load_file(p, &lim, &prof, &err) != FG_OK)
            die("cannot load profile", err.msg);
        v->raw = fg_xrealloc(v->raw, (v->n + 1) * sizeof(*v->raw));
        fg_buf_init(&v->raw[v->n], 0);
        /* pprof files are served byte for byte (after gunzip); others
         * re-encoded. */
        unsigned char *data = NULL;
        size_t len = 0;
        if (fg_read_file(p, lim.max_input, &data, &len, &err) != FG_OK)
            die("cannot read", err.msg);
        if (prof->format == FG_FORMAT_PPROF) {
            if (fg_gz_is_gzip(data, len)) {
                if (fg_gz_inflate(data, len, lim.max_inflated, p,
                                  &v->raw[v->n], &err) != FG_OK)
                    die("cannot gunzip", err.msg);
            } else if (fg_buf_add(&v->raw[v->n], data, len) != FG_OK) {
                die("out of memory", NULL);
            }
        } else if (fg_pprof_encode(prof, &v->raw[v->n], &err) != FG_OK) {
            die("cannot encode", err.msg);
        }
        free(data);
        fg_profile_free(prof);
        v->n++;
    }
    free(list);
    if (v->n == 0)
        die("no files for", v->value);
}

static const struct fg_buf *choose(const struct fake *f, const char *sel,
                                   int64_t start)
{
    for (size_t i = 0; i < f->nv; i++) {
        char *m = fg_xasprintf("%s=\"%s\"", f->label, f->v[i].value);
        bool hit = strstr(sel, m) != NULL;
        free(m);
        if (!hit)
            continue;
        size_t k = 0;
        if (f->window > 0 && start >= f->t0)
            k = (size_t)((start - f->t0) / f->window);
        return &f->v[i].raw[k % f->v[i].n];
    }
    return NULL;
}

static void connect_error(struct fg_fake_response *r, int status,
                          const char *code, const char *msg)
{
    char *body = fg_xasprintf("{\"code\":\"%s\",\"message\":\"%s\"}", code,
                              msg);
    r->status = status;
    r->content_type = "application/json";
    r->body = body;
    r->body_len = strlen(body);
    r->free_after = body;
}

static void proto_answer(struct fg_fake_response *r, const ProtobufCMessage *m)
{
    size_t len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = fg_xmalloc(len ? len : 1);
    protobuf_c_message_pack(m, buf);
    r->status = 200;
    r->content_type = "application/proto";
    r->body = buf;
    r->body_len = len;
    r->free_after = buf;
}

static void select_stacktraces(struct fake *f, const struct fg_fake_request *q,
                               struct fg_fake_response *r)
{
    Flamegate__Pyroscope__SelectMergeStacktracesRequest *m =
        flamegate__pyroscope__select_merge_stacktraces_request__unpack(
            NULL, q->body_len, q->body);
    if (!m) {
        connect_error(r, 400, "invalid_argument", "bad request message");
        return;
    }
    fprintf(f->log, "POST %s %s %lld %lld\n", q->path, m->label_selector,
            (long long)m->start, (long long)m->end);
    const struct fg_buf *p = choose(f, m->label_selector, m->start);
    Flamegate__Pyroscope__SelectMergeStacktracesResponse out =
        FLAMEGATE__PYROSCOPE__SELECT_MERGE_STACKTRACES_RESPONSE__INIT;
    Flamegate__Pyroscope__PprofProfile pp =
        FLAMEGATE__PYROSCOPE__PPROF_PROFILE__INIT;
    if (!f->v1 && m->format == 4) {
        pp.profile.data = p && p->len ? (uint8_t *)p->data : NULL;
        pp.profile.len = p ? p->len : 0;
        out.pprof = &pp;
        proto_answer(r, &out.base);
    } else {
        static const uint8_t flamegraph[] = {0x0a, 0x03, 0x0a, 0x01, 'x'};
        r->status = 200;
        r->content_type = "application/proto";
        r->body = flamegraph;
        r->body_len = sizeof(flamegraph);
    }
    flamegate__pyroscope__select_merge_stacktraces_request__free_unpacked(
        m, NULL);
}

static void select_profile(struct fake *f, const struct fg_fake_request *q,
                           struct fg_fake_response *r)
{
    Flamegate__Pyroscope__SelectMergeProfileRequest *m =
        flamegate__pyroscope__select_merge_profile_request__unpack(
            NULL, q->body_len, q->body);
    if (!m) {
        connect_error(r, 400, "invalid_argument", "bad request message");
        return;
    }
    fprintf(f->log, "POST %s %s %lld %lld\n", q->path, m->label_selector,
            (long long)m->start, (long long)m->end);
    const struct fg_buf *p = choose(f, m->label_selector, m->start);
    r->status = 200;
    r->content_type = "application/proto";
    r->body = p && p->len ? p->data : "";
    r->body_len = p ? p->len : 0;
    flamegate__pyroscope__select_merge_profile_request__free_unpacked(m,
                                                                      NULL);
}

static void profile_types(struct fake *f, struct fg_fake_response *r)
{
    (void)f;
    Flamegate__Pyroscope__ProfileType t =
        FLAMEGATE__PYROSCOPE__PROFILE_TYPE__INIT;
    t.id = (char *)(uintptr_t) "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
    Flamegate__Pyroscope__ProfileType *ts[] = {&t};
    Flamegate__Pyroscope__ProfileTypesResponse out =
        FLAMEGATE__PYROSCOPE__PROFILE_TYPES_RESPONSE__INIT;
    out.n_profile_types = 1;
    out.profile_types = ts;
    proto_answer(r, &out.base);
}

static void label_values(struct fake *f, struct fg_fake_response *r)
{
    char **names = fg_xcalloc(f->nv ? f->nv : 1, sizeof(*names));
    for (size_t i = 0; i < f->nv; i++)
        names[i] = f->v[i].value;
    Flamegate__Pyroscope__LabelValuesResponse out =
        FLAMEGATE__PYROSCOPE__LABEL_VALUES_RESPONSE__INIT;
    out.n_names = f->nv;
    out.names = names;
    proto_answer(r, &out.base);
    free(names);
}

/* True when the query of target has the parameter name=value. */
static bool has_param(const char *target, const char *name, const char *value)
{
    const char *qs = strchr(target, '?');
    char *want = fg_xasprintf("%s=%s", name, value);
    size_t wl = strlen(want);
    bool hit = false;
    for (const char *p = qs; p && !hit; p = strchr(p + 1, '&'))
        hit = strncmp(p + 1, want, wl) == 0 &&
              (p[1 + wl] == '\0' || p[1 + wl] == '&');
    free(want);
    return hit;
}

/* GET /debug/pprof/...: with LABEL=VALUE in the query (a live endpoint
 * per version), the files of VALUE in turn, one per request ("-": an
 * empty answer, a capture without samples); else the first file,
 * gzipped. */
static void endpoint(struct fake *f, const struct fg_fake_request *q,
                     struct fg_fake_response *r)
{
    r->status = 200;
    r->content_type = "application/octet-stream";
    r->headers = "Content-Disposition: attachment; filename=\"profile\"\r\n";
    for (size_t i = 0; i < f->nv; i++) {
        struct version_files *v = &f->v[i];
        if (!has_param(q->target, f->label, v->value))
            continue;
        const struct fg_buf *b = &v->raw[v->served++ % v->n];
        r->body = b->data;
        r->body_len = b->len;
        return;
    }
    r->body = f->endpoint_gz.data;
    r->body_len = f->endpoint_gz.len;
}

static bool authorised(struct fake *f, const struct fg_fake_request *q,
                       struct fg_fake_response *r)
{
    if (f->tenant) {
        const char *t = fg_fake_request_header(q, "X-Scope-OrgID");
        if (!t || strcmp(t, f->tenant) != 0) {
            connect_error(r, 401, "unauthenticated", "no org id");
            return false;
        }
    }
    if (f->token) {
        const char *a = fg_fake_request_header(q, "Authorization");
        char *want = fg_xasprintf("Bearer %s", f->token);
        bool ok = a && strcmp(a, want) == 0;
        free(want);
        if (!ok) {
            connect_error(r, 401, "unauthenticated", "invalid token");
            return false;
        }
    }
    return true;
}

static void handler(void *ctx, const struct fg_fake_request *q,
                    struct fg_fake_response *r)
{
    struct fake *f = ctx;
    r->delay = f->delay;
    if (strncmp(q->path, "/debug/pprof/", 13) == 0) {
        fprintf(f->log, "GET %s - 0 0\n", q->target);
        endpoint(f, q, r);
    } else if (!authorised(f, q, r)) {
        fprintf(f->log, "%s %s - 0 0\n", q->method, q->path);
    } else if (f->fail_n > 0) {
        f->fail_n--;
        fprintf(f->log, "%s %s - 0 0\n", q->method, q->path);
        connect_error(r, f->fail_status,
                      f->fail_status == 429 ? "resource_exhausted"
                      : f->fail_status >= 500 ? "unavailable"
                                              : "invalid_argument",
                      "injected failure");
    } else if (strcmp(q->path,
                      "/querier.v1.QuerierService/SelectMergeStacktraces") ==
               0) {
        select_stacktraces(f, q, r);
    } else if (strcmp(q->path,
                      "/querier.v1.QuerierService/SelectMergeProfile") == 0) {
        select_profile(f, q, r);
    } else if (strcmp(q->path, "/querier.v1.QuerierService/ProfileTypes") ==
               0) {
        fprintf(f->log, "POST %s - 0 0\n", q->path);
        profile_types(f, r);
    } else if (strcmp(q->path, "/querier.v1.QuerierService/LabelValues") ==
               0) {
        fprintf(f->log, "POST %s - 0 0\n", q->path);
        label_values(f, r);
    } else {
        fprintf(f->log, "%s %s - 0 0\n", q->method, q->path);
        connect_error(r, 404, "not_found", "404 page not found");
    }
    fflush(f->log);
}

static void write_text(const char *dir, const char *name, const void *data,
                       size_t len)
{
    char *path = fg_xasprintf("%s/%s", dir, name);
    struct fg_error err = {0};
    if (fg_write_file_atomic(path, data, len, &err) != FG_OK)
        die("cannot write", err.msg);
    free(path);
}

static void usage(void)
{
    die("usage: fg-fakepyro --dir DIR --profiles VALUE=FILE[,FILE...] "
        "[--t0 MS --window MS] [--label NAME] [--v1] [--fail N:STATUS] "
        "[--delay S] [--token T] [--tenant T] [--idle-exit S]",
        NULL);
}

static void parse_args(struct fake *f, double *idle, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--v1") == 0) {
            f->v1 = true;
            continue;
        }
        if (!v)
            usage();
        i++;
        if (strcmp(a, "--dir") == 0)
            f->dir = v;
        else if (strcmp(a, "--profiles") == 0)
            load_version(f, v);
        else if (strcmp(a, "--t0") == 0)
            f->t0 = strtoll(v, NULL, 10);
        else if (strcmp(a, "--window") == 0)
            f->window = strtoll(v, NULL, 10);
        else if (strcmp(a, "--label") == 0)
            f->label = v;
        else if (strcmp(a, "--fail") == 0 &&
                 sscanf(v, "%ld:%d", &f->fail_n, &f->fail_status) == 2)
            continue;
        else if (strcmp(a, "--delay") == 0)
            f->delay = strtod(v, NULL);
        else if (strcmp(a, "--token") == 0)
            f->token = v;
        else if (strcmp(a, "--tenant") == 0)
            f->tenant = v;
        else if (strcmp(a, "--idle-exit") == 0)
            *idle = strtod(v, NULL);
        else
            usage();
    }
    if (!f->dir || f->nv == 0)
        usage();
}

int main(int argc, char **argv)
{
    struct fake f;
    memset(&f, 0, sizeof(f));
    f.label = "version";
    double idle = 60;
    parse_args(&f, &idle, argc, argv);
    struct fg_error err = {0};
    fg_buf_init(&f.endpoint_gz, 0);
    if (fg_gz_deflate(f.v[0].raw[0].data ? f.v[0].raw[0].data : "",
                      f.v[0].raw[0].len, 1, &f.endpoint_gz, &err) != FG_OK)
        die("cannot gzip", err.msg);
    write_text(f.dir, "endpoint.pb.gz", f.endpoint_gz.data,
               f.endpoint_gz.len);
    char *logpath = fg_xasprintf("%s/requests.log", f.dir);
    f.log = fopen(logpath, "a");
    if (!f.log)
        die("cannot open", logpath);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    struct fg_fakesrv *s = fg_fakesrv_start_for(3600);
    if (!s)
        die("cannot listen on 127.0.0.1", strerror(errno));
    fg_fakesrv_set_handler(s, handler, &f);
    char port[16];
    int plen = snprintf(port, sizeof(port), "%d\n", fg_fakesrv_port(s));
    write_text(f.dir, "port", port, (size_t)plen);
    size_t seen = 0;
    double last = fg_now();
    while (!stop_flag && fg_now() - last < idle) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
        size_t n = fg_fakesrv_count(s);
        if (n != seen) {
            seen = n;
            last = fg_now();
        }
    }
    fg_fakesrv_stop(s);
    fclose(f.log);
    free(logpath);
    for (size_t i = 0; i < f.nv; i++) {
        for (size_t k = 0; k < f.v[i].n; k++)
            fg_buf_release(&f.v[i].raw[k]);
        free(f.v[i].raw);
        free(f.v[i].value);
    }
    free(f.v);
    fg_buf_release(&f.endpoint_gz);
    return 0;
}
