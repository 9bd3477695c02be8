/*
 * speedscope.c - speedscope JSON (see speedscope.h).
 *
 * Times and weights are scaled to integers of the profile's unit (or
 * nanoseconds for milliseconds and seconds) as they are read, so an
 * evented profile's intervals are exact differences of integers and add
 * up to its span.
 */
#include "input/speedscope.h"
#include "core/arena.h"
#include "input/build.h"
#include "input/json.h"
#include "core/util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ss {
    const char *source;
    const struct fg_limits *lim;
    struct fg_error *err;
    const json_t *frames;
    size_t nframes;
    uint32_t *func;      /* frame -> function id, UINT32_MAX until used */
    double scale;        /* file unit -> model unit */
    int64_t to_ns;       /* model unit -> nanoseconds, 0: not a time */
    bool sampled_types;  /* samples/count first, then the weight */
    bool none;           /* unit "none": the weights are the counts */
    uint32_t *stack;     /* evented: open frames, root first */
    size_t cap_stack;
    size_t rounded;      /* numbers with a fraction of the model's unit */
};

static int bad(struct ss *s, const char *fmt, ...) FG_PRINTF(2, 3);
static int bad(struct ss *s, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return fg_error_set(s->err, FG_EFORMAT,
                        "%s: not a valid speedscope file: %s", s->source,
                        what);
}

/* The unit's scale; false for an unknown unit. */
static bool unit_of(const char *u, struct ss *s, const char **type,
                    const char **unit)
{
    static const struct {
        const char *name, *type, *unit;
        double scale;
        int64_t to_ns;
    } units[] = {{"none", "samples", "count", 1, 0},
                 {"nanoseconds", "wall", "nanoseconds", 1, 1},
                 {"microseconds", "wall", "microseconds", 1, 1000},
                 {"milliseconds", "wall", "nanoseconds", 1e6, 1},
                 {"seconds", "wall", "nanoseconds", 1e9, 1},
                 {"bytes", "memory", "bytes", 1, 0}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(u, units[i].name) == 0) {
            *type = units[i].type;
            *unit = units[i].unit;
            s->scale = units[i].scale;
            s->to_ns = units[i].to_ns;
            s->none = i == 0;
            return true;
        }
    }
    return false;
}

/* A number of the file's unit as an integer of the model's. */
static bool scaled(struct ss *s, const json_t *v, int64_t *out)
{
    double d;
    if (!fg_json_double(v, &d))
        return false;
    d *= s->scale;
    if (d != round(d))
        s->rounded++;
    d = round(d);
    if (!(d > -9.2e18 && d < 9.2e18))
        return false;
    *out = (int64_t)d;
    return true;
}

static int frame_func(struct ss *s, struct fg_build *b, const json_t *v,
                      const char *where, size_t at, uint32_t *id)
{
    int64_t k;
    if (!fg_json_i64(v, &k) || k < 0 || (uint64_t)k >= s->nframes)
        return bad(s, "%s %zu refers to frame %s but shared.frames has %zu "
                      "entries",
                   where, at,
                   json_is_integer(v) ? "out of range" : "that is no index",
                   s->nframes);
    if (s->func[k] == UINT32_MAX) {
        const json_t *name = json_object_get(json_array_get(s->frames,
                                                            (size_t)k),
                                             "name");
        if (!json_is_string(name))
            return bad(s, "frame %lld has no name", (long long)k);
        int rc = fg_build_func(b, json_string_value(name),
                               json_string_length(name), &s->func[k]);
        if (rc)
            return rc;
    }
    *id = s->func[k];
    return FG_OK;
}

static int read_sampled(struct ss *s, struct fg_build *b, const json_t *p,
                        size_t pi)
{
    const json_t *samples = json_object_get(p, "samples");
    const json_t *weights = json_object_get(p, "weights");
    if (!json_is_array(samples) || !json_is_array(weights))
        return bad(s, "profile %zu: a sampled profile needs samples and "
                      "weights arrays",
                   pi);
    if (json_array_size(samples) != json_array_size(weights))
        return bad(s, "profile %zu: %zu samples but %zu weights", pi,
                   json_array_size(samples), json_array_size(weights));
    for (size_t i = 0; i < json_array_size(samples); i++) {
        const json_t *st = json_array_get(samples, i);
        int64_t w;
        if (!json_is_array(st))
            return bad(s, "profile %zu: sample %zu is not an array", pi, i);
        if (!scaled(s, json_array_get(weights, i), &w))
            return bad(s, "profile %zu: weight %zu is not a number in range",
                       pi, i);
        for (size_t k = json_array_size(st); k-- > 0;) {
            uint32_t id;
            int rc = frame_func(s, b, json_array_get(st, k), "sample", i,
                                &id);
            rc = rc ? rc : fg_build_push(b, id);
            if (rc)
                return rc;
        }
        int64_t v[2] = {1, w};
        if (s->none)
            v[0] = w;
        int rc = fg_build_end(b, v, false, 0);
        if (rc)
            return rc;
    }
    return FG_OK;
}

/* One sample for the interval [last, at) with the open frames. */
static int interval(struct ss *s, struct fg_build *b, size_t depth,
                    int64_t last, int64_t at, int64_t start)
{
    for (size_t k = depth; k-- > 0;) {
        int rc = fg_build_push(b, s->stack[k]);
        if (rc)
            return rc;
    }
    int64_t d, rel, t = 0;
    if (last == INT64_MIN || !fg_add_i64(at, -last, &d))
        return bad(s, "an interval of more than 2^63 units");
    int64_t v[2] = {1, d};
    if (!s->sampled_types)
        v[0] = d;
    bool timed = s->to_ns > 0 && start != INT64_MIN &&
                 fg_add_i64(last, -start, &rel) &&
                 fg_mul_i64(rel, s->to_ns, &t);
    return fg_build_end(b, v, timed, t);
}

static int read_evented(struct ss *s, struct fg_build *b, const json_t *p,
                        size_t pi)
{
    const json_t *events = json_object_get(p, "events");
    int64_t start = 0, last = 0;
    if (!json_is_array(events))
        return bad(s, "profile %zu: an evented profile needs an events "
                      "array",
                   pi);
    const json_t *sv = json_object_get(p, "startValue");
    if (sv && !scaled(s, sv, &start))
        return bad(s, "profile %zu: startValue is not a number in range", pi);
    size_t depth = 0;
    for (size_t i = 0; i < json_array_size(events); i++) {
        const json_t *e = json_array_get(events, i);
        const json_t *type = json_object_get(e, "type");
        const char *ty = json_is_string(type) ? json_string_value(type) : "";
        bool open = strcmp(ty, "O") == 0;
        int64_t at;
        uint32_t id;
        if (!open && strcmp(ty, "C") != 0)
            return bad(s, "profile %zu: event %zu has type '%s' (O or C)",
                       pi, i, ty);
        if (!scaled(s, json_object_get(e, "at"), &at))
            return bad(s, "profile %zu: event %zu has no time in range", pi,
                       i);
        if (i > 0 && at < last)
            return bad(s, "profile %zu: event %zu goes back in time", pi, i);
        int rc = frame_func(s, b, json_object_get(e, "frame"), "event", i,
                            &id);
        if (rc)
            return rc;
        if (depth > 0 && at > last &&
            (rc = interval(s, b, depth, last, at, start)))
            return rc;
        last = at;
        if (open) {
            if (depth >= s->lim->max_depth)
                return fg_error_set(s->err, FG_ELIMIT,
                                    "%s: a stack deeper than %zu frames "
                                    "(raise the limit with "
                                    "--max-stack-depth)",
                                    s->source, s->lim->max_depth);
            s->stack = fg_xgrow(s->stack, &s->cap_stack, depth + 1,
                                sizeof(uint32_t));
            s->stack[depth++] = id;
        } else if (depth == 0 || s->stack[depth - 1] != id) {
            return bad(s, "profile %zu: event %zu closes a frame that is "
                          "not the innermost open one",
                       pi, i);
        } else {
            depth--;
        }
    }
    if (depth)
        return bad(s, "profile %zu: %zu frames are never closed", pi, depth);
    return FG_OK;
}

/* Unit and kinds of every profile decide the sample types. */
static int plan(struct ss *s, const json_t *profiles, const char **type,
                const char **unit)
{
    const char *u0 = NULL;
    for (size_t i = 0; i < json_array_size(profiles); i++) {
        const json_t *p = json_array_get(profiles, i);
        if (!json_is_object(p))
            return bad(s, "profile %zu is not an object", i);
        const json_t *u = json_object_get(p, "unit");
        const json_t *t = json_object_get(p, "type");
        const char *un = json_is_string(u) ? json_string_value(u) : "none";
        const char *ty = json_is_string(t) ? json_string_value(t) : "";
        if (strcmp(ty, "sampled") == 0)
            s->sampled_types = true;
        else if (strcmp(ty, "evented") != 0)
            return bad(s, "profile %zu has type '%s' (sampled or evented)",
                       i, ty);
        if (u0 && strcmp(u0, un) != 0)
            return bad(s, "profiles in units '%s' and '%s' cannot be merged",
                       u0, un);
        u0 = un;
    }
    if (!u0)
        return bad(s, "no profiles");
    if (!unit_of(u0, s, type, unit))
        return bad(s, "unknown unit '%s'", u0);
    if (s->none)
        s->sampled_types = false;
    return FG_OK;
}

int fg_speedscope_from_json(const json_t *root, const char *source,
                            const struct fg_limits *lim,
                            struct fg_profile **out, struct fg_error *err)
{
    struct fg_limits deflim;
    if (!lim) {
        fg_limits_default(&deflim);
        lim = &deflim;
    }
    *out = NULL;
    struct ss s;
    memset(&s, 0, sizeof(s));
    s.source = source;
    s.lim = lim;
    s.err = err;
    s.frames = json_object_get(json_object_get(root, "shared"), "frames");
    const json_t *profiles = json_object_get(root, "profiles");
    if (!json_is_array(s.frames) || !json_is_array(profiles))
        return bad(&s, "it needs shared.frames and profiles arrays");
    s.nframes = json_array_size(s.frames);
    const char *type = NULL, *unit = NULL;
    int rc = plan(&s, profiles, &type, &unit);
    if (rc)
        return rc;
    s.func = fg_xmalloc((s.nframes ? s.nframes : 1) * sizeof(uint32_t));
    for (size_t i = 0; i < s.nframes; i++)
        s.func[i] = UINT32_MAX;
    struct fg_build b;
    fg_build_init(&b, FG_FORMAT_SPEEDSCOPE, source, s.sampled_types ? 2 : 1,
                  s.to_ns > 0, lim, err);
    if (s.sampled_types)
        fg_build_type(&b, 0, "samples", "count");
    fg_build_type(&b, s.sampled_types ? 1 : 0, type, unit);
    for (size_t i = 0; i < json_array_size(profiles) && !rc; i++) {
        const json_t *p = json_array_get(profiles, i);
        const json_t *t = json_object_get(p, "type");
        if (strcmp(json_string_value(t), "sampled") == 0)
            rc = read_sampled(&s, &b, p, i);
        else
            rc = read_evented(&s, &b, p, i);
    }
    free(s.func);
    free(s.stack);
    if (rc) {
        fg_build_release(&b);
        return rc;
    }
    rc = fg_build_finish(&b, true, out);
    if (rc == FG_OK && s.rounded) {
        char *w = fg_xasprintf("%s: %zu weights or times were not whole "
                               "numbers (of %s) and were rounded",
                               source, s.rounded, unit);
        (*out)->warning = fg_arena_strndup((*out)->arena, w, strlen(w));
        free(w);
    }
    return rc;
}

int fg_speedscope_decode(const unsigned char *data, size_t len,
                         const char *source, const struct fg_limits *lim,
                         struct fg_profile **out, struct fg_error *err)
{
    *out = NULL;
    json_t *root = NULL;
    int rc = fg_json_parse(data, len, source, lim, &root, err);
    if (rc == FG_OK)
        rc = fg_speedscope_from_json(root, source, lim, out, err);
    json_decref(root);
    return rc;
}
