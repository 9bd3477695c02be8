/*
 * cli_top.c - "flamegate top": a pprof -top style table of one profile, or
 * of several merged as pprof merges its sources, after pprof's sample
 * filters; --tags lists the sample labels instead (pprof -tags).
 */
#include "flamegate/aggregate.h"
#include "flamegate/buf.h"
#include "cli/cli.h"
#include "cli/cli_profile.h"
#include "core/escape.h"
#include "flamegate/source.h"
#include "core/units.h"
#include "core/util.h"
#include "model/merge.h"
#include "report/report_common.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char top_usage[] =
    "usage: flamegate top [OPTIONS] PROFILE...\n"
    "\n"
    "Print the functions of a profile by flat value, like 'pprof -top'.\n"
    "A PROFILE is a file in any supported format (pprof gzipped or not,\n"
    "folded stacks, JFR, ...; '-' reads stdin), a directory or a glob;\n"
    "several profiles are merged into one, as pprof merges its sources\n"
    "(they must have the same sample types).  A two-sided file given\n"
    "alone (Pyroscope's /render-diff JSON) prints its base side, then its\n"
    "candidate side.  flat is the value spent in the function itself,\n"
    "cum includes callees; both follow pprof's rules exactly (inlined\n"
    "frames count, recursion counts once).\n"
    "\n"
    "Options:\n"
    "  -t, --sample-type TYPE   sample type to show, e.g. cpu or\n"
    "                           alloc_space/bytes; 'all' prints every type\n"
    "                           (default: the profile's default type)\n"
    "  -f, --format FORMAT      text (default), tsv (exact integers, one\n"
    "                           '#sample_type' header per type) or json\n"
    "  -n, --top N              show the N largest rows; 0 shows all\n"
    "                           (pprof's -nodecount=0; default 20 for text,\n"
    "                           all for tsv and json)\n"
    "  -s, --sort KEY           flat (default), cum or name\n"
    "      --tags               list the sample labels and their values\n"
    "                           with their share, instead of functions\n"
    "                           (pprof's -tags)\n"
    "      --folded-column N    read column N (1 or 2) of a folded file\n"
    "                           with two counts per line ('stack base\n"
    "                           candidate'); such files are refused without\n"
    "                           it\n"
    "  -q, --quiet              no warnings on standard error\n"
    "  -h, --help               show this help\n"
    "\n"
    "Filters (pprof's, applied in its order):\n"
    "      --focus REGEX        keep only samples whose stack has a\n"
    "                           function matching (several: any)\n"
    "      --ignore REGEX       drop samples whose stack has a function\n"
    "                           matching\n"
    "      --hide REGEX         remove matching functions from the stacks\n"
    "      --show-from REGEX    drop the frames above the first match from\n"
    "                           the root (samples without one are dropped)\n"
    "      --tagfocus EXPR      keep samples whose labels match EXPR:\n"
    "                           KEY=REGEX[,REGEX] (string label, any regex),\n"
    "                           KEY=RANGE (numeric label: 1kb:, :100ms,\n"
    "                           10:20, 64kb; units as pprof scales them),\n"
    "                           or REGEX[,REGEX] matched against 'key:value'\n"
    "                           (every regex must match); repeated: all\n"
    "      --tagignore EXPR     drop samples whose labels match EXPR\n"
    "Each is repeatable; a REGEX is a POSIX extended regular expression\n"
    "matched anywhere in a function name.  Percentages stay relative to\n"
    "the whole profile, as pprof's are.\n"
    "\n"
    "Examples:\n"
    "  flamegate top cpu.pb.gz\n"
    "  flamegate top --top 0 --sample-type alloc_space heap.pb.gz\n"
    "  flamegate top --tagfocus endpoint=/checkout 'runs/*.pb.gz'\n"
    "  flamegate top --format tsv --sample-type all --sort name cpu.pb.gz\n"
    "\n";

enum top_format { TOP_TEXT, TOP_TSV, TOP_JSON };
enum top_sort { SORT_FLAT, SORT_CUM, SORT_NAME };

/* The repeatable filter flags, in the order of fg_filter_spec. */
enum { F_FOCUS, F_IGNORE, F_HIDE, F_SHOW_FROM, F_TAGFOCUS, F_TAGIGNORE,
       F_COUNT };

struct top_opts {
    const char *sample_type;
    enum top_format format;
    long top; /* -1: default; 0: all */
    enum top_sort sort;
    bool tags;
    bool quiet;
    struct fg_limits lim;
    const char **filt[F_COUNT]; /* argv strings (malloc'd arrays) */
    size_t nfilt[F_COUNT];
};

/* One type of the profile shown: the values of the filtered profile and
 * the total before filtering (what percentages refer to). */
struct view {
    const struct fg_profile *p;
    size_t t;
    const struct fg_agg *a;
    int64_t whole;     /* total before the filters */
    bool filtered;
};

/* qsort has no context argument in C11; rows carry what they compare. */
struct row {
    uint32_t f;
    int64_t flat, cum;
    const char *name;
};

static int cmp_name(const struct row *x, const struct row *y)
{
    return strcmp(x->name, y->name);
}

static int cmp_flat(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->flat != y->flat)
        return x->flat < y->flat ? 1 : -1;
    if (x->cum != y->cum)
        return x->cum < y->cum ? 1 : -1;
    return cmp_name(x, y);
}

static int cmp_cum(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->cum != y->cum)
        return x->cum < y->cum ? 1 : -1;
    return cmp_flat(a, b);
}

static int cmp_byname(const void *a, const void *b)
{
    return cmp_name(a, b);
}

/* Rows to show: --top N, 0 for all, the default when not given. */
static size_t row_limit(const struct top_opts *o, size_t n, size_t deflt)
{
    size_t want = o->top < 0 ? deflt : o->top == 0 ? n : (size_t)o->top;
    return want < n ? want : n;
}

typedef int (*row_cmp)(const void *, const void *);

static void sift_down(struct row *h, size_t n, size_t i, row_cmp cmp)
{
    for (;;) {
        size_t l = 2 * i + 1, big = i;
        if (l < n && cmp(&h[l], &h[big]) > 0)
            big = l;
        if (l + 1 < n && cmp(&h[l + 1], &h[big]) > 0)
            big = l + 1;
        if (big == i)
            return;
        struct row t = h[i];
        h[i] = h[big];
        h[big] = t;
        i = big;
    }
}

/* rows[0..k) = the k first of rows[0..n) in cmp's order, sorted (the
 * rest in no order): a heap of the k best so far, so a 200,000-function
 * profile shown 20 rows at a time costs integer comparisons, not a sort
 * whose ties on small counts compare long shared name prefixes.  cmp is a
 * total order (names are distinct), so the rows are those a full sort
 * puts first. */
static void first_rows(struct row *rows, size_t n, size_t k, row_cmp cmp)
{
    if (k >= n / 4) {
        qsort(rows, n, sizeof(*rows), cmp);
        return;
    }
    for (size_t i = k / 2; i-- > 0;)
        sift_down(rows, k, i, cmp);
    for (size_t i = k; i < n && k; i++) {
        if (cmp(&rows[i], &rows[0]) < 0) {
            struct row t = rows[0];
            rows[0] = rows[i];
            rows[i] = t;
            sift_down(rows, k, 0, cmp);
        }
    }
    qsort(rows, k, sizeof(*rows), cmp);
}

/* Rows with a non-zero flat or cum (*n of them), the first *limit of them
 * sorted: --top N, or deflt when not given (SIZE_MAX: all). Caller
 * frees. */
static struct row *make_rows(const struct fg_profile *p,
                             const struct fg_agg *a, const struct top_opts *o,
                             size_t deflt, size_t *n, size_t *limit)
{
    struct row *rows = fg_xcalloc(a->n_funcs ? a->n_funcs : 1, sizeof(*rows));
    size_t k = 0;
    for (size_t f = 0; f < a->n_funcs; f++) {
        if (a->flat[f] == 0 && a->cum[f] == 0)
            continue;
        rows[k].f = (uint32_t)f;
        rows[k].flat = a->flat[f];
        rows[k].cum = a->cum[f];
        rows[k].name = p->func_names[f];
        k++;
    }
    *n = k;
    *limit = row_limit(o, k, deflt);
    first_rows(rows, k, *limit,
               o->sort == SORT_NAME  ? cmp_byname
               : o->sort == SORT_CUM ? cmp_cum
                                     : cmp_flat);
    return rows;
}

static int emit_tsv(const struct view *v, const struct top_opts *o,
                    struct fg_buf *out)
{
    const struct fg_profile *p = v->p;
    size_t n, limit;
    struct row *rows = make_rows(p, v->a, o, SIZE_MAX, &n, &limit);
    int rc = fg_buf_add(out, "#sample_type\t", 13);
    rc = rc ? rc : fg_escape_tsv(out, p->types[v->t].type);
    rc = rc ? rc : fg_buf_addc(out, '\t');
    rc = rc ? rc : fg_escape_tsv(out, p->types[v->t].unit);
    rc = rc ? rc : fg_buf_addf(out, "\ttotal\t%lld\n", (long long)v->a->total);
    for (size_t i = 0; i < limit && !rc; i++) {
        rc = fg_escape_tsv(out, rows[i].name);
        rc = rc ? rc : fg_buf_addf(out, "\t%lld\t%lld\n",
                                   (long long)rows[i].flat,
                                   (long long)rows[i].cum);
    }
    free(rows);
    return rc;
}

static double pct(int64_t v, int64_t total)
{
    return total ? (double)v / (double)total : 0.0;
}

/* "Type: cpu (nanoseconds)   Total: 1.76s   Samples: 176 (76 records)",
 * and with filters what they kept. */
static int text_header(const struct view *v, const struct fg_profile *whole,
                       struct fg_buf *out)
{
    const struct fg_profile *p = v->p;
    const char *unit = p->types[v->t].unit;
    char b1[64], b2[64], c1[FG_REP_NUM], c2[FG_REP_NUM];
    int rc = fg_buf_adds(out, "Type: ");
    rc = rc ? rc : fg_escape_term(out, p->types[v->t].type);
    rc = rc ? rc : fg_buf_adds(out, " (");
    rc = rc ? rc : fg_escape_term(out, unit);
    const struct fg_profile *all = v->filtered ? whole : p;
    rc = rc ? rc : fg_buf_addf(
                       out, ")   Total: %s   Samples: %s (%s record%s)\n",
                       fg_units_format((double)v->whole, unit, b1, sizeof(b1)),
                       fg_rep_count(c1, fg_cli_sample_count(all, v->t)),
                       fg_rep_count(c2, (int64_t)all->n_samples),
                       all->n_samples == 1 ? "" : "s");
    if (v->filtered)
        rc = rc ? rc : fg_buf_addf(
                           out,
                           "Kept by the filters: %s (%.2f%% of the total), "
                           "%s samples (%zu record%s)\n",
                           fg_units_format((double)v->a->total, unit, b2,
                                           sizeof(b2)),
                           100.0 * pct(v->a->total, v->whole),
                           fg_rep_count(c1, fg_cli_sample_count(p, v->t)),
                           p->n_samples, p->n_samples == 1 ? "" : "s");
    return rc;
}

static int emit_text(const struct view *v, const struct fg_profile *whole,
                     const struct top_opts *o, struct fg_buf *out)
{
    const struct fg_profile *p = v->p;
    size_t n, limit;
    struct row *rows = make_rows(p, v->a, o, 20, &n, &limit);
    const char *unit = p->types[v->t].unit;
    int64_t total = v->whole;
    char b1[64], b2[64], b3[32], b4[32], b5[32];
    int rc = text_header(v, whole, out);
    int64_t shown = 0;
    for (size_t i = 0; i < limit; i++)
        shown += rows[i].flat;
    if (limit == n)
        rc = rc ? rc : fg_buf_addf(out, "Showing all %zu function%s", n,
                                   n == 1 ? "" : "s");
    else
        rc = rc ? rc : fg_buf_addf(out, "Showing top %zu of %zu functions",
                                   limit, n);
    rc = rc ? rc : fg_buf_addf(out, ", %s of %s total (%s)\n",
                               fg_units_format((double)shown, unit, b1,
                                               sizeof(b1)),
                               fg_units_format((double)total, unit, b2,
                                               sizeof(b2)),
                               fg_units_percent(pct(shown, total), b3,
                                                sizeof(b3)));
    rc = rc ? rc : fg_buf_addf(out, "%12s %8s %8s %12s %8s  %s\n", "flat",
                               "flat%", "sum%", "cum", "cum%", "function");
    int64_t sum = 0;
    for (size_t i = 0; i < limit && !rc; i++) {
        sum += rows[i].flat;
        rc = fg_buf_addf(
            out, "%12s %8s %8s %12s %8s  ",
            fg_units_format((double)rows[i].flat, unit, b1, sizeof(b1)),
            fg_units_percent(pct(rows[i].flat, total), b3, sizeof(b3)),
            fg_units_percent(pct(sum, total), b4, sizeof(b4)),
            fg_units_format((double)rows[i].cum, unit, b2, sizeof(b2)),
            fg_units_percent(pct(rows[i].cum, total), b5, sizeof(b5)));
        rc = rc ? rc : fg_escape_term(out, rows[i].name);
        rc = rc ? rc : fg_buf_addc(out, '\n');
    }
    free(rows);
    return rc;
}

static json_t *json_name(const char *s)
{
    struct fg_buf b;
    fg_buf_init(&b, 0);
    if (fg_escape_utf8(&b, s) != FG_OK) {
        fg_buf_release(&b);
        return json_string("");
    }
    json_t *j = json_stringn(b.data ? b.data : "", b.len);
    fg_buf_release(&b);
    return j;
}

static json_t *top_json_type(const struct view *v, const struct top_opts *o)
{
    const struct fg_profile *p = v->p;
    size_t n, limit;
    struct row *rows = make_rows(p, v->a, o, SIZE_MAX, &n, &limit);
    json_t *fns = json_array();
    for (size_t i = 0; i < limit; i++) {
        json_t *r = json_object();
        json_object_set_new(r, "name", json_name(rows[i].name));
        json_object_set_new(r, "flat", json_integer(rows[i].flat));
        json_object_set_new(r, "cum", json_integer(rows[i].cum));
        json_array_append_new(fns, r);
    }
    free(rows);
    json_t *obj = json_object();
    json_object_set_new(obj, "type", json_name(p->types[v->t].type));
    json_object_set_new(obj, "unit", json_name(p->types[v->t].unit));
    json_object_set_new(obj, "total", json_integer(v->a->total));
    if (v->filtered)
        json_object_set_new(obj, "unfiltered_total", json_integer(v->whole));
    json_object_set_new(obj, "samples",
                        json_integer(fg_cli_sample_count(p, v->t)));
    json_object_set_new(obj, "records",
                        json_integer((json_int_t)p->n_samples));
    json_object_set_new(obj, "functions_total", json_integer((json_int_t)n));
    json_object_set_new(obj, "functions", fns);
    return obj;
}

/* ---- --tags: pprof's -tags report ----------------------------------------- */

struct tagval {
    const char *key;
    char *value;   /* owned: the string, or the formatted number */
    int64_t sum;
};

static int cmp_tagval(const void *a, const void *b)
{
    const struct tagval *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    int64_t ax = x->sum < 0 ? -x->sum : x->sum;
    int64_t ay = y->sum < 0 ? -y->sum : y->sum;
    if (ax != ay)
        return ax < ay ? 1 : -1;
    return strcmp(x->value, y->value);
}

/* Every (key, value) of p's labels with the sum of type t over the
 * samples carrying it, sorted by key, then value size (pprof's
 * SortTags), then value.  Caller frees with free_tags. */
static struct tagval *collect_tags(const struct fg_profile *p, size_t t,
                                   size_t *n)
{
    struct fg_strtab idx;
    fg_strtab_init(&idx);
    struct tagval *tv = NULL;
    size_t cap = 0, k = 0;
    struct fg_buf key;
    fg_buf_init(&key, 0);
    for (size_t s = 0; p->label_start && s < p->n_samples; s++) {
        int64_t v = p->values[s * p->n_types + t];
        for (uint32_t i = p->label_start[s]; i < p->label_start[s + 1]; i++) {
            const struct fg_label *l = &p->labels[i];
            char num[64];
            const char *val = l->str;
            if (!val)
                val = fg_units_format((double)l->num,
                                      fg_label_unit(p, l->key), num,
                                      sizeof(num));
            /* key NUL value as the lookup key */
            fg_buf_reset(&key);
            if (fg_buf_add(&key, l->key, strlen(l->key) + 1) ||
                fg_buf_adds(&key, val))
                continue;
            uint32_t id = fg_strtab_find(&idx, key.data, key.len);
            if (id == UINT32_MAX) {
                id = fg_strtab_intern_copy(&idx, key.data, key.len);
                tv = fg_xgrow(tv, &cap, (size_t)id + 1, sizeof(*tv));
                tv[id].key = l->key;
                tv[id].value = fg_xstrdup(val);
                tv[id].sum = 0;
                k = (size_t)id + 1;
            }
            tv[id].sum += v;
        }
    }
    fg_buf_release(&key);
    fg_strtab_release(&idx);
    if (k)
        qsort(tv, k, sizeof(*tv), cmp_tagval);
    *n = k;
    return tv;
}

static void free_tags(struct tagval *tv, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(tv[i].value);
    free(tv);
}

static int emit_tags(const struct view *v, const struct top_opts *o,
                     struct fg_buf *out, json_t *jtypes)
{
    const struct fg_profile *p = v->p;
    const char *unit = p->types[v->t].unit;
    size_t n;
    struct tagval *tv = collect_tags(p, v->t, &n);
    char b1[64], b2[64], b3[32];
    int rc = FG_OK;
    json_t *jkeys = o->format == TOP_JSON ? json_array() : NULL;
    if (o->format == TOP_TEXT) {
        rc = fg_buf_adds(out, "Type: ");
        rc = rc ? rc : fg_escape_term(out, p->types[v->t].type);
        rc = rc ? rc : fg_buf_addf(out, "   Total: %s\n",
                                   fg_units_format((double)v->whole, unit,
                                                   b1, sizeof(b1)));
        if (n == 0)
            rc = rc ? rc : fg_buf_adds(out, "(no sample labels)\n");
    } else if (o->format == TOP_TSV) {
        rc = fg_buf_add(out, "#sample_type\t", 13);
        rc = rc ? rc : fg_escape_tsv(out, p->types[v->t].type);
        rc = rc ? rc : fg_buf_addc(out, '\t');
        rc = rc ? rc : fg_escape_tsv(out, unit);
        rc = rc ? rc : fg_buf_addf(out, "\ttotal\t%lld\n",
                                   (long long)v->whole);
    }
    for (size_t i = 0; i < n && !rc;) {
        size_t j = i;
        int64_t key_total = 0;
        while (j < n && strcmp(tv[j].key, tv[i].key) == 0)
            key_total += tv[j++].sum;
        json_t *jvals = jkeys ? json_array() : NULL;
        if (o->format == TOP_TEXT) {
            rc = fg_buf_addc(out, '\n');
            rc = rc ? rc : fg_escape_term(out, tv[i].key);
            rc = rc ? rc : fg_buf_addf(
                               out, ": Total %s of %s (%s)\n",
                               fg_units_format((double)key_total, unit, b1,
                                               sizeof(b1)),
                               fg_units_format((double)v->whole, unit, b2,
                                               sizeof(b2)),
                               fg_units_percent(pct(key_total, v->whole), b3,
                                                sizeof(b3)));
        }
        size_t shown = row_limit(o, j - i, j - i);
        for (size_t k = i; k < i + shown && !rc; k++) {
            if (o->format == TOP_TEXT) {
                rc = fg_buf_addf(out, "  %12s %8s  ",
                                 fg_units_format((double)tv[k].sum, unit, b1,
                                                 sizeof(b1)),
                                 fg_units_percent(pct(tv[k].sum, v->whole),
                                                  b3, sizeof(b3)));
                rc = rc ? rc : fg_escape_term(out, tv[k].value);
                rc = rc ? rc : fg_buf_addc(out, '\n');
            } else if (o->format == TOP_TSV) {
                rc = fg_escape_tsv(out, tv[k].key);
                rc = rc ? rc : fg_buf_addc(out, '\t');
                rc = rc ? rc : fg_escape_tsv(out, tv[k].value);
                rc = rc ? rc : fg_buf_addf(out, "\t%lld\n",
                                           (long long)tv[k].sum);
            } else {
                json_t *jv = json_object();
                json_object_set_new(jv, "value", json_name(tv[k].value));
                json_object_set_new(jv, "total", json_integer(tv[k].sum));
                json_array_append_new(jvals, jv);
            }
        }
        if (jkeys) {
            json_t *jk = json_object();
            json_object_set_new(jk, "key", json_name(tv[i].key));
            json_object_set_new(jk, "total", json_integer(key_total));
            json_object_set_new(jk, "values", jvals);
            json_array_append_new(jkeys, jk);
        }
        i = j;
    }
    if (jkeys) {
        json_t *obj = json_object();
        json_object_set_new(obj, "type", json_name(p->types[v->t].type));
        json_object_set_new(obj, "unit", json_name(unit));
        json_object_set_new(obj, "total", json_integer(v->whole));
        json_object_set_new(obj, "tags", jkeys);
        json_array_append_new(jtypes, obj);
    }
    free_tags(tv, n);
    return rc;
}

/* ---- options ------------------------------------------------------------------ */

enum {
    OPT_TAGS = 256,
    OPT_FOLDED_COLUMN,
    OPT_FILTER /* + F_* */
};

static void add_filter(struct top_opts *o, int which, const char *v)
{
    o->filt[which] = fg_xrealloc(o->filt[which],
                                 (o->nfilt[which] + 1) * sizeof(char *));
    o->filt[which][o->nfilt[which]++] = v;
}

static int parse_args(int argc, char **argv, struct top_opts *o,
                      struct fg_pathlist *paths, bool *help)
{
    static const struct option longopts[] = {
        {"sample-type", required_argument, NULL, 't'},
        {"format", required_argument, NULL, 'f'},
        {"top", required_argument, NULL, 'n'},
        {"sort", required_argument, NULL, 's'},
        {"tags", no_argument, NULL, OPT_TAGS},
        {"folded-column", required_argument, NULL, OPT_FOLDED_COLUMN},
        {"focus", required_argument, NULL, OPT_FILTER + F_FOCUS},
        {"ignore", required_argument, NULL, OPT_FILTER + F_IGNORE},
        {"hide", required_argument, NULL, OPT_FILTER + F_HIDE},
        {"show-from", required_argument, NULL, OPT_FILTER + F_SHOW_FROM},
        {"tagfocus", required_argument, NULL, OPT_FILTER + F_TAGFOCUS},
        {"tagignore", required_argument, NULL, OPT_FILTER + F_TAGIGNORE},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        FG_CLI_LIMIT_OPTIONS,
        {NULL, 0, NULL, 0}};
    struct fg_error err = {0, ""};
    int c;
    long col;
    while ((c = getopt_long(argc, argv, "t:f:n:s:qh", longopts, NULL)) !=
           -1) {
        switch (c) {
        case 't': o->sample_type = optarg; break;
        case 'f':
            if (strcmp(optarg, "text") == 0)
                o->format = TOP_TEXT;
            else if (strcmp(optarg, "tsv") == 0)
                o->format = TOP_TSV;
            else if (strcmp(optarg, "json") == 0)
                o->format = TOP_JSON;
            else
                return fg_usage_error("top", "unknown format '%s' (text, "
                                             "tsv or json)", optarg);
            break;
        case 'n':
            if (fg_parse_long(optarg, 0, 1000000000L, &o->top, "--top", &err))
                return fg_usage_error("top", "%s", err.msg);
            break;
        case 's':
            if (strcmp(optarg, "flat") == 0)
                o->sort = SORT_FLAT;
            else if (strcmp(optarg, "cum") == 0)
                o->sort = SORT_CUM;
            else if (strcmp(optarg, "name") == 0)
                o->sort = SORT_NAME;
            else
                return fg_usage_error("top", "unknown sort key '%s' (flat, "
                                             "cum or name)", optarg);
            break;
        case 'q': o->quiet = true; break;
        case 'h': *help = true; return 0;
        case OPT_TAGS: o->tags = true; break;
        case OPT_FOLDED_COLUMN:
            if (fg_parse_long(optarg, 1, 2, &col, "--folded-column", &err))
                return fg_usage_error("top", "%s", err.msg);
            o->lim.folded_column = (unsigned)col;
            break;
        default:
            if (c >= OPT_FILTER && c < OPT_FILTER + F_COUNT) {
                add_filter(o, c - OPT_FILTER, optarg);
                break;
            }
            if (c >= FG_OPT_LIMIT_BASE &&
                c < FG_OPT_LIMIT_BASE + FG_OPT_LIMIT_COUNT) {
                if (fg_cli_limit_set(&o->lim, c, optarg, &err))
                    return fg_usage_error("top", "%s", err.msg);
                break;
            }
            char msg[256];
            return fg_usage_error("top", "%s",
                                  fg_cli_option_error("t:f:n:s:qh", argv, msg,
                                                      sizeof(msg)));
        }
    }
    if (optind >= argc)
        return fg_usage_error("top", "no profile given");
    for (int i = optind; i < argc; i++)
        if (fg_source_expand(argv[i], paths, &err))
            return fg_usage_error("top", "%s", err.msg);
    if (paths->n > o->lim.max_runs)
        return fg_usage_error("top",
                              "%zu profiles, more than the limit of %zu "
                              "(raise it with --max-runs)",
                              paths->n, o->lim.max_runs);
    size_t stdin_uses = 0;
    for (size_t i = 0; i < paths->n; i++)
        stdin_uses += strcmp(paths->paths[i], "-") == 0;
    if (stdin_uses > 1)
        return fg_usage_error("top",
                              "standard input ('-') can be used only once");
    return 0;
}

/* ---- command ------------------------------------------------------------------ */

/* Load every path and merge them (as pprof does) into *out. */
static int load(const struct fg_pathlist *paths, const struct top_opts *o,
                struct fg_profile **out, struct fg_error *err)
{
    struct fg_profile **ps = fg_xcalloc(paths->n, sizeof(*ps));
    int rc = FG_OK;
    size_t n = 0;
    for (; n < paths->n && !rc; n++) {
        rc = fg_source_load_file(paths->paths[n], &o->lim, &ps[n], err);
        fg_cli_profile_warning(ps[n], o->quiet);
    }
    if (!rc && n == 1) {
        *out = ps[0];
        ps[0] = NULL;
    } else if (!rc) {
        char *name = fg_xasprintf("%s and %zu more (merged)", ps[0]->source,
                                  n - 1);
        rc = fg_profile_merge(ps, n, name, out, err);
        free(name);
    }
    for (size_t i = 0; i < n; i++)
        fg_profile_free(ps[i]);
    free(ps);
    return rc;
}

/* The tables of paths merged, or of given (stolen) when not NULL. */
static int run(const struct top_opts *o, const struct fg_pathlist *paths,
               struct fg_profile *given, struct fg_buf *out, json_t *jtypes,
               struct fg_profile **pp, struct fg_error *err)
{
    struct fg_filter_spec spec = {
        o->filt[F_FOCUS],     o->nfilt[F_FOCUS],
        o->filt[F_IGNORE],    o->nfilt[F_IGNORE],
        o->filt[F_HIDE],      o->nfilt[F_HIDE],
        o->filt[F_SHOW_FROM], o->nfilt[F_SHOW_FROM],
        o->filt[F_TAGFOCUS],  o->nfilt[F_TAGFOCUS],
        o->filt[F_TAGIGNORE], o->nfilt[F_TAGIGNORE]};
    struct fg_filter *f = NULL;
    struct fg_profile *whole = NULL;
    int rc = fg_filter_new(&spec, &f, err);
    if (given) {
        *pp = given;
        fg_cli_profile_warning(given, o->quiet);
    } else if (!rc) {
        rc = load(paths, o, pp, err);
    }
    if (!rc && f) {
        /* keep the whole profile: percentages refer to it, as pprof's */
        whole = *pp;
        *pp = NULL;
        rc = fg_cli_filter(f, &spec, whole, pp, o->quiet, err);
    }
    fg_filter_free(f);
    if (rc) {
        fg_profile_free(whole);
        return rc;
    }
    struct fg_profile *p = *pp;
    bool all = o->sample_type && strcmp(o->sample_type, "all") == 0;
    size_t first = 0, last = 0;
    if (all) {
        last = p->n_types;
    } else {
        rc = fg_profile_select_type(p, o->sample_type, &first, err);
        last = first + 1;
    }
    if (!rc && o->format == TOP_TEXT && !o->tags &&
        (fg_buf_adds(out, "File: ") || fg_escape_term(out, p->source) ||
         fg_buf_addc(out, '\n')))
        rc = fg_error_set(err, FG_EUSAGE, "output too large");
    for (size_t t = first; t < last && !rc; t++) {
        struct fg_agg a, wa;
        if ((rc = fg_aggregate_type(p, t, &a, err)))
            break;
        struct view v = {p, t, &a, a.total, whole != NULL};
        if (whole) {
            if ((rc = fg_aggregate_type(whole, t, &wa, err))) {
                fg_agg_release(&a);
                break;
            }
            v.whole = wa.total;
            fg_agg_release(&wa);
        }
        int wr = FG_OK;
        if (o->format == TOP_TEXT && t > first)
            wr = fg_buf_addc(out, '\n');
        if (wr)
            ;
        else if (o->tags)
            wr = emit_tags(&v, o, out, jtypes);
        else if (o->format == TOP_TSV)
            wr = emit_tsv(&v, o, out);
        else if (o->format == TOP_TEXT)
            wr = emit_text(&v, whole, o, out);
        else
            json_array_append_new(jtypes, top_json_type(&v, o));
        fg_agg_release(&a);
        if (wr)
            rc = fg_error_set(err, FG_EUSAGE, "output too large");
    }
    fg_profile_free(whole);
    return rc;
}

int fg_cmd_top(int argc, char **argv)
{
    struct top_opts o;
    memset(&o, 0, sizeof(o));
    o.top = -1;
    fg_limits_default(&o.lim);
    struct fg_pathlist paths = {NULL, 0, 0};
    bool help = false;
    struct fg_error err = {0, ""};
    struct fg_profile *p = NULL;
    struct fg_buf out;
    fg_buf_init(&out, 0);
    json_t *jtypes = json_array();
    int rc = parse_args(argc, argv, &o, &paths, &help);
    if (rc || help) {
        if (help)
            fputs(top_usage, stdout), fputs(fg_cli_limits_help, stdout);
        goto out;
    }
    /* one two-sided file (a Pyroscope diff): each side on its own */
    struct fg_profile *sides[FG_SOURCE_MAX_SIDES] = {NULL, NULL};
    size_t nsides = 0;
    if (paths.n == 1 &&
        fg_source_load_sides(paths.paths[0], &o.lim, sides, &nsides, &err)) {
        rc = fg_cli_fail(&err);
        goto out;
    }
    json_t *jsides = nsides > 1 ? json_array() : NULL;
    for (size_t i = 0; i < (nsides > 1 ? nsides : 1); i++) {
        static const char *const side_name[] = {"base", "candidate"};
        if (nsides > 1) {
            fg_profile_free(p);
            p = NULL;
            json_decref(jtypes);
            jtypes = json_array();
            if ((o.format == TOP_TSV &&
                 fg_buf_addf(&out, "#side\t%s\n", side_name[i])) ||
                (o.format == TOP_TEXT && i > 0 && fg_buf_addc(&out, '\n')))
                rc = fg_error_set(&err, FG_EUSAGE, "output too large");
        }
        if (rc || (rc = run(&o, &paths, nsides ? sides[i] : NULL, &out,
                            jtypes, &p, &err))) {
            for (size_t k = i + 1; k < nsides; k++)
                fg_profile_free(sides[k]);
            json_decref(jsides);
            rc = fg_cli_fail(&err);
            goto out;
        }
        if (jsides) {
            json_t *js = json_object();
            json_object_set_new(js, "side", json_string(side_name[i]));
            json_object_set_new(js, "source", json_name(p->source));
            json_object_set_new(js, o.tags ? "tags" : "sample_types",
                                jtypes);
            jtypes = NULL;
            json_array_append_new(jsides, js);
        }
    }
    if (o.format == TOP_JSON) {
        json_t *root = json_object();
        if (jsides) {
            json_object_set_new(root, "source", json_name(paths.paths[0]));
            json_object_set_new(root, "sides", jsides);
            jsides = NULL;
        } else {
            json_object_set_new(root, "source", json_name(p->source));
            json_object_set_new(root, o.tags ? "tags" : "sample_types",
                                jtypes);
            jtypes = NULL;
        }
        char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(root);
        if (!s || fg_buf_adds(&out, s) || fg_buf_addc(&out, '\n')) {
            free(s);
            fg_msg_error("cannot encode JSON");
            rc = FG_EXIT_USAGE;
            goto out;
        }
        free(s);
    }
    json_decref(jsides);
    fwrite(out.data ? out.data : "", 1, out.len, stdout);
out:
    for (int i = 0; i < F_COUNT; i++)
        free(o.filt[i]);
    fg_pathlist_release(&paths);
    json_decref(jtypes);
    fg_buf_release(&out);
    fg_profile_free(p);
    return rc;
}
