/*
 * telemetry_lane.c: two singly linked lists (queued, handed back) under
 * one mutex; an entry is one allocation with its topic and payload.
 */
#include "telemetry_lane.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct mvg_lane {
    pthread_mutex_t mu;
    int open;
    uint64_t next_seq;
    size_t max_bytes, bytes;      /* queued payload bytes */
    mvg_lane_entry *head, *tail;  /* queued, oldest first */
    mvg_lane_entry *back;         /* handed back, oldest first */
};

mvg_lane *mvg_lane_new(size_t max_bytes)
{
    mvg_lane *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    pthread_mutex_init(&l->mu, NULL);
    l->max_bytes = max_bytes;
    return l;
}

void mvg_lane_entry_free(mvg_lane_entry *e)
{
    free(e);
}

void mvg_lane_entries_free(mvg_lane_entry *list)
{
    while (list) {
        mvg_lane_entry *next = list->next;
        free(list);
        list = next;
    }
}

void mvg_lane_free(mvg_lane *l)
{
    if (!l)
        return;
    mvg_lane_entries_free(l->head);
    mvg_lane_entries_free(l->back);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

mvg_lane_entry *mvg_lane_returned(mvg_lane *l)
{
    pthread_mutex_lock(&l->mu);
    mvg_lane_entry *r = l->back;
    l->back = NULL;
    pthread_mutex_unlock(&l->mu);
    return r;
}

static int by_seq(const void *a, const void *b)
{
    uint64_t x = (*(mvg_lane_entry *const *)a)->seq, y = (*(mvg_lane_entry *const *)b)->seq;
    return x < y ? -1 : x > y;
}

/* The entries of list sorted by seq, as a list; NULL when empty. When the
 * array for the sort cannot be had, the list as it is: the entries are
 * kept, only their order is not restored. */
static mvg_lane_entry *sorted(mvg_lane_entry *list)
{
    size_t n = 0;
    for (mvg_lane_entry *e = list; e; e = e->next)
        n++;
    if (n < 2)
        return list;
    mvg_lane_entry **v = malloc(n * sizeof *v);
    if (!v)
        return list;
    n = 0;
    for (mvg_lane_entry *e = list; e; e = e->next)
        v[n++] = e;
    qsort(v, n, sizeof *v, by_seq);
    for (size_t i = 0; i + 1 < n; i++)
        v[i]->next = v[i + 1];
    v[n - 1]->next = NULL;
    list = v[0];
    free(v);
    return list;
}

/* Closes the lane: the handed-back list becomes what it held, unacked
 * and the queued entries, in the order they were offered (a close for a
 * full lane may leave entries in flight that are older than those it
 * handed back). Under mu. Returns the list's length. */
static size_t close_locked(mvg_lane *l, mvg_lane_entry *unacked)
{
    l->open = 0;
    mvg_lane_entry *all = unacked, **end = &all;
    while (*end)
        end = &(*end)->next;
    *end = l->back;
    while (*end)
        end = &(*end)->next;
    *end = l->head;
    l->head = l->tail = NULL;
    l->bytes = 0;
    l->back = sorted(all);
    size_t n = 0;
    for (mvg_lane_entry *e = l->back; e; e = e->next)
        n++;
    return n;
}

int mvg_lane_offer(mvg_lane *l, const char *topic, const char *payload, size_t len)
{
    pthread_mutex_lock(&l->mu);
    int open = l->open;
    if (open && l->bytes + len > l->max_bytes) {
        /* the publisher does not keep up: the outbox takes over, in order */
        close_locked(l, NULL);
        open = 0;
    }
    pthread_mutex_unlock(&l->mu);
    if (!open)
        return 0;
    size_t tl = strlen(topic) + 1;
    mvg_lane_entry *e = malloc(sizeof *e + tl + len);
    if (!e)
        return -1;
    char *t = (char *)(e + 1);
    memcpy(t, topic, tl);
    memcpy(t + tl, payload, len);
    e->next = NULL;
    e->topic = t;
    e->payload = t + tl;
    e->len = len;
    pthread_mutex_lock(&l->mu);
    /* closed meanwhile: the entry goes to the outbox after what came back */
    if (!l->open) {
        pthread_mutex_unlock(&l->mu);
        free(e);
        return 0;
    }
    e->seq = l->next_seq++;
    if (l->tail)
        l->tail->next = e;
    else
        l->head = e;
    l->tail = e;
    l->bytes += len;
    pthread_mutex_unlock(&l->mu);
    return 1;
}

int mvg_lane_open(mvg_lane *l)
{
    pthread_mutex_lock(&l->mu);
    if (!l->back)
        l->open = 1;
    int open = l->open;
    pthread_mutex_unlock(&l->mu);
    return open;
}

int mvg_lane_is_open(mvg_lane *l)
{
    pthread_mutex_lock(&l->mu);
    int open = l->open;
    pthread_mutex_unlock(&l->mu);
    return open;
}

mvg_lane_entry *mvg_lane_take(mvg_lane *l)
{
    pthread_mutex_lock(&l->mu);
    mvg_lane_entry *e = l->head;
    if (e) {
        l->head = e->next;
        if (!l->head)
            l->tail = NULL;
        l->bytes -= e->len;
        e->next = NULL;
    }
    pthread_mutex_unlock(&l->mu);
    return e;
}

size_t mvg_lane_close(mvg_lane *l, mvg_lane_entry *unacked)
{
    pthread_mutex_lock(&l->mu);
    size_t n = close_locked(l, unacked);
    pthread_mutex_unlock(&l->mu);
    return n;
}
