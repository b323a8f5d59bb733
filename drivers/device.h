/*
 * device.h: what the drivers need to know of a bus, a device and its points,
 * as plain values: the config loader fills them (config.h), the planner,
 * the decoders and the transports read them. Every description remembers
 * the file and line it came from, so that a driver's error can point at it.
 */
#ifndef MVG_DEVICE_H
#define MVG_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "modbus_types.h"

#define MVG_NAME_MAX 64
#define MVG_PATH_MAX 512

/* Where a configuration element came from. */
typedef struct {
    const char *file; /* points into the config's own string storage */
    int line;
} mvg_cfg_src;

typedef enum { MVG_BUS_TCP, MVG_BUS_RTU, MVG_BUS_RTU_TCP } mvg_bus_type;

typedef struct {
    char name[MVG_NAME_MAX];
    mvg_bus_type type;
    /* tcp and rtu-tcp */
    char host[256];
    int port;               /* default 502 */
    /* rtu */
    char device[MVG_PATH_MAX];
    int baud;               /* default 9600 */
    char parity;            /* 'N', 'E', 'O'; default 'N' */
    int data_bits;          /* default 8 */
    int stop_bits;          /* default 1 */
    /* all */
    int timeout_ms;         /* per request; default 1000 */
    int retries;            /* extra attempts after a failed request; default 1 */
    int backoff_ms;         /* first retry delay, doubles per retry; default 100 */
    int offline_after;      /* consecutive failed polls before a device is offline; default 3 */
    int reprobe_ms;         /* poll period of an offline device; default 30000 */
    int request_gap_ms;     /* pause between the end of one request and the next; default 0 */
    /* rtu: RS-485 line control through libmodbus */
    int rs485;              /* 1: the kernel's RS-485 mode (TIOCSRS485); default 0 */
    int rts;                /* MVG_RTS_NONE (default), _UP or _DOWN: libmodbus drives RTS */
    int rts_delay_us;       /* RTS settle time around a send, with has_rts_delay */
    int has_rts_delay;      /* 0: libmodbus's default (one character time) */
    mvg_cfg_src src;
} mvg_bus_cfg;

/* RTS while sending on an RS-485 line driven by RTS (libmodbus's modes). */
enum { MVG_RTS_NONE, MVG_RTS_UP, MVG_RTS_DOWN };

/*
 * A point, packed: a gateway of 100,000 points holds 100,000 of these for
 * its lifetime. Its strings live in the configuration's string pool
 * (config.h: as long as the mvg_config, each distinct string once), the
 * enums and small numbers in the narrowest type their range allows (the
 * config loader checks the ranges), the widest fields first so that no
 * padding is left between them.
 */
typedef struct {
    const char *name;       /* never NULL in a loaded configuration */
    const char *unit;       /* "kWh", "m3/min", "mg/Nm3": 15 characters at most; "" when none */
    double scale;           /* default 1 */
    double offset;          /* default 0 */
    double min, max;        /* valid range of the scaled value */
    mvg_cfg_src src;
    uint16_t address;       /* 0-based protocol address, 0..65535 */
    uint8_t area;           /* mvg_area */
    uint8_t type;           /* mvg_type */
    uint8_t order;          /* mvg_order */
    uint8_t kind;           /* mvg_kind; default gauge */
    uint8_t bit;            /* 0 (least significant) .. 15, with has_bit */
    uint8_t count;          /* registers of a string point (1..64), with has_count */
    uint8_t has_min, has_max;
    uint8_t has_bit;        /* a bool of a register area that is one bit of it */
    uint8_t has_count;
} mvg_point_cfg;

typedef struct {
    char name[MVG_NAME_MAX];
    size_t bus;             /* index into mvg_config.buses */
    int unit_id;            /* 0..247 (255 accepted for TCP gateways) */
    int interval_ms;        /* default 1000 */
    unsigned max_gap;       /* registers (or bits) a read may bridge; default 8 */
    /* Strings in the configuration's string pool, as a point's are: the
     * devices of one profile share its source. */
    const char *profile;        /* "" when none */
    const char *profile_source; /* the profile's maker, model and manual, "" when none */
    /* What the project definition record says of the meter (records/
     * definition.h); the drivers do not use them. */
    const char *accuracy_class; /* "0.5S", "1", ...; "" when not given */
    int has_calibration;
    int64_t calibration_ms;     /* the date of its last calibration (midnight UTC) */
    mvg_point_cfg *points;
    size_t npoints;
    mvg_cfg_src src;
} mvg_device_cfg;

#endif
