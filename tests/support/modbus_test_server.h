/*
 * modbus_test_server.h: in-process Modbus servers on 127.0.0.1 for the
 * transport tests and the acquisition benchmark.
 *
 *  - mts_mb: a libmodbus Modbus TCP server thread (modbus_receive and
 *    modbus_reply over a modbus_mapping), the reference implementation our
 *    TCP client talks to.
 *  - mts_rtt: a hand-written scripted server thread, speaking RTU over TCP
 *    (mts_rtt_start, or on a pty: mts_rtt_start_line) or Modbus TCP with
 *    MBAP framing (mts_mbap_start), whose faults the tests switch: silence,
 *    a delayed first reply, a reply trickled one byte at a time, a
 *    corrupted CRC, a reply from the wrong unit, a wrong function code,
 *    protocol id, MBAP length or transaction id, a reply sent twice, an
 *    exception of the test's choice. Its
 *    holding registers carry the request's sequence number (seq * 1000 +
 *    address), so a test can tell which request a reply belongs to.
 *
 * Both listen on a port given (0: any free port) with SO_REUSEADDR, so a
 * test can stop a server and start a new one on the same port.
 */
#ifndef MVG_MODBUS_TEST_SERVER_H
#define MVG_MODBUS_TEST_SERVER_H

#include <modbus.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/* Listening socket on 127.0.0.1:port (0: any); *out_port gets the port. */
int mts_listen(int port, int *out_port);

/* ---- libmodbus TCP server ---- */

#define MTS_MB_REGS 200
#define MTS_MB_BITS 3000

typedef struct {
    int lfd, port;
    pthread_t th;
    atomic_int stop;
    modbus_t *ctx;
    modbus_mapping_t *map;
    atomic_int requests;
    atomic_int connections;
} mts_mb;

/* The values the libmodbus server holds (and the tests expect). */
uint16_t mts_mb_holding(unsigned addr, unsigned gen);
uint16_t mts_mb_input(unsigned addr);
uint8_t mts_mb_coil(unsigned addr);
uint8_t mts_mb_discrete(unsigned addr);

/* Starts a server on port (0: any); gen shifts the holding values, so a
 * restarted server is told apart from the old one. Returns 0 or -1. */
int mts_mb_start(mts_mb *s, int port, unsigned gen);
void mts_mb_stop(mts_mb *s);

/* ---- scripted server: RTU over TCP, RTU on a pty, or Modbus TCP ---- */

enum {
    MTS_NORMAL,
    MTS_SILENT,      /* reads requests, never answers */
    MTS_BAD_CRC,     /* answers with the CRC's low byte flipped */
    MTS_WRONG_UNIT,  /* answers as unit + 1 */
    MTS_WRONG_FC,    /* answers with function 0x10 */
    MTS_TRUNCATED,   /* sends only the first half of the reply */
    MTS_TRICKLE,     /* sends the reply one byte every trickle_ms */
    MTS_DOUBLE,      /* sends the reply twice */
    MTS_WRONG_PROTO, /* MBAP: protocol id 1 */
    MTS_WRONG_LEN,   /* MBAP: length field 2 more than the frame has */
    MTS_WRONG_TID    /* MBAP: transaction id + 1 */
};

#define MTS_RTT_REGS 200 /* holding/input 0..199; beyond: exception 2 */

typedef struct {
    int lfd, port;
    int line_fd;             /* >= 0: serve this fd (a pty master), no listening */
    int mbap;                /* 1: Modbus TCP framing instead of RTU */
    pthread_t th;
    atomic_int stop;
    int unit;                /* the unit that answers; others are silent */
    atomic_int mode;
    atomic_int delay_next_ms; /* delays the next reply once, then resets to 0 */
    atomic_int trickle_ms;    /* MTS_TRICKLE: gap between bytes; default 250 */
    atomic_int exception;     /* nonzero: every read is answered with this exception
                               * code (11: a gateway whose target did not answer) */
    atomic_int requests;      /* valid requests seen (the seq of the last one) */
    atomic_int connections;
} mts_rtt;

/* The values the RTU server answers (seq: the request's sequence number). */
uint16_t mts_rtt_holding(unsigned addr, unsigned seq);
uint16_t mts_rtt_input(unsigned addr);
uint8_t mts_rtt_coil(unsigned addr);
uint8_t mts_rtt_discrete(unsigned addr);

/* Starts a server for unit on port (0: any). Returns 0 or -1. */
int mts_rtt_start(mts_rtt *s, int port, int unit);

/* The same server speaking Modbus TCP (MBAP) for unit: other units get
 * no answer, as behind a TCP-to-RTU gateway. Returns 0 or -1. */
int mts_mbap_start(mts_rtt *s, int port, int unit);

/* Serves a serial line instead: fd is the master side of a pty whose
 * slave the client opens (the caller owns and closes fd). */
int mts_rtt_start_line(mts_rtt *s, int fd, int unit);
void mts_rtt_stop(mts_rtt *s);

#endif
