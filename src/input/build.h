/*
 * build.h - assemble a struct fg_profile from stacks of function names.
 *
 * The readers whose formats name every frame directly (Pyroscope
 * flame-graph JSON, V8 cpuprofile, speedscope, perf script, OpenTelemetry
 * profiles) share this builder: each distinct name is one function and
 * one location (as folded.c does, which gives pprof's flat and cum at
 * its default "functions" granularity), and a sample is a stack of those
 * ids, leaf first, with one value per sample type and optionally the time
 * it was taken.
 *
 * Every limit of struct fg_limits that applies is checked here, with a
 * message naming the source and the flag that raises the limit: samples
 * (--max-samples), distinct functions (--max-functions), bytes of names
 * (--max-string-table), frames in one stack (--max-stack-depth), frames in
 * all samples and values in all samples (16 x --max-samples each; the
 * model's uint32 indexes hold 2^32 frames at most).
 *
 * Usage:
 *     struct fg_build b;
 *     fg_build_init(&b, FG_FORMAT_X, source, 2, true, lim, err);
 *     fg_build_type(&b, 0, "samples", "count");
 *     for each sample:
 *         fg_build_func(&b, name, len, &id)   -- any time, any order
 *         fg_build_push(&b, id)               -- leaf first
 *         fg_build_end(&b, values, time)      -- or fg_build_drop(&b)
 *     fg_build_finish(&b, &profile);          -- or fg_build_release(&b)
 * Every function returning a status may fail; after a failure the caller
 * calls fg_build_release (finish does it itself).
 */
#ifndef FLAMEGATE_BUILD_H
#define FLAMEGATE_BUILD_H

#include "flamegate/profile.h"

struct fg_build {
    struct fg_profile *p;       /* owned until fg_build_finish */
    const struct fg_limits *lim;/* borrowed; defaults when NULL at init */
    struct fg_limits deflim;
    struct fg_error *err;       /* borrowed, may be NULL */
    const char *source;         /* the profile's copy */
    bool timed;                 /* samples carry a time */
    bool all_timed;             /* every sample so far had a time */
    size_t depth;               /* frames of the open sample */
    size_t ns, nrefs, strbytes;
    uint32_t *start;            /* malloc'd while building */
    uint32_t *locs;
    int64_t *vals;
    int64_t *times;
    size_t cap_start, cap_locs, cap_vals, cap_times;
};

/*
 * Start a profile of format fmt named source (copied), with n_types
 * sample types (named later with fg_build_type; default_type is the last,
 * as pprof chooses).  timed: samples may carry a time (fg_build_end's
 * time); the profile gets sample_time only when every sample had one.
 * lim (borrowed) may be NULL for the defaults; err (borrowed) receives
 * every later error.
 */
void fg_build_init(struct fg_build *b, enum fg_profile_format fmt,
                   const char *source, size_t n_types, bool timed,
                   const struct fg_limits *lim, struct fg_error *err);

/* Name sample type i (type and unit are copied). */
void fg_build_type(struct fg_build *b, size_t i, const char *type,
                   const char *unit);

/* The function id of name[0..len) (copied when new).  FG_ELIMIT when a
 * new name exceeds --max-functions or --max-string-table. */
int fg_build_func(struct fg_build *b, const char *name, size_t len,
                  uint32_t *id) FG_MUST_CHECK;

/* Append function id to the open sample, leaf first.  FG_ELIMIT beyond
 * --max-stack-depth or 2^32 - 1 references in all. */
int fg_build_push(struct fg_build *b, uint32_t id) FG_MUST_CHECK;

/* Number of frames pushed to the open sample. */
size_t fg_build_depth(const struct fg_build *b);

/* Close the open sample with values[0..n_types) (copied) and its time
 * (nanoseconds; ignored unless timed, has_time false when this sample has
 * none).  FG_ELIMIT beyond --max-samples. */
int fg_build_end(struct fg_build *b, const int64_t *values, bool has_time,
                 int64_t time) FG_MUST_CHECK;

/* Forget the frames of the open sample. */
void fg_build_drop(struct fg_build *b);

/*
 * Hand the profile over (*out, owned by the caller; fg_profile_free).
 * Releases the builder in every case.  An error (FG_EFORMAT "no samples")
 * when allow_empty is false and nothing was recorded.
 */
int fg_build_finish(struct fg_build *b, bool allow_empty,
                    struct fg_profile **out) FG_MUST_CHECK;

/* Free everything (the unfinished profile too).  Idempotent. */
void fg_build_release(struct fg_build *b);

/*
 * a + b into *sum, false on int64 overflow (readers use it for offsets,
 * times and scaled values they compute themselves).
 */
bool fg_add_i64(int64_t a, int64_t b, int64_t *sum);
/* a * b, false on overflow. */
bool fg_mul_i64(int64_t a, int64_t b, int64_t *prod);

#endif
