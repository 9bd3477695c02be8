/*
 * check_config.c - the config file, rules, budgets and presets: precedence
 * (defaults < file < environment < flags), every error message, rule
 * matching order and budgets through fg_compare on small folded profiles,
 * the presets against runtime and user function names, and the backend
 * layer (top level, profiles, environment).
 */
#include "config/backend_opts.h"
#include "flamegate/compare.h"
#include "config/config.h"
#include "input/folded.h"
#include "core/pattern.h"
#include "core/util.h"
#include "testutil.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

/* A fake environment: NULL-terminated name/value pairs, set per test. */
static const char *const *fake_env;

static const char *fake_get(const char *name)
{
    for (size_t i = 0; fake_env && fake_env[i]; i += 2)
        if (strcmp(fake_env[i], name) == 0)
            return fake_env[i + 1];
    return NULL;
}

static int load_text(struct fg_config *c, struct fg_settings *s,
                     const char *json, struct fg_error *err)
{
    return fg_config_load_buffer(c, s, json, strlen(json), "t.json", err);
}

/* Load json, expect failure with code and a message containing every
 * needle (NULL-terminated). */
static void expect_fail_code(const char *json, int code, const char *n1,
                             const char *n2)
{
    struct fg_settings s;
    struct fg_config c;
    struct fg_error err = {0, ""};
    fg_settings_init(&s);
    fg_config_init(&c);
    int rc = load_text(&c, &s, json, &err);
    ck_assert_msg(rc != FG_OK, "accepted: %s", json);
    ck_assert_int_eq(rc, code);
    ck_assert_int_eq(err.code, code);
    ck_assert_msg(strstr(err.msg, "config 't.json'") ||
                      strstr(err.msg, "config t.json"),
                  "no file name in '%s'", err.msg);
    ck_assert_msg(strstr(err.msg, n1), "'%s' lacks '%s'", err.msg, n1);
    ck_assert_msg(!n2 || strstr(err.msg, n2), "'%s' lacks '%s'", err.msg,
                  n2);
    ck_assert_msg(!strchr(err.msg, '\n'), "multi-line: %s", err.msg);
    fg_config_release(&c);
    fg_settings_release(&s);
}

static void expect_fail(const char *json, const char *n1, const char *n2)
{
    expect_fail_code(json, FG_EUSAGE, n1, n2);
}

static char *write_file(const char *dir, const char *name, const char *text)
{
    char *path = fg_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static struct fg_profile *folded(const char *text, const char *name)
{
    struct fg_limits lim;
    fg_limits_default(&lim);
    struct fg_profile *p = NULL;
    struct fg_error err = {0, ""};
    int rc = fg_folded_parse(text, strlen(text), name, &lim, &p, &err);
    ck_assert_msg(rc == FG_OK, "%s", err.msg);
    return p;
}

/* 10,000 samples; main.encodeJSON has 40%, main.parse 30%.  Counts large
 * enough that five single-stack functions pin the run-to-run noise down
 * (overdisp.h): the tests are about rules, not statistics. */
static const char base_text[] = "main;main.encodeJSON 4000\n"
                                "main;main.parse 3000\n"
                                "runtime.asyncPreempt 1000\n"
                                "main;main.asyncPreemptHandler 1000\n"
                                "main;main.other 1000\n";

/* A comparison and the settings its result borrows the rules from. */
struct run {
    struct fg_settings s;
    struct fg_config c;
    struct fg_result *r;
};

/* Compare base_text against cand_text with the config json. */
static struct fg_result *run_compare(struct run *x, const char *json,
                                     const char *cand_text)
{
    struct fg_error err = {0, ""};
    fg_settings_init(&x->s);
    fg_config_init(&x->c);
    ck_assert_msg(load_text(&x->c, &x->s, json, &err) == FG_OK, "%s",
                  err.msg);
    struct fg_profile *b = folded(base_text, "base");
    struct fg_profile *k = folded(cand_text, "cand");
    x->r = NULL;
    int rc = fg_compare(&b, 1, &k, 1, &x->s.cmp, &x->r, &err);
    ck_assert_msg(rc == FG_OK, "%s", err.msg);
    fg_profile_free(b);
    fg_profile_free(k);
    return x->r;
}

static void run_free(struct run *x)
{
    fg_result_free(x->r);
    fg_config_release(&x->c);
    fg_settings_release(&x->s);
}

static const struct fg_func_result *find_func(const struct fg_result *r,
                                              const char *name)
{
    for (size_t i = 0; i < r->n_funcs; i++)
        if (strcmp(r->funcs[i].name, name) == 0 &&
            r->funcs[i].metric == FG_METRIC_FLAT)
            return &r->funcs[i];
    ck_abort_msg("no row for %s", name);
    return NULL;
}

/* ---- precedence --------------------------------------------------------- */

START_TEST(test_precedence)
{
    char *dir = fg_test_tmpdir();
    char *path = write_file(dir, "gate.json",
                            "{\"alpha\": 0.01, \"min_change\": 20,\n"
                            " \"min-delta\": 1, \"top\": 7,\n"
                            " \"format\": \"markdown\"}\n");
    const char *env[] = {"FLAMEGATE_CONFIG", path,
                         "FLAMEGATE_MIN_CHANGE", "30%",
                         "FLAMEGATE_MIN_DELTA", "2",
                         "FLAMEGATE_MIN_SHARE", "0.5",
                         NULL};
    fake_env = env;
    struct fg_settings s;
    struct fg_config c;
    struct fg_error err = {0, ""};
    fg_settings_init(&s);
    fg_config_init(&c);
    ck_assert_msg(fg_config_setup(&c, &s, NULL, NULL, fake_get, &err) == FG_OK,
                  "%s", err.msg);
    /* the command line goes last */
    ck_assert_int_eq(fg_settings_set(&s, "min-delta", "3", "command line",
                                     &err),
                     FG_OK);
    char *origin = fg_xasprintf("config %s", path);
    ck_assert_str_eq(c.path, path);
    ck_assert_str_eq(s.config_path, path);
    ck_assert_str_eq(c.located_by, "FLAMEGATE_CONFIG");
    /* default */
    ck_assert_str_eq(fg_settings_origin(&s, "min-count"), "default");
    ck_assert_int_eq(s.cmp.min_count, 20);
    /* file only */
    ck_assert_str_eq(fg_settings_origin(&s, "alpha"), origin);
    ck_assert_double_eq_tol(s.cmp.alpha, 0.01, 1e-12);
    ck_assert_str_eq(fg_settings_origin(&s, "top"), origin);
    ck_assert_int_eq(s.top, 7);
    ck_assert_int_eq(s.format, FG_REPORT_MARKDOWN);
    /* environment over file */
    ck_assert_str_eq(fg_settings_origin(&s, "min-change"),
                     "environment FLAMEGATE_MIN_CHANGE");
    ck_assert_double_eq_tol(s.cmp.min_change, 0.30, 1e-12);
    /* environment over default */
    ck_assert_str_eq(fg_settings_origin(&s, "min-share"),
                     "environment FLAMEGATE_MIN_SHARE");
    ck_assert_double_eq_tol(s.cmp.min_share, 0.005, 1e-12);
    /* flag over environment over file */
    ck_assert_str_eq(fg_settings_origin(&s, "min-delta"), "command line");
    ck_assert_double_eq_tol(s.cmp.min_delta, 0.03, 1e-12);
    free(origin);
    fg_config_release(&c);
    fg_settings_release(&s);

    /* --config beats FLAMEGATE_CONFIG */
    char *other = write_file(dir, "other.json", "{\"alpha\": 0.02}");
    fg_settings_init(&s);
    fg_config_init(&c);
    ck_assert_int_eq(
        fg_config_setup(&c, &s, other, NULL, fake_get, &err), FG_OK);
    ck_assert_str_eq(c.path, other);
    ck_assert_str_eq(c.located_by, "--config");
    ck_assert_double_eq_tol(s.cmp.alpha, 0.02, 1e-12);
    fg_config_release(&c);
    fg_settings_release(&s);
    fake_env = NULL;
    free(other);
    free(path);
    fg_test_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_locate)
{
    char *dir = fg_test_tmpdir();
    char cwd[4096];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
    ck_assert_int_eq(chdir(dir), 0);
    char *out = (char *)1;
    struct fg_error err = {0, ""};
    /* nothing here: no config */
    ck_assert_int_eq(fg_config_locate(NULL, &out, &err), FG_OK);
    ck_assert_ptr_null(out);
    struct fg_settings s;
    struct fg_config c;
    fg_settings_init(&s);
    fg_config_init(&c);
    fake_env = NULL;
    ck_assert_int_eq(
        fg_config_setup(&c, &s, NULL, NULL, fake_get, &err), FG_OK);
    ck_assert_ptr_null(c.path);
    ck_assert_ptr_null(c.located_by);
    fg_config_release(&c);
    fg_settings_release(&s);
    /* .flamegate.json in the working directory */
    free(write_file(".", ".flamegate.json", "{\"top\": 3}"));
    ck_assert_int_eq(fg_config_locate(NULL, &out, &err), FG_OK);
    ck_assert_str_eq(out, ".flamegate.json");
    free(out);
    fg_settings_init(&s);
    fg_config_init(&c);
    ck_assert_int_eq(
        fg_config_setup(&c, &s, NULL, NULL, fake_get, &err), FG_OK);
    ck_assert_str_eq(c.located_by, "working directory");
    ck_assert_int_eq(s.top, 3);
    ck_assert_str_eq(fg_settings_origin(&s, "top"), "config .flamegate.json");
    fg_config_release(&c);
    fg_settings_release(&s);
    /* an explicit path must exist and be a file */
    ck_assert_int_eq(fg_config_locate("missing.json", &out, &err), FG_EIO);
    ck_assert_ptr_null(out);
    ck_assert_msg(strstr(err.msg, "cannot read config 'missing.json'"), "%s",
                  err.msg);
    ck_assert_int_eq(fg_config_locate(".", &out, &err), FG_EIO);
    ck_assert_msg(strstr(err.msg, "is a directory"), "%s", err.msg);
    ck_assert_int_eq(chdir(cwd), 0);
    fg_test_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_values_and_spellings)
{
    struct fg_settings s;
    struct fg_config c;
    struct fg_error err = {0, ""};
    fg_settings_init(&s);
    fg_config_init(&c);
    int rc = load_text(&c, &s,
                       "{\"base\": [\"a.pb\", \"b.pb\"], \"candidate\": "
                       "\"c.pb\",\n"
                       " \"min_change\": 10, \"min-share\": \"0.2%\",\n"
                       " \"max_samples\": \"2M\", \"max-runs\": 12,\n"
                       " \"min_count\": 30.0, \"on_error\": \"pass\",\n"
                       " \"output\": [\"json=r.json\"], \"test\": "
                       "\"binomial\",\n"
                       " \"timeout\": 12.5, \"insecure\": false}",
                       &err);
    ck_assert_msg(rc == FG_OK, "%s", err.msg);
    ck_assert_uint_eq(s.base.n, 2);
    ck_assert_str_eq(s.base.v[1], "b.pb");
    ck_assert_uint_eq(s.candidate.n, 1);
    ck_assert_double_eq_tol(s.cmp.min_change, 0.1, 1e-12);
    ck_assert_double_eq_tol(s.cmp.min_share, 0.002, 1e-12);
    ck_assert_uint_eq(s.lim.max_samples, 2u << 20);
    ck_assert_uint_eq(s.lim.max_runs, 12);
    ck_assert_int_eq(s.cmp.min_count, 30);
    ck_assert(s.on_error_pass);
    ck_assert_uint_eq(s.n_outputs, 1);
    ck_assert_int_eq(s.cmp.test, FG_TEST_BINOMIAL);
    /* backend options are settings too */
    ck_assert_double_eq_tol(s.backend->timeout, 12.5, 1e-9);
    ck_assert(!s.backend->insecure);
    ck_assert_str_eq(fg_settings_origin(&s, "timeout"), "config t.json");
    ck_assert_str_eq(fg_settings_origin(&s, "insecure"), "config t.json");
    fg_config_release(&c);
    fg_settings_release(&s);

    /* "10%", 10 and "10" are the same min_change: percent */
    const char *forms[] = {"\"10%\"", "10", "\"10\""};
    for (size_t i = 0; i < 3; i++) {
        char *json = fg_xasprintf("{\"min_change\": %s, \"rules\": [{\"glob\":"
                                  " \"x*\", \"min_change\": %s}]}",
                                  forms[i], forms[i]);
        fg_settings_init(&s);
        fg_config_init(&c);
        ck_assert_msg(load_text(&c, &s, json, &err) == FG_OK, "%s", err.msg);
        ck_assert_double_eq_tol(s.cmp.min_change, 0.1, 1e-12);
        ck_assert_uint_eq(s.n_rules, 1);
        ck_assert_double_eq_tol(s.rules[0].min_change, 0.1, 1e-12);
        fg_config_release(&c);
        fg_settings_release(&s);
        free(json);
    }
    /* rule units: min_delta in points, max_share in percent */
    fg_settings_init(&s);
    fg_config_init(&c);
    ck_assert_int_eq(load_text(&c, &s,
                               "{\"rules\": [{\"match\": \"^a$\", "
                               "\"min_delta\": 2, \"max_share\": 30},\n"
                               "{\"glob\": \"b\", \"min-delta\": \"0.5%\", "
                               "\"max-share\": \"0.5%\"},\n"
                               "{\"glob\": \"c\", \"max_share\": 0}]}",
                               &err),
                     FG_OK);
    ck_assert_uint_eq(s.n_rules, 3);
    ck_assert_int_eq(s.rules[0].kind, FG_RULE_THRESHOLD);
    ck_assert(!s.rules[0].is_glob);
    ck_assert_double_eq_tol(s.rules[0].min_delta, 0.02, 1e-12);
    ck_assert_double_eq_tol(s.rules[0].max_share, 0.30, 1e-12);
    ck_assert(s.rules[0].min_change < 0); /* inherit */
    ck_assert(s.rules[1].is_glob);
    ck_assert_double_eq_tol(s.rules[1].min_delta, 0.005, 1e-12);
    ck_assert_double_eq_tol(s.rules[1].max_share, 0.005, 1e-12);
    ck_assert(s.rules[2].max_share == 0);
    ck_assert_str_eq(s.rules[1].origin, "config t.json, rules[1]");
    fg_config_release(&c);
    fg_settings_release(&s);
}
END_TEST

/* ---- error messages ----------------------------------------------------- */

START_TEST(test_error_unknown_keys)
{
    expect_fail("{\"min_chnage\": 0.1}",
                "unknown key 'min_chnage' (did you mean 'min_change'?)", NULL);
    expect_fail("{\"min-chnage\": 0.1}",
                "unknown key 'min-chnage' (did you mean 'min-change'?)", NULL);
    expect_fail("{\"colour_scheme\": 1}", "unknown key 'colour_scheme'",
                NULL);
    expect_fail("{\"rules\": [{\"glob\": \"a\", \"ignore\": true},\n"
                "{\"glob\": \"b\", \"max_shar\": 3}]}",
                "unknown key 'rules[1].max_shar' (did you mean 'max_share'?)",
                NULL);
    expect_fail("{\"backends\": {\"prod\": {\"urll\": \"http://x\"}}}",
                "unknown key 'backends.prod.urll' (did you mean 'url'?)",
                NULL);
    expect_fail("{\"token\": \"s3cret\"}", "unknown key 'token'",
                "secrets are never read from the config");
    expect_fail("{\"backends\": {\"prod\": {\"password\": \"x\"}}}",
                "unknown key 'backends.prod.password'", "token_env");
    /* the secret value itself is never echoed */
    struct fg_settings s;
    struct fg_config c;
    struct fg_error err = {0, ""};
    fg_settings_init(&s);
    fg_config_init(&c);
    ck_assert_int_ne(load_text(&c, &s, "{\"token\": \"s3cret\"}", &err),
                     FG_OK);
    ck_assert_ptr_null(strstr(err.msg, "s3cret"));
    fg_config_release(&c);
    fg_settings_release(&s);
}
END_TEST

START_TEST(test_error_types)
{
    expect_fail("[1, 2]", "the top level must be an object, not an array",
                NULL);
    expect_fail("{\"alpha\": true}",
                "'alpha' must be a number or a string like \"10%\", not a "
                "boolean",
                NULL);
    expect_fail("{\"metric\": 1}", "'metric' must be a string, not a number",
                NULL);
    expect_fail("{\"top\": \"20\"}",
                "'top' must be a whole number, not a string", NULL);
    expect_fail("{\"top\": 2.5}", "'top' must be a whole number, not 2.5",
                NULL);
    expect_fail("{\"max_samples\": 1.5}",
                "'max_samples' must be a whole number or a string like "
                "\"64M\", not a number",
                NULL);
    expect_fail("{\"base\": [\"a.pb\", 3]}",
                "'base[1]' must be a string, not a number", NULL);
    expect_fail("{\"gate_ignore\": {\"x\": 1}}",
                "'gate_ignore' must be a string or an array of strings, not "
                "an object",
                NULL);
    expect_fail("{\"rules\": {}}",
                "'rules' must be an array of rule objects, not an object",
                NULL);
    expect_fail("{\"rules\": [\"^main\"]}",
                "'rules[0]' must be an object, not a string", NULL);
    expect_fail("{\"rules\": [{\"glob\": \"a\", \"ignore\": true},\n"
                " {\"glob\": \"b\", \"min_change\": 20},\n"
                " {\"glob\": \"c\", \"max_share\": []}]}",
                "'rules[2].max_share' must be a number or a string like "
                "\"30%\", not an array",
                NULL);
    expect_fail("{\"rules\": [{\"glob\": \"a\", \"ignore\": \"yes\"}]}",
                "'rules[0].ignore' must be true or false, not a string", NULL);
    expect_fail("{\"rules\": [{\"match\": 5, \"ignore\": true}]}",
                "'rules[0].match' must be a string, not a number", NULL);
    expect_fail("{\"rules\": [{\"glob\": \"a\", \"reason\": 1, \"ignore\": "
                "true}]}",
                "'rules[0].reason' must be a string", NULL);
    expect_fail("{\"ignore_presets\": [\"go-gc\", 3]}",
                "'ignore_presets[1]' must be a preset name (a string), not a "
                "number",
                NULL);
    expect_fail("{\"backends\": [\"prod\"]}",
                "'backends' must be an object of named backend profiles, not "
                "an array",
                NULL);
    expect_fail("{\"backends\": {\"prod\": \"http://x\"}}",
                "'backends.prod' must be an object of backend options, not a "
                "string",
                NULL);
    expect_fail("{\"backends\": {\"prod\": {\"insecure\": \"yes\"}}}",
                "'backends.prod.insecure' must be true or false, not a string",
                NULL);
    expect_fail("{\"url\": [\"http://x\"]}",
                "'url' must be a string or a number, not an array", NULL);
    expect_fail("{\"backend_profile\": 1, \"backends\": {}}",
                "'backend_profile' must be the name of a profile in "
                "\"backends\", not a number",
                NULL);
    /* jansson refuses NUL characters in strings */
    expect_fail_code("{\"sample_type\": \"cpu\\u0000x\"}", FG_EFORMAT,
                     "invalid JSON at line 1", "\\u0000 is not allowed");
}
END_TEST

START_TEST(test_error_values)
{
    expect_fail("{\"metric\": \"flatt\"}",
                "invalid value 'flatt' for 'metric' (from config t.json)",
                "flat, cum or both");
    expect_fail("{\"alpha\": 0.9}", "alpha", "(from config t.json)");
    expect_fail("{\"output\": [\"pdf=x.pdf\"]}",
                "invalid value 'pdf=x.pdf' for 'output'", NULL);
    expect_fail("{\"rules\": [{\"glob\": \"a\", \"min_change\": \"lots\"}]}",
                "'rules[0].min_change': 'lots' is not a number", NULL);
    expect_fail("{\"rules\": [{\"glob\": \"a\", \"min_change\": -1}]}",
                "'rules[0].min_change': -1 is out of range", NULL);
    expect_fail("{\"rules\": [{\"glob\": \"a\", \"max_share\": 0.3}]}",
                "'rules[0].max_share': 0.3 is ambiguous",
                "write \"0.3%\" for 0.3%, or 30 for 30%");
    expect_fail("{\"rules\": [{\"glob\": \"a\", \"max_share\": 150}]}",
                "'rules[0].max_share': a share of 150% is more than 100%",
                NULL);
    expect_fail("{\"rules\": [{\"glob\": \"a\", \"min_delta\": 101}]}",
                "'rules[0].min_delta': 101 percentage points is more than 100",
                NULL);
    expect_fail("{\"backends\": {\"prod\": {\"url\": \"ftp://x\"}}}",
                "'backends.prod.url': --url 'ftp://x' must start with http://",
                NULL);
    /* a value too long for the message still leaves the file named */
    char *longv = fg_xasprintf("{\"from\": \"now-%01000d\"}", 7);
    expect_fail(longv, "'from': invalid time 'now-000", NULL);
    free(longv);
    expect_fail("{\"backends\": {\"prod\": {\"base\": \"a.pb\"}}}",
                "unknown key 'backends.prod.base'", NULL);
    expect_fail("{\"url\": \"ftp://x\"}",
                "--url 'ftp://x' must start with http://",
                "(from config t.json)");
    expect_fail("{\"backends\": {\"prod\": {\"header\": [\"X-A: 1\", "
                "\"Authorization: Bearer x\"]}}}",
                "'backends.prod.header[1]': refusing a credential in --header",
                NULL);
    expect_fail("{\"backends\": {\"\": {}}}",
                "'backends' has a profile with an empty name", NULL);
    expect_fail_code("{\"backends\": {\"prod\": {\"url\": \"http://a\", "
                     "\"url\": \"http://b\"}}}",
                     FG_EFORMAT, "duplicate object key", NULL);
    expect_fail("{\"backends\": {\"prod\": {\"token_env\": \"A\", "
                "\"token-env\": \"B\"}}}",
                "'backends.prod': 'token-env' is given twice", NULL);
    expect_fail("{\"backend_profile\": \"stage\",\n"
                " \"backends\": {\"prod\": {\"backend\": \"pyroscope\"}}}",
                "'backend_profile': no backend profile 'stage' in "
                "\"backends\" (prod)",
                NULL);
    expect_fail("{\"backend_profile\": \"prod\"}",
                "no backend profile 'prod' in \"backends\" (none defined)",
                NULL);
}
END_TEST

START_TEST(test_error_rules)
{
    expect_fail("{\"rules\": [{\"match\": \"main.(foo\", \"ignore\": true}]}",
                "'rules[0].match': invalid regular expression 'main.(foo'",
                NULL);
    expect_fail("{\"gate_ignore\": [\"^ok$\", \"([\"]}",
                "'gate_ignore[1]': invalid regular expression '(['", NULL);
    expect_fail("{\"gate_only\": \"*x\"}",
                "'gate_only': invalid regular expression '*x'", NULL);
    expect_fail("{\"sample_focus\": \"(x\"}",
                "'sample_focus': invalid regular expression '(x'", NULL);
    expect_fail("{\"hide\": [\"a\", \"[\"]}",
                "'hide[1]': invalid regular expression '['", NULL);
    expect_fail("{\"tagfocus\": \"k=(\"}",
                "--tagfocus: invalid regular expression '(' in 'k=('", NULL);
    expect_fail("{\"rules\": [{\"match\": \"\", \"ignore\": true}]}",
                "'rules[0].match' is an empty pattern", NULL);
    expect_fail("{\"rules\": [{\"ignore\": true}]}",
                "'rules[0]' needs \"match\" (a regular expression) or "
                "\"glob\"",
                NULL);
    expect_fail("{\"rules\": [{\"match\": \"a\", \"glob\": \"a\", "
                "\"ignore\": true}]}",
                "'rules[0]' has both \"match\" and \"glob\"", NULL);
    expect_fail("{\"rules\": [{\"glob\": \"a\"}]}",
                "'rules[0]' does nothing", NULL);
    expect_fail("{\"rules\": [{\"glob\": \"a\", \"ignore\": false}]}",
                "'rules[0]' does nothing", NULL);
    expect_fail("{\"rules\": [{\"glob\": \"a\", \"ignore\": true, "
                "\"gate_only\": true}]}",
                "'rules[0]' cannot be both gate_ignore and gate_only", NULL);
    expect_fail("{\"rules\": [{\"glob\": \"a\", \"ignore\": true, "
                "\"max_share\": 10}]}",
                "'rules[0]': a gate_ignore rule takes no min_change, "
                "min_delta or max_share",
                NULL);
    expect_fail("{\"ignore_presets\": [\"go-gc\", \"go-foo\"]}",
                "'ignore_presets[1]': unknown ignore preset 'go-foo' (known: "
                "go-runtime-scheduling, go-gc, jvm-safepoints-gc, glibc-idle, "
                "python-runtime, node-runtime)",
                NULL);
    expect_fail("{\"ignore_presets\": \"jvm\"}",
                "'ignore_presets': unknown ignore preset 'jvm'", NULL);
}
END_TEST

START_TEST(test_pattern_safety)
{
    /* glibc's regcomp needs gigabytes for these: refused up front */
    expect_fail("{\"rules\": [{\"match\": \"c++++++++++++++++++++++\", "
                "\"ignore\": true}]}",
                "'rules[0].match': 'c++++++++++++++++++++++': '+' repeats a "
                "repetition at offset 2",
                "write '\\+' for a literal '+'");
    expect_fail("{\"gate_ignore\": \"^a{1,30000}$\"}",
                "'gate_ignore': '^a{1,30000}$': repetition count 30000 is "
                "over 100",
                NULL);
    expect_fail("{\"show_from\": \"^a{1,30000}$\"}",
                "'show_from': '^a{1,30000}$': repetition count 30000 is "
                "over 100",
                NULL);
    expect_fail("{\"gate_only\": [\"((a{1,100}){1,100}){1,10}\"]}",
                "'gate_only[0]': '((a{1,100}){1,100}){1,10}' is too complex: "
                "its "
                "repetitions expand to more than 10000 states",
                NULL);
    struct fg_error err = {0, ""};
    const char *ok[] = {"^main\\.(a|b)+$", "x{2}", "[]a]+", "[[:alpha:]_]+$",
                        "(ab|cd){1,100}", "\\++", "a*b?c+", "[+*]+",
                        "^(a|b)*(c{0,50}d{0,50})$", "a{,5}b"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++)
        ck_assert_msg(fg_pattern_check(ok[i], &err) == FG_OK, "%s: %s", ok[i],
                      err.msg);
    /* measured: each of these takes glibc seconds and gigabytes */
    const char *bad[] = {"a**", "a+?", "(x)*{2}", "a{2}{3}", "a{101}",
                         "((b*){1,100}){1,100}", "((b?){1,60}){1,60}",
                         "(b*$){1,100}(c*$){1,100}(d*$){1,100}",
                         "(((b*)$){1,20}$){1,20}", "((b*|c){1,100}|d){1,100}",
                         "((b*c*){1,100}d*){1,100}",
                         "a{9223372036854775807,}",
                         "a{1,99999999999999999999}",
                         "(((a{1,20}){1,20}){1,20}){1,20}",
                         /* found by make fuzz: "{,n}" is "{0,n}" to glibc */
                         "@{,11700}+", "a{,101}", "((b*){,100}){,100}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        ck_assert_msg(fg_pattern_check(bad[i], &err) == FG_EUSAGE, "%s",
                      bad[i]);
    /* every preset is within bounds */
    for (size_t i = 0; i < fg_preset_count; i++) {
        char *re = fg_preset_regex(&fg_presets[i]);
        ck_assert_msg(fg_pattern_check(re, &err) == FG_OK, "%s: %s",
                      fg_presets[i].name, err.msg);
        free(re);
    }
}
END_TEST

START_TEST(test_renamed_keys)
{
    /* "focus"/"ignore" selected the functions to test; the flags of those
     * names are pprof's sample filters now: a config file saying them is
     * refused with both new spellings, not read differently */
    expect_fail("{\"focus\": \"^main\\\\.\"}",
                "'focus' is no longer a config key: for the only functions "
                "the gate tests (its old meaning) write \"gate_only\"; for "
                "pprof's sample filter",
                "write \"sample_focus\"");
    expect_fail("{\"ignore\": [\"^a$\"]}",
                "'ignore' is no longer a config key: for functions the gate "
                "does not test (its old meaning) write \"gate_ignore\"",
                "write \"sample_ignore\"");
    expect_fail("{\"rules\": [{\"glob\": \"a\", \"focus\": true}]}",
                "'rules[0].focus': \"focus\" is no longer a rule key",
                "\"gate_only\": true");
    /* the new spellings */
    struct fg_settings s;
    struct fg_config c;
    struct fg_error err = {0, ""};
    fg_settings_init(&s);
    fg_config_init(&c);
    ck_assert_msg(load_text(&c, &s,
                            "{\"sample_focus\": \"^main\\\\.\",\n"
                            " \"sample_ignore\": [\"a\", \"b\"],\n"
                            " \"hide\": \"^runtime\\\\.\",\n"
                            " \"show_from\": \"main\",\n"
                            " \"tagfocus\": \"endpoint=/checkout\",\n"
                            " \"tagignore\": [\"bytes=1kb:\"],\n"
                            " \"gate_only\": \"^main\\\\.\",\n"
                            " \"gate_ignore\": \"^x$\",\n"
                            " \"folded_column\": 2, \"top\": 0,\n"
                            " \"rules\": [{\"glob\": \"c\", \"gate_ignore\": "
                            "true}, {\"glob\": \"d\", \"gate_only\": true}]}",
                            &err) == FG_OK,
                  "%s", err.msg);
    struct fg_filter_spec spec;
    fg_settings_filter_spec(&s, &spec);
    ck_assert_uint_eq(spec.n_focus, 1);
    ck_assert_str_eq(spec.focus[0], "^main\\.");
    ck_assert_uint_eq(spec.n_ignore, 2);
    ck_assert_uint_eq(spec.n_hide, 1);
    ck_assert_uint_eq(spec.n_show_from, 1);
    ck_assert_str_eq(spec.tagfocus[0], "endpoint=/checkout");
    ck_assert_uint_eq(spec.n_tagignore, 1);
    ck_assert_uint_eq(s.lim.folded_column, 2);
    ck_assert_int_eq(s.top, 0);
    /* gate patterns and rules are the analysis's rules, as before */
    ck_assert_uint_eq(s.n_rules, 4);
    ck_assert_int_eq(s.rules[0].kind, FG_RULE_FOCUS);
    ck_assert_int_eq(s.rules[1].kind, FG_RULE_IGNORE);
    ck_assert_int_eq(s.rules[2].kind, FG_RULE_IGNORE);
    ck_assert_int_eq(s.rules[3].kind, FG_RULE_FOCUS);
    /* flags add to the file's filters */
    ck_assert_int_eq(fg_settings_set(&s, "focus", "x", "command line", &err),
                     FG_OK);
    fg_settings_filter_spec(&s, &spec);
    ck_assert_uint_eq(spec.n_focus, 2);
    ck_assert_int_eq(fg_settings_set(&s, "tagfocus", "k=(", "command line",
                                     &err),
                     FG_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "--tagfocus"));
    ck_assert_int_eq(fg_settings_set(&s, "hide", "a{1000}", "command line",
                                     &err),
                     FG_EUSAGE);
    ck_assert_int_eq(fg_settings_set(&s, "folded-column", "3", "command line",
                                     &err),
                     FG_EUSAGE);
    fg_config_release(&c);
    fg_settings_release(&s);
}
END_TEST

START_TEST(test_percent_units)
{
    /* every percentage reads the same: a bare number is percent (points
     * for min-delta); min-change refuses a bare number up to 1, which it
     * once read as a fraction */
    struct fg_settings s;
    struct fg_error err = {0, ""};
    fg_settings_init(&s);
    const char *same[] = {"10", "10%", "10.0"};
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(fg_settings_set(&s, "min-change", same[i], "t",
                                         &err),
                         FG_OK);
        ck_assert_double_eq_tol(s.cmp.min_change, 0.10, 1e-12);
    }
    ck_assert_int_eq(fg_settings_set(&s, "min-change", "1.5", "t", &err),
                     FG_OK);
    ck_assert_double_eq_tol(s.cmp.min_change, 0.015, 1e-12);
    ck_assert_int_eq(fg_settings_set(&s, "min-change", "0.5%", "t", &err),
                     FG_OK);
    ck_assert_double_eq_tol(s.cmp.min_change, 0.005, 1e-12);
    ck_assert_int_eq(fg_settings_set(&s, "min-change", "0", "t", &err),
                     FG_OK);
    ck_assert_double_eq_tol(s.cmp.min_change, 0, 1e-12);
    const char *ambiguous[] = {"0.5", "1", "0.1"};
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(fg_settings_set(&s, "min-change", ambiguous[i], "t",
                                         &err),
                         FG_EUSAGE);
        ck_assert_ptr_nonnull(strstr(err.msg, "is ambiguous: it is in "
                                              "percent"));
    }
    ck_assert_int_eq(fg_settings_set(&s, "min-delta", "0.5", "t", &err),
                     FG_OK);
    ck_assert_double_eq_tol(s.cmp.min_delta, 0.005, 1e-12);
    ck_assert_int_eq(fg_settings_set(&s, "min-delta", "0.5%", "t", &err),
                     FG_OK);
    ck_assert_double_eq_tol(s.cmp.min_delta, 0.005, 1e-12);
    ck_assert_int_eq(fg_settings_set(&s, "min-share", "0.2", "t", &err),
                     FG_OK);
    ck_assert_double_eq_tol(s.cmp.min_share, 0.002, 1e-12);
    fg_settings_release(&s);
    /* rules follow the flags */
    expect_fail("{\"rules\": [{\"glob\": \"a\", \"min_change\": 0.5}]}",
                "'rules[0].min_change': 0.5 is ambiguous: min_change is in "
                "percent",
                NULL);
    expect_fail("{\"min_change\": 0.25}",
                "'0.25' for 'min-change' (from config t.json) is ambiguous",
                NULL);
}
END_TEST

START_TEST(test_error_json_and_files)
{
    expect_fail_code("{\n  \"alpha\": 0.01,\n  \"top\" 3\n}", FG_EFORMAT,
                     "invalid JSON at line 3, column", NULL);
    expect_fail_code("", FG_EFORMAT, "invalid JSON at line", NULL);
    expect_fail_code("{\"top\": 3, \"top\": 4}", FG_EFORMAT,
                     "duplicate object key", NULL);
    expect_fail("{\"min_change\": 10, \"min-change\": 20}",
                "'min-change' is given twice", NULL);
    /* unreadable files name the path */
    struct fg_settings s;
    struct fg_config c;
    struct fg_error err = {0, ""};
    fg_settings_init(&s);
    fg_config_init(&c);
    ck_assert_int_eq(fg_config_load(&c, &s, "/nonexistent/fg.json", &err),
                     FG_EIO);
    ck_assert_msg(
        strstr(err.msg, "config: cannot open '/nonexistent/fg.json'"), "%s",
        err.msg);
    char *dir = fg_test_tmpdir();
    ck_assert_int_eq(fg_config_load(&c, &s, dir, &err), FG_EIO);
    ck_assert_msg(strstr(err.msg, "is a directory"), "%s", err.msg);
    /* a file with a JSON error reports its own name and position */
    char *path = write_file(dir, "bad.json", "{\"alpha\": 0.01,\n}\n");
    ck_assert_int_eq(fg_config_load(&c, &s, path, &err), FG_EFORMAT);
    char *want = fg_xasprintf("config '%s': invalid JSON at line 2", path);
    ck_assert_msg(strstr(err.msg, want), "%s", err.msg);
    free(want);
    free(path);
    fg_config_release(&c);
    fg_settings_release(&s);
    fg_test_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- rules through fg_compare ------------------------------------------- */

START_TEST(test_budget_fails_identical_profiles)
{
    /* Identical profiles: nothing changed, yet a 40% function is over a
     * 30% budget, so the run fails, reported with the rule. */
    struct run x;
    struct fg_result *r = run_compare(&x, 
        "{\"rules\": [{\"glob\": \"main.encode*\", \"max_share\": 30}]}",
        base_text);
    ck_assert_int_eq(r->verdict, FG_VERDICT_FAIL);
    ck_assert_int_eq(r->exit_code, 1);
    ck_assert_uint_eq(r->n_regressions, 0);
    ck_assert_uint_eq(r->n_budget, 1);
    const struct fg_func_result *f = find_func(r, "main.encodeJSON");
    ck_assert(f->flags & FG_F_BUDGET);
    ck_assert(!(f->flags & FG_F_SIGNIFICANT));
    ck_assert_ptr_nonnull(f->rule);
    ck_assert_str_eq(f->rule->origin, "config t.json, rules[0]");
    ck_assert_double_eq_tol(f->rule->max_share, 0.30, 1e-12);
    ck_assert_msg(strstr(r->reason, "budget"), "%s", r->reason);
    ck_assert(!(find_func(r, "main.parse")->flags & FG_F_BUDGET));
    run_free(&x);

    /* the same function under a 50% budget passes */
    r = run_compare(&x, 
        "{\"rules\": [{\"glob\": \"main.encode*\", \"max_share\": \"50%\"}]}",
        base_text);
    ck_assert_int_eq(r->verdict, FG_VERDICT_PASS);
    ck_assert_uint_eq(r->n_budget, 0);
    run_free(&x);
}
END_TEST

START_TEST(test_first_threshold_rule_wins)
{
    /* encodeJSON (40%) matches both rules: the first (50%) applies, so it
     * is within budget although the second (25%) would fail it; parse
     * (30%) matches only the second and breaches it. */
    struct run x;
    struct fg_result *r = run_compare(&x, 
        "{\"rules\": [{\"glob\": \"main.encode*\", \"max_share\": 50},\n"
        "            {\"match\": \"^main\\\\.\", \"max_share\": 25}]}",
        base_text);
    ck_assert_int_eq(r->verdict, FG_VERDICT_FAIL);
    ck_assert_uint_eq(r->n_budget, 1);
    const struct fg_func_result *enc = find_func(r, "main.encodeJSON");
    ck_assert(!(enc->flags & FG_F_BUDGET));
    ck_assert_str_eq(enc->rule->origin, "config t.json, rules[0]");
    const struct fg_func_result *parse = find_func(r, "main.parse");
    ck_assert(parse->flags & FG_F_BUDGET);
    ck_assert_str_eq(parse->rule->origin, "config t.json, rules[1]");
    run_free(&x);
}
END_TEST

START_TEST(test_rule_thresholds_override_globals)
{
    /* main.parse grows 3000 -> 4000 (x1.33): a significant, material
     * regression under the global 10% gate ... */
    const char *cand = "main;main.encodeJSON 4000\n"
                       "main;main.parse 4000\n"
                       "runtime.asyncPreempt 1000\n"
                       "main;main.asyncPreemptHandler 1000\n"
                       "main;main.other 1000\n";
    struct run x;
    struct fg_result *r = run_compare(&x, "{}", cand);
    ck_assert_int_eq(r->verdict, FG_VERDICT_FAIL);
    ck_assert(find_func(r, "main.parse")->flags & FG_F_REGRESSION);
    run_free(&x);
    /* ... but not material for a rule asking for 40% */
    r = run_compare(&x, "{\"rules\": [{\"match\": \"^main\\\\.parse$\", "
                     "\"min_change\": \"40%\"}]}",
                     cand);
    const struct fg_func_result *f = find_func(r, "main.parse");
    ck_assert(f->flags & FG_F_SIGNIFICANT);
    ck_assert(!(f->flags & FG_F_REGRESSION));
    ck_assert_double_eq_tol(f->min_change, 0.40, 1e-12);
    ck_assert_int_eq(r->verdict, FG_VERDICT_MARGINAL);
    run_free(&x);
    /* a rule for other functions leaves the global gate in force */
    r = run_compare(&x, "{\"rules\": [{\"match\": \"^main\\\\.other$\", "
                     "\"min_change\": \"40%\"}]}",
                     cand);
    ck_assert_int_eq(r->verdict, FG_VERDICT_FAIL);
    ck_assert_double_eq_tol(find_func(r, "main.parse")->min_change, 0.10,
                            1e-12);
    run_free(&x);
}
END_TEST

START_TEST(test_ignore_beats_threshold)
{
    /* Whatever the order, an ignored function is not gated, by budget or
     * statistics. */
    const char *orders[] = {
        "{\"rules\": [{\"glob\": \"main.encodeJSON\", \"max_share\": 30},\n"
        "            {\"glob\": \"main.encodeJSON\", \"ignore\": true}]}",
        "{\"rules\": [{\"glob\": \"main.encodeJSON\", \"ignore\": true},\n"
        "            {\"glob\": \"main.encodeJSON\", \"max_share\": 30}]}",
        "{\"gate_ignore\": \"^main\\\\.encode\",\n"
        " \"rules\": [{\"glob\": \"main.encodeJSON\", \"max_share\": 30}]}"};
    for (size_t i = 0; i < 3; i++) {
        struct run x;
    struct fg_result *r = run_compare(&x, orders[i], base_text);
        const struct fg_func_result *f = find_func(r, "main.encodeJSON");
        ck_assert_msg(f->flags & FG_F_IGNORED, "order %zu", i);
        ck_assert_msg(!(f->flags & FG_F_BUDGET), "order %zu", i);
        ck_assert_msg(r->verdict == FG_VERDICT_PASS, "order %zu: %s", i,
                      fg_verdict_name(r->verdict));
        run_free(&x);
    }
}
END_TEST

START_TEST(test_focus_rule)
{
    struct run x;
    struct fg_result *r = run_compare(&x, 
        "{\"rules\": [{\"match\": \"^main\\\\.parse$\", \"gate_only\": "
        "true}]}",
        base_text);
    ck_assert(!(find_func(r, "main.parse")->flags & FG_F_IGNORED));
    ck_assert(find_func(r, "main.encodeJSON")->flags & FG_F_IGNORED);
    ck_assert(find_func(r, "main.other")->flags & FG_F_IGNORED);
    run_free(&x);
}
END_TEST

/* ---- presets ------------------------------------------------------------ */

static bool preset_matches(const struct fg_preset *p, const char *name)
{
    char *re_text = fg_preset_regex(p);
    regex_t re;
    ck_assert_int_eq(regcomp(&re, re_text, REG_EXTENDED | REG_NOSUB), 0);
    bool m = regexec(&re, name, 0, NULL, 0) == 0;
    regfree(&re);
    free(re_text);
    return m;
}

static bool any_preset_matches(const char *name)
{
    for (size_t i = 0; i < fg_preset_count; i++)
        if (preset_matches(&fg_presets[i], name))
            return true;
    return false;
}

START_TEST(test_presets_match_their_frames)
{
    ck_assert_uint_eq(fg_preset_count, 6);
    for (size_t i = 0; i < fg_preset_count; i++) {
        const struct fg_preset *p = &fg_presets[i];
        ck_assert_ptr_eq(fg_preset_find(p->name), p);
        ck_assert_uint_gt(p->n_groups, 0);
        ck_assert(p->summary && *p->summary);
        for (size_t g = 0; g < p->n_groups; g++) {
            ck_assert(p->groups[g].why && *p->groups[g].why);
            /* every documented example is matched */
            char *copy = fg_xstrdup(p->groups[g].frames);
            for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
                while (*tok == ' ')
                    tok++;
                ck_assert_msg(preset_matches(p, tok), "%s misses '%s'",
                              p->name, tok);
            }
            free(copy);
        }
    }
    ck_assert_ptr_null(fg_preset_find("go"));
    /* names as the converters write them (seen in the corpus) */
    const char *glibc_names[] = {
        "libc-2.31.so.epoll_wait",
        "libpthread-2.31.so.__pthread_cond_timedwait",
        "__GI___poll", "__lll_lock_wait", "libc.so.6.__lll_lock_wait",
        "__x64_sys_futex", "futex_wait", "sched_yield"};
    for (size_t i = 0; i < sizeof(glibc_names) / sizeof(*glibc_names); i++)
        ck_assert_msg(preset_matches(fg_preset_find("glibc-idle"),
                                     glibc_names[i]),
                      "%s", glibc_names[i]);
    const char *jvm_names[] = {
        "libjvm.so.Unsafe_Park", "libjvm.so.Thread::call_run" /* no */,
        "jdk/internal/misc/Unsafe.park", "jdk.internal.misc.Unsafe.park",
        "libjvm.so.GangWorker::loop", "SafepointSynchronize::begin",
        "VMThread::loop", "libjvm.so.G1CMTask::do_marking_step",
        "libjvm.so.G1RebuildRemSetTask::G1RebuildRemSetHeapRegionClosure::"
        "do_heap_region"};
    const struct fg_preset *jvm = fg_preset_find("jvm-safepoints-gc");
    for (size_t i = 0; i < sizeof(jvm_names) / sizeof(*jvm_names); i++)
        ck_assert_msg(preset_matches(jvm, jvm_names[i]) == (i != 1), "%s",
                      jvm_names[i]);
    ck_assert(preset_matches(fg_preset_find("go-runtime-scheduling"),
                             "runtime.findRunnable"));
    ck_assert(preset_matches(fg_preset_find("go-gc"),
                             "runtime.(*gcWork).tryGetFast"));
}
END_TEST

START_TEST(test_presets_spare_user_functions)
{
    /* Anchored: user code with similar names is never ignored. */
    const char *user[] = {
        "main.asyncPreemptHandler", "runtime.asyncPreemptX",
        "github.com/acme/runtime.futex", "myruntime.schedule",
        "main.schedule", "schedule", "runtime.futex2",
        "java/lang/Thread.sleepy", "com/acme/Unsafe.park",
        "epoll_wait_wrapper", "libfoo.so.epoll_wait", "my_poll",
        "tokio::runtime::task::core::Core<T,S>::poll",
        "Foo::VMThread::loop", "MyG1CMTask::run", "runtime.gcAssistAlloc",
        "runtime.mallocgc", "runtime.gcWriteBarrier", "main.gcDrain",
        "runtime.lock2", "runtime.memmove", "runtime.mapaccess1_faststr"};
    for (size_t i = 0; i < sizeof(user) / sizeof(*user); i++)
        ck_assert_msg(!any_preset_matches(user[i]), "'%s' swallowed",
                      user[i]);
}
END_TEST

START_TEST(test_preset_in_compare)
{
    /* runtime.asyncPreempt balloons from 10% to 40% (load on the runner),
     * the user's main.asyncPreemptHandler stays put.  (A stack of its own:
     * under a caller it would count as the caller's time.) */
    const char *cand = "main;main.encodeJSON 4000\n"
                       "main;main.parse 3000\n"
                       "runtime.asyncPreempt 6000\n"
                       "main;main.asyncPreemptHandler 1000\n"
                       "main;main.other 1000\n";
    struct run x;
    /* by default the family's frames get their extra noise: x6 is within
     * it, and the row says how large a change it would need */
    struct fg_result *r = run_compare(&x, "{}", cand);
    const struct fg_func_result *ap = find_func(r, "runtime.asyncPreempt");
    ck_assert(ap->flags & FG_F_ENV);
    ck_assert(!(ap->flags & FG_F_REGRESSION));
    ck_assert_msg(ap->fail_ratio > 6.0, "fail ratio %g", ap->fail_ratio);
    ck_assert_int_ne(r->verdict, FG_VERDICT_FAIL);
    run_free(&x);
    /* without the model (env_noise off), it fails */
    r = run_compare(&x, "{\"env_noise\": false}", cand);
    ck_assert_int_eq(r->verdict, FG_VERDICT_FAIL);
    ck_assert(find_func(r, "runtime.asyncPreempt")->flags & FG_F_REGRESSION);
    run_free(&x);
    r = run_compare(&x, "{\"ignore_presets\": [\"go-runtime-scheduling\"]}",
                     cand);
    ck_assert(find_func(r, "runtime.asyncPreempt")->flags & FG_F_IGNORED);
    ck_assert(!(find_func(r, "main.asyncPreemptHandler")->flags &
                FG_F_IGNORED));
    ck_assert(!(find_func(r, "main.encodeJSON")->flags & FG_F_IGNORED));
    ck_assert_uint_eq(r->n_regressions, 0);
    run_free(&x);

    /* never on by default, and the rule says where it came from */
    struct fg_settings s;
    struct fg_config c;
    struct fg_error err = {0, ""};
    fg_settings_init(&s);
    ck_assert_uint_eq(s.n_rules, 0);
    fg_config_init(&c);
    ck_assert_int_eq(load_text(&c, &s,
                               "{\"ignore_presets\": [\"go-gc\", "
                               "\"glibc-idle\", \"go-gc\"]}",
                               &err),
                     FG_OK);
    ck_assert_uint_eq(s.n_rules, 2);
    ck_assert_int_eq(s.rules[0].kind, FG_RULE_IGNORE);
    ck_assert_str_eq(s.rules[0].origin, "config t.json, ignore_presets[0]");
    ck_assert_str_eq(s.rules[0].preset, "go-gc");
    ck_assert_str_eq(s.rules[1].origin, "config t.json, ignore_presets[1]");
    ck_assert_str_eq(s.rules[1].preset, "glibc-idle");
    fg_config_release(&c);
    fg_settings_release(&s);
}
END_TEST

START_TEST(test_flag_ignore_adds_to_rules_and_presets)
{
    /* --gate-ignore on the command line adds to the file's ignore
     * patterns, presets and rules (settings.h: patterns accumulate). */
    struct fg_settings s;
    struct fg_config c;
    struct fg_error err = {0, ""};
    fg_settings_init(&s);
    fg_config_init(&c);
    ck_assert_int_eq(load_text(&c, &s,
                               "{\"gate_ignore\": [\"^a$\"],\n"
                               " \"ignore_presets\": [\"go-gc\"],\n"
                               " \"rules\": [{\"glob\": \"b\", \"ignore\": "
                               "true}]}",
                               &err),
                     FG_OK);
    ck_assert_uint_eq(s.n_rules, 3);
    ck_assert_int_eq(fg_settings_set(&s, "gate-ignore", "^z$",
                                     "command line", &err),
                     FG_OK);
    ck_assert_uint_eq(s.n_rules, 4);
    ck_assert_str_eq(s.rules[0].pattern, "^a$");
    ck_assert_str_eq(s.rules[0].origin, "config t.json");
    ck_assert_str_eq(s.rules[1].origin, "config t.json, ignore_presets[0]");
    ck_assert_str_eq(s.rules[1].preset, "go-gc");
    ck_assert_str_eq(s.rules[2].origin, "config t.json, rules[0]");
    ck_assert_ptr_null(s.rules[2].preset);
    ck_assert_str_eq(s.rules[3].pattern, "^z$");
    ck_assert_str_eq(s.rules[3].origin, "command line");
    fg_config_release(&c);
    fg_settings_release(&s);
}
END_TEST

START_TEST(test_docs_describe_every_preset)
{
    size_t len = 0;
    char *doc = fg_test_read("docs/config.md", &len);
    for (size_t i = 0; i < fg_preset_count; i++)
        ck_assert_msg(strstr(doc, fg_presets[i].name),
                      "docs/config.md lacks %s", fg_presets[i].name);
    /* and every settings key */
    for (size_t i = 0; fg_settings_keys[i]; i++) {
        char *us = fg_xstrdup(fg_settings_keys[i]);
        for (char *p = us; *p; p++)
            if (*p == '-')
                *p = '_';
        ck_assert_msg(strstr(doc, us), "docs/config.md lacks %s", us);
        free(us);
    }
    free(doc);
}
END_TEST

START_TEST(test_example_configs_load)
{
    const char *files[] = {"examples/flamegate.json",
                           "testdata/config/show.json"};
    for (size_t i = 0; i < 2; i++) {
        struct fg_settings s;
        struct fg_config c;
        struct fg_error err = {0, ""};
        fg_settings_init(&s);
        fg_config_init(&c);
        ck_assert_msg(fg_config_load(&c, &s, files[i], &err) == FG_OK,
                      "%s: %s", files[i], err.msg);
        ck_assert_uint_gt(s.n_rules, 0);
        ck_assert_uint_gt(c.n_profiles, 0);
        fg_config_release(&c);
        fg_settings_release(&s);
    }
}
END_TEST

/* ---- backend layer ------------------------------------------------------ */

static const char backend_json[] =
    "{\"timeout\": 20,\n"
    " \"backends\": {\n"
    "  \"prod\": {\"backend\": \"pyroscope\",\n"
    "            \"url\": \"http://127.0.0.1:4040\",\n"
    "            \"profile_type\":\n"
    "                \"process_cpu:cpu:nanoseconds:cpu:nanoseconds\",\n"
    "            \"selector\": \"{service_name=\\\"checkout\\\"}\",\n"
    "            \"version_label\": \"version\",\n"
    "            \"token_env\": \"PYRO_TOKEN\",\n"
    "            \"header\": [\"X-A: 1\", \"X-B: 2\"], \"timeout\": 40},\n"
    "  \"staging\": {\"backend\": \"parca\",\n"
    "               \"url\": \"http://127.0.0.1:7070\",\n"
    "               \"insecure\": true}},\n"
    " \"backend_profile\": \"prod\"}";

static void load_ok(struct fg_config *c, struct fg_settings *s,
                    const char *json)
{
    struct fg_error err = {0, ""};
    fg_settings_init(s);
    fg_config_init(c);
    ck_assert_msg(load_text(c, s, json, &err) == FG_OK, "%s", err.msg);
}

START_TEST(test_backend_profiles)
{
    struct fg_settings s;
    struct fg_config c;
    struct fg_error err = {0, ""};
    load_ok(&c, &s, backend_json);
    ck_assert_uint_eq(c.n_profiles, 2);
    ck_assert_str_eq(c.backend_profile, "prod");
    ck_assert_ptr_nonnull(fg_config_profile_find(&c, "staging"));
    ck_assert_ptr_null(fg_config_profile_find(&c, "dev"));
    /* loading does not apply a profile yet */
    ck_assert_int_eq(s.backend->kind, FG_BACKEND_NONE);
    ck_assert_double_eq_tol(s.backend->timeout, 20, 1e-9);

    /* the file's default profile over its top level, then the
     * environment over both */
    const char *env[] = {"FLAMEGATE_URL", "http://127.0.0.1:9999", NULL};
    fake_env = env;
    ck_assert_msg(fg_config_apply_profile(&c, &s, NULL, fake_get, &err) ==
                      FG_OK,
                  "%s", err.msg);
    ck_assert_int_eq(fg_settings_apply_env(&s, fake_get, &err), FG_OK);
    const char *prod = "config t.json, backend profile prod";
    ck_assert_str_eq(c.profile, "prod");
    ck_assert_str_eq(c.profile_origin, "config t.json");
    ck_assert_int_eq(s.backend->kind, FG_BACKEND_PYROSCOPE);
    ck_assert_str_eq(fg_settings_origin(&s, "backend"), prod);
    ck_assert_str_eq(s.backend->url, "http://127.0.0.1:9999");
    ck_assert_str_eq(fg_settings_origin(&s, "url"),
                     "environment FLAMEGATE_URL");
    ck_assert_str_eq(s.backend->version_label, "version");
    ck_assert_str_eq(s.backend->token_env, "PYRO_TOKEN");
    ck_assert_uint_eq(s.backend->n_headers, 2);
    ck_assert_double_eq_tol(s.backend->timeout, 40, 1e-9);
    ck_assert_str_eq(fg_settings_origin(&s, "timeout"), prod);
    fg_config_release(&c);
    fg_settings_release(&s);

    /* FLAMEGATE_BACKEND_PROFILE over the file's choice */
    const char *env2[] = {"FLAMEGATE_BACKEND_PROFILE", "staging", NULL};
    fake_env = env2;
    load_ok(&c, &s, backend_json);
    ck_assert_int_eq(fg_config_apply_profile(&c, &s, NULL, fake_get, &err),
                     FG_OK);
    ck_assert_int_eq(s.backend->kind, FG_BACKEND_PARCA);
    ck_assert(s.backend->insecure);
    ck_assert_double_eq_tol(s.backend->timeout, 20, 1e-9);
    ck_assert_str_eq(c.profile_origin,
                     "environment FLAMEGATE_BACKEND_PROFILE");
    fg_config_release(&c);
    fg_settings_release(&s);
    /* --backend-profile over both */
    load_ok(&c, &s, backend_json);
    ck_assert_int_eq(fg_config_apply_profile(&c, &s, "prod", fake_get, &err),
                     FG_OK);
    ck_assert_int_eq(s.backend->kind, FG_BACKEND_PYROSCOPE);
    ck_assert_str_eq(c.profile_origin, "command line");
    /* unknown profile */
    ck_assert_int_eq(fg_config_apply_profile(&c, &s, "dev", fake_get, &err),
                     FG_EUSAGE);
    ck_assert_msg(strstr(err.msg, "unknown backend profile 'dev' (from "
                                  "command line); config 't.json' has: "
                                  "prod, staging"),
                  "%s", err.msg);
    fg_config_release(&c);
    fg_settings_release(&s);
    fake_env = NULL;

    /* no profile chosen anywhere: nothing applied */
    load_ok(&c, &s, "{\"backends\": {\"prod\": {\"backend\": \"parca\"}}}");
    ck_assert_int_eq(fg_config_apply_profile(&c, &s, NULL, NULL, &err), FG_OK);
    ck_assert_ptr_null(c.profile);
    ck_assert_int_eq(s.backend->kind, FG_BACKEND_NONE);
    fg_config_release(&c);
    fg_settings_release(&s);

    /* a profile without any config file */
    fg_settings_init(&s);
    fg_config_init(&c);
    ck_assert_int_eq(fg_config_apply_profile(&c, &s, "prod", NULL, &err),
                     FG_EUSAGE);
    ck_assert_msg(strstr(err.msg, "backend profile 'prod' (from command "
                                  "line) needs a config file"),
                  "%s", err.msg);
    fg_config_release(&c);
    fg_settings_release(&s);
}
END_TEST

START_TEST(test_setup_applies_profile_before_env)
{
    char *dir = fg_test_tmpdir();
    char *path = write_file(dir, "b.json", backend_json);
    const char *env[] = {"FLAMEGATE_TIMEOUT", "5", NULL};
    fake_env = env;
    struct fg_settings s;
    struct fg_config c;
    struct fg_error err = {0, ""};
    fg_settings_init(&s);
    fg_config_init(&c);
    ck_assert_msg(fg_config_setup(&c, &s, path, "staging", fake_get, &err) ==
                      FG_OK,
                  "%s", err.msg);
    ck_assert_int_eq(s.backend->kind, FG_BACKEND_PARCA);
    ck_assert_double_eq_tol(s.backend->timeout, 5, 1e-9);
    ck_assert_str_eq(fg_settings_origin(&s, "timeout"),
                     "environment FLAMEGATE_TIMEOUT");
    ck_assert_str_eq(c.profile, "staging");
    /* the flag goes on top */
    ck_assert_int_eq(fg_settings_set(&s, "backend", "pyroscope",
                                     "command line", &err),
                     FG_OK);
    ck_assert_int_eq(s.backend->kind, FG_BACKEND_PYROSCOPE);
    fg_config_release(&c);
    fg_settings_release(&s);
    fake_env = NULL;
    free(path);
    fg_test_rmtree(dir);
    free(dir);
}
END_TEST

Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("load");
    tcase_add_test(tc, test_precedence);
    tcase_add_test(tc, test_locate);
    tcase_add_test(tc, test_values_and_spellings);
    tcase_add_test(tc, test_example_configs_load);
    tcase_add_test(tc, test_backend_profiles);
    tcase_add_test(tc, test_setup_applies_profile_before_env);
    suite_add_tcase(s, tc);
    TCase *te = tcase_create("errors");
    tcase_add_test(te, test_error_unknown_keys);
    tcase_add_test(te, test_error_types);
    tcase_add_test(te, test_error_values);
    tcase_add_test(te, test_error_rules);
    tcase_add_test(te, test_error_json_and_files);
    tcase_add_test(te, test_pattern_safety);
    suite_add_tcase(s, te);
    TCase *tr = tcase_create("rules");
    tcase_add_test(tr, test_budget_fails_identical_profiles);
    tcase_add_test(tr, test_first_threshold_rule_wins);
    tcase_add_test(tr, test_rule_thresholds_override_globals);
    tcase_add_test(tr, test_ignore_beats_threshold);
    tcase_add_test(tr, test_focus_rule);
    tcase_add_test(tr, test_renamed_keys);
    tcase_add_test(tr, test_percent_units);
    tcase_add_test(tr, test_flag_ignore_adds_to_rules_and_presets);
    suite_add_tcase(s, tr);
    TCase *tp = tcase_create("presets");
    tcase_add_test(tp, test_presets_match_their_frames);
    tcase_add_test(tp, test_presets_spare_user_functions);
    tcase_add_test(tp, test_preset_in_compare);
    tcase_add_test(tp, test_docs_describe_every_preset);
    suite_add_tcase(s, tp);
    return s;
}
