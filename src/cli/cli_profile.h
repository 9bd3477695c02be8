/*
 * cli_profile.h - what several commands share about their inputs: the
 * sample count of a profile (what compare counts), readers' warnings,
 * pprof's sample filters applied to loaded profiles, and warnings about
 * FLAMEGATE_* variables that no setting reads.
 */
#ifndef FLAMEGATE_CLI_PROFILE_H
#define FLAMEGATE_CLI_PROFILE_H

#include "flamegate/profile.h"
#include "model/filter.h"

/*
 * The number of samples behind type t of p, as compare counts them
 * (fg_compare_count_samples, compare.h); p->n_samples, the number of
 * records, when they cannot be counted.
 */
int64_t fg_cli_sample_count(const struct fg_profile *p, size_t t);

/* Print p's reader warning, if any (unless quiet). */
void fg_cli_profile_warning(const struct fg_profile *p, bool quiet);

/*
 * The samples of in that pass f (*out owned by the caller; in is only
 * read), printing pprof's warnings for the filters of spec that matched
 * nothing (unless quiet).
 */
int fg_cli_filter(const struct fg_filter *f, const struct fg_filter_spec *spec,
                  const struct fg_profile *in, struct fg_profile **out,
                  bool quiet, struct fg_error *err) FG_MUST_CHECK;

/* pprof's "... matched no samples" warnings for the filters of spec that
 * st says matched nothing in where ("every run", a file name). */
void fg_cli_filter_warn(const struct fg_filter_spec *spec,
                        const struct fg_filter_stats *st, const char *where,
                        bool quiet);

/* Warn (unless quiet) about every FLAMEGATE_* variable of the
 * environment that no setting reads, with the nearest known name. */
void fg_cli_warn_unknown_env(bool quiet);

#endif
