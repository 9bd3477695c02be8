/*
 * units.h - human formatting of profile values by unit ("nanoseconds",
 * "bytes", "count", ...), in the style of pprof: 1.50s, 250ms, 12.50MB.
 */
#ifndef FLAMEGATE_UNITS_H
#define FLAMEGATE_UNITS_H

#include "flamegate/fg.h"

/* Format v (in unit) into buf[0..n); returns buf.  Unknown units print
 * the plain number.  Negative values keep their sign. */
const char *fg_units_format(double v, const char *unit, char *buf, size_t n);

/* Format a fraction as a percentage with two decimals ("12.34%"). */
const char *fg_units_percent(double frac, char *buf, size_t n);

#endif
