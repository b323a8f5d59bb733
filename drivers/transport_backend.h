/*
 * transport_backend.h: the table of functions each transport backend
 * provides (Modbus TCP in tr_mbap.c, libmodbus RTU on a serial port in
 * tr_modbus.c, RTU framing over a TCP socket in tr_rtu_tcp.c; the two TCP
 * ones share tr_socket.h) and small helpers they share. transport.c checks the
 * arguments once and dispatches; backends assume valid arguments.
 */
#ifndef MVG_TRANSPORT_BACKEND_H
#define MVG_TRANSPORT_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "pdu.h"
#include "tr_trace.h"
#include "transport.h"

typedef struct {
    /* Same contract as mvg_transport_read; err is already prefixed by the
     * caller with where the request went. trace is NULL unless the frames
     * are traced: then every frame sent and received and every failure
     * goes to it (tr_trace.h). */
    int (*read)(void *impl, int unit_id, mvg_area area, unsigned start, unsigned count,
                uint16_t *regs, uint8_t *bits, uint8_t *exception_code, mvg_tr_trace *trace,
                char *err, size_t errlen);
    /* Same contract as mvg_transport_request: pdu (len bytes) goes to
     * unit_id, the reply's PDU (delimited by reply_len, at most
     * MVG_PDU_MAX_REPLY bytes) comes back in reply, *got its length,
     * exception replies included: the caller parses it. MVG_TR_OK or
     * MVG_TR_COMM with err. */
    int (*request)(void *impl, int unit_id, const uint8_t *pdu, size_t len,
                   mvg_pdu_len_fn reply_len, uint8_t *reply, size_t *got, mvg_tr_trace *trace,
                   char *err, size_t errlen);
    void (*close)(void *impl);
    void (*free)(void *impl);
} mvg_tr_backend;

extern const mvg_tr_backend mvg_tr_mbap_backend;
extern const mvg_tr_backend mvg_tr_modbus_backend;
extern const mvg_tr_backend mvg_tr_rtu_tcp_backend;

void *mvg_tr_mbap_new(const mvg_bus_cfg *bus, char *err, size_t errlen);
/* RTU on a local serial port only. */
void *mvg_tr_modbus_new(const mvg_bus_cfg *bus, char *err, size_t errlen);
void *mvg_tr_rtu_tcp_new(const mvg_bus_cfg *bus, char *err, size_t errlen);

/* The bus's per-request timeout in ms, with the config default for unset. */
int mvg_tr_timeout_ms(const mvg_bus_cfg *bus);
/* strerror(e) with a lower-case first letter, thread-safe, into buf. */
const char *mvg_tr_strerror(int e, char *buf, size_t len);

#endif
