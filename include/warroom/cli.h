/* cli — headless subcommands: `warroom note`, `status`, `rollback`, ... They
 * use core/ alone (no curses), and the same actions as the TUI.
 * Implemented in core/cli/, one file per command family. */
#ifndef WARROOM_CLI_H
#define WARROOM_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "warroom/actions.h"

struct config;
struct loop;
struct ssh;

/* argv[0] is the subcommand name. Each returns the process exit code. */
int cli_note(int argc, char **argv, const struct config *cfg);
int cli_timeline(int argc, char **argv, const struct config *cfg);
int cli_status(int argc, char **argv, const struct config *cfg);
int cli_rollback(int argc, char **argv, const struct config *cfg);
int cli_incident(int argc, char **argv, const struct config *cfg);
int cli_sev(int argc, char **argv, const struct config *cfg);
int cli_resolve(int argc, char **argv, const struct config *cfg);
/* `warroom silence [--duration D] --comment TEXT [--yes] MATCHER...` and
 * `warroom expire [--yes] ID` (core/cli/cli_silence.c). */
int cli_silence(int argc, char **argv, const struct config *cfg);
int cli_expire(int argc, char **argv, const struct config *cfg);
/* `warroom actions [--json]`: the action table, its keys and preconditions. */
int cli_actions(int argc, char **argv, const struct config *cfg);

/* Runs one action of the table headless (core/cli/cli_action.c): its question is
 * answered by yes (--yes) or on the terminal, and no otherwise. Prints the
 * plan, the steps and the outcome; returns the exit code. */
int cli_run_action(enum action_id id, const struct action_args *args, bool yes, const struct config *cfg,
                   const char *cmd);
/* The timeline of a command that writes (core/cli/cli_action.c): opened
 * keeping, so what it cannot write to the database goes to the fallback
 * file (config_state_dir) instead of nowhere; err says why the database is
 * not open ("" when it is). NULL only out of memory. */
struct timeline *cli_timeline_writer(const struct config *cfg, char *err, size_t errlen);
/* Closes it; when records could not be saved, says on stderr how many and
 * where they are (or prints them), and returns how many. */
size_t cli_timeline_done(struct timeline *tl, const char *cmd);
/* `warroom ack`, `warroom timeline export ...` (core/cli/cli_incident.c, with
 * cli_incident, cli_sev and cli_resolve). */
int cli_ack(int argc, char **argv, const struct config *cfg);
int cli_timeline_export(int argc, char **argv, const struct config *cfg);
/* `warroom query EXPR [--json]`: an instant PromQL query (core/cli/cli_query.c). */
int cli_query(int argc, char **argv, const struct config *cfg);
/* `warroom dashboard show|lint|values FILE`: a Grafana dashboard (core/cli/cli_dashboard.c). */
int cli_dashboard(int argc, char **argv, const struct config *cfg);
/* `warroom watch [--window DUR] [--auto-rollback]`: the deployment window
 * headless (core/cli/cli_watch.c). */
int cli_watch(int argc, char **argv, const struct config *cfg);
/* `warroom check [--slot S] [--json]` (core/cli/cli_check.c). */
int cli_check(int argc, char **argv, const struct config *cfg);
/* `warroom tick N`: the pre-deployment checklist (core/cli/cli_check.c). */
int cli_tick(int argc, char **argv, const struct config *cfg);
/* `warroom abort|undo|promote [--full]|promote-full|retry|hold [--yes]`:
 * the Argo Rollout's actions, argv[0] names it (core/cli/cli_rollout.c). */
int cli_rollout_action(int argc, char **argv, const struct config *cfg);
/* `warroom autosync [--override] [--yes]` (core/cli/cli_slots.c, beside rollback). */
int cli_autosync(int argc, char **argv, const struct config *cfg);
/* `warroom logs [--slot S|--pod P] ... [--new] [--json]` and `warroom events
 * [--slot S] [--json]` (core/cli/cli_logs.c). */
int cli_logs(int argc, char **argv, const struct config *cfg);
int cli_events(int argc, char **argv, const struct config *cfg);
/* `warroom runbook list|show|lint` (core/cli/cli_runbook.c). */
int cli_runbook(int argc, char **argv, const struct config *cfg);

/* ---- the bastion, headless (core/cli/cli_remote.c) ---- */

/* warroom remote [--timeout S] [--] COMMAND...: runs COMMAND on the bastion,
 * its output on ours; exits with its status (255: it could not run). */
int cli_remote(int argc, char **argv, const struct config *cfg);

/* The headless commands' answers: an encrypted key's passphrase asked on the
 * terminal without echo, refused in words when there is none; an unknown
 * host key refused with its fingerprint. s may be NULL. */
void cli_ssh_ui(struct ssh *s);
/* After a headless command's requests: the bastion's own words when it is
 * not up (a tunnel's reset says little), on stderr. s may be NULL. */
void cli_ssh_report(const char *cmd, const struct ssh *s);
/* For a headless command's request to url: when via, the bastion's session
 * is opened once in *s (started, asking as cli_ssh_ui) and route is the
 * CURLOPT_CONNECT_TO through its tunnel; else route is "". 0, or -1 with
 * words. ssh_free(*s) after the requests. */
int cli_ssh_route(struct loop *loop, const struct config *cfg, bool via, const char *url, struct ssh **s,
                  char *route, size_t len, char *err, size_t errlen);

#endif
