/*
 * report_common.h - internals shared by the report formats (report_common.c): a writer with a sticky
 * status, escaping, number and unit formatting, and the row sections every
 * format shows.  Not part of the library's interface.
 */
#ifndef FLAMEGATE_REPORT_COMMON_H
#define FLAMEGATE_REPORT_COMMON_H

#include "flamegate/report.h"

/* Appends to buf; after the first failure (FG_ELIMIT) every call is a
 * no-op and rc keeps the status, so writers check once at the end. */
struct fg_rw {
    struct fg_buf *buf; /* borrowed */
    int rc;
};

void fg_rw_init(struct fg_rw *w, struct fg_buf *buf);
void fg_rw_add(struct fg_rw *w, const char *s, size_t n);
void fg_rw_adds(struct fg_rw *w, const char *s);
void fg_rw_addc(struct fg_rw *w, char c);
void fg_rw_addf(struct fg_rw *w, const char *fmt, ...) FG_PRINTF(2, 3);
void fg_rw_repeat(struct fg_rw *w, char c, size_t n);
/* Turn w->rc into an error message for err; returns w->rc. */
int fg_rw_finish(struct fg_rw *w, const char *what, struct fg_error *err);

/* The display escaping of report.h.  semicolon_colon: also turn ';' into
 * ':' (folded).  Returns the number of bytes written. */
size_t fg_rep_escape(struct fg_rw *w, const char *s, size_t len,
                     bool semicolon_colon);

/* s as valid UTF-8 (malloc'd): each byte that does not start a valid
 * sequence becomes U+FFFD; *changed (may be NULL) tells whether any did. */
char *fg_rep_utf8_fix(const char *s, bool *changed);

/* HTML text/attribute escaping of s (& < > " ') after display escaping. */
void fg_rep_html_escape(struct fg_rw *w, const char *s, size_t len);

/* Number formatting into a caller buffer of at least FG_REP_NUM bytes;
 * each returns buf.  Non-finite values print "n/a" (or a sign and
 * "inf" where a value can legitimately be infinite). */
#define FG_REP_NUM 64
/* The result's run-to-run noise as the per-stack coefficient of variation
 * it stands for: "run-to-run noise 35% per stack" ("0%", "<1%"), or "run-to-run
 * noise not estimated (too few functions)". */
const char *fg_rep_noise(char *buf, const struct fg_result *r);

/* What the environment model did to the samples, e.g. "set aside as
 * environment-driven: base 3.1%, candidate 4.0% of the samples (collector,
 * scheduler, waits); preemption counted as the interrupted function's
 * time: base 21.6%, candidate 14.0%", into buf (at least FG_REP_ENV
 * bytes); NULL when it did nothing. */
#define FG_REP_ENV 320
const char *fg_rep_env(char *buf, const struct fg_result *r);
/* What the two minimum detectable effects mean, in the words of every
 * format (compare.c computes them for MDE_SHARE and MDE_POWER). */
#define FG_REP_MDE_SAMPLING                                                   \
    "smallest rise of a function at 5% share found with 80% power if "      \
    "sampling were the only noise"
#define FG_REP_MDE_NOISE                                                      \
    "with the run-to-run noise estimated here (for a function as "          \
    "concentrated as the median tested one)"
/* "; Holm over the N that can move by min-delta" when the FAIL family
 * (fg_result.n_gate) is smaller than the tested one, else "". */
const char *fg_rep_gate(char *buf, const struct fg_result *r);
/* A minimum detectable effect: "+58.0%", "n/a" (0), "none (undetectable)"
 * (FG_STATS_MDE_MAX). */
const char *fg_rep_mde(char *buf, double mde);
const char *fg_rep_pct(char *buf, double share);     /* "12.34%" */
const char *fg_rep_pp(char *buf, double delta);      /* "+1.23 pp" */
const char *fg_rep_rel(char *buf, double ratio);     /* "+51.2%" */
const char *fg_rep_p(char *buf, double p);           /* "0.012" "3.1e-06" */
const char *fg_rep_count(char *buf, int64_t v);      /* "12,345" */
const char *fg_rep_value(char *buf, double v, const char *unit); /* "1.2 s" */
const char *fg_rep_num(char *buf, double v);         /* "%.4g" */
/* Whether a relative change means something: both counts positive (a
 * new or vanished row would print +50025%). */
bool fg_rep_has_rel(const struct fg_func_result *f);
/* "+51.2% [+30.1%, +75.0%]" (without the interval when not finite);
 * "new" or "gone" when a side is zero; "untested" for a row the tests
 * skipped (its ratio is only a placeholder). */
const char *fg_rep_rel_ci(char *buf, size_t n,
                          const struct fg_func_result *f);

/* What an environment-driven row needs to fail: "would fail from about
 * x2.4", or "cannot fail at these sample counts" when that ratio would
 * give it more than all the samples. */
const char *fg_rep_env_fail(char *buf, size_t n,
                            const struct fg_func_result *f);

/* A phrase describing a test ("moderated Welch t-test on ..."). */
const char *fg_rep_test_desc(enum fg_test t);

/* Row sections, in report order. */
enum fg_rep_section {
    FG_SEC_REGRESSION = 0,
    FG_SEC_MARGINAL,
    FG_SEC_IMPROVEMENT,
    FG_SEC_BUDGET,
    FG_SEC_NEW,
    FG_SEC_VANISHED,
    FG_SEC_COUNT
};

bool fg_rep_in_section(const struct fg_func_result *f, enum fg_rep_section s);
/* Row indices of section s in result order (malloc'd, *n entries; never
 * NULL).  New and vanished list each name once even when --metric both
 * gives it a flat and a cum row. */
size_t *fg_rep_section_rows(const struct fg_result *r, enum fg_rep_section s,
                            size_t *n);
/* True when rows carry a metric (flat/cum) that should be shown. */
bool fg_rep_show_metric(const struct fg_result *r);
const char *fg_rep_section_title(enum fg_rep_section s);

/* The adjusted p shown for a row: BH for marginal rows, Holm otherwise. */
double fg_rep_adj_p(const struct fg_func_result *f);

/* "95%": the confidence level of the ratio intervals (1 - alpha). */
const char *fg_rep_ci_level(char *buf, const struct fg_result *r);

/* Short verdict phrase, e.g. "2 functions regressed" (plain text). */
void fg_rep_verdict_phrase(struct fg_rw *w, const struct fg_result *r);

/* The side of r that has no samples at all, "base" or "candidate" (0
 * runs: no profile of that side, or every backend window of it, held
 * any), or NULL when both sides have runs. */
const char *fg_rep_empty_side(const struct fg_result *r);

/* Names of the flags set in f (e.g. "tested", "regression"), in bit
 * order; returns the count written to names (at most 16). */
size_t fg_rep_flag_names(unsigned flags, const char **names);

/* "new call path", "self time", "inclusive time". */
const char *fg_rep_finding_kind(enum fg_finding_kind k);

/* A finding's one-line title, names written by name() in the format's
 * escaping: "caller -> root: new call path, 0.00% -> 29.80% of the samples
 * (+29.80 pp)". */
void fg_rep_finding_title(struct fg_rw *w, const struct fg_result *r,
                          const struct fg_finding *f,
                          void (*name)(struct fg_rw *w, const char *s));

/* The rule that failed a row ("Holm p 0.021 < 0.05", or the critical BH
 * tier with its numbers), "Holm p ..."/"BH p ..." for marginal rows, else
 * "". */
const char *fg_rep_rule(char *buf, size_t n, const struct fg_result *r,
                        const struct fg_func_result *f);

/* The rows that moved most (|cand share - base share|, flat and cum, not
 * ignored, the all-samples root left out): malloc'd, *n <= max entries. */
size_t *fg_rep_top_moves(const struct fg_result *r, size_t max, size_t *n);

const char *fg_rep_version(const struct fg_report_ctx *ctx);
const char *fg_rep_settings(const struct fg_report_ctx *ctx);
/* Rows shown of section s: ctx->top, or dflt when 0; new and vanished
 * functions (long lists of rare functions in small profiles, mostly
 * sampling noise) get half of the default. */
size_t fg_rep_top(const struct fg_report_ctx *ctx, enum fg_rep_section s,
                  size_t dflt);

#endif
