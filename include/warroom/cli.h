/* cli — headless subcommands: `warroom note`, `status`, `rollback`, ... They
 * use core/ alone (no curses), and the same actions as the TUI. */
#ifndef WARROOM_CLI_H
#define WARROOM_CLI_H

#include <stdbool.h>

#include "warroom/actions.h"

struct config;

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
/* `warroom autosync [--override] [--yes]` (core/cli/cli_slots.c, beside rollback). */
int cli_autosync(int argc, char **argv, const struct config *cfg);
/* `warroom logs [--slot S|--pod P] ... [--new] [--json]` and `warroom events
 * [--slot S] [--json]` (core/cli/cli_logs.c). */
int cli_logs(int argc, char **argv, const struct config *cfg);
int cli_events(int argc, char **argv, const struct config *cfg);

#endif
