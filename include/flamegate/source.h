/*
 * source.h - resolve a SRC argument into profiles.
 *
 * A source is a file (pprof gzipped or raw, or folded text, detected from
 * the content, not the name), "-" for standard input, a directory (every
 * regular file in it, sorted by name, is one run) or a glob pattern (every
 * match is one run).  URLs are resolved by the http/backend modules.
 */
#ifndef FLAMEGATE_SOURCE_H
#define FLAMEGATE_SOURCE_H

#include "flamegate/profile.h"

/* A list of path strings (owned). */
struct fg_pathlist {
    char **paths;
    size_t n;
    size_t cap;
};

void fg_pathlist_release(struct fg_pathlist *l);
void fg_pathlist_add(struct fg_pathlist *l, const char *path);

/*
 * Expand one SRC into file paths appended to out: a directory gives its
 * regular files (hidden files skipped) sorted by name; a pattern with glob
 * characters that matches nothing, or a directory without files, is an error
 * (FG_EUSAGE / FG_EIO) naming src.
 */
int fg_source_expand(const char *src, struct fg_pathlist *out,
                     struct fg_error *err) FG_MUST_CHECK;

/*
 * Decode an in-memory profile of any supported format.  data is borrowed.
 * The error names source and the problem.
 */
int fg_source_decode(const unsigned char *data, size_t len,
                     const char *source, const struct fg_limits *lim,
                     struct fg_profile **out,
                     struct fg_error *err) FG_MUST_CHECK;

/* Read and decode one file ("-" = standard input). */
int fg_source_load_file(const char *path, const struct fg_limits *lim,
                        struct fg_profile **out,
                        struct fg_error *err) FG_MUST_CHECK;

#endif
