/*
 * influx_lines.h: what mvgate writes to InfluxDB, as line protocol
 * (lineproto.h): one mvgate_sample line per point of a device poll (tags
 * gateway, device, point; fields value, the exact raw value where a sample
 * has one, and quality) and one
 * mvgate_interval line per stream of an interval record (tags gateway,
 * project, stream; fields seq, phase, valid, coverage, the interval's
 * figures and the cumulative ones), timestamped in ms (the poll's sample
 * times, the interval's end). The layouts are documented in
 * docs/influx.md. Pure: records in, bytes out.
 */
#ifndef MVG_INFLUX_LINES_H
#define MVG_INFLUX_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "lineproto.h"
#include "project.h"
#include "sample_queue.h"

/* The lines of poll b of dev, in lp (cleared first): its text, *len bytes
 * (0 when no line could be written). Valid until lp changes. A sample's
 * exact raw value goes in a field of its own: `raw` (integer) for an int64,
 * `raw_u` (unsigned, with unsigned_fields: InfluxDB 2) for a uint64, else
 * `raw` up to 2^63 - 1 and the string `raw_text` above; a string point's
 * text in `text`. */
const char *mvg_influx_lines_samples(mvg_lp *lp, const char *gateway, const mvg_device_cfg *dev,
                                     const mvg_sample_batch *b, int unsigned_fields, size_t *len);

/* The lines of project's interval record seq with result res, as above. */
const char *mvg_influx_lines_interval(mvg_lp *lp, const char *gateway, const char *project,
                                      int64_t seq, const mvg_project_result *res, size_t *len);

#endif
