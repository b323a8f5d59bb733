/*
 * http_live.c: /api/live and the page at / (http_live.h).
 */
#include "http_live.h"

#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "timefmt.h"

static void time_or_null(mvg_jsonw *w, int64_t ms)
{
    char buf[40];
    if (ms > 0 && mvg_timefmt_format(ms, MVG_TIMEFMT_MS | MVG_TIMEFMT_Z, buf, sizeof buf))
        mvg_jsonw_str(w, buf);
    else
        mvg_jsonw_null(w);
}

static void device(mvg_jsonw *w, const mvg_http_device *d)
{
    mvg_jsonw_obj(w);
    mvg_jsonw_key(w, "name");
    mvg_jsonw_str(w, d->name);
    mvg_jsonw_key(w, "bus");
    mvg_jsonw_str(w, d->bus);
    mvg_jsonw_key(w, "unit_id");
    mvg_jsonw_int(w, d->unit_id);
    mvg_jsonw_key(w, "online");
    mvg_jsonw_bool(w, d->online);
    mvg_jsonw_key(w, "polls");
    mvg_jsonw_int(w, (int64_t)d->polls);
    mvg_jsonw_key(w, "failed_polls");
    mvg_jsonw_int(w, (int64_t)d->failed_polls);
    mvg_jsonw_key(w, "last_good");
    time_or_null(w, d->last_good_ms);
    mvg_jsonw_key(w, "last_error");
    mvg_jsonw_str(w, d->last_error);
    mvg_jsonw_key(w, "points");
    mvg_jsonw_arr(w);
    for (size_t p = 0; p < d->npoints; p++) {
        const mvg_http_point *pt = &d->points[p];
        mvg_jsonw_obj(w);
        mvg_jsonw_key(w, "name");
        mvg_jsonw_str(w, pt->name);
        mvg_jsonw_key(w, "unit");
        mvg_jsonw_str(w, pt->unit);
        mvg_jsonw_key(w, "value");
        mvg_jsonw_num(w, pt->value); /* null when NaN */
        mvg_jsonw_key(w, "quality");
        if (pt->quality)
            mvg_jsonw_str(w, pt->quality);
        else
            mvg_jsonw_null(w);
        mvg_jsonw_key(w, "time");
        time_or_null(w, pt->ts_ms);
        mvg_jsonw_obj_end(w);
    }
    mvg_jsonw_arr_end(w);
    mvg_jsonw_obj_end(w);
}

char *mvg_http_live_json(const mvg_http_snap *s, size_t *len)
{
    mvg_jsonw *w = mvg_jsonw_new();
    if (!w)
        return NULL;
    mvg_jsonw_obj(w);
    mvg_jsonw_key(w, "schema");
    mvg_jsonw_str(w, MVG_HTTP_LIVE_SCHEMA);
    mvg_jsonw_key(w, "gateway");
    mvg_jsonw_str(w, s->gateway);
    mvg_jsonw_key(w, "site");
    mvg_jsonw_str(w, s->site);
    mvg_jsonw_key(w, "version");
    mvg_jsonw_str(w, s->version);
    mvg_jsonw_key(w, "time");
    time_or_null(w, s->now_ms);
    mvg_jsonw_key(w, "started");
    time_or_null(w, s->started_ms);
    mvg_jsonw_key(w, "devices");
    mvg_jsonw_arr(w);
    for (size_t d = 0; d < s->ndevices; d++)
        device(w, &s->devices[d]);
    mvg_jsonw_arr_end(w);
    mvg_jsonw_key(w, "outboxes");
    mvg_jsonw_arr(w);
    for (size_t o = 0; o < s->noutboxes; o++) {
        mvg_jsonw_obj(w);
        mvg_jsonw_key(w, "publisher");
        mvg_jsonw_str(w, s->outboxes[o].name);
        mvg_jsonw_key(w, "depth");
        mvg_jsonw_int(w, (int64_t)s->outboxes[o].depth);
        mvg_jsonw_key(w, "parked");
        mvg_jsonw_int(w, (int64_t)s->outboxes[o].parked);
        mvg_jsonw_key(w, "oldest");
        time_or_null(w, s->outboxes[o].oldest_ms);
        mvg_jsonw_obj_end(w);
    }
    mvg_jsonw_arr_end(w);
    mvg_jsonw_key(w, "projects");
    mvg_jsonw_arr(w);
    for (size_t p = 0; p < s->nprojects; p++) {
        const mvg_http_project *pr = &s->projects[p];
        mvg_jsonw_obj(w);
        mvg_jsonw_key(w, "name");
        mvg_jsonw_str(w, pr->name);
        mvg_jsonw_key(w, "phase");
        if (pr->phase)
            mvg_jsonw_str(w, pr->phase);
        else
            mvg_jsonw_null(w);
        mvg_jsonw_key(w, "last_interval_end");
        time_or_null(w, pr->last_end_ms);
        mvg_jsonw_key(w, "streams");
        mvg_jsonw_arr(w);
        for (size_t k = 0; pr->last_end_ms > 0 && k < pr->nstreams; k++) {
            mvg_jsonw_obj(w);
            mvg_jsonw_key(w, "name");
            mvg_jsonw_str(w, pr->streams[k].name);
            mvg_jsonw_key(w, "coverage");
            mvg_jsonw_num(w, pr->streams[k].coverage);
            mvg_jsonw_key(w, "valid");
            mvg_jsonw_bool(w, pr->streams[k].valid);
            mvg_jsonw_obj_end(w);
        }
        mvg_jsonw_arr_end(w);
        mvg_jsonw_obj_end(w);
    }
    mvg_jsonw_arr_end(w);
    mvg_jsonw_obj_end(w);
    size_t n = 0;
    const char *doc = mvg_jsonw_done(w, &n);
    char *out = doc ? malloc(n + 1) : NULL;
    if (out) {
        memcpy(out, doc, n + 1);
        if (len)
            *len = n;
    }
    mvg_jsonw_free(w);
    return out;
}

/* Everything inline; values go into the page with textContent only, so a
 * device or point name can never become markup. */
static const char page[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>mvgate live</title>\n"
    "<style>\n"
    "body{font-family:system-ui,sans-serif;margin:1em;color:#222}\n"
    "h1{font-size:1.3em}h2{font-size:1.1em;margin:1.2em 0 .3em}\n"
    "table{border-collapse:collapse;margin-bottom:.5em}\n"
    "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".online{color:#070}.offline{color:#b00;font-weight:bold}\n"
    ".good{color:#070}.bad{color:#b00}.err{color:#b00}\n"
    "#state{color:#666}\n"
    "</style></head><body>\n"
    "<h1>mvgate <span id=\"gateway\"></span></h1>\n"
    "<p id=\"state\">loading&hellip;</p>\n"
    "<div id=\"devices\"></div>\n"
    "<h2>Outboxes</h2><table id=\"outboxes\"><thead><tr><th>publisher</th><th>depth</th>"
    "<th>parked</th><th>oldest undelivered</th></tr></thead><tbody></tbody></table>\n"
    "<h2>Projects</h2><table id=\"projects\"><thead><tr><th>project</th><th>phase</th>"
    "<th>last interval end</th><th>stream coverage</th></tr></thead><tbody></tbody></table>\n"
    "<script>\n"
    "'use strict';\n"
    "function el(tag, text, cls) {\n"
    "  const e = document.createElement(tag);\n"
    "  if (text !== undefined && text !== null) e.textContent = String(text);\n"
    "  if (cls) e.className = cls;\n"
    "  return e;\n"
    "}\n"
    "function row(cells) {\n"
    "  const tr = el('tr');\n"
    "  for (const c of cells) tr.appendChild(c instanceof Node ? c : el('td', c));\n"
    "  return tr;\n"
    "}\n"
    "function fmt(v) {\n"
    "  if (v === null || v === undefined) return '\\u2014';\n"
    "  return Math.abs(v) >= 1e6 || Number.isInteger(v) ? String(v) : v.toPrecision(6);\n"
    "}\n"
    "function device(d) {\n"
    "  const box = el('section');\n"
    "  box.className = 'device';\n"
    "  box.dataset.device = d.name;\n"
    "  const h = el('h2', d.name + ' ');\n"
    "  h.appendChild(el('span', d.online ? 'online' : 'offline', d.online ? 'online' : "
    "'offline'));\n"
    "  box.appendChild(h);\n"
    "  box.appendChild(el('p', 'bus ' + d.bus + ', unit ' + d.unit_id + ': ' + d.polls +\n"
    "    ' polls, ' + d.failed_polls + ' failed; last answer ' + (d.last_good || 'never')));\n"
    "  if (d.last_error) box.appendChild(el('p', 'last error: ' + d.last_error, 'err'));\n"
    "  const t = el('table');\n"
    "  t.appendChild(row([el('th', 'point'), el('th', 'value'), el('th', 'unit'),\n"
    "    el('th', 'quality'), el('th', 'time')]));\n"
    "  for (const p of d.points) {\n"
    "    const tr = row([p.name, el('td', fmt(p.value), 'num'), p.unit,\n"
    "      el('td', p.quality || '\\u2014', p.quality === 'good' ? 'good' : 'bad'), p.time || "
    "'\\u2014']);\n"
    "    tr.dataset.point = d.name + '.' + p.name;\n"
    "    t.appendChild(tr);\n"
    "  }\n"
    "  box.appendChild(t);\n"
    "  return box;\n"
    "}\n"
    "function draw(s) {\n"
    "  document.getElementById('gateway').textContent = s.gateway + ' (' + s.site + ')';\n"
    "  document.getElementById('state').textContent = 'as of ' + s.time + ', mvgated ' +\n"
    "    s.version + ', running since ' + s.started;\n"
    "  const devs = document.getElementById('devices');\n"
    "  devs.replaceChildren(...s.devices.map(device));\n"
    "  const ob = document.querySelector('#outboxes tbody');\n"
    "  ob.replaceChildren(...s.outboxes.map(o => row([o.publisher, el('td', o.depth, 'num'),\n"
    "    el('td', o.parked, 'num'), o.oldest || '\\u2014'])));\n"
    "  const pr = document.querySelector('#projects tbody');\n"
    "  pr.replaceChildren(...s.projects.map(p => row([p.name, p.phase || '\\u2014',\n"
    "    p.last_interval_end || 'none yet', p.streams.map(x => x.name + ' ' +\n"
    "      (x.coverage === null ? '\\u2014' : (100 * x.coverage).toFixed(1) + '%') +\n"
    "      (x.valid ? '' : ' (not valid)')).join(', ')])));\n"
    "  document.body.dataset.loaded = s.time;\n"
    "}\n"
    "async function refresh() {\n"
    "  try {\n"
    "    const r = await fetch('api/live', {cache: 'no-store'});\n"
    "    if (!r.ok) throw new Error('HTTP ' + r.status);\n"
    "    draw(await r.json());\n"
    "  } catch (e) {\n"
    "    document.getElementById('state').textContent = 'mvgated does not answer: ' + e.message;\n"
    "  }\n"
    "  setTimeout(refresh, 2000);\n"
    "}\n"
    "refresh();\n"
    "</script>\n"
    "</body></html>\n";

const char *mvg_http_live_page(void)
{
    return page;
}
