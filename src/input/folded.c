/*
 * folded.c - collapsed stack text (see folded.h).
 *
 * Each distinct frame name is one function and one location; each line is
 * one sample whose locations are the frames reversed (the model stores the
 * leaf first, the text has the root first).
 */
#include "input/folded.h"
#include "core/arena.h"
#include "core/util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Length of frame f[0..n) without async-profiler's frame-type suffix
 * (_[j] JIT, _[i] inlined, _[k] kernel, _[0] interpreted, _[1] C1; see
 * folded.h), so its names match other Java profiles. */
static size_t strip_type_suffix(const char *f, size_t n)
{
    if (n > 4 && f[n - 4] == '_' && f[n - 3] == '[' && f[n - 1] == ']' &&
        strchr("jik01", f[n - 2]) && f[n - 2] != '\0')
        return n - 4;
    return n;
}

/* Parse the trailing count of line[0..n): digits with an optional fraction
 * (flamegraph.pl's regex).  On success *stack_len is the length of the
 * stack part without trailing blanks. */
static bool parse_count(const char *line, size_t n, double *count,
                        size_t *stack_len)
{
    while (n && is_space(line[n - 1]))
        n--;
    size_t e = n;
    while (e && (isdigit((unsigned char)line[e - 1]) || line[e - 1] == '.'))
        e--;
    if (e == n || e == 0 || !is_space(line[e - 1]))
        return false;
    size_t dots = 0;
    for (size_t i = e; i < n; i++)
        dots += line[i] == '.';
    if (dots > 1 || line[e] == '.')
        return false;
    char tmp[64];
    if (n - e >= sizeof(tmp))
        return false;
    memcpy(tmp, line + e, n - e);
    tmp[n - e] = '\0';
    errno = 0;
    double v = strtod(tmp, NULL);
    if (errno || !isfinite(v) || v > 9.2e18)
        return false;
    *count = v;
    while (e && is_space(line[e - 1]))
        e--;
    *stack_len = e;
    return true;
}

/*
 * A line "stack N1 N2" (two count columns: flamegate's --format folded
 * output, difffolded.pl's input) is refused unless lim->folded_column
 * picks one: then *count becomes that column and *stack_len excludes
 * both.
 */
static int second_column(const char *line, size_t *stack_len, double *count,
                         const struct fg_limits *lim, const char *source,
                         size_t lineno, struct fg_error *err)
{
    double first;
    size_t sl;
    if (!parse_count(line, *stack_len, &first, &sl))
        return FG_OK;
    if (lim->folded_column == 0)
        return fg_error_set(err, FG_EFORMAT,
                            "%s:%zu: folded line has two counts ('stack "
                            "base candidate', a differential file such as "
                            "flamegate's --format folded output); choose "
                            "one with --folded-column 1 or 2",
                            source, lineno);
    if (lim->folded_column == 1)
        *count = first;
    *stack_len = sl;
    return FG_OK;
}

bool fg_folded_sniff(const unsigned char *data, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && data[j] != '\n')
            j++;
        if (j > i && data[i] != '#') {
            for (size_t k = i; k < j; k++)
                if (data[k] == 0)
                    return false;
            double c;
            size_t sl;
            return parse_count((const char *)data + i, j - i, &c, &sl);
        }
        i = j + 1;
    }
    return false;
}

int fg_folded_parse(const char *text, size_t len, const char *source,
                    const struct fg_limits *lim, struct fg_profile **out,
                    struct fg_error *err)
{
    struct fg_limits deflim;
    if (!lim) {
        fg_limits_default(&deflim);
        lim = &deflim;
    }
    int rc = FG_OK;
    struct fg_profile *p = fg_xcalloc(1, sizeof(*p));
    p->arena = fg_arena_new(len < (1u << 20) ? 64 * 1024 : len / 2);
    p->source = fg_arena_strndup(p->arena, source, strlen(source));
    p->format = FG_FORMAT_FOLDED;
    fg_strtab_init(&p->func_index);
    p->n_types = 1;
    p->types = fg_arena_calloc(p->arena, 1, sizeof(*p->types));
    p->types[0].type = "samples";
    p->types[0].unit = "count";
    p->default_type = 0;
    p->period_type.type = "";
    p->period_type.unit = "";

    uint32_t *sstart = NULL, *slocs = NULL;
    int64_t *vals = NULL;
    size_t ns = 0, caps = 0, nrefs = 0, caprefs = 0, capv = 0;
    size_t lineno = 0, rounded = 0, first_rounded = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        lineno++;
        const char *line = text + i;
        size_t n = j - i;
        i = j + 1;
        size_t k = 0;
        while (k < n && is_space(line[k]))
            k++;
        if (k == n || line[k] == '#')
            continue;
        double count;
        size_t sl;
        if (!parse_count(line, n, &count, &sl)) {
            rc = fg_error_set(err, FG_EFORMAT,
                              "%s:%zu: folded stack line has no count "
                              "(expected 'frame;frame;... COUNT')",
                              source, lineno);
            goto out;
        }
        if ((rc = second_column(line, &sl, &count, lim, source, lineno,
                                err)))
            goto out;
        if (ns >= lim->max_samples) {
            rc = fg_error_set(err, FG_ELIMIT,
                              "%s: more than %zu stack lines (raise the "
                              "limit with --max-samples)",
                              source, lim->max_samples);
            goto out;
        }
        double r = floor(count + 0.5);
        if (r != count && rounded++ == 0)
            first_rounded = lineno;
        sstart = fg_xgrow(sstart, &caps, ns + 2, sizeof(uint32_t));
        vals = fg_xgrow(vals, &capv, ns + 1, sizeof(int64_t));
        sstart[ns] = (uint32_t)nrefs;
        vals[ns] = (int64_t)r;
        /* frames root first in the text; store leaf first */
        size_t first = nrefs;
        const char *f = line;
        const char *end = line + sl;
        size_t depth = 0;
        while (f <= end) {
            const char *semi = memchr(f, ';', (size_t)(end - f));
            size_t flen = (size_t)((semi ? semi : end) - f);
            const char *fe = f + strip_type_suffix(f, flen);
            if (++depth > lim->max_depth) {
                rc = fg_error_set(err, FG_ELIMIT,
                                  "%s:%zu: stack deeper than %zu frames "
                                  "(raise the limit with --max-stack-depth)",
                                  source, lineno, lim->max_depth);
                goto out;
            }
            uint32_t id = fg_strtab_find(&p->func_index, f,
                                         (size_t)(fe - f));
            if (id == UINT32_MAX) {
                const char *copy = fg_arena_strndup(p->arena, f,
                                                    (size_t)(fe - f));
                id = fg_strtab_intern(&p->func_index, copy,
                                      (size_t)(fe - f));
            }
            slocs = fg_xgrow(slocs, &caprefs, nrefs + 1, sizeof(uint32_t));
            slocs[nrefs++] = id;
            if (!semi)
                break;
            f = semi + 1;
        }
        /* reverse to leaf first */
        for (size_t a = first, b = nrefs - 1; a < b; a++, b--) {
            uint32_t t = slocs[a];
            slocs[a] = slocs[b];
            slocs[b] = t;
        }
        ns++;
    }
    if (ns == 0) {
        rc = fg_error_set(err, FG_EFORMAT, "%s: no stacks in folded input",
                          source);
        goto out;
    }
    if (rounded) {
        char *w = fg_xasprintf("%s: %zu line%s had a fractional count, "
                               "rounded to whole samples (first: line %zu)",
                               source, rounded, rounded == 1 ? "" : "s",
                               first_rounded);
        p->warning = fg_arena_strndup(p->arena, w, strlen(w));
        free(w);
    }
    /* Locations are the functions themselves: location i has frame i. */
    size_t nf = p->func_index.n;
    p->n_funcs = nf;
    p->func_names = p->func_index.strs;
    p->n_locs = nf;
    p->loc_start = fg_arena_alloc(p->arena, (nf + 1) * sizeof(uint32_t));
    p->loc_frames = fg_arena_alloc(p->arena, (nf ? nf : 1) * sizeof(uint32_t));
    for (size_t x = 0; x <= nf; x++)
        p->loc_start[x] = (uint32_t)x;
    for (size_t x = 0; x < nf; x++)
        p->loc_frames[x] = (uint32_t)x;
    sstart = fg_xgrow(sstart, &caps, ns + 1, sizeof(uint32_t));
    sstart[ns] = (uint32_t)nrefs;
    p->n_samples = ns;
    p->sample_start = fg_arena_alloc(p->arena, (ns + 1) * sizeof(uint32_t));
    memcpy(p->sample_start, sstart, (ns + 1) * sizeof(uint32_t));
    p->sample_locs = fg_arena_alloc(p->arena,
                                    (nrefs ? nrefs : 1) * sizeof(uint32_t));
    if (nrefs)
        memcpy(p->sample_locs, slocs, nrefs * sizeof(uint32_t));
    p->values = fg_arena_alloc(p->arena, ns * sizeof(int64_t));
    memcpy(p->values, vals, ns * sizeof(int64_t));
out:
    free(sstart);
    free(slocs);
    free(vals);
    if (rc) {
        fg_profile_free(p);
        p = NULL;
    }
    *out = p;
    return rc;
}
