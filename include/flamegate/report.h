/*
 * report.h - every report format of a comparison: terminal text, markdown
 * (PR comments and job summaries), JSON, a self-contained HTML
 * differential flame graph, and a folded diff.
 *
 * A report is written from a struct fg_result (compare.h) and, for the
 * HTML flame graph and the folded diff, the merged stack tree
 * (flame.h).  Reports are pure functions of their inputs: identical inputs
 * give byte-identical output (no clock, no locale, no pointer values).
 * Every report names the flamegate version and ctx->settings.
 *
 * Function names may hold any byte.  Each format makes them safe:
 *  - text, HTML, folded: control bytes and bytes that are not valid UTF-8
 *    are shown as \xNN (\t, \n, \r for those three), C1 controls and
 *    bidirectional-override characters as \u{XXXX}; other characters are
 *    shown as they are (a backslash stays a backslash, so this display form
 *    is not reversible: use the JSON for exact names);
 *  - markdown: the display form above, inside a code span whose backtick
 *    fence is longer than any backtick run in the name, with '|' escaped
 *    for tables; names longer than 200 bytes are cut with an ellipsis;
 *  - JSON: the name as a JSON string; bytes that are not valid UTF-8 are
 *    replaced with U+FFFD, and then "name_hex" holds the exact bytes;
 *  - HTML: the display form, HTML-escaped, or set through textContent;
 *  - folded: the display form with ';' (the frame separator) replaced by
 *    ':'.
 * docs/json-schema.md documents the JSON (docs/json-schema.json is its
 * schema); src/report_*.c describe the layout of the other formats.
 */
#ifndef FLAMEGATE_REPORT_H
#define FLAMEGATE_REPORT_H

#include "flamegate/buf.h"
#include "flamegate/compare.h"
#include "flamegate/flame.h"

enum fg_report_format {
    FG_REPORT_TEXT = 0,
    FG_REPORT_MARKDOWN = 1,
    FG_REPORT_JSON = 2,
    FG_REPORT_HTML = 3,
    FG_REPORT_FOLDED = 4
};

/* GitHub's limit for an issue or PR comment body, in characters. */
#define FG_REPORT_MD_LIMIT 65536
/* Default ctx->md_max_bytes: the limit less a margin for what a caller may
 * wrap around the report.  Bytes are an upper bound for characters. */
#define FG_REPORT_MD_MAX_DEFAULT (FG_REPORT_MD_LIMIT - 1024)
/* Smallest cap honoured (the verdict, summary and footer always fit). */
#define FG_REPORT_MD_MIN 8192
/* Default rows per table (ctx->top == 0); new and vanished functions get
 * half as many by default. */
#define FG_REPORT_TOP_TEXT 20
#define FG_REPORT_TOP_MD 10
/* The HTML report lists every flagged row and this many others. */
#define FG_REPORT_HTML_OTHER_ROWS 500
/* The HTML flame graph drops nodes whose candidate value is below this
 * fraction of the candidate total, folding them into one "(other)" node
 * per parent (and raises it until at most FG_REPORT_HTML_MAX_NODES
 * nodes remain). */
#define FG_REPORT_HTML_PRUNE 1e-4
#define FG_REPORT_HTML_MAX_NODES 200000

/*
 * Parse a format name: "text", "markdown" or "md", "json", "html",
 * "folded".  Returns FG_OK, or FG_EUSAGE for an unknown name (*out is then
 * unchanged; the caller words the message).
 */
int fg_report_format_parse(const char *name, enum fg_report_format *out);

/* Canonical name of a format ("text", "markdown", ...). */
const char *fg_report_format_name(enum fg_report_format f);

/*
 * How the profiles were prepared before the comparison, beyond
 * fg_compare_opts: the JSON report lists in its settings what is set.
 * Every pointer is borrowed; lists are n strings each.
 */
struct fg_report_prep {
    const char *const *focus;     /* pprof's sample filters, as given */
    size_t n_focus;
    const char *const *ignore;
    size_t n_ignore;
    const char *const *hide;
    size_t n_hide;
    const char *const *show_from;
    size_t n_show_from;
    const char *const *tagfocus;
    size_t n_tagfocus;
    const char *const *tagignore;
    size_t n_tagignore;
    unsigned split;               /* each recording cut into this many
                                   * time blocks; 0 or 1: not cut */
    unsigned folded_column;       /* column read from two-count folded
                                   * files (1 or 2); 0: not set */
};

struct fg_report_ctx {
    const struct fg_result *result; /* borrowed; NULL only for folded */
    const struct fg_flame *flame;   /* borrowed, may be NULL: the HTML
                                     * report then says there is no flame
                                     * graph, folded fails */
    const char *version;            /* borrowed; NULL: FG_VERSION */
    const char *settings;           /* borrowed: the exact settings that
                                     * reproduce the run (e.g. the flags);
                                     * NULL: "(not recorded)" */
    const char *marker_id;          /* sticky comment id; NULL: "default" */
    size_t top;                     /* max rows per table (text,
                                     * markdown); 0: the defaults;
                                     * SIZE_MAX: every row */
    bool color;                     /* ANSI colours in text */
    size_t md_max_bytes;            /* markdown cap in bytes; 0: the
                                     * default; at least FG_REPORT_MD_MIN */
    const struct fg_report_prep *prep; /* borrowed, may be NULL: nothing
                                        * beyond the comparison's options
                                        * was set */
};

/* Zero ctx and set result and flame (both borrowed). */
void fg_report_ctx_init(struct fg_report_ctx *ctx,
                        const struct fg_result *result,
                        const struct fg_flame *flame);

/*
 * Append the report in format f to out (which the caller owns; its max
 * applies).  Errors: FG_EUSAGE when a required input is missing (result,
 * or the flame tree for folded), FG_ELIMIT when out's limit is reached
 * (out is then released), FG_EFORMAT when JSON encoding fails.
 */
int fg_report_write(enum fg_report_format f, const struct fg_report_ctx *ctx,
                    struct fg_buf *out, struct fg_error *err) FG_MUST_CHECK;

/* The individual writers behind fg_report_write (same contract). */
int fg_report_text(const struct fg_report_ctx *ctx, struct fg_buf *out,
                   struct fg_error *err) FG_MUST_CHECK;
int fg_report_markdown(const struct fg_report_ctx *ctx, struct fg_buf *out,
                       struct fg_error *err) FG_MUST_CHECK;
int fg_report_json(const struct fg_report_ctx *ctx, struct fg_buf *out,
                   struct fg_error *err) FG_MUST_CHECK;
int fg_report_html(const struct fg_report_ctx *ctx, struct fg_buf *out,
                   struct fg_error *err) FG_MUST_CHECK;
int fg_report_folded(const struct fg_report_ctx *ctx, struct fg_buf *out,
                     struct fg_error *err) FG_MUST_CHECK;

/* A comparison that could not be made (fg_report_json_error). */
struct fg_report_failure {
    const struct fg_error *error; /* borrowed: what went wrong */
    int exit_code;                /* what the process exits with */
    bool passed;                  /* --on-error pass made exit_code 0 */
};

/*
 * Append the JSON document of a comparison that could not be made to out:
 * verdict "ERROR", the error's message, kind (fetch, input, usage, ...)
 * and the exit code it maps to, and whether --on-error pass let it
 * through (docs/json-schema.md, "Error document").  ctx gives the
 * version and settings; ctx->result is not used.  Same contract as
 * fg_report_write.
 */
int fg_report_json_error(const struct fg_report_ctx *ctx,
                         const struct fg_report_failure *f,
                         struct fg_buf *out,
                         struct fg_error *err) FG_MUST_CHECK;

/*
 * Append the terminal-safe display form of s[0..len) to out (the escaping
 * described at the top of this file).  Exposed for the CLI's messages.
 */
int fg_report_escape_display(struct fg_buf *out, const char *s, size_t len)
    FG_MUST_CHECK;

#endif
