/*
 * config.h: the gateway configuration as plain values, loaded and fully
 * checked from a libconfig file (with device profiles pulled from
 * config/profiles). The loader owns the mvg_config tree it returns; every
 * other module only reads it. Every element remembers the file and line it
 * came from so that later checks (and the daemon) can point at it.
 */
#ifndef MVG_CONFIG_H
#define MVG_CONFIG_H

#include <stddef.h>

#include "diag.h"
#include "modbus_types.h"

#define MVG_NAME_MAX 64
#define MVG_PATH_MAX 512

struct mvg_projects_cfg; /* derived channels and M&V projects: config_projects.h */
struct mvg_publish_cfg;  /* store, mqtt and influx sections: config_publish.h */

typedef struct {
    const char *file; /* points into the config's own string storage */
    int line;
} mvg_cfg_src;

typedef struct {
    char id[MVG_NAME_MAX];
    char site[MVG_NAME_MAX];
    char data_dir[MVG_PATH_MAX];
    mvg_cfg_src src;
} mvg_gateway_cfg;

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
    mvg_cfg_src src;
} mvg_bus_cfg;

typedef struct {
    char name[MVG_NAME_MAX];
    mvg_area area;
    unsigned address;       /* 0-based protocol address */
    mvg_type type;
    mvg_order order;
    double scale;           /* default 1 */
    double offset;          /* default 0 */
    char unit[16];          /* "kWh", "m3/min", "mg/Nm3": 15 characters at most */
    mvg_kind kind;          /* default gauge */
    int has_min, has_max;
    double min, max;        /* valid range of the scaled value */
    mvg_cfg_src src;
} mvg_point_cfg;

typedef struct {
    char name[MVG_NAME_MAX];
    size_t bus;             /* index into mvg_config.buses */
    int unit_id;            /* 0..247 (255 accepted for TCP gateways) */
    int interval_ms;        /* default 1000 */
    unsigned max_gap;       /* registers (or bits) a read may bridge; default 8 */
    char profile[MVG_NAME_MAX]; /* "" when none */
    char profile_source[800];   /* the profile's maker, model and manual, "" when none */
    mvg_point_cfg *points;
    size_t npoints;
    mvg_cfg_src src;
} mvg_device_cfg;

typedef struct mvg_config {
    char path[MVG_PATH_MAX];
    mvg_gateway_cfg gateway;
    mvg_bus_cfg *buses;
    size_t nbuses;
    mvg_device_cfg *devices;
    size_t ndevices;
    struct mvg_projects_cfg *projects; /* NULL when the file has no derived/projects */
    struct mvg_publish_cfg *publish;   /* never NULL after a load: defaults when absent */
    void *priv;             /* loader-owned storage (file names, ...) */
} mvg_config;

typedef struct {
    const char *profile_dir; /* NULL: MVG_PROFILE_DIR env, then the built-in default */
} mvg_config_opts;

/*
 * Loads and checks path. On success returns the config and leaves diags
 * empty. On failure returns NULL and adds every problem found to diags as
 * "FILE:LINE: message" (syntax errors stop at the first, as libconfig does).
 */
mvg_config *mvg_config_load(const char *path, const mvg_config_opts *opts, mvg_diags *diags);
void mvg_config_free(mvg_config *cfg);

/* The built-in profile directory, searched last (set at build time). */
const char *mvg_config_default_profile_dir(void);

/* Lookups by name; -1 when absent. */
long mvg_config_find_device(const mvg_config *cfg, const char *name);
long mvg_config_find_point(const mvg_device_cfg *dev, const char *name);

#endif
