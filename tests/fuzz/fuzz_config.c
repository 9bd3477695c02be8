/*
 * fuzz_config.c - libFuzzer harness for the config file loader.
 *
 * Input: the text of a config file, loaded with fg_config_load_buffer
 * into fresh settings.  On success the backend layer is replayed
 * (fg_config_backend_apply: top-level options, then each named profile)
 * and every setting is printed back with fg_settings_value, as "config
 * --show" does.  A failure must carry a message naming the file.
 */
#include "flamegate/backend.h"
#include "flamegate/config.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
        for (size_t i = 0; fg_settings_keys[i]; i++) {
            char *v = fg_settings_value(&s, fg_settings_keys[i]);
            if (!v)
                fz_fail("no value for setting '%s'", fg_settings_keys[i]);
            free(v);
        }
        for (size_t p = 0; p <= c.n_profiles; p++) {
            struct fg_backend_opts bo;
            struct fg_config_applied applied = {NULL, 0, 0};
            fg_backend_opts_init(&bo);
            struct fg_error e2 = {0, ""};
            const char *name = p < c.n_profiles ? c.profiles[p].name : NULL;
            rc = fg_config_backend_apply(&c, name, NULL, &bo, &applied, &e2);
            if (rc != FG_OK && !e2.msg[0])
                fz_fail("backend apply failed without a message");
            fg_config_applied_release(&applied);
            fg_backend_opts_release(&bo);
        }
    }
    fg_settings_release(&s);
    fg_config_release(&c);
    return 0;
}
