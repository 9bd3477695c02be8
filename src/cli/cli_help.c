/*
 * cli_help.c - the man page, generated from the --help text of every
 * command ("flamegate help --man", "make man" writes docs/flamegate.1),
 * and the message for an option getopt refused.
 *
 * Each command's --help is the one description of its options; the man
 * page is that text in roff, so the two cannot drift apart (a test checks
 * that docs/flamegate.1 is what this prints).
 */
#include "cli/cli.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *fg_cli_option_error(const char *optstring, char **argv, char *buf,
                                size_t n)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "?";
    size_t len = strcspn(arg, "=");
    if (optopt > 0 && optopt < 128 && isprint(optopt) &&
        !strchr(optstring, optopt))
        snprintf(buf, n, "unknown option '-%c'", optopt);
    else if (optopt == 0)
        snprintf(buf, n, "unknown option '%.*s'", (int)len, arg);
    else if (arg[len] == '=')
        snprintf(buf, n, "option '%.*s' takes no value", (int)len, arg);
    else
        snprintf(buf, n, "option '%s' needs a value", arg);
    return buf;
}

/* ---- the man page ------------------------------------------------------------ */

/* What "flamegate CMD --help" prints (malloc'd), captured from stdout. */
static char *help_of(const struct fg_cli_command *c)
{
    fflush(stdout);
    FILE *tmp = tmpfile();
    int saved = dup(STDOUT_FILENO);
    if (!tmp || saved < 0 || dup2(fileno(tmp), STDOUT_FILENO) < 0) {
        if (tmp)
            fclose(tmp);
        if (saved >= 0)
            close(saved);
        return NULL;
    }
    char *argv[] = {(char *)(uintptr_t)c->name, (char *)(uintptr_t)"--help",
                    NULL};
    optind = 0;
    c->run(2, argv);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    long size = ftell(tmp);
    char *text = NULL;
    if (size >= 0 && fseek(tmp, 0, SEEK_SET) == 0) {
        text = malloc((size_t)size + 1);
        if (text && fread(text, 1, (size_t)size, tmp) != (size_t)size) {
            free(text);
            text = NULL;
        }
        if (text)
            text[size] = '\0';
    }
    fclose(tmp);
    return text;
}

/* One line of text in roff: backslashes and dashes escaped, a leading
 * period or quote neutralised. */
static void roff(const char *s, size_t n)
{
    if (n && (s[0] == '.' || s[0] == '\''))
        fputs("\\&", stdout);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\')
            fputs("\\e", stdout);
        else if (s[i] == '-')
            fputs("\\-", stdout);
        else
            putchar(s[i]);
    }
}

static void roffln(const char *s, size_t n)
{
    roff(s, n);
    putchar('\n');
}

static size_t indent(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] == ' ')
        i++;
    return i;
}

/* The end of an option's flags in an option line: the first run of two
 * spaces after the flags start, or n when the line has no description. */
static size_t flags_end(const char *s, size_t n, size_t from)
{
    for (size_t i = from; i + 1 < n; i++)
        if (s[i] == ' ' && s[i + 1] == ' ')
            return i;
    return n;
}

/*
 * A command's help in roff: the usage lines are left out (they are in the
 * synopsis); a line ending in ':' at the margin is a subsection; an
 * indented line starting with '-', or with a term, two spaces and its
 * meaning, is a list item (.TP), more indented lines continue it; an
 * indented line starting with "flamegate" is an example; other lines are
 * filled paragraphs, blank lines separate them.
 */
static void help_to_man(const char *text)
{
    bool in_usage = true, in_item = false, in_example = false;
    bool need_pp = false, examples = false;
    for (const char *l = text; *l;) {
        const char *nl = strchr(l, '\n');
        size_t n = nl ? (size_t)(nl - l) : strlen(l);
        const char *next = nl ? nl + 1 : l + n;
        size_t in = indent(l, n);
        bool blank = in == n;
        if (in_usage && (strncmp(l, "usage:", 6) == 0 || (in > 0 && !blank))) {
            l = next;
            continue;
        }
        in_usage = false;
        bool example = in > 0 && !blank && !in_item &&
                       (examples || strncmp(l + in, "flamegate ", 10) == 0);
        bool more_example = in_example && in > 2 && !blank;
        if (in_example && !example && !more_example) {
            puts(".fi");
            in_example = false;
            need_pp = true;
        }
        size_t gap = in > 0 ? flags_end(l, n, in) : n;
        if (blank) {
            in_item = false;
            need_pp = true;
        } else if (example || more_example) {
            if (!in_example)
                puts(".PP\n.nf");
            in_example = true;
            need_pp = false;
            roffln(l + 2, n - 2);
        } else if (in == 0 && l[n - 1] == ':') {
            in_item = false;
            need_pp = false;
            examples = strncmp(l, "Examples:", n) == 0;
            fputs(".SS \"", stdout);
            roff(l, n - 1);
            puts("\"");
        } else if (in > 0 && (!in_item || in <= 6) &&
                   (l[in] == '-' || gap < n)) {
            puts(".TP");
            fputs(".B \"", stdout);
            roff(l + in, gap - in);
            puts("\"");
            size_t d = gap + indent(l + gap, n - gap);
            if (d < n)
                roffln(l + d, n - d);
            in_item = true;
            need_pp = false;
        } else if (in_item && in > 2) {
            roffln(l + in, n - in);
        } else {
            if (need_pp || in_item)
                puts(".PP");
            in_item = false;
            need_pp = false;
            roffln(l + in, n - in);
        }
        l = next;
    }
    if (in_example)
        puts(".fi");
}

/* The usage lines of a command's help, for the synopsis: "usage:" and
 * each indented "flamegate ..." line start an entry, other indented lines
 * continue it. */
static void synopsis(const char *text)
{
    bool first = true;
    for (const char *l = text; *l;) {
        const char *nl = strchr(l, '\n');
        size_t n = nl ? (size_t)(nl - l) : strlen(l);
        size_t in = indent(l, n);
        const char *u = NULL;
        if (strncmp(l, "usage: ", 7) == 0)
            u = l + 7;
        else if (in > 0 && in < n)
            u = l + in;
        else
            break;
        size_t un = n - (size_t)(u - l);
        size_t cmd = 0;
        if (strncmp(u, "flamegate ", 10) == 0) {
            const char *sp = memchr(u + 10, ' ', un - 10);
            cmd = sp ? (size_t)(sp - u) : un;
            if (!first)
                puts(".br");
            first = false;
            fputs(".B ", stdout);
            roffln(u, cmd);
        }
        if (cmd < un) {
            fputs(".RI \"", stdout);
            roff(u + cmd, un - cmd);
            puts("\"");
        }
        l = nl ? nl + 1 : l + n;
    }
    if (!first)
        puts(".br");
}

/* The hand-written sections that no --help holds. */
static const char man_tail[] =
    ".SH EXIT STATUS\n"
    ".TP\n.B 0\nPASS, MARGINAL, or INCONCLUSIVE (unless\n"
    ".BR \"\\-\\-inconclusive fail\" ).\n"
    ".TP\n.B 1\nFAIL: at least one function regressed significantly and "
    "materially, or a\nbudget was exceeded.\n"
    ".TP\n.B 2\nUsage error or unusable input (bad flags, unreadable or "
    "corrupt profile,\nmismatched profile types).\n"
    ".TP\n.B 3\nA backend or network fetch failed.\n"
    ".PP\n.B \\-\\-on\\-error pass\nturns 2 and 3 into 0 with a warning; "
    "usage errors stay 2.\n"
    ".SH ENVIRONMENT\n"
    ".TP\n.B FLAMEGATE_<OPTION>\nAny compare option, upper case with dashes "
    "as underscores\n(\\fBFLAMEGATE_MIN_CHANGE=15%\\fR); command-line flags "
    "win.  An unknown\nFLAMEGATE_ variable is warned about, with the nearest "
    "known name.\n"
    ".TP\n.B FLAMEGATE_CONFIG\nThe config file when \\-\\-config is not given "
    "(else .flamegate.json in the\nworking directory).\n"
    ".TP\n.B FLAMEGATE_BACKEND_PROFILE\nThe backend profile of the config "
    "file when \\-\\-backend\\-profile is not given.\n"
    ".TP\n.B NO_COLOR\nDisables colour in the text report.\n"
    ".TP\n.B GITHUB_TOKEN, GITHUB_API_URL, GITHUB_REPOSITORY, "
    "GITHUB_EVENT_PATH\nUsed by\n.BR \"flamegate comment\" .\n"
    ".SH FILES\n"
    ".TP\n.I .flamegate.json\nProject configuration: settings, rules, "
    "budgets, presets, backend profiles\n(docs/config.md).\n"
    ".SH SEE ALSO\n"
    ".BR go (1)\ntool pprof, whose sample filters and -top values flamegate "
    "reproduces;\nthe README for the statistics, the reports and the "
    "integrations.\n";

int fg_cli_man(const struct fg_cli_command *cmds, size_t n,
               const char *overview)
{
    char **help = calloc(n, sizeof(char *));
    if (!help)
        return FG_EXIT_USAGE;
    int rc = FG_EXIT_PASS;
    for (size_t i = 0; i < n && rc == FG_EXIT_PASS; i++)
        if (!(help[i] = help_of(&cmds[i])))
            rc = FG_EXIT_USAGE;
    if (rc == FG_EXIT_PASS) {
        puts(".\\\" Generated by 'flamegate help --man' ('make man') from "
             "the --help text of");
        puts(".\\\" every command: edit that text, not this file.");
        printf(".TH FLAMEGATE 1 \"\" \"flamegate %s\" \"User Commands\"\n",
               FG_VERSION);
        puts(".SH NAME\nflamegate \\- a deploy gate for performance: "
             "compare sampled profiles function by function");
        puts(".SH SYNOPSIS");
        for (size_t i = 0; i < n; i++)
            synopsis(help[i]);
        puts(".SH DESCRIPTION");
        help_to_man(overview);
        for (size_t i = 0; i < n; i++) {
            printf(".SH \"FLAMEGATE %s\"\n", cmds[i].name);
            for (char *p = strchr(help[i], '\0'); p > help[i] && p[-1] ==
                                                                  '\n';)
                *--p = '\0';
            help_to_man(help[i]);
        }
        fputs(man_tail, stdout);
    }
    for (size_t i = 0; i < n; i++)
        free(help[i]);
    free(help);
    if (rc != FG_EXIT_PASS)
        fg_msg_error("cannot capture the commands' help");
    return rc;
}
