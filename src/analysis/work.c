/*
 * work.c - small helpers shared by the analysis units (work.h).
 */
#include "analysis/work.h"
#include "core/util.h"

#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fg_work_warn(struct fg_result *r, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    size_t cap = r->n_warnings;
    r->warnings = fg_xrealloc(r->warnings, (cap + 1) * sizeof(char *));
    r->warnings[r->n_warnings++] = fg_xstrdup(line);
}

double fg_work_sum(const double *row, size_t from, size_t to)
{
    double s = 0;
    for (size_t j = from; j < to; j++)
        s += row[j];
    return s;
}

/* Concentration of a function's counts over its stacks on runs
 * [from, to): sum of squared stack counts / (sum of counts)^2, in (0, 1];
 * 1 for a function made of a single stack.  0 when it has no counts. */
double fg_work_concentration(const double *cnt, const double *sq, size_t from,
                            size_t to)
{
    double c = fg_work_sum(cnt, from, to), q = fg_work_sum(sq, from, to);
    if (!(c > 0))
        return 0.0;
    double h = q / (c * c);
    return h > 1.0 ? 1.0 : h;
}

/* Counts are kept as doubles while summing over runs; reports get int64
 * values saturated at INT64_MAX (converting a larger double is undefined
 * behaviour, and huge synthetic counts must not crash the gate). */
int64_t fg_work_i64(double x)
{
    if (!(x > 0))
        return 0;
    if (x >= 9.2e18)
        return INT64_MAX;
    return (int64_t)x;
}
