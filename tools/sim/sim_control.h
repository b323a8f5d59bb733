/*
 * sim_control.h: the control port of mvgate-sim, a line-based text protocol
 * on loopback that tests (or a person with nc) use to switch the phase,
 * inject faults and read the plant's state. One command per line; every
 * command gets one reply line: `ok`, `error: ...`, or (for `status`) one
 * JSON object. The module owns the listening socket and its clients; the
 * commands act on the plant, register image and fault table it is given.
 *
 *   phase baseline|retrofit
 *   fault drop [UNIT]              UNIT stops answering; without UNIT, every TCP
 *                                  client is disconnected and nothing answers
 *   fault delay MS [UNIT]          answer MS milliseconds late
 *   fault exception CODE [UNIT]    answer with Modbus exception CODE (1..11)
 *   fault nan UNIT ADDRESS         that float point reads NaN
 *   fault rollover UNIT ADDRESS    counter jumps to just below its wrap
 *   fault reset UNIT ADDRESS       counter restarts from 0
 *   clear                          end drop, delay, exception and NaN faults
 *   status                         plant clock and values as one JSON line
 *   help
 */
#ifndef MVG_SIM_CONTROL_H
#define MVG_SIM_CONTROL_H

#include <stddef.h>
#include <sys/select.h>

#include "sim_plant.h"
#include "sim_regs.h"
#include "sim_server.h"

/* Plant-time seconds a counter is left short of its wrap by `fault rollover`. */
#define MVG_SIM_ROLLOVER_LEAD_S 120.0

typedef struct {
    mvg_sim_plant *plant;   /* NULL in bulk mode */
    mvg_sim_regs *regs;
    mvg_sim_faults *faults;
    double plant_time;      /* current plant clock, epoch seconds (for status in bulk mode) */
    double time_scale;
} mvg_sim_control_env;

/* The reply buffer that holds any reply line (a status line of the
 * largest plant is about 1 kB). */
#define MVG_SIM_CONTROL_REPLY_MAX 8192

/*
 * Runs one command line (without its newline) and writes the reply line
 * (without newline) to reply. Returns 0 when the reply is `ok` or status,
 * -1 when it is an error.
 */
int mvg_sim_control_exec(const mvg_sim_control_env *env, const char *line, char *reply, size_t len);

/* Handler the listener calls for each complete line. */
typedef int (*mvg_sim_control_fn)(void *user, const char *line, char *reply, size_t len);

typedef struct mvg_sim_control mvg_sim_control;

mvg_sim_control *mvg_sim_control_new(const char *host, int port, mvg_sim_control_fn fn, void *user,
                                     char *err, size_t errlen);
void mvg_sim_control_free(mvg_sim_control *c);
int mvg_sim_control_port(const mvg_sim_control *c);
int mvg_sim_control_fdset(const mvg_sim_control *c, fd_set *rd, int maxfd);
void mvg_sim_control_process(mvg_sim_control *c, const fd_set *rd);

/* Formats epoch seconds as ISO 8601 UTC with milliseconds. */
void mvg_sim_control_iso8601(double t, char *buf, size_t len);

#endif
