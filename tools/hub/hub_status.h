/*
 * hub_status.h: what the hub has verified, per gateway and project, read
 * from its tables (`mvgate hub status`): the verified range from chain 1,
 * the records waiting, the gaps (positions below the highest one stored
 * with no record at all), each bad record with its verdict, and the
 * messages kept raw with a note (wrong topic, not a record).
 */
#ifndef MVG_HUB_STATUS_H
#define MVG_HUB_STATUS_H

#include <stdio.h>

#include "hub_db.h"

/* Prints the summary to out: the number of bad records and noted
 * messages (0: all good so far), or -1 with the database's error. */
long mvg_hub_status_print(mvg_hub_db *db, FILE *out);

#endif
