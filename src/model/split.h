/*
 * split.h - cut one recording into time blocks (replicates).
 *
 * A long recording of one build holds several stretches of the same
 * work; cut into N blocks of equal time span, each block is one run for
 * the statistics (compare --split N), so one recording per side gives
 * run-to-run variation to estimate.  Blocks share the noise of one process
 * (JIT state, heap layout, the machine's load at the time), so they can
 * understate the noise between separate runs: docs/split.md measures it.
 */
#ifndef FLAMEGATE_SPLIT_H
#define FLAMEGATE_SPLIT_H

#include "flamegate/profile.h"

/* Longest block count accepted (a block needs samples to mean anything). */
#define FG_SPLIT_MAX 1000

/*
 * Split p into n profiles by sample time: with t0 the earliest and t1 the
 * latest sample time and span = t1 - t0 + 1, block i holds the samples
 * whose time is in [t0 + i*span/n, t0 + (i+1)*span/n) (integer bounds,
 * exact).  Each block is a complete profile with p's sample types,
 * functions and locations (copied: p may be freed first), the samples of
 * its interval in their original order, its own sample_time, time_nanos
 * (the block's start) and duration_nanos, and source "SRC [i/n]".  Every
 * sample lands in exactly one block; a block may be empty.
 *
 * *out receives a malloc'd array of n profiles (free with
 * fg_profile_split_free).  Errors: FG_EUSAGE when n is 0 or above
 * FG_SPLIT_MAX, or when p has no time per sample (pprof, folded): the
 * message names p->source, its format and the formats that carry time.
 */
int fg_profile_split_time(const struct fg_profile *p, unsigned n,
                          struct fg_profile ***out,
                          struct fg_error *err) FG_MUST_CHECK;

/* Free the n profiles of a split and the array.  NULL is accepted. */
void fg_profile_split_free(struct fg_profile **blocks, unsigned n);

/* Name of a format for messages ("pprof", "JFR", ...). */
const char *fg_profile_format_name(enum fg_profile_format f);

#endif
