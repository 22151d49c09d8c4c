/* tui — the terminal: set-up and restore, semantic colour roles, glyphs with
 * an ASCII fallback, and small drawing helpers every widget shares.
 * Implemented in tui/screen.c, the roles' meanings in tui/roles.c. */
#ifndef WARROOM_TUI_H
#define WARROOM_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <curses.h>
#include <wchar.h>

/* Semantic colour roles: views name what a thing means, never a colour. */
enum tui_role {
	ROLE_NORMAL = 0,
	ROLE_OK,
	ROLE_WARN,
	ROLE_CRIT,
	ROLE_STALE,
	ROLE_ACCENT,
	ROLE_TITLE,      /* panel titles */
	ROLE_BORDER,
	ROLE_SELECTED,   /* selected table row */
	ROLE_BAR,        /* status and hint bars */
	ROLE_KEY,        /* a key name in hints and help */
	ROLE_BLUE,       /* slot colours: the slots' own names */
	ROLE_GREEN,
	ROLE_COUNT
};

enum tui_glyph {
	G_HLINE, G_VLINE, G_ULCORNER, G_URCORNER, G_LLCORNER, G_LRCORNER,
	G_ARROW, G_CHECK, G_CROSS, G_BULLET, G_PLAY, G_WARN, G_ELLIPSIS, G_DOT, G_DASH, G_OPEN,
	G_COUNT
};

/* Below MIN nothing fits; between MIN and FULL the overview is one column. */
#define TUI_MIN_COLS 50
#define TUI_MIN_ROWS 16
#define TUI_FULL_COLS 80
#define TUI_FULL_ROWS 24

struct tui_caps {
	bool utf8;        /* locale is UTF-8: box drawing, braille */
	int colors;       /* 0 (monochrome or NO_COLOR), 8 or 256 */
};

/* Sets up the terminal (locale, colours, keypad, no echo, alternate screen)
 * and registers the restore for every exit path, fatal signals included. */
int tui_init(void);
/* Restores the terminal; safe to call twice and from atexit. */
void tui_end(void);
/* An in-memory screen on /dev/null for widget tests (as tig's screen dumps):
 * draw, then read the cells back with mvwinnstr(). */
int tui_init_headless(int rows, int cols, bool utf8, int colors);
const struct tui_caps *tui_caps(void);
/* After SIGWINCH: reads the real size, resizes curses. */
void tui_resize(void);
bool tui_too_small(void);

/* The one doupdate() of a pass, without blocking: 0 when the frame went out,
 * 1 when the terminal has not taken everything yet (no new frame is made
 * until it has: wait for POLLOUT on tui_out_fd(), then tui_out_flush(), and
 * call tui_update() again for one frame with everything that changed). */
int tui_update(void);
int tui_out_flush(void);             /* 0 drained, 1 still pending */
int tui_out_fd(void);                /* -1: output goes straight to stdout */

/* OSC 8 hyperlinks (tui/links.c): text a view drew at (y, x) of w that
 * links to url is written again inside the hyperlink once the frame is out,
 * on a terminal that shows them (hyperlink.h), nowhere else. A view clears
 * its links before drawing them again. */
void tui_links_clear(void);
void tui_link_add(WINDOW *w, int y, int x, const char *text, size_t n, const char *url, enum tui_role role);
/* The bytes that write the links added since the last call (malloc'd, NULL
 * none): the console gives it to tui_set_frame_tail. */
char *tui_links_take(size_t *len);
/* Bytes tui_update sends after each frame, in the same stream (malloc'd, NULL none). */
void tui_set_frame_tail(char *(*tail)(size_t *len));
/* Decides for tests: 1 shown, 0 not (the terminal decides by default). */
void tui_links_enable(int yes);

attr_t tui_attr(enum tui_role role);
/* The role of a SEV level, wherever it is shown: SEV-1 and SEV-2 critical,
 * SEV-3 a warning, SEV-4 (and none) normal. */
enum tui_role tui_sev_role(int sev);
/* The role of a timeline event's kind ("alert", "rollback", "note"). */
enum tui_role tui_event_role(const char *kind);
const char *tui_glyph(enum tui_glyph g);

/* Text helpers: clip to width w (in columns, UTF-8 aware), pad with spaces. */
int tui_text_width(const char *s);
int tui_text_width_n(const char *s, size_t nbytes);   /* of the first nbytes */
/* The next character of s (len bytes left): its bytes (0 at the end) and in
 * *cols its columns; an invalid byte is one column, so nothing is skipped. */
size_t tui_next_char(const char *s, size_t len, mbstate_t *st, int *cols);
void tui_put(WINDOW *w, int y, int x, int width, enum tui_role role, const char *s);
void tui_putf(WINDOW *w, int y, int x, int width, enum tui_role role, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
void tui_put_right(WINDOW *w, int y, int x, int width, enum tui_role role, const char *s);
/* A titled box. Returns nothing; content goes inside (y+1, x+1, h-2, w-2). */
void tui_box(WINDOW *w, int y, int x, int h, int width, const char *title, enum tui_role title_role);
void tui_fill(WINDOW *w, int y, int x, int h, int width);

/* Key specs ("C-r", "F5", "PgDn", "x") to curses key codes and back. */
int tui_key_parse(const char *spec);
const char *tui_key_name(int key, char *buf, size_t len);

#endif
