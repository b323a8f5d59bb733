/*
 * fake_adjtimex.c: an LD_PRELOAD shim for the integration tests that
 * answers the kernel's clock synchronisation state (adjtimex, ntp_adjtime)
 * from a file the test rewrites: "unsync" reads as STA_UNSYNC and
 * TIME_ERROR, anything else as synchronised. libfaketime leaves adjtimex
 * alone, and the machine running the tests may or may not run NTP: the
 * test decides. Reads only (modes 0), which is all mvgated asks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>

static int answer(struct timex *tx)
{
    const char *path = getenv("MVG_FAKE_ADJTIMEX_FILE");
    char word[16] = "";
    FILE *f = path ? fopen(path, "r") : NULL;
    if (f) {
        if (!fgets(word, sizeof word, f))
            word[0] = '\0';
        fclose(f);
    }
    memset(tx, 0, sizeof *tx);
    if (strncmp(word, "unsync", 6) == 0) {
        tx->status = STA_UNSYNC;
        return TIME_ERROR;
    }
    return TIME_OK;
}

int adjtimex(struct timex *tx) { return answer(tx); }
int ntp_adjtime(struct timex *tx) { return answer(tx); }
