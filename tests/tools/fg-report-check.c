/*
 * fg-report-check - write the report fixtures of tests/report/check_report.c to
 * standard output, for the end-to-end report scripts (tests/cli/report_*):
 *
 *   fg-report-check sample FORMAT     the sample comparison (the goldens)
 *   fg-report-check big N FORMAT      N functions (markdown size cap)
 *   fg-report-check units             for each "VALUE UNIT" line of
 *                                     standard input (UNIT may be empty),
 *                                     VALUE as the reports print it
 *
 * FORMAT is text, markdown, json, html or folded.
 */
#include "fg-report-check.h"
#include "report/report_common.h"

/* The text and markdown reports' value formatting, for the HTML script's
 * check (tests/cli/report_html_units.sh). */
static int units(void)
{
    char line[512];
    while (fgets(line, sizeof(line), stdin)) {
        line[strcspn(line, "\n")] = '\0';
        char *end = NULL;
        double v = strtod(line, &end);
        if (end == line) {
            fprintf(stderr, "fg-report-check: bad value line '%s'\n", line);
            return 2;
        }
        const char *unit = *end == ' ' ? end + 1 : end;
        char buf[FG_REP_NUM];
        printf("%s\n", fg_rep_value(buf, v, unit));
    }
    return fflush(stdout) == 0 ? 0 : 2;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "units") == 0)
        return units();
    enum fg_report_format fmt;
    bool big = argc == 4 && strcmp(argv[1], "big") == 0;
    bool sample = argc == 3 && strcmp(argv[1], "sample") == 0;
    if ((!big && !sample) ||
        fg_report_format_parse(argv[argc - 1], &fmt) != FG_OK) {
        fprintf(stderr, "usage: fg-report-check sample FORMAT\n"
                        "       fg-report-check big N FORMAT\n"
                        "       fg-report-check units < VALUES\n");
        return 2;
    }
    struct fg_result *r = NULL;
    if (big) {
        long n = strtol(argv[2], NULL, 10);
        if (n <= 0 || n > 10000000) {
            fprintf(stderr, "fg-report-check: bad count '%s'\n", argv[2]);
            return 2;
        }
        r = fgt_big_result((size_t)n);
    } else {
        r = fgt_sample_result();
    }
    struct fg_flame *f = fgt_sample_flame();
    struct fg_report_ctx ctx;
    fgt_ctx(&ctx, r, f);
    struct fg_buf out;
    fg_buf_init(&out, 0);
    struct fg_error err;
    int rc = fg_report_write(fmt, &ctx, &out, &err);
    if (rc == FG_OK) {
        fwrite(out.data ? out.data : "", 1, out.len, stdout);
        if (fflush(stdout) != 0)
            rc = FG_EIO;
    } else {
        fprintf(stderr, "fg-report-check: %s\n", err.msg);
    }
    fg_buf_release(&out);
    fg_flame_free(f);
    fg_result_free(r);
    return rc == FG_OK ? 0 : 2;
}
