/*
 * sim_server.h: the Modbus side of mvgate-sim. It owns the TCP listening
 * socket and its clients, optionally a pseudo-terminal serving RTU (with a
 * symlink so that a daemon can open it like /dev/ttyUSB0) and optionally a
 * second TCP port speaking RTU framing, as serial device servers do. It frames
 * requests itself, without blocking, so that one select() loop serves every
 * client; libmodbus builds and sends the replies from the addressed unit's
 * mapping. Link-level faults (drop, delay, exception) come from a
 * mvg_sim_faults the control port edits; a delayed reply is queued with a
 * due time rather than slept on, so other clients are not held up.
 */
#ifndef MVG_SIM_SERVER_H
#define MVG_SIM_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/select.h>

#include "sim_regs.h"

/* Link-level faults; unit-specific entries apply on top of the _all ones. */
typedef struct {
    unsigned drop_gen;      /* bumped by `fault drop` (all units): the server closes its TCP clients */
    int drop_all;           /* no unit answers */
    uint8_t drop[256];      /* this unit does not answer */
    int delay_all_ms;       /* every answer this late ... */
    int delay_ms[256];      /* ... or this, whichever is longer */
    int exc_all;            /* Modbus exception code for every request, 0 = none */
    uint8_t exc[256];       /* per unit, wins over exc_all */
} mvg_sim_faults;

/* Called before a unit's registers are served, to bring them up to date. */
typedef void (*mvg_sim_refresh_fn)(void *user, int unit);

typedef struct mvg_sim_server mvg_sim_server;

typedef struct {
    const char *host;       /* TCP address to listen on */
    int port;               /* 0: any free port */
    const char *rtu_path;   /* NULL: no RTU; else the symlink to create */
    int rtu_tcp_port;       /* -1: no RTU over TCP; 0: any free port */
    mvg_sim_regs *regs;     /* borrowed */
    const mvg_sim_faults *faults; /* borrowed */
    mvg_sim_refresh_fn refresh;
    void *user;
} mvg_sim_server_opts;

mvg_sim_server *mvg_sim_server_new(const mvg_sim_server_opts *o, char *err, size_t errlen);
/* Closes everything and removes the RTU symlink. */
void mvg_sim_server_free(mvg_sim_server *s);

int mvg_sim_server_port(const mvg_sim_server *s);
/* The RTU-over-TCP port, -1 when not served. */
int mvg_sim_server_rtu_tcp_port(const mvg_sim_server *s);

/* Adds the server's descriptors to rd; returns the new highest fd. */
int mvg_sim_server_fdset(const mvg_sim_server *s, fd_set *rd, int maxfd);
/* Monotonic time (s) by which process() must run again: the next delayed
 * reply or the end of a partial RTU frame; INFINITY when nothing waits. */
double mvg_sim_server_next_due(const mvg_sim_server *s);
/* Accepts, reads, frames and answers; sends delayed replies that are due. */
void mvg_sim_server_process(mvg_sim_server *s, const fd_set *rd, double now);

#endif
