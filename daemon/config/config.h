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

#include "device.h"
#include "diag.h"

struct mvg_projects_cfg; /* derived channels and M&V projects: config_projects.h */
struct mvg_publish_cfg;  /* store, mqtt and influx sections: config_publish.h */

typedef struct {
    char id[MVG_NAME_MAX];
    char site[MVG_NAME_MAX];
    char data_dir[MVG_PATH_MAX];
    int require_synced_clock; /* interval records wait for a synchronised wall clock */
    int head_every;           /* minutes between signed head records; 0: periodic heads off */
    mvg_cfg_src src;
} mvg_gateway_cfg;

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
    /* SHA-256 of the bytes loaded: the file and its @includes
     * (config_digest.h), in lowercase hex */
    char sha256[65];
} mvg_config;

typedef struct mvg_config_opts {
    const char *profile_dir; /* NULL: MVG_PROFILE_DIR env, then the built-in default */
    /* The check that the MQTT client's TLS files parse and belong together
     * (tlsfiles.h's mvg_tlsfiles_check, or a caller's way to reach it),
     * reported at the key's line; NULL: not checked here (the client checks
     * them when it starts). A hook, not a call, so that reading a
     * configuration does not map libcrypto into a gateway that has no TLS:
     * about 1.4 MB of resident pages (docs/performance.md). */
    int (*tls_check)(const char *ca, const char *cert, const char *key, int *which, char *err,
                     size_t errlen);
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
