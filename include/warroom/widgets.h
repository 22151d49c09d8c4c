/* widgets — draw any panel's data: table, chart, gauge, dialogs, message and
 * status line. They know nothing of where the data came from. Implemented
 * in tui/: chart.c, table.c, gauge.c, dialog.c, statusbar.c, md.c, wrap.c. */
#ifndef WARROOM_WIDGETS_H
#define WARROOM_WIDGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/tui.h"

/* ---- table: columns, scrolling, selection ---- */
struct table_col {
	const char *title;
	int width;          /* columns; 0: takes what is left */
	bool right;         /* right-aligned */
};

/* Fills buf with the text of one cell; returns its role. */
typedef enum tui_role (*table_cell_fn)(const void *data, size_t row, size_t col, char *buf, size_t len);

struct table {
	const struct table_col *cols;
	size_t ncols;
	size_t nrows;
	size_t selected;
	size_t top;          /* first row shown */
	bool show_selection;
	table_cell_fn cell;
	const void *data;
};

void table_draw(WINDOW *w, int y, int x, int h, int width, struct table *t);
/* Movement by action (ACTION_UP, ...); returns true when something moved. */
bool table_move(struct table *t, int action, int page);

/* ---- chart: a series as a sparkline (1 row) or a braille plot ---- */
void chart_spark(WINDOW *w, int y, int x, int width, const double *v, size_t n,
                 double lo, double hi, enum tui_role role);
void chart_plot(WINDOW *w, int y, int x, int h, int width, const double *v, size_t n,
                double lo, double hi, enum tui_role role);

/* ---- gauge: value of max as a bar, with a label ---- */
void gauge_draw(WINDOW *w, int y, int x, int width, double value, double max,
                const char *label, enum tui_role role);

/* ---- dialogs: one modal at a time, drawn centred over the screen ----
 * A body taller than the screen scrolls (j/k, Space, PgUp/PgDn) with a
 * visible "more below"; a confirm accepts y only once every line of its body
 * has been on screen, so no warning can be confirmed unseen. */
enum dialog_kind { DIALOG_NONE, DIALOG_CONFIRM, DIALOG_INPUT, DIALOG_INFO, DIALOG_FORM };
enum dialog_result { DIALOG_OPEN, DIALOG_YES, DIALOG_NO };

#define DIALOG_LINES 56
#define DIALOG_FIELDS 8
#define DIALOG_OFFERS 8

struct dialog;
/* Runs once when the dialog closes: YES (confirmed / submitted) or NO. */
typedef void (*dialog_fn)(const struct dialog *d, enum dialog_result r, void *arg);

/* A form's field: typed into, or filled with one of the values offered. */
struct dialog_field {
	char key[64];                      /* the caller's name for it */
	char label[80];
	char value[256];
	size_t cursor;
	char offers[DIALOG_OFFERS][256];   /* "NAME=value": C-n / C-p put the value in the field */
	int noffers, offer;                /* offer: the one shown, -1 none yet */
	bool secret;                       /* nothing typed is shown; wiped on close */
};

struct dialog {
	enum dialog_kind kind;
	char title[128];
	char lines[DIALOG_LINES][240];
	enum tui_role roles[DIALOG_LINES];
	size_t nlines;
	char prompt[96];      /* input: text before the field; confirm: the question */
	char input[512];      /* input: the text typed */
	size_t cursor;        /* byte offset in input */
	bool danger;          /* confirm of a destructive action: drawn in crit */
	bool secret;          /* input: nothing typed is shown (a passphrase); wiped on close */
	dialog_fn fn;         /* NULL: nothing to do on close */
	void *arg;
	/* form: its fields, the one being typed in, and what redraws the body
	 * (lines) from them after each key: a preview of what they make */
	struct dialog_field fields[DIALOG_FIELDS];
	int nfields, field;
	void (*update)(struct dialog *d, void *arg);
	uint64_t id;          /* the caller's, e.g. the action run asking */
	/* scrolling, kept up to date by dialog_draw */
	int top;              /* first body row shown */
	int rows, shown;      /* body rows in all, rows that fit */
	bool seen_all;        /* every body row has been on screen */
	bool unseen_y;        /* y came too early: the footer says why */
};

void dialog_confirm(struct dialog *d, const char *title, const char *question, bool danger, dialog_fn fn,
                    void *arg);
void dialog_input(struct dialog *d, const char *title, const char *prompt, const char *initial, dialog_fn fn,
                  void *arg);
void dialog_info(struct dialog *d, const char *title);
/* A form of fields (dialog_add_field); Enter on the last field, or with
 * every field filled, submits; update (may be NULL) rewrites the body. */
void dialog_form(struct dialog *d, const char *title, void (*update)(struct dialog *d, void *arg),
                 dialog_fn fn, void *arg);
struct dialog_field *dialog_add_field(struct dialog *d, const char *label, const char *value);
void dialog_add_line(struct dialog *d, enum tui_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void dialog_close(struct dialog *d);
/* Feeds one key; returns YES (confirmed / submitted), NO (cancelled) or OPEN. */
enum dialog_result dialog_key(struct dialog *d, int key);
/* Draws d and records which of its rows are on screen. */
void dialog_draw(WINDOW *w, struct dialog *d);

/* ---- word wrap: whole words per row, never half a UTF-8 character ---- */
/* Bytes of s that make its next row of at most width columns (and maxbytes,
 * 0: no limit): up to the last space that fits, or as many whole characters
 * as fit when a word is wider than the row. At least one character. */
size_t tui_wrap_next(const char *s, int width, size_t maxbytes);
/* Rows s takes at width, continuation rows indented by indent. */
int tui_wrap_rows(const char *s, int width, int indent);
/* Draws s wrapped into at most h rows from (y, x); a cut last row ends in an
 * ellipsis. Returns the rows drawn. */
int tui_wrap_put(WINDOW *w, int y, int x, int h, int width, int indent, enum tui_role role, const char *s);

/* ---- Markdown laid out (markdown.h): wrapped to the width, cut at h rows ---- */
struct md_doc;
int tui_md_rows(const struct md_doc *d, int width);
/* Returns the rows drawn. */
int tui_md_draw(WINDOW *w, int y, int x, int h, int width, const struct md_doc *d);

/* ---- status bar and message line ---- */
struct statusbar {
	const char *left;          /* "lab · detection-api-service · detection-system" */
	const char *incident;      /* "SEV-2 INC-4 00:07:13" or NULL */
	const char *incident_short; /* "SEV-2 INC-4 00:07:13": when the bar is crowded */
	enum tui_role incident_role;
	const char *conn;          /* "kube ✓ prom ✗" */
	const char *conn_short;    /* only what is not up ("prom ✗"), or "✓" */
	enum tui_role conn_role;
	const char *refreshed;     /* "refreshed 1s ago" */
	const char *clock;         /* "14:03:27Z" */
	const char *alert;         /* "ROLLBACK: R to blue": never dropped, in the critical colour; NULL */
	const char *clock_short;   /* "14:03Z": when the incident and where we are need the room */
};
void statusbar_draw(WINDOW *w, int y, int width, const struct statusbar *s);

#endif
