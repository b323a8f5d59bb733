/*
 * config_keys.c: the key tables of the gateway, buses, devices and points
 * sections (config_table.h): every key's type, range, default, field and
 * documentation. config.c reads them and holds the rules between keys.
 */
#include <stddef.h>

#include "config.h"
#include "config_table.h"

#define GW(f) MVG_FIELD(mvg_gateway_cfg, f)
static const mvg_key gateway_keys[] = {
    {"id", MVG_KEY_STRING, MVG_KEY_REQUIRED | MVG_KEY_NAME, GW(id),
     .doc = "this gateway; a level of the MQTT topics, a tag in InfluxDB, part of the default "
            "MQTT client id (`mvgate-<id>`)"},
    {"site", MVG_KEY_STRING, MVG_KEY_REQUIRED | MVG_KEY_NAME, GW(site),
     .doc = "the site (plant) the gateway sits in"},
    {"data_dir", MVG_KEY_STRING, MVG_KEY_REQUIRED | MVG_KEY_ABSPATH, GW(data_dir),
     .hint = "e.g. \"/var/lib/mvgate\"",
     .allowed = "absolute path, < 512 characters; a directory this user can write, or one it "
                "can create",
     .doc = "directory of the SQLite store and the engine state ([store.md](store.md)); "
            "`mvgated` creates it when it is missing"},
    {"require_synced_clock", MVG_KEY_BOOL, 0, GW(require_synced_clock), .def = "true",
     .doc = "until the kernel says the wall clock is synchronised (NTP; adjtimex without "
            "STA_UNSYNC) polls are stored but kept out of the intervals, and no interval record "
            "is written: a gateway without a battery clock boots at an old date "
            "([daemon.md](daemon.md), \"Clock steps\"); false for a gateway whose clock is set "
            "otherwise. Not applied with `--time-scale` or `--time-origin`"},
    {"head_every", MVG_KEY_INT, 0, GW(head_every), .lo = 0, .hi = 1440, .def = "15",
     .allowed = "0..1440 minutes",
     .doc = "minutes between the signed head records that commit to the end of each project's "
            "chain ([mqtt.md](mqtt.md), \"Head records\"); a verifier takes two periods without "
            "a head for a withheld tail. 0: no periodic heads (a head is still written at start "
            "and at shutdown)"},
};
const mvg_section mvg_config_gateway_section = {"gateway", MVG_KEYS(gateway_keys)};

static const char *const bus_types[] = {"tcp", "rtu", "rtu-tcp", NULL};
static const int bus_type_values[] = {MVG_BUS_TCP, MVG_BUS_RTU, MVG_BUS_RTU_TCP};
static const char *const parities[] = {"N", "E", "O", "none", "even", "odd", NULL};
static const int parity_values[] = {'N', 'E', 'O', 'N', 'E', 'O'};
static const int baud_rates[] = {1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 0};
static const char *const rts_modes[] = {"none", "up", "down", NULL};
static const int rts_values[] = {MVG_RTS_NONE, MVG_RTS_UP, MVG_RTS_DOWN};
#define NET "tcp, rtu-tcp"
#define BUS(f) MVG_FIELD(mvg_bus_cfg, f)

static const mvg_key bus_keys[] = {
    {"name", MVG_KEY_STRING, MVG_KEY_REQUIRED | MVG_KEY_NAME | MVG_KEY_MANUAL, BUS(name),
     .allowed = "1..63 of `A-Za-z0-9_-`, unique", .doc = "referred to by `devices[].bus`"},
    {"type", MVG_KEY_CHOICE, MVG_KEY_REQUIRED, BUS(type), .choices = bus_types,
     .values = bus_type_values, .hint = "\"tcp\", \"rtu\" or \"rtu-tcp\"",
     .doc = "Modbus TCP; Modbus RTU on a local serial port; RTU frames over a TCP connection "
            "(serial device servers in transparent mode)"},
    {"host", MVG_KEY_STRING, MVG_KEY_NONEMPTY, BUS(host), .def_doc = "required", .applies = NET,
     .doc = "IP address or host name"},
    {"port", MVG_KEY_INT, 0, BUS(port), .lo = 1, .hi = 65535, .def = "502", .applies = NET,
     .doc = "TCP port (serial servers often use 4001 or similar)"},
    {"device", MVG_KEY_STRING, MVG_KEY_ABSPATH, BUS(device), .def_doc = "required",
     .applies = "rtu", .doc = "serial port, e.g. `\"/dev/ttyUSB0\"`, `\"/dev/ttyS1\"`"},
    {"baud", MVG_KEY_INT, 0, BUS(baud), .lo = 1, .hi = 4000000, .values = baud_rates,
     .def = "9600", .applies = "rtu", .hint = "a standard rate (1200 .. 230400)",
     .doc = "line speed"},
    {"parity", MVG_KEY_CHOICE, 0, BUS(parity), .choices = parities, .values = parity_values,
     .def = "N", .applies = "rtu", .doc = "parity"},
    {"data_bits", MVG_KEY_INT, 0, BUS(data_bits), .lo = 5, .hi = 8, .def = "8", .applies = "rtu",
     .doc = "data bits (Modbus RTU uses 8)"},
    {"stop_bits", MVG_KEY_INT, 0, BUS(stop_bits), .lo = 1, .hi = 2, .def = "1", .applies = "rtu",
     .doc = "stop bits"},
    {"timeout_ms", MVG_KEY_INT, 0, BUS(timeout_ms), .lo = 1, .hi = 60000, .def = "1000",
     .doc = "reply timeout of one request"},
    {"retries", MVG_KEY_INT, 0, BUS(retries), .lo = 0, .hi = 10, .def = "1",
     .doc = "extra attempts after a request that got no valid answer (an exception reply is an "
            "answer and is not retried)"},
    {"backoff_ms", MVG_KEY_INT, 0, BUS(backoff_ms), .lo = 0, .hi = 60000, .def = "100",
     .doc = "delay before the first retry; doubles for each further retry"},
    {"offline_after", MVG_KEY_INT, 0, BUS(offline_after), .lo = 1, .hi = 1000, .def = "3",
     .doc = "consecutive polls without an answer after which a device is marked offline"},
    {"reprobe_ms", MVG_KEY_INT, 0, BUS(reprobe_ms), .lo = 100, .hi = 86400000, .def = "30000",
     .doc = "while offline, the device is re-probed this often with a single attempt of its "
            "first request"},
    {"request_gap_ms", MVG_KEY_INT, 0, BUS(request_gap_ms), .lo = 0, .hi = 60000, .def = "0",
     .doc = "pause between the end of one request on the bus and the start of the next (any "
            "device, retries too), for slow serial devices that need quiet time between "
            "frames"},
    {"rs485", MVG_KEY_BOOL, 0, BUS(rs485), .def = "false", .applies = "rtu",
     .doc = "put the serial port in the kernel's RS-485 mode (TIOCSRS485, libmodbus "
            "`modbus_rtu_set_serial_mode`); for UARTs whose driver switches the transceiver. "
            "A port without RS-485 support fails to open, named in the error"},
    {"rts", MVG_KEY_CHOICE, 0, BUS(rts), .choices = rts_modes, .values = rts_values, .def = "none", .applies = "rtu",
     .doc = "libmodbus drives RTS around each request to switch a half-duplex transceiver: "
            "`\"up\"` raises RTS while sending, `\"down\"` lowers it (`modbus_rtu_set_rts`)"},
    {"rts_delay_us", MVG_KEY_INT, 0, BUS(rts_delay_us), MVG_SEEN(mvg_bus_cfg, has_rts_delay),
     .lo = 0, .hi = 1000000, .def_doc = "one character time at the baud rate",
     .allowed = "0..1000000, with `rts` up or down", .applies = "rtu",
     .doc = "RTS settle time before and after a send (`modbus_rtu_set_rts_delay`)"},
};
const mvg_section mvg_config_bus_section = {"buses", MVG_KEYS(bus_keys)};

#define PT(f) MVG_FIELD(mvg_point_cfg, f)

static const mvg_key point_keys[] = {
    {"name", MVG_KEY_STRING, MVG_KEY_REQUIRED | MVG_KEY_IDENT | MVG_KEY_MANUAL | MVG_KEY_POOLED,
     MVG_POOLED(mvg_point_cfg, name, MVG_NAME_MAX),
     .allowed = "1..63 of `A-Za-z0-9_`, unique in the device",
     .doc = "the point; `device.point` in references"},
    {"area", MVG_KEY_CHOICE, MVG_KEY_REQUIRED, PT(area), .choices = mvg_area_names,
     .hint = "coil, discrete, input or holding",
     .allowed = "`\"coil\"` (function 1), `\"discrete\"` (2), `\"input\"` (4), `\"holding\"` (3)",
     .doc = "Modbus table the point is read from"},
    {"address", MVG_KEY_INT, MVG_KEY_REQUIRED, PT(address), .lo = 0, .hi = 65535,
     .hint = "0-based protocol address",
     .allowed = "0..65535, and the point's last register ≤ 65535",
     .doc = "**0-based protocol address** of the first register (bit), see below"},
    {"type", MVG_KEY_CHOICE, MVG_KEY_REQUIRED, PT(type), .choices = mvg_type_names,
     .doc = "wire type; 16-bit types take 1 register, 32-bit 2, 64-bit 4, a string `count`"},
    {"count", MVG_KEY_INT, 0, PT(count), MVG_SEEN(mvg_point_cfg, has_count), .lo = 1, .hi = 64,
     .def_doc = "none", .allowed = "1..64, required with `type = \"string\"`, only there",
     .doc = "registers of a string point, two characters each (ASCII; the text ends at the "
            "first NUL, trailing spaces dropped)"},
    {"order", MVG_KEY_STRING, MVG_KEY_MANUAL, .size = 16,
     .def_doc = "`AB`, `ABCD` or `ABCDEFGH` by width",
     .allowed = "16-bit and string: `AB`, `BA`; 32-bit: `ABCD`, `CDAB`, `BADC`, `DCBA`; 64-bit: "
                "`ABCDEFGH`, `GHEFCDAB`, `BADCFEHG`, `HGFEDCBA`",
     .doc = "byte order, see below; must fit the type's width. A string's is the order of the "
            "two characters within each register (`AB`: high byte first)"},
    {"scale", MVG_KEY_NUMBER, 0, PT(scale), .min = -1e300, .max = 1e300, .def = "1",
     .allowed = "any finite number except 0", .doc = "value = raw × scale + offset"},
    {"offset", MVG_KEY_NUMBER, 0, PT(offset), .min = -1e300, .max = 1e300, .def = "0",
     .allowed = "any finite number", .doc = ""},
    {"unit", MVG_KEY_STRING, MVG_KEY_POOLED, MVG_POOLED(mvg_point_cfg, unit, 16), .def = "",
     .doc = "engineering unit, carried with the value; its time base also sets how a gauge "
            "integrates (below)"},
    {"kind", MVG_KEY_CHOICE, 0, PT(kind), .choices = mvg_kind_names, .def = "gauge", .doc = "see below"},
    {"min", MVG_KEY_NUMBER, 0, PT(min), MVG_SEEN(mvg_point_cfg, has_min), .min = -1e300,
     .max = 1e300, .allowed = "≤ `max`", .doc = "lowest valid value (after scale and offset)"},
    {"max", MVG_KEY_NUMBER, 0, PT(max), MVG_SEEN(mvg_point_cfg, has_max), .min = -1e300,
     .max = 1e300, .allowed = "≥ `min`", .doc = "highest valid value"},
    {"bit", MVG_KEY_INT, 0, PT(bit), MVG_SEEN(mvg_point_cfg, has_bit), .lo = 0, .hi = 15,
     .def_doc = "none: a bool register is true when non-zero",
     .allowed = "0..15, with `type = \"bool\"` in `holding` or `input`",
     .doc = "one bit of the register (0 the least significant, after `order`) as a bool: "
            "status words, alarm flags. Several points may take different bits of one register"},
};
const mvg_section mvg_config_point_section = {"points", MVG_KEYS(point_keys)};

#define DEV(f) MVG_FIELD(mvg_device_cfg, f)
static const mvg_key device_keys[] = {
    {"name", MVG_KEY_STRING, MVG_KEY_REQUIRED | MVG_KEY_IDENT | MVG_KEY_MANUAL, DEV(name),
     .allowed = "1..63 of `A-Za-z0-9_`, unique",
     .doc = "the device; points are referred to as `name.point`"},
    {"bus", MVG_KEY_STRING, MVG_KEY_REQUIRED | MVG_KEY_NAME | MVG_KEY_MANUAL, .size = MVG_NAME_MAX,
     .allowed = "a bus of `buses`", .doc = "the bus the device is on"},
    {"unit_id", MVG_KEY_INT, 0, DEV(unit_id), .lo = 0, .hi = 255, .def = "1",
     .def_doc = "the profile's `unit_id`, else 1", .allowed = "tcp: 0..255; rtu and rtu-tcp: 1..247",
     .doc = "Modbus unit (slave) address; unique per bus. On serial lines 0 is broadcast (no "
            "answer). Behind a TCP gateway the unit id selects the serial device; a native "
            "Modbus TCP device usually ignores it or wants 1 or 255"},
    {"interval_ms", MVG_KEY_INT, 0, DEV(interval_ms), .lo = 10, .hi = 86400000, .def = "1000",
     .doc = "poll period"},
    {"max_gap", MVG_KEY_INT, 0, DEV(max_gap), .lo = 0, .hi = 2000, .def = "8",
     .doc = "registers (bits) of unused space a single read may bridge to merge two points into "
            "one request; 0 merges only adjacent points. Lower it when a device answers an "
            "exception for unmapped registers"},
    {"profile", MVG_KEY_STRING, MVG_KEY_MANUAL | MVG_KEY_POOLED,
     MVG_POOLED(mvg_device_cfg, profile, MVG_NAME_MAX), .def = "", .def_doc = "none",
     .allowed = "a profile name (`A-Za-z0-9_-`)",
     .doc = "take the points from `<name>.conf` in the profile search path ([profiles](#profiles))"},
    {"profile_points", MVG_KEY_OTHER, 0, .type_doc = "array of strings", .def_doc = "all",
     .allowed = "names of the profile's points",
     .doc = "take only these points of the profile; needs `profile`"},
    {"accuracy_class", MVG_KEY_STRING, MVG_KEY_NONEMPTY | MVG_KEY_POOLED,
     MVG_POOLED(mvg_device_cfg, accuracy_class, 16), .def = "", .def_doc = "none",
     .doc = "the meter's accuracy class as its certificate states it (e.g. `\"0.5S\"`, `\"1\"`); "
            "published in the project definition record, not used for the savings"},
    {"calibration_date", MVG_KEY_TIME, 0, DEV(calibration_ms),
     MVG_SEEN(mvg_device_cfg, has_calibration), .def_doc = "none",
     .doc = "the date of the meter's last calibration (e.g. `\"2025-03-01\"`); published in the "
            "project definition record"},
    {"points", MVG_KEY_OTHER, 0, .type_doc = "list of groups", .def_doc = "none",
     .allowed = "[points](#points)",
     .doc = "the device's own points; with a profile, added to or replacing the profile's"},
};
const mvg_section mvg_config_device_section = {"devices", MVG_KEYS(device_keys)};
