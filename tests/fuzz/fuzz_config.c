/*
 * fuzz_config.c - libFuzzer harness for the config file loader and the
 * regular-expression guard.
 *
 * Input starting with '!': the rest is a regular expression given to
 * fg_pattern_check; when the check accepts it, glibc's regcomp must
 * compile it quickly and in bounded memory (libFuzzer's -timeout and
 * -rss_limit_mb catch a pattern the guard should have refused).
 *
 * Any other input: the text of a config file, loaded with
 * fg_config_load_buffer into fresh settings.  On success every setting is
 * printed back with fg_settings_value, as "config --show" does, and every
 * backend profile is applied (fg_config_apply_profile).  A failure must
 * carry a message naming the file.
 */
#include "config/config.h"
#include "core/pattern.h"
#include "core/util.h"
#include "fuzz_common.h"

#include <regex.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void pattern(const uint8_t *data, size_t size)
{
    char *p = fg_xstrndup((const char *)data, size);
    struct fg_error err = {0, ""};
    if (fg_pattern_check(p, &err) == FG_OK) {
        regex_t re;
        if (regcomp(&re, p, REG_EXTENDED | REG_NOSUB) == 0) {
            (void)regexec(&re, "runtime.mallocgc", 0, NULL, 0);
            regfree(&re);
        }
    } else if (!err.msg[0]) {
        fz_fail("pattern refused without a message");
    }
    free(p);
}

static void print_all(const struct fg_settings *s)
{
    for (size_t i = 0; fg_settings_keys[i]; i++) {
        char *v = fg_settings_value(s, fg_settings_keys[i]);
        if (!v)
            fz_fail("no value for setting '%s'", fg_settings_keys[i]);
        free(v);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0 && data[0] == '!') {
        pattern(data + 1, size - 1);
        return 0;
    }
    struct fg_config c;
    struct fg_settings s;
    struct fg_error err = {0, ""};
    fg_config_init(&c);
    fg_settings_init(&s);
    int rc = fg_config_load_buffer(&c, &s, (const char *)data, size,
                                   "fuzz.json", &err);
    if (rc != FG_OK) {
        if (rc != FG_EFORMAT && rc != FG_EUSAGE && rc != FG_EIO &&
            rc != FG_ELIMIT)
            fz_fail("unexpected status %d: %s", rc, err.msg);
        if (!strstr(err.msg, "fuzz.json"))
            fz_fail("error does not name the file: %s", err.msg);
    } else {
        print_all(&s);
        for (size_t p = 0; p < c.n_profiles; p++) {
            struct fg_error e2 = {0, ""};
            if (fg_config_apply_profile(&c, &s, c.profiles[p].name, NULL,
                                        &e2) != FG_OK &&
                !e2.msg[0])
                fz_fail("profile apply failed without a message");
        }
        if (c.n_profiles)
            print_all(&s);
    }
    fg_settings_release(&s);
    fg_config_release(&c);
    return 0;
}
