/* testutil.c - helpers shared by the Check suites (see testutil.h). */
#include "testutil.h"
#include "flamegate/buf.h"
#include "input/folded.h"
#include "input/pprof.h"

#include <curl/curl.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *fg_test_corpus(void)
{
    const char *c = getenv("FG_CORPUS");
    if (!c || !*c)
        c = "../shared/corpus";
    struct stat st;
    char probe[4096];
    snprintf(probe, sizeof(probe), "%s/golden", c);
    if (stat(probe, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return c;
}

char *fg_test_corpus_path(const char *rel)
{
    const char *c = fg_test_corpus();
    if (!c)
        return NULL;
    size_t n = strlen(c) + strlen(rel) + 2;
    char *p = malloc(n);
    ck_assert_ptr_nonnull(p);
    snprintf(p, n, "%s/%s", c, rel);
    return p;
}

char *fg_test_data_path(const char *rel)
{
    size_t n = strlen(rel) + sizeof("testdata/");
    char *p = malloc(n);
    ck_assert_ptr_nonnull(p);
    snprintf(p, n, "testdata/%s", rel);
    return p;
}

void fg_test_skip(const char *why)
{
    fprintf(stderr, "SKIP: %s\n", why);
}

char *fg_test_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 >= cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

char *fg_test_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof(tmpl), "%s/fgtest.XXXXXX",
             base && *base ? base : "/tmp");
    char *d = mkdtemp(tmpl);
    ck_assert_ptr_nonnull(d);
    return strdup(d);
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void fg_test_rmtree(const char *path)
{
    if (path)
        nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

bool fg_test_under_valgrind(void)
{
    const char *v = getenv("FG_VALGRIND");
    return v && *v == '1';
}

void fg_test_curl_setup(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void fg_test_curl_teardown(void)
{
    curl_global_cleanup();
}

void fg_test_make_pprof(const char *folded, struct fg_buf *out)
{
    struct fg_limits lim;
    fg_limits_default(&lim);
    struct fg_profile *p = NULL;
    struct fg_error err = {0, ""};
    ck_assert_int_eq(fg_folded_parse(folded, strlen(folded), "t", &lim, &p,
                                     &err),
                     FG_OK);
    fg_buf_init(out, 0);
    ck_assert_int_eq(fg_pprof_encode(p, out, &err), FG_OK);
    fg_profile_free(p);
}

int64_t fg_test_total(const struct fg_profile *p)
{
    int64_t t = 0;
    for (size_t s = 0; s < p->n_samples; s++)
        t += p->values[s * p->n_types + p->default_type];
    return t;
}

void fg_test_free_runs(struct fg_profile **runs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fg_profile_free(runs[i]);
    free(runs);
}
