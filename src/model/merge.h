/*
 * merge.h - several profiles merged into one, as pprof merges the
 * sources of one command (google/pprof profile/merge.go): the samples of
 * all of them, functions unified by name.
 */
#ifndef FLAMEGATE_MODEL_MERGE_H
#define FLAMEGATE_MODEL_MERGE_H

#include "flamegate/profile.h"

/*
 * Merge ps[0..n) (borrowed, n >= 1) into a new profile *out (owned by the
 * caller) named source.  As pprof: every profile must have the same
 * sample types (type and unit, in the same order) and period type; the
 * merge takes the largest period, the earliest start time and the sum of
 * the durations, and the first profile's default sample type.  Labels
 * and sample times are kept.  Errors: FG_EUSAGE naming the two profiles
 * whose types differ.
 */
int fg_profile_merge(struct fg_profile *const *ps, size_t n,
                     const char *source, struct fg_profile **out,
                     struct fg_error *err) FG_MUST_CHECK;

#endif
