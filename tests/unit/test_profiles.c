/*
 * test_profiles.c: every shipped device profile, loaded through the real
 * config loader, decodes a register image written by hand from the maker's
 * document: the raw words below are the document's type, byte order and
 * unit applied to a plausible reading (float32 words encoded by hand, since
 * Debian's libmodbus float setters are wrong). Each case checks that the
 * profile puts the point at the document's address, that mvg_point_decode
 * gives the reading in the profile's unit, and so pins the corrections of
 * issue 15 (DTSU666 phase vs line voltages, iEM3000 energies in Wh).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#include "config.h"
#include "diag.h"
#include "point.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return tu_tmpdir_make(dir, sizeof dir, "profiles");
}

static int teardown(void **state)
{
    (void)state;
    return tu_tmpdir_remove(dir);
}

/* One reading: the point, the address the maker's document gives it (0-based
 * protocol address), the raw words as they come off the wire (first register
 * first), the value expected after the profile's scale, and its unit. */
typedef struct {
    const char *point;
    unsigned address;
    uint16_t words[4];
    double value;
    const char *unit;
} reading;

/* Loads profile through a minimal gateway config; NULL fails the test. */
static mvg_config *load_profile(const char *profile)
{
    char text[512], path[300];
    snprintf(text, sizeof text,
             "gateway = { id = \"gw\"; site = \"s\"; data_dir = \"/var/lib/mvgate\"; };\n"
             "buses = ( { name = \"lan\"; type = \"tcp\"; host = \"127.0.0.1\"; } );\n"
             "devices = ( { name = \"m\"; bus = \"lan\"; profile = \"%s\"; } );\n",
             profile);
    snprintf(path, sizeof path, "%s/%s.conf", dir, profile);
    assert_int_equal(tu_write_file(path, text), 0);
    mvg_diags *d = mvg_diags_new();
    mvg_config_opts opts = {.profile_dir = MVG_SOURCE_DIR "/config/profiles"};
    mvg_config *c = mvg_config_load(path, &opts, d);
    if (!c)
        mvg_diags_print(d, stderr);
    mvg_diags_free(d);
    assert_non_null(c);
    return c;
}

static void check_profile(const char *profile, const reading *r, size_t n)
{
    mvg_config *c = load_profile(profile);
    const mvg_device_cfg *dev = &c->devices[0];
    for (size_t i = 0; i < n; i++) {
        long k = mvg_config_find_point(dev, r[i].point);
        if (k < 0)
            fail_msg("%s: no point %s", profile, r[i].point);
        const mvg_point_cfg *p = &dev->points[k];
        if (p->address != r[i].address)
            fail_msg("%s.%s: address %u, the maker's document says %u", profile, r[i].point,
                     p->address, r[i].address);
        double raw, value;
        mvg_quality q;
        assert_int_equal(mvg_point_decode(p, r[i].words, NULL, &raw, &value, &q), 0);
        assert_int_equal(q, MVG_Q_GOOD);
        if (fabs(value - r[i].value) > 1e-6 * fmax(1.0, fabs(r[i].value)))
            fail_msg("%s.%s: decoded %.9g, expected %.9g", profile, r[i].point, value,
                     r[i].value);
        assert_string_equal(p->unit, r[i].unit);
    }
    mvg_config_free(c);
}

#define CHECK(profile, arr) check_profile(profile, arr, sizeof arr / sizeof arr[0])

/* Float32 words used below (IEEE 754, high word first), encoded by hand:
 * 230.5 = 0x4366 8000, 2305.0 = 0x4510 1000, 3992.0 = 0x4579 8000,
 * 400.0 = 0x43C8 0000, 5.25 = 0x40A8 0000, 5250.0 = 0x45A4 1000,
 * 1234.5 = 0x449A 5000, 1234500.0 = 0x4996 B220, 50.0 = 0x4248 0000,
 * 5000.0 = 0x459C 4000, 0.95 = 0x3F73 3333, 950.0 = 0x446D 8000,
 * -12.5 = 0xC148 0000, 1.5 = 0x3FC0 0000, 1500.0 = 0x44BB 8000,
 * 42.0 = 0x4228 0000, 0.01 = 0x3C23 D70A. */

/* Chint DTSU666 (ZTY0.464.1448 Table 11): 2000H..2004H line-line, 2006H..
 * phase voltages in 0.1 V steps; currents in mA; energy kWh. */
static void test_chint_dtsu666(void **state)
{
    (void)state;
    static const reading r[] = {
        {"voltage_l1_l2_v", 0x2000, {0x4579, 0x8000}, 399.2, "V"},
        {"voltage_l1_v", 0x2006, {0x4510, 0x1000}, 230.5, "V"},
        {"voltage_l3_v", 0x200A, {0x4510, 0x1000}, 230.5, "V"},
        {"current_l1_a", 0x200C, {0x45A4, 0x1000}, 5.25, "A"},
        {"frequency_hz", 0x2044, {0x459C, 0x4000}, 50.0, "Hz"},
        {"pf_total", 0x202A, {0x446D, 0x8000}, 0.95, ""},
        {"import_kwh", 0x101E, {0x449A, 0x5000}, 1234.5, "kWh"},
    };
    CHECK("chint-dtsu666", r);
}

/* Schneider iEM3000 (DOCA0005EN-04 p. 61): 45100 Float32 in Wh; the profile
 * addresses register N at N-1 and scales Wh to kWh. */
static void test_schneider_iem3000(void **state)
{
    (void)state;
    static const reading r[] = {
        {"import_kwh", 45099, {0x4996, 0xB220}, 1234.5, "kWh"},
        {"import_kvarh", 45103, {0x4996, 0xB220}, 1234.5, "kvarh"},
        {"voltage_l1_v", 3027, {0x4366, 0x8000}, 230.5, "V"},
        {"current_l1_a", 2999, {0x40A8, 0x0000}, 5.25, "A"},
        {"frequency_hz", 3109, {0x4248, 0x0000}, 50.0, "Hz"},
    };
    CHECK("schneider-iem3000", r);
}

/* Eastron SDM630 (input registers 30001.. = address 0..): float32 in V, A,
 * W, Hz, kWh as read. */
static void test_eastron_sdm630(void **state)
{
    (void)state;
    static const reading r[] = {
        {"voltage_l1_v", 0, {0x4366, 0x8000}, 230.5, "V"},
        {"current_l2_a", 8, {0x40A8, 0x0000}, 5.25, "A"},
        {"frequency_hz", 70, {0x4248, 0x0000}, 50.0, "Hz"},
        {"import_kwh", 72, {0x449A, 0x5000}, 1234.5, "kWh"},
    };
    CHECK("eastron-sdm630", r);
}

static void test_eastron_sdm120(void **state)
{
    (void)state;
    static const reading r[] = {
        {"voltage_v", 0, {0x4366, 0x8000}, 230.5, "V"},
        {"pf", 30, {0x3F73, 0x3333}, 0.95, ""},
        {"import_kwh", 72, {0x449A, 0x5000}, 1234.5, "kWh"},
    };
    CHECK("eastron-sdm120", r);
}

/* Eastron SDM230 ("SDM230-LoRa Protocol" 06-2018 V1.0, p. 1, the
 * "SDM230-Modbus Input Register" table): 3000N = start address N-1 in hex,
 * float32 in V, A, W, degrees, Hz, kWh and kVArh. */
static void test_eastron_sdm230(void **state)
{
    (void)state;
    static const reading r[] = {
        {"voltage_v", 0x00, {0x4366, 0x8000}, 230.5, "V"},           /* 30001 */
        {"current_a", 0x06, {0x40A8, 0x0000}, 5.25, "A"},            /* 30007 */
        {"power_w", 0x0C, {0x44BB, 0x8000}, 1500.0, "W"},            /* 30013 */
        {"pf", 0x1E, {0x3F73, 0x3333}, 0.95, ""},                    /* 30031 */
        {"phase_angle_deg", 0x24, {0xC148, 0x0000}, -12.5, "deg"},   /* 30037 */
        {"frequency_hz", 0x46, {0x4248, 0x0000}, 50.0, "Hz"},        /* 30071 */
        {"import_kwh", 0x48, {0x449A, 0x5000}, 1234.5, "kWh"},       /* 30073 */
        {"export_kvarh", 0x4E, {0x3FC0, 0x0000}, 1.5, "kvarh"},      /* 30079 */
        {"total_kwh", 0x156, {0x449A, 0x5000}, 1234.5, "kWh"},       /* 30343 */
        {"total_kvarh", 0x158, {0x4228, 0x0000}, 42.0, "kvarh"},     /* 30345 */
    };
    CHECK("eastron-sdm230", r);
}

/* Carlo Gavazzi EM24 ("EM24-DIN PFA, PFB & X models - Communication Protocol",
 * Table 2.3-1, p. 8): INT32 (low word first) with value weights Volt*10,
 * Ampere*1000, Watt*10, kWh*10; PF*1000 and Hz*10 INT16. kWh(+) TOT is 003Eh
 * (0042h is the resettable partial counter). */
static void test_carlogavazzi_em24(void **state)
{
    (void)state;
    static const reading r[] = {
        {"voltage_l1_v", 0x0000, {2305, 0}, 230.5, "V"},
        {"current_l1_a", 0x000C, {5250, 0}, 5.25, "A"},
        {"power_l1_w", 0x0012, {12345, 0}, 1234.5, "W"},
        {"power_total_w", 0x0028, {0xFF9C, 0xFFFF}, -10.0, "W"}, /* -100 */
        {"pf_total", 0x0035, {950}, 0.95, ""},
        {"frequency_hz", 0x0037, {500}, 50.0, "Hz"},
        {"import_kwh", 0x003E, {0xE23C, 0x0001}, 12345.2, "kWh"}, /* 123452 */
    };
    CHECK("carlogavazzi-em24", r);
}

/* ABB B-series: the EQ-meter mapping as ABB prints it in the A43/A44 User
 * Manual 2CMC48001M0201 rev. C (the B23/B24 manual's own tables could not
 * be read): the register words of its communication examples, p. 168
 * (energy read at 5000h) and p. 170 (instantaneous values), with the values
 * ABB decodes them to; big-endian, energy 0,01 kWh in 64 bits (p. 108),
 * powers signed 32-bit W with 2 decimals (p. 112). */
static void test_abb_b_series(void **state)
{
    (void)state;
    static const reading r[] = {
        {"import_kwh", 0x5000, {0, 0, 0x000D, 0x1290}, 8567.20, "kWh"}, /* p. 168 */
        {"export_kwh", 0x5004, {0, 0, 0x0003, 0x1209}, 2012.25, "kWh"}, /* p. 168 */
        {"current_l1_a", 0x5B0C, {0x0000, 0x0065}, 1.01, "A"},         /* p. 170 */
        {"power_total_w", 0x5B14, {0x0001, 0xE8E4}, 1251.56, "W"},      /* p. 170 */
        {"power_l1_w", 0x5B16, {0x0000, 0x5AE2}, 232.66, "W"},          /* p. 170 */
        {"power_l2_w", 0x5B18, {0xFFFF, 0xFC18}, -10.0, "W"},           /* signed, p. 112 */
        {"frequency_hz", 0x5B2C, {0x1383}, 49.95, "Hz"},                /* p. 170 */
        {"pf_total", 0x5B3A, {0x03CC}, 0.972, ""},                      /* p. 170 */
        {"pf_l3", 0x5B3D, {0x0322}, 0.802, ""},                         /* pp. 112, 170 */
        {"voltage_l1_v", 0x5B00, {0x0000, 0x0FCA}, 404.2, "V"}, /* p. 170 word, 0,1 V */
    };
    CHECK("abb-b-series", r);
}

/* Janitza UMG 96RM-E: float32 from 19000, energies in Wh. */
static void test_janitza_umg96rm_e(void **state)
{
    (void)state;
    static const reading r[] = {
        {"voltage_l1_v", 19000, {0x4366, 0x8000}, 230.5, "V"},
        {"frequency_hz", 19050, {0x4248, 0x0000}, 50.0, "Hz"},
        {"import_wh", 19068, {0x4996, 0xB220}, 1234500.0, "Wh"},
    };
    CHECK("janitza-umg96rm-e", r);
}

/* Acrel ADW300: uint16 0.1 V, 0.01 A; int32 W; int32 0.01 kWh. */
static void test_acrel_adw300(void **state)
{
    (void)state;
    static const reading r[] = {
        {"voltage_l1_v", 20, {2305}, 230.5, "V"},
        {"current_l1_a", 26, {525}, 5.25, "A"},
        {"power_total_w", 36, {0xFFFF, 0xFF9C}, -100.0, "W"},
        {"import_kwh", 62, {0x0001, 0xE240}, 1234.56, "kWh"},
    };
    CHECK("acrel-adw300", r);
}

/* Belimo Energy Valve: temperatures 0.01 degC, energy uint32 low word first. */
static void test_belimo_energy_valve(void **state)
{
    (void)state;
    static const reading r[] = {
        {"temp_1_external_c", 19, {4200}, 42.0, "degC"},
        {"heating_energy_kwh", 71, {0xE240, 0x0001}, 123456.0, "kWh"},
    };
    CHECK("belimo-energy-valve", r);
}

/* Siemens MAG 6000: flow float32 m3/s (scaled to m3/h), totals float64 m3. */
static void test_siemens_mag6000(void **state)
{
    (void)state;
    static const reading r[] = {
        {"volume_flow_m3h", 3002, {0x3C23, 0xD70A}, 36.0, "m3/h"}, /* 0.01 m3/s */
        {"totalizer1_m3", 3014, {0x4093, 0x4A00, 0x0000, 0x0000}, 1234.5, "m3"},
    };
    CHECK("siemens-sitrans-mag6000", r);
}

/* 2flow MAG-11: the manual's example reply C1 48 00 00 at 0x0400 is
 * -12.5 m3/h. */
static void test_2flow_mag11(void **state)
{
    (void)state;
    static const reading r[] = {
        {"flow_m3h", 0x0400, {0xC148, 0x0000}, -12.5, "m3/h"},
        {"supply_temp_c", 1026, {0x4228, 0x0000}, 42.0, "degC"},
        {"power_kw", 1032, {0x3FC0, 0x0000}, 1.5, "kW"},
    };
    CHECK("2flow-mag11", r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chint_dtsu666),     cmocka_unit_test(test_schneider_iem3000),
        cmocka_unit_test(test_eastron_sdm630),    cmocka_unit_test(test_eastron_sdm120),
        cmocka_unit_test(test_eastron_sdm230),    cmocka_unit_test(test_carlogavazzi_em24),
        cmocka_unit_test(test_abb_b_series),      cmocka_unit_test(test_janitza_umg96rm_e),
        cmocka_unit_test(test_acrel_adw300),      cmocka_unit_test(test_belimo_energy_valve),
        cmocka_unit_test(test_siemens_mag6000),   cmocka_unit_test(test_2flow_mag11),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
