/* cli — headless subcommands: `warroom note`, `status`, `rollback`, ... They
 * use core/ alone (no curses), and the same actions as the TUI. */
#ifndef WARROOM_CLI_H
#define WARROOM_CLI_H

struct config;

/* argv[0] is the subcommand name. Each returns the process exit code. */
int cli_note(int argc, char **argv, const struct config *cfg);
int cli_timeline(int argc, char **argv, const struct config *cfg);
int cli_status(int argc, char **argv, const struct config *cfg);
int cli_rollback(int argc, char **argv, const struct config *cfg);
/* `warroom query EXPR [--json]`: an instant PromQL query (core/cli_query.c). */
int cli_query(int argc, char **argv, const struct config *cfg);

#endif
