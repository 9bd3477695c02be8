/*
 * units.h - profile values scaled and formatted exactly as pprof does
 * (its internal/measurement package): units are recognised by name
 * ("nanoseconds", "ms", "bytes", "kb", ...; case-insensitive, a plural
 * 's' dropped), time scales to ns, us, ms, s or hrs and sizes to B, kB,
 * MB, GB, TB or PB (powers of 1024), and numbers print with two decimals
 * without a trailing ".00": 1.50s, 250ms, 120s, 12.50MB.
 */
#ifndef FLAMEGATE_UNITS_H
#define FLAMEGATE_UNITS_H

#include "flamegate/fg.h"

/*
 * v (in unit from) expressed in unit to, as pprof's measurement.Scale:
 * *unit receives the canonical name of the unit the result is in ("kB",
 * "ms"; static), to itself when neither unit is known, or "" for
 * counts.  to "auto" picks the largest unit in which |v| is at least 1
 * (the family's default, B or s, when none).  When to is not of from's
 * family the family's default unit is used.
 */
double fg_units_scale(double v, const char *from, const char *to,
                      const char **unit);

/* True when pprof scales values of unit (a time, a size or GCU). */
bool fg_units_known(const char *unit);

/* Format v (in unit) into buf[0..n) as pprof's measurement.Label does
 * ("1.28s", "150ms", "120s", "3.50MB", "0"); returns buf.  Unknown units
 * and counts print the number alone.  Negative values keep their
 * sign. */
const char *fg_units_format(double v, const char *unit, char *buf, size_t n);

/* Format a fraction as a percentage with two decimals ("12.34%"). */
const char *fg_units_percent(double frac, char *buf, size_t n);

#endif
