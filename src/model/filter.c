/* filter.c - pprof's sample filters on the profile model (see filter.h). */
#include "model/filter.h"
#include "core/pattern.h"
#include "core/units.h"
#include "core/util.h"
#include "model/derive.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

/* A set of regexes: a name matches when any of them does. */
struct reset {
    regex_t *re;
    size_t n;
};

enum range_kind { R_EQ, R_GE, R_LE, R_BETWEEN };

/* One tag filter expression, parsed as pprof's compileTagFilter does. */
struct tagexpr {
    char *key;          /* owned; NULL when the expression names none */
    bool is_range;
    enum range_kind kind;
    double lo, hi;      /* the range, in unit */
    char *unit;         /* owned: canonical unit of the range ("kB") */
    struct reset rx;    /* otherwise: the comma-separated regexes */
};

struct fg_filter {
    struct reset focus, ignore, hide, show_from;
    struct tagexpr *tagfocus, *tagignore;
    size_t n_tagfocus, n_tagignore;
};

static void reset_free(struct reset *r)
{
    for (size_t i = 0; i < r->n; i++)
        regfree(&r->re[i]);
    free(r->re);
    memset(r, 0, sizeof(*r));
}

static int compile(struct reset *r, const char *pat, const char *option,
                   struct fg_error *err)
{
    struct fg_error pe;
    if (!*pat)
        return fg_error_set(err, FG_EUSAGE, "%s: empty regular expression",
                            option);
    if (fg_pattern_check(pat, &pe))
        return fg_error_set(err, FG_EUSAGE, "%s: %s", option, pe.msg);
    r->re = fg_xrealloc(r->re, (r->n + 1) * sizeof(*r->re));
    int rc = regcomp(&r->re[r->n], pat, REG_EXTENDED | REG_NOSUB);
    if (rc) {
        char msg[256];
        regerror(rc, &r->re[r->n], msg, sizeof(msg));
        return fg_error_set(err, FG_EUSAGE,
                            "%s: invalid regular expression '%s': %s",
                            option, pat, msg);
    }
    r->n++;
    return FG_OK;
}

static bool reset_match(const struct reset *r, const char *s)
{
    for (size_t i = 0; i < r->n; i++)
        if (regexec(&r->re[i], s, 0, NULL, 0) == 0)
            return true;
    return false;
}

static void tagexpr_free(struct tagexpr *t)
{
    free(t->key);
    free(t->unit);
    reset_free(&t->rx);
}

/* ---- tag filter expressions ---------------------------------------------- */

/* One match of pprof's tagFilterRangeRx, ([+-]?[[:digit:]]+)([[:alpha:]]+)?,
 * at or after s[*pos]: the number's and the unit's extents. */
struct range_tok {
    size_t start, num_end, end;
};

static bool next_tok(const char *s, size_t *pos, struct range_tok *t)
{
    for (size_t i = *pos; s[i]; i++) {
        size_t j = i;
        if ((s[j] == '+' || s[j] == '-') && isdigit((unsigned char)s[j + 1]))
            j++;
        if (!isdigit((unsigned char)s[j]))
            continue;
        while (isdigit((unsigned char)s[j]))
            j++;
        t->start = i;
        t->num_end = j;
        while (isalpha((unsigned char)s[j]))
            j++;
        t->end = j;
        *pos = j;
        return true;
    }
    return false;
}

/* The number of token t scaled to its own unit (measurement.Scale(v, u,
 * u)); *unit receives the canonical unit (malloc'd).  -1 when the number
 * does not fit in int64 (pprof panics there). */
static int tok_value(const char *s, const struct range_tok *t,
                     const char *to, double *v, char **unit)
{
    char num[32], u[64];
    size_t nl = t->num_end - t->start, ul = t->end - t->num_end;
    if (nl >= sizeof(num) || ul >= sizeof(u))
        return -1;
    memcpy(num, s + t->start, nl);
    num[nl] = '\0';
    memcpy(u, s + t->num_end, ul);
    u[ul] = '\0';
    errno = 0;
    long long x = strtoll(num, NULL, 10);
    if (errno)
        return -1;
    const char *canon = "";
    *v = fg_units_scale((double)x, u, to ? to : u, &canon);
    *unit = fg_xstrdup(canon);
    return 0;
}

/* pprof's parseTagFilterRange: true when value is exactly a range. */
static bool parse_range(const char *value, struct tagexpr *t, bool *bad)
{
    struct range_tok a, b;
    size_t pos = 0;
    *bad = false;
    if (!next_tok(value, &pos, &a))
        return false;
    bool two = next_tok(value, &pos, &b);
    size_t len = strlen(value);
    if (!two) {
        size_t ml = a.end - a.start;
        if (a.start == 0 && len == ml)
            t->kind = R_EQ;
        else if (a.start == 0 && len == ml + 1 && value[ml] == ':')
            t->kind = R_GE;
        else if (a.start == 1 && value[0] == ':' && len == ml + 1)
            t->kind = R_LE;
        else
            return false;
        if (tok_value(value, &a, NULL, &t->lo, &t->unit)) {
            *bad = true;
            return false;
        }
        t->hi = t->lo;
        return true;
    }
    /* "V1:V2" exactly */
    if (a.start != 0 || b.start != a.end + 1 || value[a.end] != ':' ||
        b.end != len)
        return false;
    char *u2 = NULL;
    if (tok_value(value, &a, NULL, &t->lo, &t->unit)) {
        *bad = true;
        return false;
    }
    if (tok_value(value, &b, t->unit, &t->hi, &u2)) {
        *bad = true;
        free(t->unit);
        t->unit = NULL;
        return false;
    }
    bool same = strcmp(u2, t->unit) == 0;
    free(u2);
    if (!same) {
        free(t->unit);
        t->unit = NULL;
        return false;
    }
    t->kind = R_BETWEEN;
    return true;
}

static int tagexpr_parse(const char *expr, const char *option,
                         struct tagexpr *t, struct fg_error *err)
{
    memset(t, 0, sizeof(*t));
    if (!*expr)
        return fg_error_set(err, FG_EUSAGE, "%s: empty expression", option);
    const char *value = expr;
    const char *eq = strchr(expr, '=');
    if (eq) {
        if (eq > expr)
            t->key = fg_xstrndup(expr, (size_t)(eq - expr));
        value = eq + 1;
    }
    bool bad;
    if (parse_range(value, t, &bad)) {
        t->is_range = true;
        return FG_OK;
    }
    if (bad)
        return fg_error_set(err, FG_EUSAGE,
                            "%s: '%s': a number does not fit in 64 bits",
                            option, expr);
    char *copy = fg_xstrdup(value);
    int rc = FG_OK;
    char *save = NULL;
    /* strtok would skip empty alternatives; pprof compiles them (an
     * empty regex matches everything) */
    for (char *p = copy;; p = save + 1) {
        save = strchr(p, ',');
        if (save)
            *save = '\0';
        struct fg_error pe;
        if (*p && fg_pattern_check(p, &pe)) {
            rc = fg_error_set(err, FG_EUSAGE, "%s: %s", option, pe.msg);
            break;
        }
        t->rx.re = fg_xrealloc(t->rx.re, (t->rx.n + 1) * sizeof(regex_t));
        int rr = regcomp(&t->rx.re[t->rx.n], p, REG_EXTENDED | REG_NOSUB);
        if (rr) {
            char msg[256];
            regerror(rr, &t->rx.re[t->rx.n], msg, sizeof(msg));
            rc = fg_error_set(err, FG_EUSAGE,
                              "%s: invalid regular expression '%s' in '%s': "
                              "%s",
                              option, p, expr, msg);
            break;
        }
        t->rx.n++;
        if (!save)
            break;
    }
    free(copy);
    return rc;
}

bool fg_filter_tag_is_range(const char *expr)
{
    struct tagexpr t;
    struct fg_error err;
    bool range = tagexpr_parse(expr, "", &t, &err) == FG_OK && t.is_range;
    tagexpr_free(&t);
    return range;
}

int fg_filter_check_tag(const char *expr, const char *option,
                        struct fg_error *err)
{
    struct tagexpr t;
    int rc = tagexpr_parse(expr, option, &t, err);
    tagexpr_free(&t);
    return rc;
}

/* ---- building ------------------------------------------------------------- */

void fg_filter_free(struct fg_filter *f)
{
    if (!f)
        return;
    reset_free(&f->focus);
    reset_free(&f->ignore);
    reset_free(&f->hide);
    reset_free(&f->show_from);
    for (size_t i = 0; i < f->n_tagfocus; i++)
        tagexpr_free(&f->tagfocus[i]);
    for (size_t i = 0; i < f->n_tagignore; i++)
        tagexpr_free(&f->tagignore[i]);
    free(f->tagfocus);
    free(f->tagignore);
    free(f);
}

static int add_tags(struct tagexpr **arr, size_t *n, const char *const *src,
                    size_t ns, const char *option, struct fg_error *err)
{
    *arr = fg_xcalloc(ns ? ns : 1, sizeof(**arr));
    for (size_t i = 0; i < ns; i++) {
        int rc = tagexpr_parse(src[i], option, &(*arr)[i], err);
        if (rc) {
            tagexpr_free(&(*arr)[i]);
            return rc;
        }
        (*n)++;
    }
    return FG_OK;
}

int fg_filter_new(const struct fg_filter_spec *spec, struct fg_filter **out,
                  struct fg_error *err)
{
    *out = NULL;
    if (!spec->n_focus && !spec->n_ignore && !spec->n_hide &&
        !spec->n_show_from && !spec->n_tagfocus && !spec->n_tagignore)
        return FG_OK;
    struct fg_filter *f = fg_xcalloc(1, sizeof(*f));
    int rc = FG_OK;
    struct {
        struct reset *r;
        const char *const *v;
        size_t n;
        const char *option;
    } names[] = {
        {&f->focus, spec->focus, spec->n_focus, "--focus"},
        {&f->ignore, spec->ignore, spec->n_ignore, "--ignore"},
        {&f->hide, spec->hide, spec->n_hide, "--hide"},
        {&f->show_from, spec->show_from, spec->n_show_from, "--show-from"},
    };
    for (size_t k = 0; k < 4 && !rc; k++)
        for (size_t i = 0; i < names[k].n && !rc; i++)
            rc = compile(names[k].r, names[k].v[i], names[k].option, err);
    if (!rc)
        rc = add_tags(&f->tagfocus, &f->n_tagfocus, spec->tagfocus,
                      spec->n_tagfocus, "--tagfocus", err);
    if (!rc)
        rc = add_tags(&f->tagignore, &f->n_tagignore, spec->tagignore,
                      spec->n_tagignore, "--tagignore", err);
    if (rc) {
        fg_filter_free(f);
        return rc;
    }
    *out = f;
    return FG_OK;
}

/* ---- label units ------------------------------------------------------------ */

const char *fg_label_unit(const struct fg_profile *p, const char *key)
{
    for (size_t i = 0; i < p->n_labels; i++) {
        const struct fg_label *l = &p->labels[i];
        if (!l->str && l->unit && *l->unit && strcmp(l->key, key) == 0)
            return l->unit;
    }
    if (strcmp(key, "alignment") == 0 || strcmp(key, "request") == 0)
        return "bytes";
    return key;
}

/* The units of the numeric label keys of p, looked up by key. */
struct unit_map {
    struct fg_strtab keys;
    const char **units;
};

static void unit_map_build(const struct fg_profile *p, struct unit_map *m)
{
    fg_strtab_init(&m->keys);
    m->units = NULL;
    size_t cap = 0;
    for (size_t i = 0; i < p->n_labels; i++) {
        const struct fg_label *l = &p->labels[i];
        if (l->str)
            continue;
        size_t len = strlen(l->key);
        if (fg_strtab_find(&m->keys, l->key, len) != UINT32_MAX)
            continue;
        uint32_t id = fg_strtab_intern(&m->keys, l->key, len);
        m->units = fg_xgrow(m->units, &cap, (size_t)id + 1,
                            sizeof(*m->units));
        m->units[id] = fg_label_unit(p, l->key);
    }
}

static const char *unit_of(const struct unit_map *m, const char *key)
{
    uint32_t id = fg_strtab_find(&m->keys, key, strlen(key));
    return id == UINT32_MAX ? key : m->units[id];
}

static void unit_map_release(struct unit_map *m)
{
    fg_strtab_release(&m->keys);
    free(m->units);
}

/* ---- matching ------------------------------------------------------------------ */

static bool in_range(const struct tagexpr *t, int64_t v, const char *unit)
{
    const char *su = "";
    double sv = fg_units_scale((double)v, unit, t->unit, &su);
    if (strcmp(su, t->unit) != 0)
        return false;
    switch (t->kind) {
    case R_EQ: return sv == t->lo;
    case R_GE: return sv >= t->lo;
    case R_LE: return sv <= t->lo;
    case R_BETWEEN: return sv >= t->lo && sv <= t->hi;
    }
    return false;
}

static bool tag_match(const struct tagexpr *t, const struct fg_label *l,
                      size_t nl, const struct unit_map *um, char **scratch,
                      size_t *cap)
{
    if (t->is_range) {
        for (size_t i = 0; i < nl; i++)
            if (!l[i].str && (!t->key || strcmp(l[i].key, t->key) == 0) &&
                in_range(t, l[i].num, unit_of(um, l[i].key)))
                return true;
        return false;
    }
    if (t->key) {
        for (size_t i = 0; i < nl; i++)
            if (l[i].str && strcmp(l[i].key, t->key) == 0 &&
                reset_match(&t->rx, l[i].str))
                return true;
        return false;
    }
    /* every regex matches some "key:value" */
    for (size_t r = 0; r < t->rx.n; r++) {
        bool found = false;
        for (size_t i = 0; i < nl && !found; i++) {
            if (!l[i].str)
                continue;
            size_t kl = strlen(l[i].key), vl = strlen(l[i].str);
            *scratch = fg_xgrow(*scratch, cap, kl + vl + 2, 1);
            memcpy(*scratch, l[i].key, kl);
            (*scratch)[kl] = ':';
            memcpy(*scratch + kl + 1, l[i].str, vl + 1);
            found = regexec(&t->rx.re[r], *scratch, 0, NULL, 0) == 0;
        }
        if (!found)
            return false;
    }
    return true;
}

/* Per function: which name filters its name matches (bit per kind). */
enum { M_FOCUS = 1, M_IGNORE = 2, M_HIDE = 4, M_SHOW = 8 };

/* Per location: its state after the name filters. */
enum { L_FOCUS = 1, L_IGNORE = 2, L_HIDDEN = 4, L_SHOW = 8 };

struct run {
    const struct fg_filter *f;
    const struct fg_profile *in;
    unsigned char *fm;    /* per function: M_* */
    unsigned char *ls;    /* per location: L_* */
    uint32_t *nfr;        /* new frames of every location, concatenated */
    uint32_t *nstart;     /* location i: nfr[nstart[i] .. nstart[i+1]) */
    uint32_t *fmap;       /* input function -> output function */
    struct fg_filter_stats st;
};

static void match_functions(struct run *r)
{
    const struct fg_profile *in = r->in;
    const struct fg_filter *f = r->f;
    r->fm = fg_xcalloc(in->n_funcs ? in->n_funcs : 1, 1);
    for (size_t i = 0; i < in->n_funcs; i++) {
        const char *name = in->func_names[i];
        unsigned char m = 0;
        if (f->focus.n && reset_match(&f->focus, name))
            m |= M_FOCUS;
        if (f->ignore.n && reset_match(&f->ignore, name))
            m |= M_IGNORE;
        if (f->hide.n && reset_match(&f->hide, name))
            m |= M_HIDE;
        if (f->show_from.n && reset_match(&f->show_from, name))
            m |= M_SHOW;
        r->fm[i] = m;
    }
}

/* pprof's FilterSamplesByName and ShowFrom on the locations. */
static void match_locations(struct run *r)
{
    const struct fg_profile *in = r->in;
    const struct fg_filter *f = r->f;
    size_t nl = in->n_locs;
    r->ls = fg_xcalloc(nl ? nl : 1, 1);
    r->nstart = fg_xcalloc(nl + 1, sizeof(uint32_t));
    size_t total = nl ? in->loc_start[nl] : 0;
    r->nfr = fg_xcalloc(total ? total : 1, sizeof(uint32_t));
    size_t k = 0;
    for (size_t i = 0; i < nl; i++) {
        unsigned char s = 0;
        bool any_focus = false, any_ignore = false;
        r->nstart[i] = (uint32_t)k;
        size_t from = k;
        for (uint32_t j = in->loc_start[i]; j < in->loc_start[i + 1]; j++) {
            uint32_t fn = in->loc_frames[j];
            unsigned char m = r->fm[fn];
            any_focus |= (m & M_FOCUS) != 0;
            any_ignore |= (m & M_IGNORE) != 0;
            if (m & M_HIDE)
                r->st.hide = true;
            else
                r->nfr[k++] = fn;
        }
        if (f->ignore.n && any_ignore) {
            s |= L_IGNORE;
            r->st.ignore = true;
        } else if (!f->focus.n || any_focus) {
            s |= L_FOCUS;
            r->st.focus = r->st.focus || f->focus.n;
        }
        if (f->hide.n && k == from)
            s |= L_HIDDEN;
        if (f->show_from.n) {
            /* keep the frames up to the outermost match */
            for (size_t j = k; j-- > from;) {
                if (r->fm[r->nfr[j]] & M_SHOW) {
                    k = j + 1;
                    s |= L_SHOW;
                    r->st.show_from = true;
                    break;
                }
            }
        }
        r->ls[i] = s;
    }
    r->nstart[nl] = (uint32_t)k;
}

/* The locations sample s keeps (into buf), or false when it is dropped. */
static bool keep_sample(struct run *r, size_t s, uint32_t *buf, size_t *n)
{
    const struct fg_profile *in = r->in;
    const struct fg_filter *f = r->f;
    const uint32_t *locs = in->sample_locs + in->sample_start[s];
    size_t nl = in->sample_start[s + 1] - in->sample_start[s];
    bool names = f->focus.n || f->ignore.n || f->hide.n;
    if (names) {
        bool focused = false;
        for (size_t i = 0; i < nl; i++) {
            if (r->ls[locs[i]] & L_IGNORE)
                return false;
            focused |= (r->ls[locs[i]] & L_FOCUS) != 0;
        }
        if (!focused)
            return false;
    }
    size_t k = 0;
    for (size_t i = 0; i < nl; i++)
        if (!(r->ls[locs[i]] & L_HIDDEN))
            buf[k++] = locs[i];
    if (k == 0 && f->hide.n)
        return false;
    if (f->show_from.n) {
        size_t i = k;
        while (i-- > 0)
            if (r->ls[buf[i]] & L_SHOW)
                break;
        if (i == (size_t)-1)
            return false;
        k = i + 1;
    }
    *n = k;
    return true;
}

int fg_filter_apply(const struct fg_filter *f, const struct fg_profile *in,
                    struct fg_profile **out, struct fg_filter_stats *stp,
                    struct fg_error *err)
{
    struct run r;
    memset(&r, 0, sizeof(r));
    r.f = f;
    r.in = in;
    struct fg_filter empty;
    if (!f) {
        memset(&empty, 0, sizeof(empty));
        r.f = f = &empty;
    }
    match_functions(&r);
    match_locations(&r);
    struct unit_map um;
    unit_map_build(in, &um);
    struct fg_derive d;
    fg_derive_init(&d, in, in->source);
    r.fmap = fg_xcalloc(in->n_funcs ? in->n_funcs : 1, sizeof(uint32_t));
    for (size_t i = 0; i < in->n_funcs; i++)
        r.fmap[i] = fg_derive_func(&d, in->func_names[i],
                                   in->func_index.n == in->n_funcs
                                       ? in->func_index.lens[i]
                                       : strlen(in->func_names[i]));
    for (size_t i = 0; i < in->n_locs; i++) {
        for (uint32_t j = r.nstart[i]; j < r.nstart[i + 1]; j++)
            r.nfr[j] = r.fmap[r.nfr[j]];
        (void)fg_derive_loc(&d, r.nfr + r.nstart[i],
                            r.nstart[i + 1] - r.nstart[i]);
    }
    size_t maxd = 1;
    for (size_t s = 0; s < in->n_samples; s++) {
        size_t n = in->sample_start[s + 1] - in->sample_start[s];
        maxd = n > maxd ? n : maxd;
    }
    uint32_t *buf = fg_xmalloc(maxd * sizeof(uint32_t));
    char *scratch = NULL;
    size_t scap = 0;
    int rc = FG_OK;
    for (size_t s = 0; s < in->n_samples && !rc; s++) {
        size_t n = 0;
        const struct fg_label *lab = NULL;
        size_t nl = 0;
        if (in->label_start) {
            lab = in->labels + in->label_start[s];
            nl = in->label_start[s + 1] - in->label_start[s];
        }
        bool keep = keep_sample(&r, s, buf, &n);
        for (size_t i = 0; keep && i < f->n_tagfocus; i++) {
            keep = tag_match(&f->tagfocus[i], lab, nl, &um, &scratch, &scap);
            r.st.tagfocus |= keep;
        }
        for (size_t i = 0; keep && i < f->n_tagignore; i++) {
            bool hit = tag_match(&f->tagignore[i], lab, nl, &um, &scratch,
                                 &scap);
            r.st.tagignore |= hit;
            keep = !hit;
        }
        if (!keep) {
            r.st.dropped++;
            continue;
        }
        r.st.kept++;
        rc = fg_derive_sample(&d, buf, n, in->values + s * in->n_types,
                              in->sample_time ? &in->sample_time[s] : NULL,
                              lab, nl, err);
    }
    free(buf);
    free(scratch);
    unit_map_release(&um);
    free(r.fm);
    free(r.ls);
    free(r.nfr);
    free(r.nstart);
    free(r.fmap);
    if (rc) {
        fg_derive_release(&d);
        return rc;
    }
    if (stp)
        *stp = r.st;
    return fg_derive_finish(&d, out, err);
}
