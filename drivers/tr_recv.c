/*
 * tr_recv.c: the receive loop of one frame against a deadline.
 */
#include "tr_recv.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include "clock.h"
#include "netconn.h"
#include "transport_backend.h"

int64_t mvg_tr_recv_sent_ms(void) { return (mvg_clock_mono_ns() + 999999) / 1000000; }

int mvg_tr_recv_gone(long n, const char *eof, char *err, size_t errlen)
{
    if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return 0;
    if (n == 0) {
        snprintf(err, errlen, "%s", eof);
    } else {
        char buf[128];
        snprintf(err, errlen, "%s", mvg_tr_strerror(errno, buf, sizeof buf));
    }
    return 1;
}

int mvg_tr_recv_frame(int fd, uint8_t *buf, size_t cap, size_t *len, int64_t deadline,
                      int timeout_ms, mvg_tr_frame_len_fn frame_len, const void *ctx,
                      const char *eof, char *err, size_t errlen)
{
    *len = 0;
    for (;;) {
        long want = frame_len(buf, *len, ctx, err, errlen);
        if (want < 0)
            return MVG_TR_RECV_FAILED;
        if (want > (long)cap)
            want = (long)cap; /* frame_len keeps within cap; this is the guard */
        if (*len >= (size_t)want) {
            /* Bytes past the frame answer no request of ours (one is
             * outstanding at a time): drop them, as the next discard would. */
            *len = (size_t)want;
            return MVG_TR_RECV_OK;
        }
        struct pollfd pfd = {fd, POLLIN, 0};
        int p = poll(&pfd, 1, mvg_netconn_remaining(deadline));
        if (p == -1 && errno == EINTR)
            continue;
        if (p == 0) {
            if (*len > 0)
                snprintf(err, errlen, "timeout after %d ms (%zu of %ld bytes received)", timeout_ms,
                         *len, want);
            else
                snprintf(err, errlen, "timeout after %d ms", timeout_ms);
            return MVG_TR_RECV_FAILED;
        }
        /* As much as has come, not just up to the lower bound: one read()
         * usually takes the whole reply, a syscall fewer per request. */
        ssize_t n = p < 0 ? -1 : read(fd, buf + *len, cap - *len);
        if (n > 0) {
            *len += (size_t)n;
            continue;
        }
        if (mvg_tr_recv_gone((long)n, eof, err, errlen))
            return MVG_TR_RECV_GONE;
    }
}
