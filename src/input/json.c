/* json.c - JSON profile detection, bounded parse, dispatch (see json.h). */
#include "input/json.h"
#include "input/cpuprofile.h"
#include "input/flamebearer.h"
#include "input/otlp.h"
#include "input/speedscope.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t skip_bom_blank(const unsigned char *d, size_t len)
{
    size_t i = 0;
    if (len >= 3 && d[0] == 0xef && d[1] == 0xbb && d[2] == 0xbf)
        i = 3;
    while (i < len && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' ||
                       d[i] == '\r'))
        i++;
    return i;
}

bool fg_json_sniff(const unsigned char *data, size_t len)
{
    size_t i = skip_bom_blank(data, len);
    return i < len && data[i] == '{';
}

/* Values in the text, counted cheaply: every '[', '{' and ',' outside
 * strings starts (at most) one more value. */
static size_t count_values(const unsigned char *d, size_t len, size_t stop)
{
    size_t n = 1;
    bool in_str = false;
    for (size_t i = 0; i < len && n <= stop; i++) {
        unsigned char c = d[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == ',' || c == '[' || c == '{') {
            n++;
        }
    }
    return n;
}

int fg_json_parse(const unsigned char *data, size_t len, const char *source,
                  const struct fg_limits *lim, json_t **root,
                  struct fg_error *err)
{
    *root = NULL;
    struct fg_limits deflim;
    if (!lim) {
        fg_limits_default(&deflim);
        lim = &deflim;
    }
    if (!data || len == 0) /* e.g. a server's empty answer */
        return fg_error_set(err, FG_EFORMAT, "%s: empty file", source);
    size_t budget = lim->max_samples > (SIZE_MAX - 1000000) / 4
                        ? SIZE_MAX
                        : lim->max_samples * 4 + 1000000;
    if (count_values(data, len, budget) > budget)
        return fg_error_set(err, FG_ELIMIT,
                            "%s: more than %zu JSON values (raise the limit "
                            "with --max-samples)",
                            source, budget);
    size_t skip = len >= 3 && data[0] == 0xef && data[1] == 0xbb &&
                          data[2] == 0xbf
                      ? 3
                      : 0;
    json_error_t je;
    json_t *j = json_loadb((const char *)data + skip, len - skip, 0, &je);
    if (!j) {
        /* jansson quotes the text near the error: no raw control bytes
         * from the input in a message */
        char what[sizeof(je.text) * 4];
        size_t o = 0;
        for (const char *c = je.text; *c && o + 5 < sizeof(what); c++) {
            unsigned char ch = (unsigned char)*c;
            if (ch < 0x20 || ch == 0x7f)
                o += (size_t)snprintf(what + o, sizeof(what) - o, "\\x%02x",
                                      ch);
            else
                what[o++] = (char)ch;
        }
        what[o] = '\0';
        return fg_error_set(err, FG_EFORMAT,
                            "%s: invalid JSON at line %d column %d: %s",
                            source, je.line, je.column, what);
    }
    if (!json_is_object(j)) {
        json_decref(j);
        return fg_error_set(err, FG_EFORMAT,
                            "%s: the JSON document is not an object", source);
    }
    *root = j;
    return FG_OK;
}

int fg_json_decode(const unsigned char *data, size_t len, const char *source,
                   const struct fg_limits *lim,
                   struct fg_profile *out[FG_JSON_MAX_SIDES], size_t *n,
                   struct fg_error *err)
{
    for (size_t i = 0; i < FG_JSON_MAX_SIDES; i++)
        out[i] = NULL;
    *n = 0;
    json_t *root = NULL;
    int rc = fg_json_parse(data, len, source, lim, &root, err);
    if (rc)
        return rc;
    json_t *prof = fg_json_get(root, "profile", NULL);
    if (json_object_get(root, "flamebearer")) {
        rc = fg_flamebearer_from_json(root, source, lim, out, n, err);
    } else if (json_is_array(json_object_get(root, "nodes")) ||
               json_is_array(fg_json_get(prof, "nodes", NULL))) {
        rc = fg_cpuprofile_from_json(root, source, lim, &out[0], err);
        *n = rc ? 0 : 1;
    } else if (json_object_get(root, "shared") &&
               json_object_get(root, "profiles")) {
        rc = fg_speedscope_from_json(root, source, lim, &out[0], err);
        *n = rc ? 0 : 1;
    } else if (fg_json_get(root, "resourceProfiles", "resource_profiles")) {
        rc = fg_otlp_from_json(root, source, lim, &out[0], err);
        *n = rc ? 0 : 1;
    } else {
        rc = fg_error_set(err, FG_EFORMAT,
                          "%s: JSON, but not a profile format flamegate "
                          "reads (Pyroscope flame-graph JSON, V8 "
                          ".cpuprofile, speedscope, OpenTelemetry profiles)",
                          source);
    }
    json_decref(root);
    return rc;
}

json_t *fg_json_get(const json_t *o, const char *key, const char *alt)
{
    if (!json_is_object(o))
        return NULL;
    json_t *v = json_object_get(o, key);
    if (!v && alt)
        v = json_object_get(o, alt);
    return v;
}

bool fg_json_i64(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!isfinite(d) || d != floor(d) || d < -9.2e18 || d > 9.2e18)
            return false;
        *out = (int64_t)d;
        return true;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (!*s || json_string_length(v) != strlen(s))
            return false;
        char *end = NULL;
        errno = 0;
        long long x = strtoll(s, &end, 10);
        if (errno || *end || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')))
            return false;
        *out = (int64_t)x;
        return true;
    }
    return false;
}

bool fg_json_double(const json_t *v, double *out)
{
    double d;
    if (json_is_integer(v)) {
        d = (double)json_integer_value(v);
    } else if (json_is_real(v)) {
        d = json_real_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (!*s || json_string_length(v) != strlen(s))
            return false;
        char *end = NULL;
        errno = 0;
        d = strtod(s, &end);
        if (errno || *end)
            return false;
    } else {
        return false;
    }
    if (!isfinite(d))
        return false;
    *out = d;
    return true;
}
