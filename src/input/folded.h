/*
 * folded.h - collapsed ("folded") stack text: "root;...;leaf COUNT" lines,
 * as written by Brendan Gregg's stackcollapse scripts.
 *
 * The count is the last whitespace-separated token and may be a decimal;
 * decimal counts are rounded to the nearest integer (half away from zero),
 * since the model holds integers, and the profile's warning says how many
 * lines were rounded.  A line with two counts ("stack base candidate", a
 * differential file) is an error unless lim->folded_column picks one.  Frames are split on ';', root first.
 * Blank lines and lines starting with '#' are skipped; any other line
 * without a count is an error naming the line number (unlike flamegraph.pl,
 * which drops such lines silently: a gate must not lose data quietly).
 * async-profiler's collapsed output marks each frame's type with a
 * suffix: "_[j]" JIT-compiled, "_[i]" inlined, "_[k]" kernel, "_[0]"
 * interpreted, "_[1]" C1-compiled (its CollapsedStacks converter); the
 * suffix is stripped so names match other Java profiles (a frame keeps
 * the rest of its name, and "x_[j]" and "x" are one function).
 * The profile has one sample type, "samples/count".
 */
#ifndef FLAMEGATE_FOLDED_H
#define FLAMEGATE_FOLDED_H

#include "flamegate/profile.h"

int fg_folded_parse(const char *text, size_t len, const char *source,
                    const struct fg_limits *lim, struct fg_profile **out,
                    struct fg_error *err) FG_MUST_CHECK;

/* True when text looks like folded stacks (printable text whose first
 * non-comment line ends in a number). */
bool fg_folded_sniff(const unsigned char *data, size_t len);

#endif
