/*
 * influxd_harness.h: a throwaway InfluxDB 1.x server for the InfluxDB
 * writer's test and benchmark: its own directory and config on two free
 * ports of 127.0.0.1, started as a child that dies with the test, ready
 * when /ping answers 204; stopped and started again on the same ports and
 * data; on https:// with a certificate of the test's (ih_configure_tls).
 * ih_http is the plain libcurl client the callers check it with.
 */
#ifndef MVG_INFLUXD_HARNESS_H
#define MVG_INFLUXD_HARNESS_H

#include <sys/types.h>

/* The server binary (tests skip when it is not installed). */
#define IH_INFLUXD "/usr/bin/influxd"

typedef struct {
    char dir[128];
    int http_port, bind_port;
    pid_t pid;            /* > 0 while running */
    char url[64];         /* http://127.0.0.1:<http_port>, or https:// */
    char ca[192];         /* https: the CA file its certificate verifies against */
} ih_server;

/* GET (post NULL) or POST (form body post) url; returns the HTTP status
 * (0: no answer); *body (when body is not NULL) gets the malloc'd reply.
 * ih_http_ca verifies an https:// server against the CA file ca. */
long ih_http(const char *url, const char *post, char **body);
long ih_http_ca(const char *url, const char *post, char **body, const char *ca);

/* Picks the ports and writes <dir>/influxd.conf (dir must exist); the
 * server keeps its data below dir. 0, or -1. */
int ih_configure(ih_server *s, const char *dir);

/* The same for a server on https:// with certificate cert and its key,
 * which verify against the CA file ca. */
int ih_configure_tls(ih_server *s, const char *dir, const char *cert, const char *key,
                     const char *ca);

/* Starts influxd on the configuration, logging to <dir>/influxd.log, and
 * waits up to 15 s until it answers. 0, or -1 (then not running). */
int ih_run(ih_server *s);

/* SIGTERM and wait; nothing when it is not running. */
void ih_kill(ih_server *s);

/* CREATE DATABASE name: 0, or -1. */
int ih_create_db(const ih_server *s, const char *name);

#endif
