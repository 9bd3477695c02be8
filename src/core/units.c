/* units.c - values scaled and formatted as pprof does (see units.h). */
#include "core/units.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* One unit of a family: its canonical name, the lower-case aliases it is
 * recognised by, and its size in the family's base unit. */
struct unit {
    const char *name;
    const char *aliases[4];
    double factor;
};

/* The unit families pprof knows (internal/measurement's UnitTypes), in
 * its order; def is the unit used when the target unit is not one of the
 * family's. */
struct family {
    const struct unit *units;
    size_t n;
    struct unit def;
};

static const struct unit bytes_u[] = {
    {"B", {"b", "byte"}, 1},
    {"kB", {"kb", "kbyte", "kilobyte"}, 1024.0},
    {"MB", {"mb", "mbyte", "megabyte"}, 1048576.0},
    {"GB", {"gb", "gbyte", "gigabyte"}, 1073741824.0},
    {"TB", {"tb", "tbyte", "terabyte"}, 1099511627776.0},
    {"PB", {"pb", "pbyte", "petabyte"}, 1125899906842624.0},
};
static const struct unit time_u[] = {
    {"ns", {"ns", "nanosecond"}, 1},
    {"us", {"\xce\xbcs", "us", "microsecond"}, 1e3},
    {"ms", {"ms", "millisecond"}, 1e6},
    {"s", {"s", "sec", "second"}, 1e9},
    {"hrs", {"hour", "hr"}, 3600e9},
};
static const struct unit gcu_u[] = {
    {"n*GCU", {"nanogcu"}, 1e-9}, {"u*GCU", {"microgcu"}, 1e-6},
    {"m*GCU", {"milligcu"}, 1e-3}, {"GCU", {"gcu"}, 1},
    {"k*GCU", {"kilogcu"}, 1e3}, {"M*GCU", {"megagcu"}, 1e6},
    {"G*GCU", {"gigagcu"}, 1e9}, {"T*GCU", {"teragcu"}, 1e12},
    {"P*GCU", {"petagcu"}, 1e15},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
static const struct family families[] = {
    {bytes_u, N_OF(bytes_u), {"B", {"b", "byte"}, 1}},
    {time_u, N_OF(time_u), {"s", {NULL}, 1e9}},
    {gcu_u, N_OF(gcu_u), {"GCU", {NULL}, 1}},
};

/* The unit of fam that name stands for (lower-cased; a trailing 's' is
 * dropped from names longer than two characters), or NULL. */
static const struct unit *sniff(const struct family *fam, const char *name)
{
    char low[64];
    size_t n = strlen(name);
    if (n >= sizeof(low))
        return NULL;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    low[n] = '\0';
    if (n > 2 && low[n - 1] == 's')
        low[n - 1] = '\0';
    for (size_t i = 0; i < fam->n; i++)
        for (size_t a = 0; a < 4 && fam->units[i].aliases[a]; a++)
            if (strcmp(low, fam->units[i].aliases[a]) == 0)
                return &fam->units[i];
    return NULL;
}

bool fg_units_known(const char *unit)
{
    for (size_t f = 0; f < N_OF(families); f++)
        if (sniff(&families[f], unit))
            return true;
    return false;
}

static bool automatic(const char *to)
{
    return strcmp(to, "auto") == 0 || strcmp(to, "minimum") == 0;
}

double fg_units_scale(double v, const char *from, const char *to,
                      const char **unit)
{
    if (v < 0) {
        double r = fg_units_scale(-v, from, to, unit);
        return -r;
    }
    for (size_t f = 0; f < N_OF(families); f++) {
        const struct family *fam = &families[f];
        const struct unit *fu = sniff(fam, from);
        if (!fu)
            continue;
        double base = v * fu->factor;
        if (automatic(to)) {
            /* the largest unit in which the value is at least 1 */
            const struct unit *best = NULL;
            for (size_t i = 0; i < fam->n; i++)
                if ((!best || fam->units[i].factor >= best->factor) &&
                    base / fam->units[i].factor >= 1.0)
                    best = &fam->units[i];
            if (!best)
                best = &fam->def;
            *unit = best->name;
            return base / best->factor;
        }
        const struct unit *tu = sniff(fam, to);
        if (!tu)
            tu = &fam->def;
        *unit = tu->name;
        return base / tu->factor;
    }
    /* units pprof does not scale: counts print bare */
    static const char *const bare[] = {"count", "sample", "unit", "minimum",
                                       "auto"};
    *unit = to;
    for (size_t i = 0; i < N_OF(bare); i++)
        if (strcmp(to, bare[i]) == 0)
            *unit = "";
    return v;
}

const char *fg_units_format(double v, const char *unit, char *buf, size_t n)
{
    if (!isfinite(v))
        v = 0;
    const char *u = "";
    double x = fg_units_scale(v, unit ? unit : "", "auto", &u);
    char num[64];
    snprintf(num, sizeof(num), "%.2f", x);
    size_t len = strlen(num);
    if (len > 3 && strcmp(num + len - 3, ".00") == 0)
        num[len - 3] = '\0';
    if (strcmp(num, "0") == 0 || strcmp(num, "-0") == 0)
        snprintf(buf, n, "0");
    else
        snprintf(buf, n, "%s%s", num, u);
    return buf;
}

const char *fg_units_percent(double frac, char *buf, size_t n)
{
    if (!isfinite(frac))
        frac = 0;
    snprintf(buf, n, "%.2f%%", frac * 100.0);
    return buf;
}
