/*
 * testutil.h - helpers shared by the Check suites.
 */
#ifndef FLAMEGATE_TESTUTIL_H
#define FLAMEGATE_TESTUTIL_H

#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* x within rel (relative) of want, naming the expression on failure. */
#define CK_REL(x, want, rel)                                                 \
    do {                                                                     \
        double v_ = (x), w_ = (want);                                        \
        ck_assert_msg(fabs(v_ - w_) <= (rel) * fabs(w_),                     \
                      "%s = %.12g, want %.12g (rel %g)", #x, v_, w_,         \
                      (double)(rel));                                        \
    } while (0)

/* x is neither NaN nor infinite. */
#define CK_FINITE(x)                                                         \
    do {                                                                     \
        double v_ = (x);                                                     \
        ck_assert_msg(isfinite(v_), "%s = %g is not finite", #x, v_);        \
    } while (0)

/* Path of the shared corpus (env FG_CORPUS, default ../shared/corpus), or
 * NULL when it is absent: tests then skip with a message. */
const char *fg_test_corpus(void);

/* malloc'd "<corpus>/<rel>"; NULL when the corpus is absent. */
char *fg_test_corpus_path(const char *rel);

/* malloc'd path of testdata/<rel> (tests run from the project root). */
char *fg_test_data_path(const char *rel);

/* Print "SKIP: <why>" once per reason (Check has no native skip). */
void fg_test_skip(const char *why);

/* Read a whole file (malloc'd, NUL-terminated); aborts the test on error. */
char *fg_test_read(const char *path, size_t *len);

/* New empty temporary directory (malloc'd path); removed by
 * fg_test_rmtree. */
char *fg_test_tmpdir(void);
void fg_test_rmtree(const char *path);

/* True when running under valgrind (FG_VALGRIND=1): slow tests shrink. */
bool fg_test_under_valgrind(void);

struct fg_buf;
struct fg_profile;

/* Check fixture for suites that use libcurl: global init / cleanup. */
void fg_test_curl_setup(void);
void fg_test_curl_teardown(void);

/* Raw (uncompressed) pprof encoding of a folded-stacks text into out
 * (initialised here; the caller releases it).  Aborts the test on error. */
void fg_test_make_pprof(const char *folded, struct fg_buf *out);

/* Sum of the default sample type's values over all samples. */
int64_t fg_test_total(const struct fg_profile *p);

/* Free n profiles and the array holding them. */
void fg_test_free_runs(struct fg_profile **runs, size_t n);

#endif
