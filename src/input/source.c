/* source.c - resolve SRC arguments and decode files (see source.h). */
#include "flamegate/source.h"
#include "input/folded.h"
#include "input/gz.h"
#include "input/json.h"
#include "input/otlp.h"
#include "input/perf_script.h"
#include "input/jfr.h"
#include "input/pprof.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void fg_pathlist_release(struct fg_pathlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->paths[i]);
    free(l->paths);
    memset(l, 0, sizeof(*l));
}

void fg_pathlist_add(struct fg_pathlist *l, const char *path)
{
    l->paths = fg_xgrow(l->paths, &l->cap, l->n + 1, sizeof(char *));
    l->paths[l->n++] = fg_xstrdup(path);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int expand_dir(const char *dir, struct fg_pathlist *out,
                      struct fg_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return fg_error_set_errno(err, FG_EIO, errno,
                                  "cannot open directory '%s'", dir);
    struct fg_pathlist tmp = {0};
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *path = fg_xasprintf("%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            fg_pathlist_add(&tmp, path);
        free(path);
    }
    closedir(d);
    int rc = FG_OK;
    if (tmp.n == 0) {
        rc = fg_error_set(err, FG_EUSAGE,
                          "directory '%s' contains no profiles", dir);
    } else {
        qsort(tmp.paths, tmp.n, sizeof(char *), cmp_str);
        for (size_t i = 0; i < tmp.n; i++)
            fg_pathlist_add(out, tmp.paths[i]);
    }
    fg_pathlist_release(&tmp);
    return rc;
}

int fg_source_expand(const char *src, struct fg_pathlist *out,
                     struct fg_error *err)
{
    if (strcmp(src, "-") == 0) {
        fg_pathlist_add(out, src);
        return FG_OK;
    }
    struct stat st;
    if (stat(src, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return expand_dir(src, out, err);
        fg_pathlist_add(out, src);
        return FG_OK;
    }
    if (!strpbrk(src, "*?[")) {
        return fg_error_set_errno(err, FG_EIO, errno, "cannot open '%s'",
                                  src);
    }
    glob_t g;
    memset(&g, 0, sizeof(g));
    int gr = glob(src, 0, NULL, &g);
    int rc = FG_OK;
    if (gr == GLOB_NOMATCH || g.gl_pathc == 0) {
        rc = fg_error_set(err, FG_EUSAGE, "pattern '%s' matches no files",
                          src);
    } else if (gr != 0) {
        rc = fg_error_set(err, FG_EIO, "cannot expand pattern '%s'", src);
    } else {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            struct stat s2;
            if (stat(g.gl_pathv[i], &s2) == 0 && S_ISREG(s2.st_mode))
                fg_pathlist_add(out, g.gl_pathv[i]);
        }
    }
    globfree(&g);
    return rc;
}

/* A JSON document that must hold one profile. */
static int json_one(const unsigned char *data, size_t len, const char *source,
                    const struct fg_limits *lim, struct fg_profile **out,
                    struct fg_error *err)
{
    struct fg_profile *p[FG_JSON_MAX_SIDES];
    size_t n = 0;
    int rc = fg_json_decode(data, len, source, lim, p, &n, err);
    if (rc)
        return rc;
    if (n == 1) {
        *out = p[0];
        return FG_OK;
    }
    for (size_t i = 0; i < n; i++)
        fg_profile_free(p[i]);
    return fg_error_set(err, FG_EFORMAT,
                        "%s: a two-sided diff (base and candidate sides) "
                        "where one profile was expected; give it alone to "
                        "'flamegate compare' or 'flamegate top'",
                        source);
}

int fg_source_decode_sides(const unsigned char *data, size_t len,
                           const char *source, const struct fg_limits *lim,
                           struct fg_profile *out[FG_SOURCE_MAX_SIDES],
                           size_t *n, struct fg_error *err)
{
    for (size_t i = 0; i < FG_SOURCE_MAX_SIDES; i++)
        out[i] = NULL;
    *n = 0;
    if (len && fg_json_sniff(data, len))
        return fg_json_decode(data, len, source, lim, out, n, err);
    int rc = fg_source_decode(data, len, source, lim, &out[0], err);
    *n = rc ? 0 : 1;
    return rc;
}

int fg_source_decode(const unsigned char *data, size_t len,
                     const char *source, const struct fg_limits *lim,
                     struct fg_profile **out, struct fg_error *err)
{
    *out = NULL;
    if (len == 0)
        return fg_error_set(err, FG_EFORMAT, "%s: empty file", source);
    /* Text first: a raw protobuf starts with 0x0a, which is also a
     * newline, but binary pprof nearly always holds NUL bytes, which the
     * folded sniffer rejects. */
    if (fg_gz_is_gzip(data, len))
        return fg_pprof_decode(data, len, source, lim, out, err);
    if (fg_jfr_sniff(data, len))
        return fg_jfr_decode(data, len, source, lim, out, err);
    if (fg_json_sniff(data, len))
        return json_one(data, len, source, lim, out, err);
    if (fg_perf_script_sniff(data, len))
        return fg_perf_script_decode(data, len, source, lim, out, err);
    if (fg_folded_sniff(data, len))
        return fg_folded_parse((const char *)data, len, source, lim, out,
                               err);
    if (fg_otlp_sniff(data, len))
        return fg_otlp_decode(data, len, source, lim, out, err);
    if (fg_pprof_sniff(data, len))
        return fg_pprof_decode(data, len, source, lim, out, err);
    return fg_error_set(err, FG_EFORMAT,
                        "%s: not a profile (expected pprof, gzipped or not; "
                        "folded stacks 'a;b;c COUNT'; JFR; perf script "
                        "text; OpenTelemetry profiles; or JSON: Pyroscope "
                        "flame graph, V8 .cpuprofile, speedscope)",
                        source);
}

int fg_source_load_sides(const char *path, const struct fg_limits *lim,
                         struct fg_profile *out[FG_SOURCE_MAX_SIDES],
                         size_t *n, struct fg_error *err)
{
    struct fg_limits deflim;
    if (!lim) {
        fg_limits_default(&deflim);
        lim = &deflim;
    }
    for (size_t i = 0; i < FG_SOURCE_MAX_SIDES; i++)
        out[i] = NULL;
    *n = 0;
    unsigned char *data = NULL;
    size_t len = 0;
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    int rc = fg_read_file(path, lim->max_input, &data, &len, err);
    if (rc == FG_OK && fg_gz_is_gzip(data, len)) {
        /* what fg_source_decode_sides does with gzip, with the
         * compressed bytes freed once inflated */
        rc = fg_pprof_decode_gz_owned(data, len, name, lim, &out[0], err);
        *n = rc ? 0 : 1;
        return rc;
    }
    if (rc == FG_OK)
        rc = fg_source_decode_sides(data, len, name, lim, out, n, err);
    free(data);
    return rc;
}

int fg_source_load_file(const char *path, const struct fg_limits *lim,
                        struct fg_profile **out, struct fg_error *err)
{
    struct fg_limits deflim;
    if (!lim) {
        fg_limits_default(&deflim);
        lim = &deflim;
    }
    unsigned char *data = NULL;
    size_t len = 0;
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    int rc = fg_read_file(path, lim->max_input, &data, &len, err);
    if (rc == FG_OK && fg_gz_is_gzip(data, len))
        return fg_pprof_decode_gz_owned(data, len, name, lim, out, err);
    if (rc == FG_OK)
        rc = fg_source_decode(data, len, name, lim, out, err);
    free(data);
    return rc;
}
