/*
 * logfmt.h: the daemon's human-readable lines: one device poll as
 * "name=value unit" pairs, and one project interval with its savings in the
 * scheme's units. Pure formatting into a caller's buffer; owns nothing.
 */
#ifndef MVG_LOGFMT_H
#define MVG_LOGFMT_H

#include <stddef.h>

#include "config.h"
#include "model.h"
#include "project.h"
#include "sample_queue.h"

/* "dev: p1=230.5 V, p2=- (comm_error), ..." ("dev (offline): ..." when the
 * device is offline). Returns buf. */
const char *mvg_logfmt_batch(const mvg_config *cfg, const mvg_sample_batch *b, char *buf,
                             size_t len);

/* "project 2026-01-06T01:05Z reporting electricity: ..." for stream s of
 * one interval result. Returns buf. */
const char *mvg_logfmt_stream(const char *project, const mvg_project_result *res, size_t s,
                              char *buf, size_t len);

/* "project: baseline model of electricity: linear, n=288, ..." */
const char *mvg_logfmt_model(const char *project, const char *stream, const mvg_model *m,
                             char *buf, size_t len);

#endif
