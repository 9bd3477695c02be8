/*
 * cli_top.c - "flamegate top": a pprof -top style table of one profile.
 */
#include "flamegate/aggregate.h"
#include "flamegate/buf.h"
#include "cli/cli.h"
#include "core/escape.h"
#include "flamegate/source.h"
#include "core/units.h"
#include "core/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char top_usage[] =
    "usage: flamegate top [OPTIONS] PROFILE\n"
    "\n"
    "Print the functions of one profile by flat value, like 'pprof -top'.\n"
    "PROFILE is a profile file of any format flamegate reads (README\n"
    "\"Input formats\"); '-' reads stdin.  A two-sided file (Pyroscope's\n"
    "/render-diff JSON) prints its base side, then its candidate side.\n"
    "flat is the value spent in the function itself, cum includes callees;\n"
    "both follow pprof's rules exactly (inlined frames count, recursion\n"
    "counts once).\n"
    "\n"
    "Options:\n"
    "  -t, --sample-type TYPE   sample type to show, e.g. cpu or\n"
    "                           alloc_space/bytes; 'all' prints every type\n"
    "                           (default: the profile's default type)\n"
    "  -f, --format FORMAT      text (default), tsv (exact integers, one\n"
    "                           '#sample_type' header per type) or json\n"
    "  -n, --top N              show the N largest rows (default 20 for\n"
    "                           text, all for tsv and json)\n"
    "  -s, --sort KEY           flat (default), cum or name\n"
    "  -h, --help               show this help\n"
    "\n"
    "Examples:\n"
    "  flamegate top cpu.pb.gz\n"
    "  flamegate top --sample-type alloc_space heap.pb.gz\n"
    "  flamegate top --format tsv --sample-type all --sort name cpu.pb.gz\n"
    "\n";

enum top_format { TOP_TEXT, TOP_TSV, TOP_JSON };
enum top_sort { SORT_FLAT, SORT_CUM, SORT_NAME };

struct top_opts {
    const char *sample_type;
    enum top_format format;
    long top; /* -1: default */
    enum top_sort sort;
    struct fg_limits lim;
};

struct row_ctx {
    const struct fg_profile *p;
    const struct fg_agg *a;
    enum top_sort sort;
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

/* Rows with a non-zero flat or cum, sorted; *n set. Caller frees. */
static struct row *make_rows(const struct fg_profile *p,
                             const struct fg_agg *a, enum top_sort sort,
                             size_t *n)
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
    qsort(rows, k, sizeof(*rows),
          sort == SORT_NAME ? cmp_byname : sort == SORT_CUM ? cmp_cum
                                                            : cmp_flat);
    *n = k;
    return rows;
}

static int emit_tsv(const struct fg_profile *p, size_t t,
                    const struct fg_agg *a, const struct top_opts *o,
                    struct fg_buf *out)
{
    size_t n;
    struct row *rows = make_rows(p, a, o->sort, &n);
    size_t limit = o->top >= 0 && (size_t)o->top < n ? (size_t)o->top : n;
    int rc = fg_buf_add(out, "#sample_type\t", 13);
    rc = rc ? rc : fg_escape_tsv(out, p->types[t].type);
    rc = rc ? rc : fg_buf_addc(out, '\t');
    rc = rc ? rc : fg_escape_tsv(out, p->types[t].unit);
    rc = rc ? rc : fg_buf_addf(out, "\ttotal\t%lld\n", (long long)a->total);
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

static int emit_text(const struct fg_profile *p, size_t t,
                     const struct fg_agg *a, const struct top_opts *o,
                     struct fg_buf *out)
{
    size_t n;
    struct row *rows = make_rows(p, a, o->sort, &n);
    size_t want = o->top >= 0 ? (size_t)o->top : 20;
    size_t limit = want < n ? want : n;
    const char *unit = p->types[t].unit;
    char b1[64], b2[64], b3[32], b4[32], b5[32];
    int rc = fg_buf_adds(out, "File: ");
    rc = rc ? rc : fg_escape_term(out, p->source);
    rc = rc ? rc : fg_buf_adds(out, "\nType: ");
    rc = rc ? rc : fg_escape_term(out, p->types[t].type);
    rc = rc ? rc : fg_buf_adds(out, " (");
    rc = rc ? rc : fg_escape_term(out, unit);
    rc = rc ? rc : fg_buf_addf(out, ")   Total: %s   Samples: %zu\n",
                               fg_units_format((double)a->total, unit, b1,
                                               sizeof(b1)),
                               p->n_samples);
    int64_t shown = 0;
    for (size_t i = 0; i < limit; i++)
        shown += rows[i].flat;
    rc = rc ? rc : fg_buf_addf(out,
                               "Showing top %zu of %zu functions, %s of %s "
                               "total (%s)\n",
                               limit, n,
                               fg_units_format((double)shown, unit, b1,
                                               sizeof(b1)),
                               fg_units_format((double)a->total, unit, b2,
                                               sizeof(b2)),
                               fg_units_percent(pct(shown, a->total), b3,
                                                sizeof(b3)));
    rc = rc ? rc : fg_buf_addf(out, "%12s %8s %8s %12s %8s  %s\n", "flat",
                               "flat%", "sum%", "cum", "cum%", "function");
    int64_t sum = 0;
    for (size_t i = 0; i < limit && !rc; i++) {
        sum += rows[i].flat;
        rc = fg_buf_addf(
            out, "%12s %8s %8s %12s %8s  ",
            fg_units_format((double)rows[i].flat, unit, b1, sizeof(b1)),
            fg_units_percent(pct(rows[i].flat, a->total), b3, sizeof(b3)),
            fg_units_percent(pct(sum, a->total), b4, sizeof(b4)),
            fg_units_format((double)rows[i].cum, unit, b2, sizeof(b2)),
            fg_units_percent(pct(rows[i].cum, a->total), b5, sizeof(b5)));
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

static json_t *top_json_type(const struct fg_profile *p, size_t t,
                         const struct fg_agg *a, const struct top_opts *o)
{
    size_t n;
    struct row *rows = make_rows(p, a, o->sort, &n);
    size_t limit = o->top >= 0 && (size_t)o->top < n ? (size_t)o->top : n;
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
    json_object_set_new(obj, "type", json_name(p->types[t].type));
    json_object_set_new(obj, "unit", json_name(p->types[t].unit));
    json_object_set_new(obj, "total", json_integer(a->total));
    json_object_set_new(obj, "functions_total", json_integer((json_int_t)n));
    json_object_set_new(obj, "functions", fns);
    return obj;
}

static int parse_args(int argc, char **argv, struct top_opts *o,
                      const char **path, bool *help)
{
    static const struct option longopts[] = {
        {"sample-type", required_argument, NULL, 't'},
        {"format", required_argument, NULL, 'f'},
        {"top", required_argument, NULL, 'n'},
        {"sort", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        FG_CLI_LIMIT_OPTIONS,
        {NULL, 0, NULL, 0}};
    struct fg_error err = {0, ""};
    int c;
    while ((c = getopt_long(argc, argv, "t:f:n:s:h", longopts, NULL)) != -1) {
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
        case 'h': *help = true; return 0;
        default:
            if (c >= FG_OPT_LIMIT_BASE &&
                c < FG_OPT_LIMIT_BASE + FG_OPT_LIMIT_COUNT) {
                if (fg_cli_limit_set(&o->lim, c, optarg, &err))
                    return fg_usage_error("top", "%s", err.msg);
                break;
            }
            return fg_usage_error("top", "invalid option");
        }
    }
    if (optind + 1 != argc)
        return fg_usage_error("top", optind >= argc
                                         ? "no profile given"
                                         : "give exactly one profile");
    *path = argv[optind];
    return 0;
}

/* The tables of one profile (every type with --sample-type all) into
 * out, or their JSON objects into jtypes.  Returns an exit code. */
static int top_profile(const struct fg_profile *p, const struct top_opts *o,
                       struct fg_buf *out, json_t *jtypes)
{
    struct fg_error err = {0, ""};
    bool all = o->sample_type && strcmp(o->sample_type, "all") == 0;
    size_t first = 0, last = 0;
    if (all) {
        last = p->n_types;
    } else {
        if (fg_profile_select_type(p, o->sample_type, &first, &err))
            return fg_cli_fail(&err);
        last = first + 1;
    }
    for (size_t t = first; t < last; t++) {
        struct fg_agg a;
        if (fg_aggregate_type(p, t, &a, &err))
            return fg_cli_fail(&err);
        int wr = FG_OK;
        if (o->format == TOP_TSV)
            wr = emit_tsv(p, t, &a, o, out);
        else if (o->format == TOP_TEXT)
            wr = (t > first ? fg_buf_addc(out, '\n') : FG_OK) ||
                 emit_text(p, t, &a, o, out);
        else
            json_array_append_new(jtypes, top_json_type(p, t, &a, o));
        fg_agg_release(&a);
        if (wr) {
            fg_msg_error("output too large");
            return FG_EXIT_USAGE;
        }
    }
    return 0;
}

/*
 * A two-sided file (a Pyroscope diff) prints both sides: text one after
 * the other, TSV each after a "#side<TAB>base|candidate" line, JSON as
 * "sides": [{"side", "source", "sample_types"}, ...].
 */
int fg_cmd_top(int argc, char **argv)
{
    struct top_opts o = {NULL, TOP_TEXT, -1, SORT_FLAT, {0}};
    fg_limits_default(&o.lim);
    const char *path = NULL;
    bool help = false;
    int rc = parse_args(argc, argv, &o, &path, &help);
    if (rc || help) {
        if (help)
            fputs(top_usage, stdout), fputs(fg_cli_limits_help, stdout);
        return rc;
    }
    static const char *const side_names[] = {"base", "candidate"};
    struct fg_error err = {0, ""};
    struct fg_profile *p[FG_SOURCE_MAX_SIDES] = {NULL};
    size_t np = 0;
    struct fg_buf out;
    fg_buf_init(&out, 0);
    json_t *root = json_object();
    json_t *jsides = json_array();
    if (fg_source_load_sides(path, &o.lim, p, &np, &err)) {
        rc = fg_cli_fail(&err);
        goto out;
    }
    for (size_t i = 0; i < np && !rc; i++) {
        json_t *jtypes = json_array();
        if (np > 1 && o.format == TOP_TSV)
            rc = fg_buf_addf(&out, "#side\t%s\n", side_names[i])
                     ? FG_EXIT_USAGE
                     : 0;
        if (np > 1 && o.format == TOP_TEXT && i > 0)
            rc = fg_buf_addc(&out, '\n') ? FG_EXIT_USAGE : 0;
        rc = rc ? rc : top_profile(p[i], &o, &out, jtypes);
        if (np == 1) {
            json_object_set_new(root, "source", json_name(p[i]->source));
            json_object_set_new(root, "sample_types", jtypes);
        } else {
            json_t *js = json_object();
            json_object_set_new(js, "side", json_string(side_names[i]));
            json_object_set_new(js, "source", json_name(p[i]->source));
            json_object_set_new(js, "sample_types", jtypes);
            json_array_append_new(jsides, js);
        }
    }
    if (rc)
        goto out;
    if (o.format == TOP_JSON) {
        if (np > 1) {
            json_object_set_new(root, "source", json_name(path));
            json_object_set_new(root, "sides", jsides);
            jsides = NULL;
        }
        char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!s || fg_buf_adds(&out, s) || fg_buf_addc(&out, '\n')) {
            free(s);
            fg_msg_error("cannot encode JSON");
            rc = FG_EXIT_USAGE;
            goto out;
        }
        free(s);
    }
    fwrite(out.data ? out.data : "", 1, out.len, stdout);
out:
    json_decref(jsides);
    json_decref(root);
    fg_buf_release(&out);
    for (size_t i = 0; i < np; i++)
        fg_profile_free(p[i]);
    return rc;
}
