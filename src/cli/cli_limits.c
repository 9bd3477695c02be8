/* cli_limits.c - the shared --max-* limit flags (see cli.h). */
#include "cli/cli.h"
#include "flamegate/profile.h"
#include "core/util.h"

const char fg_cli_limits_help[] =
    "Limits (inputs are untrusted; sizes accept K, M, G suffixes):\n"
    "      --max-input-size N         bytes read per file (1G)\n"
    "      --max-decompressed-size N  bytes after gunzip (2G)\n"
    "      --max-string-table N       string table bytes (512M)\n"
    "      --max-samples N            samples per profile (50000000)\n"
    "      --max-locations N          locations per profile (50000000)\n"
    "      --max-functions N          functions per profile (20000000)\n"
    "      --max-stack-depth N        frames per sample (1000000)\n"
    "      --max-labels N             labels per sample (10000)\n"
    "      --max-response-size N      bytes per HTTP response (1G)\n"
    "      --max-runs N               profiles per side (1000)\n";

int fg_cli_limit_set(struct fg_limits *lim, int opt, const char *arg,
                     struct fg_error *err)
{
    static const char *const names[FG_OPT_LIMIT_COUNT] = {
        "--max-input-size", "--max-decompressed-size", "--max-string-table",
        "--max-samples",    "--max-locations",         "--max-functions",
        "--max-stack-depth", "--max-labels",           "--max-response-size",
        "--max-runs"};
    size_t *fields[FG_OPT_LIMIT_COUNT] = {
        &lim->max_input,     &lim->max_inflated,  &lim->max_strtab,
        &lim->max_samples,   &lim->max_locations, &lim->max_functions,
        &lim->max_depth,     &lim->max_labels,    &lim->max_http,
        &lim->max_runs};
    int i = opt - FG_OPT_LIMIT_BASE;
    if (i < 0 || i >= FG_OPT_LIMIT_COUNT)
        return fg_error_set(err, FG_EUSAGE, "unknown limit option");
    size_t v;
    int rc = fg_parse_size(arg, &v, names[i], err);
    if (rc)
        return rc;
    if (v == 0)
        return fg_error_set(err, FG_EUSAGE, "%s must be positive", names[i]);
    *fields[i] = v;
    return FG_OK;
}
