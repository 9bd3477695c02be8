/*
 * main.c - entry point: global library setup, then dispatch to a command
 * (src/cli_<command>.c).  Kept small on purpose.
 */
#include "cli/cli.h"
#include "analysis/stats.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static const char usage_text[] =
    "usage: flamegate COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "A deploy gate for performance: compares a baseline and a candidate set\n"
    "of sampled profiles (pprof) function by function, with statistics that\n"
    "survive run-to-run noise, and exits non-zero on a real regression.\n"
    "\n"
    "Commands:\n"
    "  compare BASE CANDIDATE   compare profiles; exit 1 on a regression\n"
    "  top PROFILE...           summarise profiles like 'pprof -top'\n"
    "  fetch SRC -o FILE        fetch a merged profile from a backend\n"
    "  comment REPORT.md        create or update the sticky PR comment\n"
    "  config --show            print the effective settings\n"
    "  help [COMMAND]           help for a command\n"
    "\n"
    "Exit codes: 0 pass (also MARGINAL and INCONCLUSIVE by default),\n"
    "1 regression (FAIL), 2 usage error or unusable input, 3 fetch failed.\n"
    "\n"
    "Run 'flamegate COMMAND --help' for the options of a command.\n";


static const struct fg_cli_command commands[] = {
    {"compare", fg_cmd_compare},
    {"top", fg_cmd_top},
    {"fetch", fg_cmd_fetch},
    {"comment", fg_cmd_comment},
    {"config", fg_cmd_config},
};

static const struct fg_cli_command *find(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int run(int argc, char **argv)
{
    if (argc < 2)
        return fg_usage_error(NULL, "no command given");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(usage_text, stdout);
        return FG_EXIT_PASS;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("flamegate %s\n", FG_VERSION);
        return FG_EXIT_PASS;
    }
    if (strcmp(cmd, "help") == 0) {
        if (argc < 3 || strcmp(argv[2], "--help") == 0 ||
            strcmp(argv[2], "-h") == 0) {
            fputs(usage_text, stdout);
            return FG_EXIT_PASS;
        }
        if (strcmp(argv[2], "--man") == 0) /* hidden: make man */
            return fg_cli_man(commands, sizeof(commands) / sizeof(*commands),
                              usage_text);
        const struct fg_cli_command *c = find(argv[2]);
        if (!c)
            return fg_usage_error(NULL, "unknown command '%s'", argv[2]);
        char *help_argv[] = {argv[2], (char *)(uintptr_t)"--help", NULL};
        optind = 0;
        return c->run(2, help_argv);
    }
    const struct fg_cli_command *c = find(cmd);
    if (!c)
        return fg_usage_error(NULL, "unknown command '%s'", cmd);
    optind = 0; /* glibc: 0 also resets getopt's internal state */
    opterr = 0; /* the commands say what was wrong, in one line */
    return c->run(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
#ifdef M_MMAP_THRESHOLD
    /* Blocks of 1 MiB and more get mappings of their own, which go back to
     * the system when freed.  glibc's default threshold rises with every
     * large free; past that, freed decoding buffers, per-run aggregates
     * and the profiles once the comparison is done with them stay resident
     * in the threads' heaps and add to the peak. */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
    fg_stats_init();
    fg_cli_malloc_phase(true);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = run(argc, argv);
    curl_global_cleanup();
    return fg_cli_finish(rc);
}
