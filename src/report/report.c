/*
 * report.c - report dispatch: format names and fg_report_write, which
 * hands a result to one format's writer (report.h).  The pieces every
 * format shares are in report_common.c.
 */
#include "flamegate/report.h"

#include <string.h>

static const char *const format_names[] = {
    [FG_REPORT_TEXT] = "text",
    [FG_REPORT_MARKDOWN] = "markdown",
    [FG_REPORT_JSON] = "json",
    [FG_REPORT_HTML] = "html",
    [FG_REPORT_FOLDED] = "folded",
};

int fg_report_format_parse(const char *name, enum fg_report_format *out)
{
    if (!name)
        return FG_EUSAGE;
    if (strcmp(name, "md") == 0) {
        *out = FG_REPORT_MARKDOWN;
        return FG_OK;
    }
    for (size_t i = 0; i < sizeof(format_names) / sizeof(*format_names);
         i++) {
        if (strcmp(name, format_names[i]) == 0) {
            *out = (enum fg_report_format)i;
            return FG_OK;
        }
    }
    return FG_EUSAGE;
}

const char *fg_report_format_name(enum fg_report_format f)
{
    if ((size_t)f < sizeof(format_names) / sizeof(*format_names))
        return format_names[f];
    return "unknown";
}

void fg_report_ctx_init(struct fg_report_ctx *ctx,
                        const struct fg_result *result,
                        const struct fg_flame *flame)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->result = result;
    ctx->flame = flame;
}

int fg_report_write(enum fg_report_format f, const struct fg_report_ctx *ctx,
                    struct fg_buf *out, struct fg_error *err)
{
    if (!ctx->result && f != FG_REPORT_FOLDED)
        return fg_error_set(err, FG_EUSAGE,
                            "the %s report needs a comparison result",
                            fg_report_format_name(f));
    switch (f) {
    case FG_REPORT_TEXT:
        return fg_report_text(ctx, out, err);
    case FG_REPORT_MARKDOWN:
        return fg_report_markdown(ctx, out, err);
    case FG_REPORT_JSON:
        return fg_report_json(ctx, out, err);
    case FG_REPORT_HTML:
        return fg_report_html(ctx, out, err);
    case FG_REPORT_FOLDED:
        return fg_report_folded(ctx, out, err);
    }
    return fg_error_set(err, FG_EUSAGE, "unknown report format %d", (int)f);
}
