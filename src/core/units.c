/* units.c - human formatting of values (see units.h). */
#include "core/units.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* "%.2f" without a useless ".00" / trailing zero, as pprof prints. */
static void trim(char *s)
{
    char *dot = strchr(s, '.');
    if (!dot)
        return;
    char *e = s + strlen(s);
    while (e > dot + 1 && e[-1] == '0')
        e--;
    if (e == dot + 1)
        e = dot;
    *e = '\0';
}

static const char *scaled(double v, const double *div, const char *const *sfx,
                          size_t n, char *buf, size_t len)
{
    double a = fabs(v);
    size_t i = 0;
    while (i + 1 < n && a >= div[i + 1])
        i++;
    char num[64];
    snprintf(num, sizeof(num), "%.2f", v / div[i]);
    trim(num);
    snprintf(buf, len, "%s%s", num, sfx[i]);
    return buf;
}

const char *fg_units_format(double v, const char *unit, char *buf, size_t n)
{
    if (!isfinite(v))
        v = 0;
    if (unit && (strcmp(unit, "nanoseconds") == 0 ||
                 strcmp(unit, "ns") == 0)) {
        static const double d[] = {1, 1e3, 1e6, 1e9, 60e9, 3600e9};
        static const char *const s[] = {"ns", "us", "ms", "s", "mins",
                                        "hrs"};
        return scaled(v, d, s, 6, buf, n);
    }
    if (unit && (strcmp(unit, "microseconds") == 0)) {
        static const double d[] = {1, 1e3, 1e6};
        static const char *const s[] = {"us", "ms", "s"};
        return scaled(v, d, s, 3, buf, n);
    }
    if (unit && (strcmp(unit, "milliseconds") == 0)) {
        static const double d[] = {1, 1e3};
        static const char *const s[] = {"ms", "s"};
        return scaled(v, d, s, 2, buf, n);
    }
    if (unit && strcmp(unit, "bytes") == 0) {
        static const double d[] = {1, 1024.0, 1048576.0, 1073741824.0,
                                   1099511627776.0};
        static const char *const s[] = {"B", "kB", "MB", "GB", "TB"};
        return scaled(v, d, s, 5, buf, n);
    }
    snprintf(buf, n, "%.0f", v);
    return buf;
}

const char *fg_units_percent(double frac, char *buf, size_t n)
{
    if (!isfinite(frac))
        frac = 0;
    snprintf(buf, n, "%.2f%%", frac * 100.0);
    return buf;
}
