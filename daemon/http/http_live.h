/*
 * http_live.h: the installer's live page. mvg_http_live_json writes a
 * snapshot (http_snap.h) as the JSON document of /api/live (devices with
 * their state, polls, last error and every point's value, unit, quality
 * and time; the outboxes; the projects' last intervals); mvg_http_live_page
 * is the page at /, one HTML document with its style and script inline (no
 * external assets: a gateway on a plant network reaches no CDN), which
 * fetches /api/live every two seconds and redraws its tables. Pure.
 */
#ifndef MVG_HTTP_LIVE_H
#define MVG_HTTP_LIVE_H

#include <stddef.h>

#include "http_snap.h"

#define MVG_HTTP_LIVE_SCHEMA "mvgate/live/1"

/* malloc'd JSON (*len its length), or NULL when out of memory. */
char *mvg_http_live_json(const mvg_http_snap *s, size_t *len);

/* The page: a static string. */
const char *mvg_http_live_page(void);

#endif
