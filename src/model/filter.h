/*
 * filter.h - pprof's sample filters, with its semantics (google/pprof
 * profile/filter.go and internal/driver/driver_focus.go), on the profile
 * model.  The result is a new profile; the original is not changed.
 *
 * Name filters match the names of a location's functions (inlined frames
 * included) with POSIX extended regular expressions (unanchored, as
 * pprof's regexp.MatchString; several regexes of one kind are
 * alternatives):
 *   focus      keep the samples with a location that matches;
 *   ignore     drop the samples with a location that matches (ignore wins
 *              over focus: pprof keeps a sample when some location is
 *              focused and none is ignored; with any name filter, a sample
 *              without locations is dropped);
 *   hide       remove the matching frames; a location left without frames
 *              leaves its samples, and a sample left without locations is
 *              dropped;
 *   show_from  drop the frames above the match nearest the root: in a
 *              location, the callers inlined above its outermost matching
 *              frame; in a sample, the locations above the root-most
 *              matching one; samples without a match are dropped.
 * applied in pprof's order (focus/ignore/hide, then show_from, then the
 * tag filters).  pprof also matches source file and mapping names, which
 * the model does not keep.
 *
 * Tag filters (pprof's -tagfocus and -tagignore) match sample labels:
 *   KEY=REGEX[,REGEX...]  a string label KEY whose value matches one of
 *                         the regexes;
 *   REGEX[,REGEX...]      every regex matches some "key:value" of the
 *                         sample's string labels;
 *   [KEY=]RANGE           a numeric label (KEY, or any) in RANGE: V
 *                         (equal), V: (at least), :V (at most) or V1:V2
 *                         (both included), each V an integer with an
 *                         optional unit (1kb, 100ms; scaled as pprof
 *                         does, against the label's unit: its num_unit,
 *                         else "bytes" for keys "alignment" and "request",
 *                         else the key itself).
 * A value that is not exactly a range is taken as regexes, as pprof does.
 * A sample is kept when it matches every tag focus and no tag ignore.
 */
#ifndef FLAMEGATE_MODEL_FILTER_H
#define FLAMEGATE_MODEL_FILTER_H

#include "flamegate/profile.h"

/* What to filter: lists of borrowed strings (all may be empty). */
struct fg_filter_spec {
    const char *const *focus;
    size_t n_focus;
    const char *const *ignore;
    size_t n_ignore;
    const char *const *hide;
    size_t n_hide;
    const char *const *show_from;
    size_t n_show_from;
    const char *const *tagfocus;
    size_t n_tagfocus;
    const char *const *tagignore;
    size_t n_tagignore;
};

/* Which filters matched anything (pprof warns "Focus expression matched
 * no samples" when one did not), and how many sample records remain. */
struct fg_filter_stats {
    bool focus, ignore, hide, show_from, tagfocus, tagignore;
    size_t kept, dropped;
};

struct fg_filter;

/*
 * Compile spec (copied) into *out (free with fg_filter_free; NULL when
 * no filter is given).  Every regex is checked with fg_pattern_check
 * first.  Errors: FG_EUSAGE naming the option ("--focus", "--tagfocus")
 * and the expression.
 */
int fg_filter_new(const struct fg_filter_spec *spec, struct fg_filter **out,
                  struct fg_error *err) FG_MUST_CHECK;

void fg_filter_free(struct fg_filter *f);

/* Check one tag filter expression (for settings validation). */
int fg_filter_check_tag(const char *expr, const char *option,
                        struct fg_error *err) FG_MUST_CHECK;

/* True when a valid tag expression is a numeric range (pprof then says
 * "Interpreted '...' as range, not regexp"). */
bool fg_filter_tag_is_range(const char *expr);

/*
 * The samples of in that pass f, as a new profile (*out owned by the
 * caller; in is only read).  st (may be NULL) says what matched.
 */
int fg_filter_apply(const struct fg_filter *f, const struct fg_profile *in,
                    struct fg_profile **out, struct fg_filter_stats *st,
                    struct fg_error *err) FG_MUST_CHECK;

/* The unit of numeric label key in p, as pprof infers it (see above);
 * borrowed from p or static. */
const char *fg_label_unit(const struct fg_profile *p, const char *key);

#endif
