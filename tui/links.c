/* OSC 8 hyperlinks over a frame. curses knows nothing of them, so the
 * cells a view drew as a link are written once more after the frame, the
 * same text in the same colours, inside the hyperlink's escape: the cursor
 * and attributes are saved first and restored after (DECSC, DECRC), so
 * curses' idea of the screen stays true. Only for a terminal known to show
 * them (hyperlink.h); elsewhere nothing is added. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <term.h>

#include "warroom/hyperlink.h"
#include "warroom/text.h"
#include "warroom/tui.h"

#define MAX_LINKS 256

static struct link {
	int y, x;
	char *text;
	char *url;
	enum tui_role role;
} links[MAX_LINKS];
static size_t nlinks;
static bool dirty;
static int shown = -1;   /* -1: not asked yet */

static bool on(void)
{
	if (shown < 0)
		shown = hyperlink_ok(STDOUT_FILENO);
	return shown == 1;
}

void tui_links_enable(int yes)
{
	shown = yes;
}

void tui_links_clear(void)
{
	for (size_t i = 0; i < nlinks; i++) {
		free(links[i].text);
		free(links[i].url);
	}
	nlinks = 0;
	dirty = true;
}

void tui_link_add(WINDOW *w, int y, int x, const char *text, size_t n, const char *url, enum tui_role role)
{
	struct link *l;

	if (!on() || nlinks >= MAX_LINKS || !n || !url)
		return;
	l = &links[nlinks];
	l->y = getbegy(w) + y;
	l->x = getbegx(w) + x;
	l->text = strndup(text, n);
	l->url = strdup(url);
	l->role = role;
	if (!l->text || !l->url) {
		free(l->text);
		free(l->url);
		return;
	}
	nlinks++;
	dirty = true;
}

static void cap(struct text_buf *b, const char *name)
{
	const char *s = tigetstr((char *)name);

	if (s && s != (char *)-1)
		text_buf_str(b, s);
}

/* The role's attributes as the terminal's own escapes. */
static void role_sgr(struct text_buf *b, enum tui_role role)
{
	attr_t a = tui_attr(role);
	short fg = -1, bg = -1;
	const char *setaf = tigetstr("setaf"), *setab = tigetstr("setab");

	cap(b, "sgr0");
	if (a & A_BOLD)
		cap(b, "bold");
	if (a & A_DIM)
		cap(b, "dim");
	if (a & A_REVERSE)
		cap(b, "rev");
	if (a & A_UNDERLINE)
		cap(b, "smul");
	if (PAIR_NUMBER(a) > 0 && pair_content((short)PAIR_NUMBER(a), &fg, &bg) == OK) {
		if (fg >= 0 && setaf && setaf != (char *)-1)
			text_buf_str(b, tiparm(setaf, fg));
		if (bg >= 0 && setab && setab != (char *)-1)
			text_buf_str(b, tiparm(setab, bg));
	}
}

char *tui_links_take(size_t *len)
{
	const char *cup = tigetstr("cup");
	struct text_buf b = { 0 };
	char open[1100];

	*len = 0;
	if (!dirty || !nlinks || !on() || !cup || cup == (char *)-1)
		return NULL;
	dirty = false;
	text_buf_str(&b, "\0337");   /* DECSC: where curses left the cursor, and its attributes */
	for (size_t i = 0; i < nlinks; i++) {
		if (!hyperlink_open(open, sizeof open, links[i].url))
			continue;
		text_buf_str(&b, tiparm(cup, links[i].y, links[i].x));
		role_sgr(&b, links[i].role);
		text_buf_str(&b, open);
		text_buf_str(&b, links[i].text);
		text_buf_str(&b, hyperlink_close());
	}
	text_buf_str(&b, "\0338");   /* DECRC */
	if (b.oom) {
		text_buf_free(&b);
		return NULL;
	}
	*len = b.n;
	return b.s;
}
