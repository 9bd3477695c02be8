/*
 * derive.h - build a new profile from parts of existing ones: what the
 * sample filters (filter.c) and the merge of several profiles (merge.c)
 * share.
 *
 * The new profile owns copies of everything (its sources may be freed
 * first).  Usage:
 *     struct fg_derive d;
 *     fg_derive_init(&d, template, source);  -- types, period, times
 *     fg_derive_func(&d, name, len)          -- function ids, any time
 *     fg_derive_loc(&d, frames, n)           -- location ids, in order
 *     fg_derive_sample(&d, locs, n, values, time, labels, nl)
 *     fg_derive_finish(&d, &out, err)        -- or fg_derive_release
 * Location and function ids are those the calls returned; a sample's
 * locations are leaf first, its values one per sample type of the
 * template.
 */
#ifndef FLAMEGATE_MODEL_DERIVE_H
#define FLAMEGATE_MODEL_DERIVE_H

#include "flamegate/profile.h"

struct fg_derive {
    struct fg_profile *p;      /* owned until fg_derive_finish */
    struct fg_strtab lstr;     /* label strings, borrowed from p's arena */
    bool timed;                /* every sample so far had a time */
    bool labelled;             /* some sample had a label */
    uint32_t *loc_start, *loc_frames;
    size_t nlocs, nframes, cap_ls, cap_lf;
    uint32_t *sample_start, *sample_locs, *label_start;
    int64_t *values, *times;
    struct fg_label *labels;
    size_t ns, nrefs, nlabels;
    size_t cap_ss, cap_sl, cap_lbs, cap_v, cap_t, cap_lb;
};

/*
 * Start a profile named source (copied) with tmpl's format, sample types,
 * default type, period and times (copied; the caller may change p's
 * header fields before finishing).
 */
void fg_derive_init(struct fg_derive *d, const struct fg_profile *tmpl,
                    const char *source);

/* The id of the function named name[0..len) (added when new). */
uint32_t fg_derive_func(struct fg_derive *d, const char *name, size_t len);

/* Add a location made of frames[0..n) (function ids, innermost first);
 * returns its id (ids are 0, 1, ... in call order). */
uint32_t fg_derive_loc(struct fg_derive *d, const uint32_t *frames,
                       size_t n);

/*
 * Add a sample: locs[0..n) (location ids, leaf first), one value per
 * sample type, its time (NULL: none; the profile keeps sample_time only
 * when every sample had one) and its labels (copied).  Errors: FG_ELIMIT
 * past the 2^32 references the model's indexes hold.
 */
int fg_derive_sample(struct fg_derive *d, const uint32_t *locs, size_t n,
                     const int64_t *values, const int64_t *time,
                     const struct fg_label *labels, size_t nl,
                     struct fg_error *err) FG_MUST_CHECK;

/* Move everything into the profile and hand it over (*out owned by the
 * caller); d is released either way. */
int fg_derive_finish(struct fg_derive *d, struct fg_profile **out,
                     struct fg_error *err) FG_MUST_CHECK;

/* Free an unfinished derivation. */
void fg_derive_release(struct fg_derive *d);

#endif
