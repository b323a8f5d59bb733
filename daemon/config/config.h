/*
 * config.h: the gateway configuration as plain values, loaded and fully
 * checked from a libconfig file (with device profiles pulled from
 * config/profiles). The loader owns the mvg_config tree it returns; every
 * other module only reads it. Every element remembers the file and line it
 * came from so that later checks (and the daemon) can point at it. The
 * strings that a large configuration has by the thousand (the points'
 * names and units, the devices' profiles, the file names of src) point
 * into the configuration's string pool: valid until mvg_config_free, and
 * shared by every copy of a point, so that whatever keeps one must keep
 * the configuration too (as a reload keeps the old one until the new runs).
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
    void *priv;             /* loader-owned storage: the string pool (strpool.h) */
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
    /* Bytes of the devices list that libconfig parses at a time
     * (config_scan.h): 0 is MVG_CONFIG_DEVICES_CHUNK; SIZE_MAX parses the
     * whole file at once. The result is the same either way. */
    size_t devices_chunk;
} mvg_config_opts;

/* About 100 devices of 10 points a chunk: the parse tree of one chunk is a
 * few MB, against about 100 MB for a 100,000-point file whole. */
#define MVG_CONFIG_DEVICES_CHUNK ((size_t)256 * 1024)

/*
 * Loads and checks path. On success returns the config and leaves diags
 * empty. On failure returns NULL and adds every problem found to diags as
 * "FILE:LINE: message" (syntax errors stop at the first, as libconfig does).
 */
mvg_config *mvg_config_load(const char *path, const mvg_config_opts *opts, mvg_diags *diags);
void mvg_config_free(mvg_config *cfg);

/* The built-in profile directory, searched last (set at build time). */
const char *mvg_config_default_profile_dir(void);

/* One signature register of a profile's identify block: the raw value of
 * one holding or input register, within min..max (equal for one value). */
typedef struct {
    mvg_area area;
    unsigned address;
    unsigned min, max;
} mvg_ident_reg;

#define MVG_IDENT_MAX_REGS 4

/* What a profile declares to recognise its meter on a bus (the optional
 * `identify` block, docs/profiles.md): Read Device Identification strings
 * and signature registers. */
typedef struct {
    int declared;       /* the profile has an identify block */
    char vendor[96];    /* in VendorName (object 0), any case; "" when not declared */
    char product[96];   /* in ProductCode (object 1), any case; "" when not declared */
    mvg_ident_reg regs[MVG_IDENT_MAX_REGS];
    size_t nregs;
} mvg_profile_ident;

/* A profile as `mvgate scan` sees it. */
typedef struct {
    char name[MVG_NAME_MAX];
    char source[800];  /* maker, model, manual (version) */
    int unit_id;       /* the maker's factory default unit id, 0 when not given */
    mvg_profile_ident ident;
} mvg_profile_info;

/*
 * Every profile of the search path a configuration at config_path would
 * use (config_path NULL: the path without the configuration's own
 * folder), the first of each name, sorted by name, each loaded and checked
 * as a device's profile is. A profile with errors adds them to diags
 * (FILE:LINE) and is left out. Returns a malloc'd array of *n (NULL with
 * *n 0 when there are none or memory ran out: then diags says so).
 */
mvg_profile_info *mvg_config_profiles(const char *config_path, const mvg_config_opts *opts,
                                      size_t *n, mvg_diags *diags);

/* Lookups by name; -1 when absent. */
long mvg_config_find_device(const mvg_config *cfg, const char *name);
long mvg_config_find_point(const mvg_device_cfg *dev, const char *name);

#endif
