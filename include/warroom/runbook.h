/* runbook — Markdown runbooks that run.
 *
 * A runbook is a Markdown file (CommonMark with GitHub's tables and task
 * lists, YAML front matter for title and alert names). Headings are phases
 * and steps; fenced sh, bash, shell and console blocks are commands (a "$ "
 * prompt is stripped, a console block's output lines are not commands);
 * task-list items are checks to tick; a fenced warroom block names native
 * actions (rollback, ...). Any other Markdown is text to read. A command
 * runs here, or on the bastion when its fence says so in runme's attribute
 * form (```sh {runner=bastion}) or the front matter says runner: bastion
 * (then {runner=local} brings one block back).
 *
 * The library is every runbook of the shipped folder and the user's folders;
 * the session walks one of them: commands run on the loop through the action
 * layer (row runbook-step, confirmed), with the incident's variables in
 * their environment, never in their text; progress is in the timeline
 * database and survives the console's death. Implemented in core/runbook/. */
#ifndef WARROOM_RUNBOOK_H
#define WARROOM_RUNBOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct action_result;
struct config;
struct loop;
struct model;
struct timeline;

#define RUNBOOK_MAX_BYTES (1u << 20)   /* a bigger file is refused, with words */
#define RUNBOOK_MAX_ITEMS 4000         /* past this, the rest is left out and said so */

enum runbook_kind {
	RB_TEXT,        /* a paragraph, list item, table row, quote: to read */
	RB_CODE,        /* a code block that is not a command (yaml, no language, ...) */
	RB_OUTPUT,      /* a console block's output lines */
	RB_COMMAND,     /* runs with sh -c, as written */
	RB_CHECK,       /* a task-list item to tick */
	RB_ACTION,      /* a native action: "rollback", "scale green 3" */
	RB_DETAILS,     /* a <details> section's summary: the items it holds name it in their fold */
	RB_OPTION,      /* where an alternative of a choice begins: "Option 2: Override", "Or" */
};

/* A link of the text: its words stay in the item's text, followed by "[n]"
 * (n its number under its step), and the address is listed under the step.
 * A bare URL is its own words: n is 0, nothing is appended. */
struct runbook_link {
	char *url;             /* as written, a reference-style one resolved; never a control character */
	size_t item;           /* the item whose text holds the words */
	size_t off, len;       /* the words in that text (bytes) */
	int n;                 /* number under the step, 1.. ; 0: a bare URL */
	int line;
};

/* What a command needs filled in before it runs. */
enum runbook_ph_kind {
	RBP_ANGLE,             /* <pod-name> */
	RBP_PATH,              /* /path/to/backup.tar */
	RBP_YOURS,             /* YOUR_API_TOKEN, {YOUR_USER} */
	RBP_VAR,               /* $NODE_NAME, ${NODE_NAME}: a variable nothing sets */
};

struct runbook_placeholder {
	enum runbook_ph_kind kind;
	char *text;            /* as written in the command: "<pod-name>", "$NODE_NAME" */
	char var[64];          /* the variable its value rides in: "NODE_NAME", "VALUE_POD_NAME" */
	size_t item;
	bool alert;            /* $ALERT_<LABEL>: filled when the runbook runs for an alert with that label */
};

/* Alternatives: options one after another, items[first .. end); option k
 * (1-based) is the items whose alt is k. The operator runs one; the others
 * are skipped. */
struct runbook_choice {
	size_t first, end;
	int nopts;
	size_t step;           /* where it begins */
	int line;
};

struct runbook_item {
	enum runbook_kind kind;
	char *text;            /* UTF-8, no control characters but '\n' */
	char lang[16];         /* a code block's language, "" when none */
	bool remote;           /* a command that runs on the bastion ({runner=bastion}) */
	bool checked;          /* a check ticked in the file itself ("- [x]") */
	int line;              /* in the file, 1-based */
	size_t step;           /* index into steps */
	int depth;             /* list nesting, for indentation */
	size_t fold;           /* the RB_DETAILS item of the innermost section holding it, plus 1; 0: none */
	size_t choice;         /* the choice it is part of, plus 1; 0: none */
	int alt;               /* its option there, 1..; 0: none */
	size_t first_link, nlinks;   /* links[first_link ..] in its text */
	size_t first_ph, nph;  /* placeholders[first_ph ..] of a command */
};

struct runbook_step {
	char *title;
	size_t phase;
	size_t first, n;       /* items[first .. first+n) */
	int line;
	int level;             /* its heading's level (2 for ##); 0: none */
};

struct runbook_phase {
	char *title;
	size_t first, n;       /* steps[first .. first+n) */
	int line;
};

struct runbook {
	char path[1024];
	char name[128];        /* the file name without ".md": the runbook's id */
	char *title;           /* front matter title, the document's one H1, or the name */
	char **alerts;         /* front matter alerts: [...] (or alert:) */
	bool remote;           /* front matter runner: bastion: commands run there unless a block says local */
	int sev;               /* front matter sev: the SEV it is for (1..4), 0 when it does not say */
	size_t nalerts;
	struct runbook_phase *phases;
	size_t nphases;
	struct runbook_step *steps;
	size_t nsteps;
	struct runbook_item *items;
	size_t nitems;
	struct runbook_link *links;
	size_t nlinks;
	struct runbook_placeholder *placeholders;
	size_t nplaceholders;
	struct runbook_choice *choices;
	size_t nchoices;
	char **warnings;       /* "line 12: ..." for lint; the runbook loads anyway */
	size_t nwarnings;
};

/* Parses Markdown text; name and path are for the result and messages.
 * NULL with words in err only for what cannot be a runbook (too big, NUL
 * bytes, out of memory); anything else loads, with warnings. */
struct runbook *runbook_parse(const char *text, size_t len, const char *name, const char *path,
                              char *err, size_t errlen);
struct runbook *runbook_load(const char *path, char *err, size_t errlen);
void runbook_free(struct runbook *rb);
/* Items that the operator acts on: commands, checks and actions. */
bool runbook_item_actionable(const struct runbook_item *it);
/* Lines the cursor stops on: those, a choice's options and folded sections. */
bool runbook_item_navigable(const struct runbook_item *it);
/* Nothing to run, tick or act on: a runbook to read. */
bool runbook_read_only(const struct runbook *rb);
/* The references listed under a step: its links with a number, each number once. */
size_t runbook_step_refs(const struct runbook *rb, size_t step, const struct runbook_link **out, size_t max);
/* Whether item is hidden in a section that is folded: folded(i) says it of the RB_DETAILS item i. */
bool runbook_item_folded(const struct runbook *rb, size_t item, bool (*folded)(size_t details, void *arg),
                         void *arg);
/* A choice's option k in words: "Option 2: Override the condition", or for an
 * unnamed one its first command, shortened. */
void runbook_option_name(const struct runbook *rb, size_t choice, int k, char *out, size_t len);
const char *runbook_kind_name(enum runbook_kind k);
/* The native action a warroom item names, and the rest of its line ("" when none). */
void runbook_action_split(const struct runbook_item *it, char *name, size_t nlen, const char **rest);

/* ---- the library ---- */

struct runbook_lib {
	struct runbook **v;
	size_t n;
	char **errors;         /* files that could not be read, in words */
	size_t nerrors;
};

/* Every *.md of the config's runbook folder, then of each user folder (a
 * later file of the same name replaces an earlier one). Never fails: what
 * could not be read is in errors. */
struct runbook_lib *runbook_lib_load(const struct config *cfg);
/* The same from explicit folders (NULL-terminated). */
struct runbook_lib *runbook_lib_load_dirs(const char *const *dirs);
void runbook_lib_free(struct runbook_lib *lib);
/* By name ("sev1-pipeline-down", with or without ".md"), or a path's file name. */
struct runbook *runbook_lib_find(const struct runbook_lib *lib, const char *name);
/* The runbook for a firing alert: the one its runbook_url names by file
 * name, else one named after the alert, else one whose front matter lists
 * it; NULL when none of ours fits. */
struct runbook *runbook_lib_for_alert(const struct runbook_lib *lib, const char *alertname,
                                      const char *runbook_url);
/* The runbook to offer for the firing alerts: the one for the most severe
 * of them, by its runbook's SEV (a SEV-1 runbook before a SEV-2 one; one
 * that says none after both), then in the alerts' order (critical first,
 * then the oldest). NULL when no alert has one; *alert is its index. */
struct model_alerts;
struct runbook *runbook_lib_offer(const struct runbook_lib *lib, const struct model_alerts *al, size_t *alert);

/* ---- the session: one runbook walked during an incident ---- */

enum runbook_state {
	RBS_PENDING = 0,
	RBS_RUNNING,
	RBS_DONE,          /* ran with exit 0, ticked, or marked done */
	RBS_FAILED,        /* a command exited non-zero or could not start: its step stops */
	RBS_SKIPPED,       /* with a reason */
	RBS_INTERRUPTED,   /* was running when the console died */
	RBS_CANCELLED,     /* stopped by the operator */
};

#define RUNBOOK_OUT_LINES 400
#define RUNBOOK_OUT_LINE 512

struct runbook_item_state {
	enum runbook_state state;
	int exit_code;          /* -1: none */
	int64_t duration_ms;
	char reason[200];       /* a skip's reason, a failure's words */
};

struct runbook_session;
struct action;

/* The row of the action table named so, or NULL (actions_by_name): how the
 * session learns which native actions this build runs without calling up
 * into the table. */
typedef const struct action *(*runbook_action_fn)(const char *name);

/* The session of the console: its offers follow m's alerts (a model
 * watcher); its changes mark DIRTY_RUNBOOK; m->runbook points to it while it
 * lives (the views find it there; the handlers in their action_ctx). lib is
 * taken over. action NULL: every native action is skipped as unavailable. */
struct runbook_session *runbook_session_new(struct loop *loop, const struct config *cfg, struct timeline *tl,
                                            struct model *m, struct runbook_lib *lib,
                                            runbook_action_fn action);
void runbook_session_free(struct runbook_session *s);
/* The bastion's session, for commands that run there; NULL: none (they are
 * refused with words). */
struct ssh;
void runbook_session_set_bastion(struct runbook_session *s, struct ssh *ssh);

/* Resumes the latest run that did not end (after a crash or a quit): the
 * runbook at its step; a command that was running is marked interrupted
 * and said so in the timeline. 1 resumed, 0 nothing to resume. */
int runbook_session_resume(struct runbook_session *s);
/* Starts walking the library's runbook of that name; when it is the one
 * offered for a firing alert, that alert's labels become ALERT_<NAME>
 * variables. The run before it ends. */
int runbook_session_start(struct runbook_session *s, const char *name, char *err, size_t errlen);

const struct runbook_lib *runbook_session_lib(const struct runbook_session *s);
const struct runbook *runbook_session_runbook(const struct runbook_session *s);
const struct runbook_item_state *runbook_session_item(const struct runbook_session *s, size_t i);
/* The item the operator is at (the view's cursor). */
size_t runbook_session_cursor(const struct runbook_session *s);
void runbook_session_set_cursor(struct runbook_session *s, size_t i);
/* The first step not finished, and its first actionable item not finished. */
size_t runbook_session_current_step(const struct runbook_session *s);
bool runbook_session_next_item(const struct runbook_session *s, size_t *item);
/* Done and all items of a step / phase, counting what is run or ticked (a
 * step with none is there to read: 0 of 0). */
void runbook_session_step_progress(const struct runbook_session *s, size_t step, size_t *done, size_t *all);
void runbook_session_phase_progress(const struct runbook_session *s, size_t phase, size_t *done, size_t *all);
/* The failed item that stops this step, or false. */
bool runbook_session_step_stopped(const struct runbook_session *s, size_t step, size_t *item);
/* The runbook offered for the firing alerts: its name and the alert, or NULL. */
const char *runbook_session_offer(const struct runbook_session *s, const char **alert);

/* The running command's output, oldest first (redacted), and whether one runs. */
size_t runbook_session_output(const struct runbook_session *s, const char **lines, size_t max);
bool runbook_session_running(const struct runbook_session *s, size_t *item);

/* The variables commands get, "NAME=value" (for the question and the view). */
size_t runbook_session_vars(const struct runbook_session *s, char (*out)[256], size_t max);

/* ---- templates: commands with placeholders ---- */

/* The placeholders of a command that have no value yet (the run's values,
 * the console's variables and, for a $VAR, the environment fill the rest);
 * their count, the first max in out. */
size_t runbook_session_missing(const struct runbook_session *s, size_t item,
                               const struct runbook_placeholder **out, size_t max);
/* A placeholder's value in this run, "" when none. Secret ones (a name with
 * TOKEN, PASSWORD, SECRET, KEY) are kept in memory only. */
void runbook_session_value(const struct runbook_session *s, const struct runbook_placeholder *p, char *out,
                           size_t len);
bool runbook_placeholder_secret(const struct runbook_placeholder *p);
/* Gives values: "PLACEHOLDER=value" lines, a placeholder named as written
 * (<pod-name>, $NODE), by its variable or its bare words. Recorded in the
 * timeline (secret values hidden); -1 with words in summary. */
int runbook_session_set_values(struct runbook_session *s, const char *text, char *summary, size_t slen);
/* The console's variables offered for a placeholder, "NAME=value", the
 * likeliest first (ALERT_POD for <pod>, NAMESPACE for <namespace>); *exact
 * of them have the placeholder's very name. */
size_t runbook_session_offers(const struct runbook_session *s, const struct runbook_placeholder *p,
                              char (*out)[256], size_t max, size_t *exact);
/* The command with values in place of its placeholders, for the eye (a
 * form's preview; what runs is runbook_session_command): value gives a
 * placeholder's value by its variable, NULL or "" leaves it as written. */
typedef const char *(*runbook_value_fn)(const char *var, void *arg);
char *runbook_command_preview(const struct runbook *rb, size_t item, runbook_value_fn value, void *arg);
/* The command as sh -c gets it (malloc'd): each placeholder a quoted
 * reference to its variable, never its value as shell text. */
char *runbook_session_command(struct runbook_session *s, size_t item);

/* ---- choices ---- */

/* The option chosen in a choice, 1..; 0: none yet. */
int runbook_session_chosen(const struct runbook_session *s, size_t choice);
/* Chooses the option item belongs to (an option's own line or any item in
 * it); every item of the other options is skipped, and the timeline says
 * which was chosen. Choosing again changes it. -1 with words in summary. */
int runbook_session_choose(struct runbook_session *s, size_t item, char *summary, size_t slen);

/* The front-end tells the session how a native action it started ended. */
void runbook_session_native_started(struct runbook_session *s, size_t item, uint64_t run);
void runbook_session_action_done(struct runbook_session *s, const struct action_result *res);

/* Running and marking items (the runbook-* actions call these; core/actions/action_runbook.c).
 * item SIZE_MAX: the next item to act on. Refusals are words in err, -1. */
typedef void (*runbook_done_fn)(void *arg, size_t item, const struct runbook_item_state *st, const char *summary);
/* Why item cannot run now (stopped step, not a command, one already runs), 0 when it can;
 * *item is resolved. */
int runbook_session_can_run(const struct runbook_session *s, size_t *item, char *err, size_t errlen);
/* Starts the command on the runner; done runs once from the loop unless cancelled. */
int runbook_session_run(struct runbook_session *s, size_t item, runbook_done_fn done, void *arg,
                        char *err, size_t errlen);
/* Ends the running command (its group), marks it cancelled; done does not run. */
void runbook_session_cancel(struct runbook_session *s);
/* Ticks (or unticks, state RBS_PENDING) a check, marks an item done or skipped (a reason
 * is needed), in the store and the timeline. */
int runbook_session_mark(struct runbook_session *s, size_t item, enum runbook_state state, const char *reason,
                         char *summary, size_t slen);
/* The item a mark without a number means: the cursor's, or the next one. */
size_t runbook_session_pick(const struct runbook_session *s, const char *arg);

/* ---- the store: runbook progress in the timeline database (core/runbook/runbook_store.c) ---- */

struct runbook_store;
struct runbook_store_run {
	int64_t id, incident_id;
	char name[128], path[1024], alert[96];
	char *vars;                 /* JSON object text, malloc'd */
	size_t cursor;
};
typedef void (*runbook_store_item_fn)(void *arg, size_t item, const char *hash, const char *state, int exit_code,
                                      int64_t duration_ms, const char *reason);
/* A connection of its own to the timeline's file (the migration made the tables). */
struct runbook_store *runbook_store_open(const char *db_path, char *err, size_t errlen);
void runbook_store_close(struct runbook_store *st);
/* A new run; the runs that had not ended end now. Its id, or -1. */
int64_t runbook_store_begin(struct runbook_store *st, int64_t incident_id, const char *name, const char *path,
                            const char *alert, const char *vars_json);
int runbook_store_item(struct runbook_store *st, int64_t run, size_t item, const char *hash, const char *state,
                       int exit_code, int64_t duration_ms, const char *reason);
int runbook_store_cursor(struct runbook_store *st, int64_t run, size_t cursor);
/* The run's variables again, once the operator gave values. */
int runbook_store_vars(struct runbook_store *st, int64_t run, const char *vars_json);
/* 1 and *out (free out->vars) for the newest run that has not ended, 0 none, -1 error. */
int runbook_store_latest(struct runbook_store *st, struct runbook_store_run *out);
int runbook_store_items(struct runbook_store *st, int64_t run, runbook_store_item_fn fn, void *arg);
const char *runbook_store_error(const struct runbook_store *st);
const char *runbook_state_name(enum runbook_state s);
enum runbook_state runbook_state_parse(const char *s);

#endif
