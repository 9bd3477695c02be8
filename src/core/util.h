/*
 * util.h - allocation wrappers and checked number parsing.
 *
 * Out of memory is fatal for a batch CLI (git, jq, redis do the same): the
 * fg_x* allocators print "flamegate: out of memory" and exit(2).  This is the
 * one place outside the CLI layer that may terminate the process.
 */
#ifndef FLAMEGATE_UTIL_H
#define FLAMEGATE_UTIL_H

#include "flamegate/fg.h"

void *fg_xmalloc(size_t n);
void *fg_xcalloc(size_t n, size_t size);
void *fg_xrealloc(void *p, size_t n);
/* Grow-by-doubling helper: returns p resized to hold at least need elements
 * of size, updating *cap.  Fatal on overflow or out of memory. */
void *fg_xgrow(void *p, size_t *cap, size_t need, size_t size);
char *fg_xstrdup(const char *s);
char *fg_xstrndup(const char *s, size_t n);
/* malloc'd printf. */
char *fg_xasprintf(const char *fmt, ...) FG_PRINTF(1, 2);

/*
 * Parse a whole string as a number.  Empty strings, trailing garbage,
 * overflow and values outside [min, max] are errors (FG_EUSAGE) naming
 * what.  fg_parse_size accepts an optional K, M, G suffix (binary units).
 */
int fg_parse_double(const char *s, double min, double max, double *out,
                    const char *what, struct fg_error *err) FG_MUST_CHECK;
int fg_parse_long(const char *s, long min, long max, long *out,
                  const char *what, struct fg_error *err) FG_MUST_CHECK;
int fg_parse_size(const char *s, size_t *out, const char *what,
                  struct fg_error *err) FG_MUST_CHECK;

/* Levenshtein distance between a and b (for "did you mean"); 64 when
 * either is longer than 63 bytes. */
size_t fg_edit_distance(const char *a, const char *b);

/* Read a whole file (path "-" is standard input) into a malloc'd buffer,
 * refusing files larger than max bytes (FG_ELIMIT).  *out is NUL-terminated
 * (not counted in *len).  Errors name the path. */
int fg_read_file(const char *path, size_t max, unsigned char **out,
                 size_t *len, struct fg_error *err) FG_MUST_CHECK;

/*
 * Write data to path atomically: a temporary file in the same directory is
 * written, flushed and renamed over path.  On failure nothing is left behind.
 * Path "-" writes to standard output.
 */
int fg_write_file_atomic(const char *path, const void *data, size_t len,
                         struct fg_error *err) FG_MUST_CHECK;

/*
 * The two halves of fg_write_file_atomic, for writing several files all or
 * nothing: stage writes data to a new temporary file next to path (*tmp is
 * its malloc'd name; nothing is left behind on error); commit renames it
 * over path (removing it on error).  A caller that gives up after staging
 * unlinks the temporaries itself.
 */
int fg_write_file_stage(const char *path, const void *data, size_t len,
                        char **tmp, struct fg_error *err) FG_MUST_CHECK;
int fg_write_file_commit(const char *tmp, const char *path,
                         struct fg_error *err) FG_MUST_CHECK;

/* Base name of a path (pointer into s, never NULL). */
const char *fg_basename(const char *s);

/* Monotonic clock in seconds (for progress and benchmarks). */
double fg_now(void);

#endif
