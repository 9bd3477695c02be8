/*
 * check_units.c - values scaled and formatted as pprof's measurement
 * package does (core/units.h).
 */
#include "core/units.h"
#include "testutil.h"

#include <string.h>

static void fmt_is(double v, const char *unit, const char *want)
{
    char buf[64];
    fg_units_format(v, unit, buf, sizeof(buf));
    ck_assert_msg(strcmp(buf, want) == 0, "%g %s: got '%s', want '%s'", v,
                  unit, buf, want);
}

START_TEST(format_like_pprof)
{
    fmt_is(1.28e9, "nanoseconds", "1.28s");
    fmt_is(150e6, "nanoseconds", "150ms");
    fmt_is(120e9, "nanoseconds", "120s");      /* pprof: no minutes */
    fmt_is(7200e9, "nanoseconds", "2hrs");
    fmt_is(1.5e9, "nanoseconds", "1.50s");     /* only ".00" is trimmed */
    fmt_is(0, "nanoseconds", "0");
    fmt_is(-2e6, "nanoseconds", "-2ms");
    fmt_is(250, "microseconds", "250us");
    fmt_is(3e3, "milliseconds", "3s");
    fmt_is(480282739.0, "bytes", "458.03MB");  /* powers of 1024, MB */
    fmt_is(1024, "bytes", "1kB");
    fmt_is(512, "bytes", "512B");
    fmt_is(1610612736.0, "bytes", "1.50GB");
    fmt_is(2048, "kilobytes", "2MB");
    fmt_is(12345, "count", "12345");
    fmt_is(12345, "objects", "12345");
    ck_assert(fg_units_known("nanoseconds"));
    ck_assert(fg_units_known("Bytes"));
    ck_assert(!fg_units_known("count"));
    ck_assert(!fg_units_known("objects"));
}
END_TEST

START_TEST(scale_like_pprof)
{
    const char *u = NULL;
    ck_assert_double_eq(fg_units_scale(2048, "bytes", "kb", &u), 2);
    ck_assert_str_eq(u, "kB");
    ck_assert_double_eq(fg_units_scale(5, "ms", "ns", &u), 5e6);
    ck_assert_str_eq(u, "ns");
    /* a target of another family: the source family's default unit */
    ck_assert_double_eq(fg_units_scale(3e9, "nanoseconds", "kb", &u), 3);
    ck_assert_str_eq(u, "s");
    /* unknown units are left alone; counts lose their unit */
    ck_assert_double_eq(fg_units_scale(7, "requests", "requests", &u), 7);
    ck_assert_str_eq(u, "requests");
    ck_assert_double_eq(fg_units_scale(7, "requests", "", &u), 7);
    ck_assert_str_eq(u, "");
    ck_assert_double_eq(fg_units_scale(7, "count", "count", &u), 7);
    ck_assert_str_eq(u, "");
    ck_assert_double_eq(fg_units_scale(-2048, "b", "auto", &u), -2);
    ck_assert_str_eq(u, "kB");
}
END_TEST

Suite *units_suite(void);
Suite *units_suite(void)
{
    Suite *s = suite_create("units");
    TCase *tc = tcase_create("units");
    tcase_add_test(tc, format_like_pprof);
    tcase_add_test(tc, scale_like_pprof);
    suite_add_tcase(s, tc);
    return s;
}
