/* actions — the one action table and the one way to run an action.
 *
 * Every key binding, its help text, its preconditions and its handler are a
 * row of ACTION_LIST. The TUI's keys, the `:` command line and the headless
 * CLI are front-ends of actions_run(): it checks the preconditions (read-only,
 * an open incident), asks the front-end the confirmation question when the
 * row wants one (a dialog, a terminal prompt or --yes: there is no path
 * around it), runs the handler asynchronously on the loop, and writes one
 * audit record of who ran what, with which arguments, when, for how long and
 * with what outcome. Rows without a handler (moving, views, help) are the
 * front-end's own.
 *
 * Three layers, each calling only downward: the table (core/actions/actions.c)
 * names every handler; the handlers (core/actions/action_*.c) do the work;
 * the run machinery (core/actions/actions_run.c) runs a row and gives
 * handlers what they call.
 * Implemented in core/actions/: the table actions.c, the run machinery
 * actions_run.c, the handlers action_*.c. */
#ifndef WARROOM_ACTIONS_H
#define WARROOM_ACTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct alertmgr_matchers;
struct argocd;
struct config;
struct kube;
struct ssh;
struct loop;
struct runbook_session;
struct timeline;

enum action_flag {
	ACT_MUTATES      = 1u << 0,  /* changes the cluster: refused under --readonly */
	ACT_CONFIRM      = 1u << 1,  /* runs only after the operator answered its question yes */
	ACT_NEEDS_INC    = 1u << 2,  /* needs an open incident */
	ACT_HINT         = 1u << 3,  /* shown in the bottom hint line */
	ACT_NAV          = 1u << 4,  /* movement inside a view */
	ACT_TAKES_ARG    = 1u << 5,  /* `:name ARG` on the command line */
	ACT_CLI          = 1u << 6,  /* `warroom NAME ...` runs it headless */
};

/* X(ID, name, default keys, flags, handler, help) — keys are comma-separated
 * specs: a character, "C-x", "F5", "Up", "Down", "PgUp", "PgDn", "Home",
 * "End", "Enter", "Esc", "Tab", "BTab", "Space". handler names a
 * `actions_exec_NAME` (none: the front-end's own). Order here is the help
 * order. */
#define ACTION_LIST(X) \
	X(HELP,        "help",        "?,F1",        ACT_HINT, none, "Every key, generated from the action table") \
	X(QUIT,        "quit",        "q",           0, none, "Leave the view; on the overview, quit") \
	X(QUIT_NOW,    "quit-now",    "Q,C-c",       0, none, "Quit at once from any view") \
	X(VIEW_NEXT,   "view-next",   "Tab",         0, none, "Next view") \
	X(VIEW_PREV,   "view-prev",   "BTab",        0, none, "Previous view") \
	X(VIEW,        "view",        "",            ACT_TAKES_ARG, none, "Open a view: :view NAME, or its key below") \
	X(COMMAND,     "command",     ":",           ACT_HINT, none, "Command line: any action by name (:note text)") \
	X(ROLLBACK,    "rollback",    "R",           ACT_MUTATES | ACT_CONFIRM | ACT_HINT | ACT_TAKES_ARG | ACT_CLI, \
	  rollback, "Plan a rollback, show its preflight, run on y") \
	X(ABORT,       "abort",       "B",           ACT_MUTATES | ACT_CONFIRM | ACT_CLI, abort, \
	  "Argo Rollout: abort the update, the canary (preview) scales down, traffic back on stable") \
	X(UNDO,        "undo",        "U",           ACT_MUTATES | ACT_CONFIRM | ACT_CLI, undo, \
	  "Argo Rollout: back to the previous revision's pod template (after a promotion)") \
	X(PROMOTE,     "promote",     "O",           ACT_MUTATES | ACT_CONFIRM | ACT_CLI, promote, \
	  "Argo Rollout: end the pause, go on to the next step") \
	X(PROMOTE_FULL, "promote-full", "M",         ACT_MUTATES | ACT_CONFIRM | ACT_CLI, promote_full, \
	  "Argo Rollout: promote fully, skipping the steps, pauses and analysis left") \
	X(RETRY,       "retry",       "Y",           ACT_MUTATES | ACT_CONFIRM | ACT_CLI, retry, \
	  "Argo Rollout: retry an aborted update") \
	X(HOLD,        "hold",        "H",           ACT_MUTATES | ACT_CONFIRM | ACT_CLI, hold, \
	  "Argo Rollout: pause the update where it is (spec.paused, the plugin's pause)") \
	X(CHECK,       "check",       "c",           ACT_TAKES_ARG | ACT_CLI, check, \
	  "Run the verification matrix against a slot's pods (:check green)") \
	X(TICK,        "tick",        "+",           ACT_TAKES_ARG | ACT_CLI, tick, \
	  "Tick an item of the pre-deployment checklist (:tick 3)") \
	X(AUTOSYNC,    "autosync",    "A",           ACT_MUTATES | ACT_CONFIRM | ACT_TAKES_ARG | ACT_CLI, autosync, \
	  "Re-enable Argo CD auto-sync after a rollback, once Git is fixed") \
	X(NOTE,        "note",        "n",           ACT_HINT | ACT_TAKES_ARG | ACT_CLI, note, "Add a note to the timeline") \
	X(INCIDENT,    "incident",    "I",           ACT_TAKES_ARG | ACT_CLI, incident, "Declare an incident (title, then SEV)") \
	X(SEV,         "sev",         "S",           ACT_NEEDS_INC | ACT_HINT | ACT_TAKES_ARG | ACT_CLI, sev, \
	  "Change the SEV level of the open incident") \
	X(RESOLVE,     "resolve",     "X",           ACT_NEEDS_INC | ACT_CONFIRM | ACT_CLI, resolve, "Close the open incident") \
	X(SILENCE,     "silence",     "s",           ACT_MUTATES | ACT_CONFIRM | ACT_TAKES_ARG | ACT_CLI, silence, \
	  "Silence alerts: matchers (the selected alert's), duration (1h), comment") \
	X(EXPIRE,      "expire",      "E",           ACT_MUTATES | ACT_CONFIRM | ACT_TAKES_ARG | ACT_CLI, expire, \
	  "Expire a silence: the selected one, or :expire ID") \
	X(FILTER,      "filter",      "/",           0, none, \
	  "Filter: alerts (severity!=info), timeline events (a word), diagnose lines (a regex)") \
	X(ALERTS_LIST, "alerts-list", "v",           0, none, "Alerts: alerts, silences, rules, groups in turn") \
	X(RUNBOOK,     "runbook",     "b",           ACT_TAKES_ARG, runbook, \
	  "Start the runbook offered for the firing alert, or :runbook NAME") \
	X(RUNBOOK_STEP, "runbook-step", "e",         ACT_MUTATES | ACT_CONFIRM | ACT_TAKES_ARG, runbook_step, \
	  "Show the runbook's next command (or the selected one), run it on y; retries a failed one") \
	X(RUNBOOK_CHECK, "runbook-tick", "x",        ACT_TAKES_ARG, runbook_check, "Tick or untick the runbook check") \
	X(RUNBOOK_DONE, "runbook-done", "d",         ACT_TAKES_ARG, runbook_done, \
	  "Mark the runbook item done (a failed command too, a step to read)") \
	X(RUNBOOK_SKIP, "runbook-skip", ">",         ACT_TAKES_ARG, runbook_skip, "Skip the runbook item, with a reason") \
	X(RUNBOOK_PICK, "runbook-pick", "o",         ACT_TAKES_ARG, runbook_pick, \
	  "Pick the runbook option under the cursor (:runbook-pick 2); the other options are skipped") \
	X(RUNBOOK_FILL, "runbook-fill", "=",         ACT_TAKES_ARG, runbook_fill, \
	  "Fill a runbook command's placeholders (a form; :runbook-fill <pod-name>=web-1)") \
	X(RUNBOOK_CANCEL, "runbook-stop", "C-x",     0, none, "Stop the runbook command that is running") \
	X(ACK,         "ack",         "a",           ACT_NEEDS_INC | ACT_CLI, ack, \
	  "Acknowledge the open incident: its response clock stops") \
	X(STATUS,      "status",      "u",           ACT_NEEDS_INC | ACT_TAKES_ARG, status, \
	  "Incident status: investigating, contained, recovered (:status contained)") \
	X(ROLE,        "role",        "",            ACT_NEEDS_INC | ACT_TAKES_ARG, role, \
	  "Hand a role over: :role ic NAME, :role scribe NAME") \
	X(EXPORT,      "export",      "P",           ACT_TAKES_ARG, export, \
	  "Write the incident's postmortem draft (Markdown and JSON) to the logs folder") \
	X(KIND,        "kind",        "f",           0, none, "Timeline: show one kind of event; again, the next kind") \
	X(NOW,         "now",         ".",           0, none, "Timeline: back to now, the newest event, no filter") \
	X(REFRESH,     "refresh",     "C-r,F5",      0, none, "Poll every source now") \
	X(REDRAW,      "redraw",      "C-l",         0, none, "Repaint the whole screen") \
	X(UP,          "up",          "k,Up",        ACT_NAV, none, "Move up") \
	X(DOWN,        "down",        "j,Down",      ACT_NAV, none, "Move down") \
	X(PAGE_UP,     "page-up",     "PgUp,C-b",    ACT_NAV, none, "Page up") \
	X(PAGE_DOWN,   "page-down",   "PgDn,C-f,Space", ACT_NAV, none, "Page down") \
	X(TOP,         "top",         "g,Home",      ACT_NAV, none, "First line") \
	X(BOTTOM,      "bottom",      "G,End",       ACT_NAV, none, "Last line") \
	X(SELECT,      "select",      "Enter",       ACT_NAV, none, "Open or run the selected line") \
	X(RANGE,       "range",       "t",           0, none, "Metrics: the next time range (5m, 15m, 1h, 6h, 24h)") \
	X(RANGE_BACK,  "range-back",  "T",           0, none, "Metrics: the previous time range") \
	X(ZOOM,        "zoom",        "z",           0, none, "Metrics: the selected panel full screen, again to go back") \
	X(PAUSE,       "pause",       "p",           0, none, \
	  "Metrics: stop or go on refreshing the charts; diagnose: hold the lines (what comes is kept)") \
	X(DASHBOARD,   "dashboard",   "D",           0, none, "Metrics: pick a dashboard") \
	X(VARIABLE,    "variable",    "w",           0, none, "Metrics: the next variable of the variable bar") \
	X(VALUE,       "value",       "W",           0, none, "Metrics: the next value of the chosen variable") \
	X(PANE,        "pane",        "i",           0, none, \
	  "Diagnose: the lines, what is new in this version, the events, the streams in turn") \
	X(SCOPE,       "scope",       "l",           0, none, \
	  "Diagnose: both slots, the live one, the other, the selected line's pod in turn") \
	X(CONTAINER,   "container",   "C",           0, none, "Diagnose: every container, or the next one by name") \
	X(EXCLUDE,     "exclude",     "-",           0, none, "Diagnose: hide the lines matching a regex") \
	X(HIGHLIGHT,   "highlight",   "h",           0, none, "Diagnose: highlight the lines matching a regex") \
	X(FOLLOW,      "follow",      "F",           0, none, "Diagnose: follow the newest lines again") \
	X(PIN,         "pin",         "m",           ACT_TAKES_ARG, pin, \
	  "Pin the marked log lines (or the selected one) to the timeline; the postmortem quotes them") \
	X(LOGS,        "logs",        "",            ACT_TAKES_ARG | ACT_CLI, logs, \
	  "Pod logs by slot, read to the end into the timeline: :logs --slot green --new") \
	X(EVENTS,      "events",      "",            ACT_TAKES_ARG | ACT_CLI, events, \
	  "Kubernetes Events by reason and slot, into the timeline: :events --slot green")

enum action_id {
	ACTION_NONE = 0,
#define ACTION_ENUM(id, name, keys, flags, exec, help) ACTION_##id,
	ACTION_LIST(ACTION_ENUM)
#undef ACTION_ENUM
	ACTION_COUNT
};

struct action_exec;

struct action {
	enum action_id id;
	const char *name;
	const char *keys;      /* default key specs */
	unsigned flags;
	const char *help;
	const struct action_exec *exec;   /* exec->exec NULL: the front-end's own */
};

const struct action *actions_get(enum action_id id);
const struct action *actions_by_name(const char *name);
size_t actions_count(void);   /* ACTION_COUNT - 1; ids run 1..count */

/* ---- keys named in text (core/actions/actions_text.c) ----
 * Text for the operator never names a key: it writes the action's name in
 * braces ("{runbook-tick} ticks it") and each front-end says how to start
 * that action there. word gives that ("x" in the console, where the keys
 * can be remapped); NULL gives the headless form: `warroom NAME` for an
 * action the CLI runs, else `:NAME` (the console's command line).
 * Braces around anything but an action's name are left as they are. The
 * audit record keeps the braces: its reader writes them its way. */
typedef const char *(*actions_word_fn)(enum action_id id, char *buf, size_t len, void *arg);
void actions_text_expand(const char *in, char *out, size_t len, actions_word_fn word, void *arg);

/* ---- running actions ---- */

/* What an action needs, whoever runs it: no screen, no model. */
struct action_ctx {
	struct loop *loop;
	const struct config *cfg;
	struct timeline *tl;          /* NULL: the store could not be opened (tl_error) */
	const char *tl_error;
	struct kube *kube;            /* NULL: see kube_error */
	const char *kube_error;
	struct argocd *argocd;        /* NULL when not configured */
	struct ssh *ssh;              /* the bastion's session; NULL when none */
	struct runbook_session *runbook;   /* the runbook walked in this console; NULL: none (the CLI) */
	const char *actor;            /* the operator the timeline names */
	const char *via;              /* the front-end: "key", "command line", "cli" */
	bool readonly;
	/* The golden signals as a JSON object, when the front-end has them (the
	 * console's model): recorded with each run. NULL: none. */
	void (*signals)(char *json, size_t len, void *arg);
	void *signals_arg;
};

/* The one precondition check (read-only, an open incident, a store for what
 * writes the timeline). actions_run() applies it itself; front-ends may ask
 * first so as not to prompt for a title that would be refused. */
bool actions_check(const struct action_ctx *ctx, enum action_id id, char *why, size_t whylen);

enum action_role { AROLE_NORMAL, AROLE_ACCENT, AROLE_OK, AROLE_WARN, AROLE_CRIT, AROLE_STALE };

#define ACTION_LINE 240
#define ACTION_LINES 48

struct action_line {
	enum action_role role;
	char text[ACTION_LINE];
};

/* A question the front-end must answer with actions_answer(). */
struct action_question {
	char title[128];
	char question[96];            /* "Run this rollback?" */
	bool danger;                  /* destructive: drawn as such */
	bool operator_only;           /* asked during execution (a changed plan, a switch back): --yes
	                               * does not answer it, only an operator does */
	/* The answer must be typed: this word (a version or a slot), not y. A
	 * plain yes to it is a no (actions_answer_typed answers it). "" none. */
	char typed[64];
	char typed_why[ACTION_LINE];  /* why, in words, drawn in the critical colour */
	struct action_line lines[ACTION_LINES];
	size_t nlines;
};

/* Every command's exit status, and a run's (action_result.exit_code), as the
 * README's "Command line" and warroom.1's EXIT STATUS document them. Each
 * number is written once; the names after the gap are the same numbers as a
 * usage error and the commands that report a state (status, runbook lint)
 * mean them. */
enum action_exit {
	EXIT_OK = 0,            /* done; status: healthy; check: every row passed; watch: the window passed */
	EXIT_FAILED = 1,        /* tried and failed, or found failing (check, query: Prometheus refused it) */
	EXIT_REFUSED = 2,       /* refused or declined, a usage or configuration error: nothing was done */
	EXIT_UNREACHABLE = 3,   /* the cluster, Prometheus, Argo CD or the bastion could not be asked */
	EXIT_ROLLED_BACK = 4,   /* watch: the window breached and the rollback ran */
	EXIT_BREACHED = 5,      /* watch: the window breached and no rollback ran */
	EXIT_SIGNALLED = 128,   /* plus the signal's number: ended by a signal, as a shell says it */
	EXIT_INTERRUPTED = 130, /* stopped by ^C (or TERM, HUP) before it finished */
	EXIT_NOT_RUN = 255,     /* remote: the command never ran on the bastion (as ssh says it) */

	EXIT_USAGE = EXIT_REFUSED,       /* the command line or the config is wrong */
	EXIT_DEGRADED = EXIT_FAILED,     /* status: the service is degraded */
	EXIT_OUTAGE = EXIT_REFUSED,      /* status: the service is down */
	EXIT_WARNINGS = EXIT_FAILED,     /* runbook lint: loads, with warnings */
	EXIT_UNREADABLE = EXIT_REFUSED,  /* runbook lint: cannot be read */
};

enum action_outcome {
	ACTION_OK,          /* done (and verified, where it verifies) */
	ACTION_REFUSED,     /* a precondition or the plan said no: nothing changed */
	ACTION_DECLINED,    /* the operator answered no: nothing changed */
	ACTION_FAILED,      /* tried and failed; the summary says what is left */
	ACTION_CANCELLED,   /* stopped before it finished */
};

struct action_result {
	enum action_id id;
	uint64_t run;
	enum action_outcome outcome;
	char summary[ACTION_LINE];    /* one line for the operator */
	struct action_line lines[ACTION_LINES];   /* a report worth a dialog, or none */
	size_t nlines;
	char title[128];              /* the report's title when lines are given */
	char followup[ACTION_LINE];   /* an open item left for later ("re-enable auto-sync ...") */
	int64_t duration_ms;
	enum action_exit exit_code;   /* for the CLI: OK, FAILED, REFUSED (declined too) or UNREACHABLE */
};

/* The front-end's part. ask must lead to exactly one actions_answer() for
 * that run (now or later); progress may be NULL; done runs once per run,
 * from the loop, never from inside actions_run(). */
struct action_ui {
	void (*ask)(uint64_t run, const struct action_question *q, void *arg);
	void (*progress)(uint64_t run, enum action_role role, const char *text, void *arg);
	void (*done)(const struct action_result *res, void *arg);
	void *arg;
};

struct action_args {
	const char *text;     /* note text, incident title, rollback strategy, SEV reason */
	int sev;              /* incident, sev: 1..4 */
	bool dry_run;         /* rollback: plan and report, change nothing */
	bool unattended;      /* --yes: a re-plan with the same target runs without asking */
	const char *typed;    /* --confirm WORD: the answer to a question that wants its word typed */
};

struct actions;

struct actions *actions_new(const struct action_ctx *ctx);
/* Cancels every run still going (their done runs with ACTION_CANCELLED). */
void actions_free(struct actions *q);
const struct action_ctx *actions_ctx(const struct actions *q);

/* Starts an action. Returns its run id (never 0); refusals too go through
 * done, so every run is audited. args may be NULL. */
uint64_t actions_run(struct actions *q, enum action_id id, const struct action_args *args,
                     const struct action_ui *ui);
/* The operator's answer to the question of run; how ("y in the dialog",
 * "--yes", "terminal") goes to the audit record. Unknown runs are ignored. */
void actions_answer(struct actions *q, uint64_t run, bool yes, const char *how);
/* The answer of a question that wants its word typed: yes only when typed
 * is that word (a question without one takes any non-empty text as yes). */
void actions_answer_typed(struct actions *q, uint64_t run, const char *typed, const char *how);
void actions_cancel(struct actions *q, uint64_t run);
/* A run of this action that has not finished yet, or 0. */
uint64_t actions_running(const struct actions *q, enum action_id id);

/* ---- the run machinery under actions_run() and actions_check() ---- */

/* What the table hands down once it found the row (NULL: no such action). */
uint64_t actions_start_row(struct actions *q, const struct action *a, const struct action_args *args,
                           const struct action_ui *ui);
/* plan_only: a dry run changes nothing, so read-only mode allows it. */
bool actions_check_row(const struct action_ctx *ctx, const struct action *a, bool plan_only, char *why,
                       size_t whylen);

/* ---- for handlers (core/actions/action_*.c) ---- */

struct action_run;

struct action_exec {
	/* Confirm actions: reads what the question needs (may go async) and ends
	 * with actions_propose() or actions_finish(). NULL: straight to exec. */
	void (*prepare)(struct action_run *run);
	/* Does the work, after a yes where the row wants one; ends with
	 * actions_finish() now or later. */
	void (*exec)(struct action_run *run);
	/* Stops work in flight and frees the handler's state; also called when
	 * the layer ends a run that still has state (declined). May be NULL. */
	void (*cancel)(struct action_run *run);
};

typedef void (*action_answer_fn)(struct action_run *run, bool yes);

const struct action_ctx *actions_run_ctx(const struct action_run *run);
const struct action_args *actions_run_args(const struct action_run *run);
/* Since actions_run(): what actions_finish() will record as its duration. */
int64_t actions_run_elapsed_ms(const struct action_run *run);
/* The confirmation that lets exec run. */
void actions_propose(struct action_run *run, const struct action_question *q);
/* A further question during exec (a changed plan, a switch back). */
void actions_ask(struct action_run *run, const struct action_question *q, action_answer_fn fn);
void actions_progress(struct action_run *run, enum action_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The outcome; res->id, run and duration are filled in. The run is freed
 * after done ran: the handler must not touch it afterwards. */
void actions_finish(struct action_run *run, const struct action_result *res);
/* Convenience for a one-line outcome. */
void actions_finish_line(struct action_run *run, enum action_outcome outcome, enum action_exit exit_code,
                         const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* How the operator answered the confirmation ("yes (--yes)"), "" before. */
const char *actions_run_confirmation(const struct action_run *run);
void *actions_run_state(const struct action_run *run);
void actions_run_set_state(struct action_run *run, void *state);
void actions_question_line(struct action_question *q, enum action_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void actions_result_line(struct action_result *r, enum action_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *actions_outcome_name(enum action_outcome o);
/* The store a handler writes; NULL means the run was finished (failed, and
 * freed) for want of one: read nothing of it afterwards. */
struct timeline *actions_need_timeline(struct action_run *run);

/* A silence as the `silence` action takes it (core/actions/action_silence.c): `{MATCHERS} [DURATION]
 * COMMENT` (without braces the matchers are the first word; DURATION 1h
 * when left out; a comment is required, as amtool requires one). Fills the
 * compiled matchers (free them), the matchers as text, the seconds and the
 * comment; -1 with words. */
int actions_silence_parse(const char *text, struct alertmgr_matchers *ms, char *matchers, size_t mlen, long *secs,
                          char *comment, size_t clen, char *err, size_t errlen);

#define ACTION_EXEC_DECL(id, name, keys, flags, exec, help) extern const struct action_exec actions_exec_##exec;
ACTION_LIST(ACTION_EXEC_DECL)
#undef ACTION_EXEC_DECL

#endif
