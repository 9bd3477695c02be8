/*
 * source.h - resolve a SRC argument into profiles.
 *
 * A source is a file (a profile of any format fg_source_decode reads,
 * detected from the content, not the name), "-" for standard input, a
 * directory (every regular file in it, sorted by name, is one run) or a
 * glob pattern (every match is one run).  URLs are resolved by the http/backend modules.
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
 * Decode an in-memory profile of any supported format (README "Input
 * formats": pprof, folded stacks, JFR, perf script text, OpenTelemetry
 * profiles, and the JSON formats: Pyroscope flame graph, V8 .cpuprofile,
 * speedscope), detected from the content.  data is borrowed.  The error
 * names source and the problem.  A two-sided file (a Pyroscope diff) is
 * an FG_EFORMAT error here: read it with fg_source_decode_sides.
 */
int fg_source_decode(const unsigned char *data, size_t len,
                     const char *source, const struct fg_limits *lim,
                     struct fg_profile **out,
                     struct fg_error *err) FG_MUST_CHECK;

/* The most profiles one file holds: a two-sided file (Pyroscope's
 * /render-diff JSON) gives its base side, then its candidate side. */
#define FG_SOURCE_MAX_SIDES 2

/*
 * Like fg_source_decode, for files that may be two-sided: out[0..*n)
 * (owned by the caller) receives the one profile of an ordinary file, or
 * the base and the candidate side of a two-sided one (their sources are
 * named "<source> (base side)" and "<source> (candidate side)").
 */
int fg_source_decode_sides(const unsigned char *data, size_t len,
                           const char *source, const struct fg_limits *lim,
                           struct fg_profile *out[FG_SOURCE_MAX_SIDES],
                           size_t *n, struct fg_error *err) FG_MUST_CHECK;

/* Read and decode one file ("-" = standard input) that may be
 * two-sided (fg_source_decode_sides). */
int fg_source_load_sides(const char *path, const struct fg_limits *lim,
                         struct fg_profile *out[FG_SOURCE_MAX_SIDES],
                         size_t *n, struct fg_error *err) FG_MUST_CHECK;

/* Read and decode one file ("-" = standard input). */
int fg_source_load_file(const char *path, const struct fg_limits *lim,
                        struct fg_profile **out,
                        struct fg_error *err) FG_MUST_CHECK;

#endif
