/*
 * http_metrics.h: a snapshot (http_snap.h) as the Prometheus text exposition
 * format, version 0.0.4: every family with its HELP and TYPE lines before
 * its samples, label values escaped (backslash, double quote, newline),
 * the round-trip histogram as cumulative _bucket lines up to le="+Inf"
 * with _sum and _count. Pure: a snapshot in, text out. The metric names
 * and what they mean are in docs/daemon.md "HTTP endpoint".
 */
#ifndef MVG_HTTP_METRICS_H
#define MVG_HTTP_METRICS_H

#include <stddef.h>

#include "http_snap.h"

/* malloc'd text (*len its length), or NULL when out of memory. */
char *mvg_http_metrics(const mvg_http_snap *s, size_t *len);

#endif
