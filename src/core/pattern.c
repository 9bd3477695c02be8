/*
 * pattern.c - the regular-expression guard (pattern.h): estimates the
 * states glibc's regcomp would build and refuses nested repetition.
 */
#include "core/pattern.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATTERN_MAX_BOUND 100
#define PATTERN_MAX_COST 10000.0

/* Length of the bracket expression at p ('['), or 0 when unterminated. */
static size_t bracket_len(const char *p)
{
    size_t i = 1;
    if (p[i] == '^')
        i++;
    if (p[i] == ']')
        i++; /* a leading ']' is a literal member */
    for (; p[i]; i++) {
        if (p[i] == '[' && (p[i + 1] == ':' || p[i + 1] == '.' ||
                            p[i + 1] == '=')) {
            const char *end = strstr(p + i + 2, (char[]){p[i + 1], ']', 0});
            if (!end)
                return 0;
            i = (size_t)(end - p) + 1;
        } else if (p[i] == ']') {
            return i + 1;
        }
    }
    return 0;
}

/* "{m}", "{m,}", "{m,n}" or "{,n}" (glibc reads it as "{0,n}") at p: its
 * length, smallest count and largest count (capped at a million: anything
 * above the limit is refused anyway), or 0 when p starts no bound. */
static size_t bound_len(const char *p, long *lo, long *hi)
{
    char *end;
    long m = 0, n;
    if (isdigit((unsigned char)p[1]))
        m = strtol(p + 1, &end, 10);
    else if (p[1] == ',' && isdigit((unsigned char)p[2]))
        end = strchr(p, ','); /* p + 1, as strtol would leave it */
    else
        return 0;
    m = m > 1000000 ? 1000000 : m;
    n = m;
    if (*end == ',') {
        end++;
        n = isdigit((unsigned char)*end) ? strtol(end, &end, 10) : m + 1;
        n = n > 1000000 ? 1000000 : n;
    }
    if (*end != '}')
        return 0;
    *lo = m;
    *hi = m > n ? m : n;
    return (size_t)(end - p) + 1;
}

/* Per nesting level of fg_pattern_check. */
struct re_level {
    double cost;    /* summed cost of the level so far */
    double last;    /* cost of the last atom: what a quantifier repeats */
    bool last_null; /* the last atom can match the empty string */
    size_t solid;   /* atoms of the current alternative that cannot */
    bool any_null;  /* an earlier alternative can match the empty string */
};

/* A quantifier at offset i repeating the last atom of l `times` times;
 * makes_null when the result may match nothing ('*', '?', "{0,n}"). */
static int re_repeat(struct re_level *l, const char *pat, size_t i,
                     double times, bool makes_null, bool *quantified,
                     struct fg_error *err)
{
    /* glibc copies the repeated subtree for each repetition, and stacked
     * quantifiers ("c++++...") grow it exponentially */
    if (*quantified)
        return fg_error_set(err, FG_EUSAGE,
                            "'%s': '%c' repeats a repetition at offset %zu "
                            "(undefined in POSIX regular expressions; write "
                            "'\\%c' for a literal '%c')",
                            pat, pat[i], i, pat[i], pat[i]);
    l->cost += l->last * (times - 1);
    l->last *= times;
    if (makes_null && !l->last_null && l->solid > 0) {
        l->last_null = true;
        l->solid--;
    }
    *quantified = true;
    return FG_OK;
}

static void re_atom(struct re_level *l, double cost, bool nullable,
                    bool *quantified)
{
    l->cost += cost;
    l->last = cost;
    l->last_null = nullable;
    l->solid += !nullable;
    *quantified = false;
}

int fg_pattern_check(const char *pat, struct fg_error *err)
{
    struct re_level lv[64];
    size_t d = 0;
    memset(&lv[0], 0, sizeof(lv[0]));
    bool quantified = false;
    int rc = FG_OK;
    for (size_t i = 0, n = 1; pat[i] && !rc && lv[d].cost <= PATTERN_MAX_COST;
         i += n) {
        char c = pat[i];
        long lo = 0, bound = 0;
        n = 1;
        if (c == '\\') {
            n = pat[i + 1] ? 2 : 1;
            re_atom(&lv[d], 1, false, &quantified);
        } else if (c == '[') {
            n = bracket_len(pat + i);
            if (!n)
                return FG_OK; /* unterminated: regcomp reports it */
            re_atom(&lv[d], 1, false, &quantified);
        } else if (c == '(') {
            if (d + 1 >= sizeof(lv) / sizeof(lv[0]))
                return fg_error_set(err, FG_EUSAGE,
                                    "'%s' nests groups too deeply", pat);
            memset(&lv[++d], 0, sizeof(lv[0]));
            quantified = false;
        } else if (c == ')' && d > 0) {
            d--;
            re_atom(&lv[d], lv[d + 1].cost,
                    lv[d + 1].any_null || lv[d + 1].solid == 0, &quantified);
        } else if (c == '|') {
            lv[d].any_null |= lv[d].solid == 0;
            lv[d].solid = 0;
            lv[d].last = 0;
            quantified = false;
        } else if (c == '*' || c == '+' || c == '?') {
            rc = re_repeat(&lv[d], pat, i, c == '+' ? 2 : 1, c != '+',
                           &quantified, err);
        } else if (c == '{' && (n = bound_len(pat + i, &lo, &bound)) > 0) {
            if (bound > PATTERN_MAX_BOUND)
                return fg_error_set(err, FG_EUSAGE,
                                    "'%s': repetition count %ld is over %d",
                                    pat, bound, PATTERN_MAX_BOUND);
            /* glibc links the copies of a repeated subexpression that can
             * match nothing to each other: quadratic in the count */
            double times = bound > 1 ? (double)bound : 1;
            if (lv[d].last_null)
                times *= times;
            rc = re_repeat(&lv[d], pat, i, times, lo == 0, &quantified,
                           err);
        } else if (c != '^' && c != '$') {
            n = 1;
            re_atom(&lv[d], 1, false, &quantified);
        }
    }
    double total = 0;
    for (size_t k = 0; k <= d; k++)
        total += lv[k].cost;
    if (!rc && total > PATTERN_MAX_COST)
        rc = fg_error_set(err, FG_EUSAGE,
                          "'%s' is too complex: its repetitions expand to "
                          "more than %.0f states",
                          pat, PATTERN_MAX_COST);
    return rc;
}

