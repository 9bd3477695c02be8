/*
 * testutil.h - helpers shared by the Check suites.
 */
#ifndef FLAMEGATE_TESTUTIL_H
#define FLAMEGATE_TESTUTIL_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

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

#endif
