/*
 * programme_out.h: the writers of `mvgate programme`, one per format, each
 * from the gathered programme (programme_data.h) to a stream:
 *   programme_json.c  one JSON document (docs/schemas/programme.schema.json)
 *   programme_csv.c   section,key,value,unit rows (RFC 4180)
 *   programme_html.c  one self-contained HTML page with inline SVG charts,
 *                     on the report's page style, charts and words
 *                     (report_out.h, report_svg.h, report_i18n.h)
 * Each returns 0, or -1 with err (out of memory, write error).
 */
#ifndef MVG_PROGRAMME_OUT_H
#define MVG_PROGRAMME_OUT_H

#include <stddef.h>
#include <stdio.h>

#include "programme_data.h"
#include "report_i18n.h"

#define MVG_PROGRAMME_SCHEMA "mvgate/programme/1"

int mvg_programme_write_json(const mvg_programme *p, FILE *out, char *err, size_t errlen);
int mvg_programme_write_csv(const mvg_programme *p, FILE *out, char *err, size_t errlen);
int mvg_programme_write_html(const mvg_programme *p, mvg_lang lang, FILE *out, char *err,
                             size_t errlen);

#endif
