/*
 * hub_syncer.c: the thread that waits for the disk (hub_syncer.h).
 */
#include "hub_syncer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

struct mvg_hub_syncer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    mvg_hub_db *db;             /* the thread's own connection */
    /* under mu: a sync asked for (given), running or done (done, rc, err)
     * until the caller waits for it; stop: the thread's end */
    int given, done, rc, stop;
    char err[512];
};

static void *run(void *arg)
{
    mvg_hub_syncer *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!(s->given && !s->done) && !s->stop)
            pthread_cond_wait(&s->cv, &s->mu);
        if (!(s->given && !s->done))
            break;
        pthread_mutex_unlock(&s->mu);
        char err[sizeof s->err] = "";
        int rc = mvg_hub_db_sync(s->db, err, sizeof err);
        pthread_mutex_lock(&s->mu);
        s->rc = rc;
        memcpy(s->err, err, sizeof err);
        s->done = 1;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

mvg_hub_syncer *mvg_hub_syncer_new(const mvg_hub_db_cfg *cfg, char *err, size_t errlen)
{
    mvg_hub_syncer *s = calloc(1, sizeof *s);
    if (!s) {
        mvg_set_err(err, errlen, "out of memory");
        return NULL;
    }
    if (!(s->db = mvg_hub_db_open(cfg, err, errlen))) {
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        mvg_set_err(err, errlen, "cannot start the sync thread");
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
        mvg_hub_db_close(s->db);
        free(s);
        return NULL;
    }
    return s;
}

void mvg_hub_syncer_free(mvg_hub_syncer *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    while (s->given && !s->done)
        pthread_cond_wait(&s->cv, &s->mu);
    s->stop = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    mvg_hub_db_close(s->db);
    free(s);
}

int mvg_hub_syncer_give(mvg_hub_syncer *s)
{
    pthread_mutex_lock(&s->mu);
    int rc = -1;
    if (!s->given) {
        s->given = 1;
        s->done = 0;
        pthread_cond_broadcast(&s->cv);
        rc = 0;
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int mvg_hub_syncer_busy(mvg_hub_syncer *s)
{
    pthread_mutex_lock(&s->mu);
    int given = s->given;
    pthread_mutex_unlock(&s->mu);
    return given;
}

int mvg_hub_syncer_wait(mvg_hub_syncer *s, char *err, size_t errlen)
{
    pthread_mutex_lock(&s->mu);
    while (s->given && !s->done)
        pthread_cond_wait(&s->cv, &s->mu);
    int rc = s->given ? s->rc : 0;
    if (rc < 0)
        mvg_set_err(err, errlen, "%s", s->err);
    s->given = 0;
    pthread_mutex_unlock(&s->mu);
    return rc;
}
