/*
 * pattern.h - a guard for user-supplied regular expressions.
 *
 * Function-name patterns come from flags, environment variables and config
 * files, and glibc's regcomp can take gigabytes or minutes on a few dozen
 * bytes of nested repetition; every layer that compiles a user's pattern
 * checks it here first.
 */
#ifndef FLAMEGATE_CORE_PATTERN_H
#define FLAMEGATE_CORE_PATTERN_H

#include "flamegate/fg.h"

/*
 * Refuse a regular expression that glibc's regcomp would take gigabytes or
 * minutes to compile: a quantifier applied to a quantifier ("c++++...",
 * undefined in POSIX anyway), a repetition count over 100, or an
 * estimated expansion over 10000 states (repeating a subexpression that
 * can match the empty string costs the square of the count).  FG_EUSAGE
 * names the pattern.  Every pattern a user supplies is checked with it before regcomp.
 */
int fg_pattern_check(const char *pattern, struct fg_error *err) FG_MUST_CHECK;

#endif
