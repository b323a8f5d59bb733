/*
 * commands.h: the subcommands of the mvgate operator CLI, one per file
 * (cmd_<name>.c). Each takes the arguments after its name (argv[0] is the
 * subcommand) and returns the process exit code.
 */
#ifndef MVG_COMMANDS_H
#define MVG_COMMANDS_H

int mvg_cmd_check(int argc, char **argv);   /* validate a config */
int mvg_cmd_read(int argc, char **argv);    /* poll every point once */
int mvg_cmd_scan(int argc, char **argv);    /* find the units of a bus, identify them */
int mvg_cmd_fit(int argc, char **argv);     /* fit a baseline model to a CSV */
int mvg_cmd_savings(int argc, char **argv); /* savings of a reporting CSV against a model */
int mvg_cmd_export(int argc, char **argv);  /* stored records to CSV or JSON lines */
int mvg_cmd_status(int argc, char **argv);  /* the daemon's status from the store */
int mvg_cmd_outbox(int argc, char **argv);  /* resend refused entries, acknowledge drops */
int mvg_cmd_key(int argc, char **argv);     /* the gateway's public key and fingerprint */
int mvg_cmd_verify(int argc, char **argv);  /* check signed, chained interval records */
int mvg_cmd_replay(int argc, char **argv);  /* recompute stored records from the samples */
int mvg_cmd_report(int argc, char **argv);  /* the verification report of a project */
int mvg_cmd_store(int argc, char **argv);   /* store recover: salvage a damaged store */
int mvg_cmd_hub(int argc, char **argv);     /* the hub: enrol a gateway, status */
int mvg_cmd_programme(int argc, char **argv); /* the programme report from the hub */
int mvg_cmd_config_doc(int argc, char **argv); /* hidden: docs/config.md's key tables */

#endif
