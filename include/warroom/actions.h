/* actions — the one action table: every key binding, its help text and its
 * preconditions. The TUI's key map, the help screen, the `:` command line and
 * the headless CLI all read it, so they cannot drift apart. */
#ifndef WARROOM_ACTIONS_H
#define WARROOM_ACTIONS_H

#include <stdbool.h>
#include <stddef.h>

struct model;

enum action_flag {
	ACT_MUTATES      = 1u << 0,  /* changes the cluster: refused under --readonly */
	ACT_CONFIRM      = 1u << 1,  /* needs an explicit confirmation */
	ACT_NEEDS_INC    = 1u << 2,  /* needs an open incident */
	ACT_HINT         = 1u << 3,  /* shown in the bottom hint line */
	ACT_NAV          = 1u << 4,  /* movement inside a view */
	ACT_TAKES_ARG    = 1u << 5,  /* `:name ARG` on the command line */
};

/* X(ID, name, default keys, flags, help) — keys are comma-separated specs:
 * a character, "C-x", "F5", "Up", "Down", "PgUp", "PgDn", "Home", "End",
 * "Enter", "Esc", "Tab", "BTab", "Space". Order here is the help order. */
#define ACTION_LIST(X) \
	X(HELP,        "help",        "?,F1",        ACT_HINT, "Every key, generated from the action table") \
	X(QUIT,        "quit",        "q",           0, "Leave the view; on the overview, quit") \
	X(QUIT_NOW,    "quit-now",    "Q,C-c",       0, "Quit at once from any view") \
	X(VIEW_NEXT,   "view-next",   "Tab",         0, "Next view") \
	X(VIEW_PREV,   "view-prev",   "BTab",        0, "Previous view") \
	X(VIEW,        "view",        "",            ACT_TAKES_ARG, "Open a view: :view NAME, or its key below") \
	X(COMMAND,     "command",     ":",           ACT_HINT, "Command line: any action by name (:note text)") \
	X(ROLLBACK,    "rollback",    "R",           ACT_MUTATES | ACT_CONFIRM | ACT_HINT | ACT_TAKES_ARG, "Plan a rollback, show its preflight, run on y") \
	X(NOTE,        "note",        "n",           ACT_HINT | ACT_TAKES_ARG, "Add a note to the timeline") \
	X(INCIDENT,    "incident",    "I",           ACT_TAKES_ARG, "Declare an incident (title, then SEV)") \
	X(SEV,         "sev",         "S",           ACT_NEEDS_INC | ACT_HINT | ACT_TAKES_ARG, "Change the SEV level of the open incident") \
	X(RESOLVE,     "resolve",     "X",           ACT_NEEDS_INC | ACT_CONFIRM, "Close the open incident") \
	X(REFRESH,     "refresh",     "C-r,F5",      0, "Poll every source now") \
	X(REDRAW,      "redraw",      "C-l",         0, "Repaint the whole screen") \
	X(UP,          "up",          "k,Up",        ACT_NAV, "Move up") \
	X(DOWN,        "down",        "j,Down",      ACT_NAV, "Move down") \
	X(PAGE_UP,     "page-up",     "PgUp,C-b",    ACT_NAV, "Page up") \
	X(PAGE_DOWN,   "page-down",   "PgDn,C-f,Space", ACT_NAV, "Page down") \
	X(TOP,         "top",         "g,Home",      ACT_NAV, "First line") \
	X(BOTTOM,      "bottom",      "G,End",       ACT_NAV, "Last line") \
	X(SELECT,      "select",      "Enter",       ACT_NAV, "Open or run the selected line")

enum action_id {
	ACTION_NONE = 0,
#define ACTION_ENUM(id, name, keys, flags, help) ACTION_##id,
	ACTION_LIST(ACTION_ENUM)
#undef ACTION_ENUM
	ACTION_COUNT
};

struct action {
	enum action_id id;
	const char *name;
	const char *keys;      /* default key specs */
	unsigned flags;
	const char *help;
};

const struct action *actions_get(enum action_id id);
const struct action *actions_by_name(const char *name);
size_t actions_count(void);   /* ACTION_COUNT - 1; ids run 1..count */

/* The one precondition check for every caller (TUI, `:`, CLI). Returns true
 * when the action may run now; otherwise fills why with words. */
bool actions_allowed(enum action_id id, const struct model *m, char *why, size_t whylen);

/* Local actions: each checks its preconditions and writes the timeline.
 * 0 on success; -1 with err in words. */
int actions_note(struct model *m, const char *text, char *err, size_t errlen);
int actions_incident_open(struct model *m, const char *title, int sev, char *err, size_t errlen);
int actions_sev(struct model *m, int sev, char *err, size_t errlen);
int actions_resolve(struct model *m, char *err, size_t errlen);

#endif
