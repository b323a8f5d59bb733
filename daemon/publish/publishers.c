/*
 * publishers.c: loading the publisher modules (publishers.h).
 */
#include "publishers.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_publish.h"

#ifndef MVG_PUBLISH_MODULE_DIR
#define MVG_PUBLISH_MODULE_DIR "/usr/lib/mvgate"
#endif
#ifndef MVG_REL_MODULE_DIR
#define MVG_REL_MODULE_DIR "../lib/mvgate"
#endif

static const char *const module_file[] = {
    [MVG_PUBMOD_MQTT] = "mvgate-mqtt.so",
    [MVG_PUBMOD_MQTT_TLS] = "mvgate-mqtt-tls.so",
    [MVG_PUBMOD_INFLUX] = "mvgate-influx.so",
    [MVG_PUBMOD_INFLUX_TLS] = "mvgate-influx-tls.so",
    [MVG_PUBMOD_HTTP] = "mvgate-http.so",
};

/* 1 when api has the entries of module which. */
static int serves(const mvg_publishers_api *api, mvg_pubmod which)
{
    switch (which) {
    case MVG_PUBMOD_INFLUX:
    case MVG_PUBMOD_INFLUX_TLS: return api->influx_start != NULL;
    case MVG_PUBMOD_HTTP: return api->http_start != NULL;
    default: return api->mqtt_start != NULL;
    }
}

mvg_pubmod mvg_publishers_mqtt_module(const char *uri)
{
    return mvg_mqtt_uri_is_tls(uri) ? MVG_PUBMOD_MQTT_TLS : MVG_PUBMOD_MQTT;
}

mvg_pubmod mvg_publishers_influx_module(const char *url)
{
    return mvg_influx_url_is_tls(url) ? MVG_PUBMOD_INFLUX_TLS : MVG_PUBMOD_INFLUX;
}

static const mvg_publishers_api *try_open(const char *path, char *why, size_t len)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(why, len, "%s", dlerror());
        return NULL;
    }
    const mvg_publishers_api *api = dlsym(h, MVG_PUBLISHERS_SYMBOL);
    if (!api || api->version != MVG_PUBLISHERS_API_VERSION) {
        snprintf(why, len, "%.4000s: %s", path,
                 api ? "built for another version of mvgated" : "not an mvgate publisher module");
        dlclose(h);
        return NULL;
    }
    return api;
}

/* Never dlclose'd: paho keeps threads of its own that would run unmapped
 * code. A second dlopen of the same file only bumps its count, so no cache
 * (and no global state) is needed here. */
const mvg_publishers_api *mvg_publishers_load(mvg_pubmod which, char *err, size_t errlen)
{
    const char *file = module_file[which];
    char paths[4][PATH_MAX];
    size_t n = 0;
    const char *env = getenv("MVG_PUBLISH_MODULE_DIR");
    int w;
    if (env && *env && (w = snprintf(paths[n], PATH_MAX, "%s/%s", env, file)) > 0 && w < PATH_MAX)
        n++;
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = len > 0 ? (exe[len] = '\0', strrchr(exe, '/')) : NULL;
    if (slash) {
        *slash = '\0';
        /* build/bin/mvgated -> build/lib/mvgate/<file>; and
         * PREFIX/sbin/mvgated -> PREFIX/<libdir>/mvgate/<file> for an install
         * under another prefix than the configured one (a package) */
        const char *rel[] = {"../lib/mvgate", MVG_REL_MODULE_DIR};
        for (size_t k = 0; k < 2; k++) {
            if (k == 1 && strcmp(rel[1], rel[0]) == 0)
                break;
            w = snprintf(paths[n], PATH_MAX, "%s/%s/%s", exe, rel[k], file);
            if (w > 0 && w < PATH_MAX)
                n++;
        }
    }
    snprintf(paths[n++], PATH_MAX, "%s/%s", MVG_PUBLISH_MODULE_DIR, file);
    char why[4][PATH_MAX + 128];
    const mvg_publishers_api *api = NULL;
    for (size_t i = 0; i < n && !api; i++) {
        if (access(paths[i], F_OK) != 0) {
            snprintf(why[i], sizeof why[i], "%.4000s: not found", paths[i]);
            continue;
        }
        api = try_open(paths[i], why[i], sizeof why[i]);
        if (api && !serves(api, which)) {
            snprintf(why[i], sizeof why[i], "%.4000s: not the module of that client", paths[i]);
            api = NULL;
        }
    }
    if (!api) {
        size_t pos = (size_t)snprintf(err, errlen, "cannot load the module %s:", file);
        for (size_t i = 0; i < n && pos < errlen; i++)
            pos += (size_t)snprintf(err + pos, errlen - pos, " [%s]", why[i]);
    }
    return api;
}
