/* Terminal set-up and restore, colour roles, glyphs, text helpers. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <poll.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>
#include <term.h>

#include "warroom/secret.h"
#include "warroom/tui.h"
#include "warroom/text.h"

static struct tui_caps caps;
static bool active;
static attr_t role_attr[ROLE_COUNT];
static struct termios saved_tio;
static bool have_tio;
/* Written by the fatal-signal handler with write(2) alone: endwin() is not
 * async-signal-safe. */
static char restore_seq[128];
static size_t restore_len;

/* Output never blocks the loop: curses writes each frame into a scratch file
 * (it never waits there), the frame moves to obuf, and obuf goes to our own
 * non-blocking descriptor of the terminal as fast as the terminal takes it.
 * While a frame is still going out no new one is made; once it drains, one
 * doupdate() sends everything that changed meanwhile. */
static FILE *scratch;
static int out_fd = -1;
static char *obuf;
static size_t olen, ocap, ooff;

static void collect(void)
{
	int fd = scratch ? fileno(scratch) : -1;
	off_t end;

	if (fd < 0)
		return;
	fflush(scratch);
	end = lseek(fd, 0, SEEK_CUR);
	if (end <= 0)
		return;
	if (olen + (size_t)end > ocap) {
		size_t cap = (olen + (size_t)end) * 2;
		char *b = realloc(obuf, cap);

		if (!b)
			return;   /* the frame is lost; the next full redraw repairs it */
		obuf = b;
		ocap = cap;
	}
	if (pread(fd, obuf + olen, (size_t)end, 0) == (ssize_t)end)
		olen += (size_t)end;
	if (ftruncate(fd, 0) != 0)
		return;
	lseek(fd, 0, SEEK_SET);
	rewind(scratch);
}

int tui_out_flush(void)
{
	while (ooff < olen) {
		ssize_t n = write(out_fd, obuf + ooff, olen - ooff);

		if (n > 0) {
			ooff += (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return 1;
		} else {
			ooff = olen;   /* the terminal is gone: nothing to wait for */
			break;
		}
	}
	olen = ooff = 0;
	return 0;
}

static bool tui_out_pending(void) { return ooff < olen; }
int tui_out_fd(void) { return out_fd; }

static char *(*frame_tail)(size_t *len);

void tui_set_frame_tail(char *(*tail)(size_t *len))
{
	frame_tail = tail;
}

/* What goes after the frame (the hyperlinks, tui/links.c), in the same stream. */
static void add_links(void)
{
	size_t n;
	char *b = frame_tail ? frame_tail(&n) : NULL;

	if (!b)
		return;
	if (!scratch) {
		fwrite(b, 1, n, stdout);
		fflush(stdout);
	} else {
		if (olen + n > ocap) {
			char *nb = realloc(obuf, (olen + n) * 2);

			if (!nb) {
				free(b);
				return;   /* the links are lost for this frame; the text is there */
			}
			obuf = nb;
			ocap = (olen + n) * 2;
		}
		memcpy(obuf + olen, b, n);
		olen += n;
	}
	free(b);
}

int tui_update(void)
{
	if (!scratch) {
		doupdate();
		add_links();
		return 0;
	}
	if (tui_out_pending() && tui_out_flush())
		return 1;
	doupdate();
	collect();
	add_links();
	return tui_out_flush();
}

/* At the end: what is left goes out, for a second at most. */
static void drain(int ms)
{
	int64_t waited = 0;

	collect();
	while (tui_out_flush() && waited < ms) {
		struct pollfd p = { .fd = out_fd, .events = POLLOUT };

		poll(&p, 1, 50);
		waited += 50;
	}
}

/* The modes curses cannot set on a scratch file: raw input, no echo. */
static void set_raw(void)
{
	struct termios t = saved_tio;

	t.c_iflag &= ~(tcflag_t)(IXON | ICRNL | INLCR | IGNCR | BRKINT | ISTRIP | INPCK);
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

static const char *const glyph_utf8[G_COUNT] = {
	[G_HLINE] = "─", [G_VLINE] = "│", [G_ULCORNER] = "┌", [G_URCORNER] = "┐",
	[G_LLCORNER] = "└", [G_LRCORNER] = "┘", [G_ARROW] = "→", [G_CHECK] = "✓",
	[G_CROSS] = "✗", [G_BULLET] = "•", [G_PLAY] = "▶", [G_WARN] = "!",
	[G_ELLIPSIS] = "…", [G_DOT] = "·", [G_DASH] = "—", [G_OPEN] = "▼",
};
static const char *const glyph_ascii[G_COUNT] = {
	[G_HLINE] = "-", [G_VLINE] = "|", [G_ULCORNER] = "+", [G_URCORNER] = "+",
	[G_LLCORNER] = "+", [G_LRCORNER] = "+", [G_ARROW] = "->", [G_CHECK] = "ok",
	[G_CROSS] = "x", [G_BULLET] = "*", [G_PLAY] = ">", [G_WARN] = "!",
	[G_ELLIPSIS] = "~", [G_DOT] = "-", [G_DASH] = "-", [G_OPEN] = "v",
};

const struct tui_caps *tui_caps(void) { return &caps; }

const char *tui_glyph(enum tui_glyph g)
{
	return (caps.utf8 ? glyph_utf8 : glyph_ascii)[g];
}

attr_t tui_attr(enum tui_role role)
{
	return role < ROLE_COUNT ? role_attr[role] : A_NORMAL;
}

static void add_restore(const char *cap)
{
	char *s = tigetstr((char *)cap);
	size_t n;

	if (!s || s == (char *)-1)
		return;
	n = strlen(s);
	if (restore_len + n < sizeof restore_seq) {
		memcpy(restore_seq + restore_len, s, n);
		restore_len += n;
	}
}

static void fatal_signal(int sig)
{
	if (have_tio)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	if (restore_len && write(STDOUT_FILENO, restore_seq, restore_len) < 0) {
		/* nothing more can be done from here */
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void setup_colors(void)
{
	/* pair: fg, bg, extra attrs for colour terminals; mono: attrs only */
	static const struct { short fg8, fg256; attr_t extra, mono; } spec[ROLE_COUNT] = {
		[ROLE_NORMAL]   = { -1, -1, A_NORMAL, A_NORMAL },
		[ROLE_OK]       = { COLOR_GREEN, 71, A_NORMAL, A_NORMAL },
		[ROLE_WARN]     = { COLOR_YELLOW, 214, A_BOLD, A_BOLD },
		[ROLE_CRIT]     = { COLOR_RED, 196, A_BOLD, A_BOLD | A_REVERSE },
		[ROLE_STALE]    = { -1, 244, A_DIM, A_DIM },
		[ROLE_ACCENT]   = { COLOR_CYAN, 75, A_BOLD, A_BOLD },
		[ROLE_TITLE]    = { -1, -1, A_BOLD, A_BOLD },
		[ROLE_BORDER]   = { -1, 240, A_NORMAL, A_NORMAL },
		[ROLE_SELECTED] = { -1, -1, A_REVERSE, A_REVERSE },
		[ROLE_BAR]      = { -1, -1, A_REVERSE, A_REVERSE },
		[ROLE_KEY]      = { COLOR_CYAN, 75, A_BOLD, A_BOLD },
		[ROLE_BLUE]     = { COLOR_BLUE, 33, A_BOLD, A_BOLD },
		[ROLE_GREEN]    = { COLOR_GREEN, 40, A_BOLD, A_BOLD },
	};
	const char *nc = getenv("NO_COLOR");

	caps.colors = 0;
	if ((!nc || !*nc) && has_colors() && start_color() == OK) {
		use_default_colors();
		caps.colors = COLORS >= 256 ? 256 : (COLORS >= 8 ? 8 : 0);
	}
	for (int r = 0; r < ROLE_COUNT; r++) {
		short fg = caps.colors == 256 ? spec[r].fg256 : spec[r].fg8;

		if (!caps.colors) {
			role_attr[r] = spec[r].mono;
			continue;
		}
		if (fg < 0) {
			role_attr[r] = spec[r].extra;
			continue;
		}
		init_pair((short)r, fg, -1);
		role_attr[r] = COLOR_PAIR(r) | spec[r].extra;
	}
}

/* In-memory screen for widget tests: no terminal, nothing restored. */
int tui_init_headless(int rows, int cols, bool utf8, int colors)
{
	static FILE *out, *in;

	if (!out)
		out = fopen("/dev/null", "w");
	if (!in)
		in = fopen("/dev/null", "r");
	if (!out || !in || !newterm("xterm-256color", out, in))
		return -1;
	resizeterm(rows, cols);
	caps.utf8 = utf8;
	for (int r = 0; r < ROLE_COUNT; r++)
		role_attr[r] = A_NORMAL;
	caps.colors = colors;
	return 0;
}

int tui_init(void)
{
	const char *cs;
	struct sigaction sa;

	setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	caps.utf8 = cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "warroom: the console needs a terminal (use `warroom status` headless)\n");
		return -1;
	}
	have_tio = tcgetattr(STDIN_FILENO, &saved_tio) == 0;
	{
		const char *tty = ttyname(STDOUT_FILENO);

		/* our own open file description: O_NONBLOCK here leaves the shell's alone */
		out_fd = tty ? open(tty, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC) : -1;
		scratch = out_fd >= 0 && have_tio && !getenv("WARROOM_BLOCKING_OUTPUT") ? tmpfile() : NULL;
		if (!scratch && out_fd >= 0) {
			close(out_fd);
			out_fd = -1;
		}
	}
	if (!newterm(NULL, scratch ? scratch : stdout, stdin)) {
		fprintf(stderr, "warroom: cannot set up terminal type '%s'\n",
		        getenv("TERM") ? getenv("TERM") : "(unset)");
		return -1;
	}
	active = true;
	atexit(tui_end);
	add_restore("sgr0");
	add_restore("cnorm");
	add_restore("rmcup");

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fatal_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);

	cbreak();
	noecho();
	nonl();
	raw();               /* C-c reaches the key map as a key, not a signal */
	if (scratch) {
		set_raw();       /* curses could not: its output is not the terminal */
		tui_resize();
	}
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	setup_colors();
	return 0;
}

void tui_end(void)
{
	if (!active)
		return;
	active = false;
	curs_set(1);
	endwin();
	if (scratch) {
		drain(1000);
		fclose(scratch);
		scratch = NULL;
		close(out_fd);
		out_fd = -1;
	}
	if (have_tio)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	fflush(stdout);
}

void tui_resize(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
}

bool tui_too_small(void)
{
	return COLS < TUI_MIN_COLS || LINES < TUI_MIN_ROWS;
}

size_t tui_next_char(const char *s, size_t len, mbstate_t *st, int *cols)
{
	wchar_t wc;
	size_t n;

	if (!len)
		return 0;
	n = mbrtowc(&wc, s, len, st);
	if (n == (size_t)-1 || n == (size_t)-2) {
		memset(st, 0, sizeof *st);
		*cols = 1;
		return 1;
	}
	if (n == 0)
		return 0;
	*cols = wcwidth(wc) < 0 ? 1 : wcwidth(wc);
	return n;
}

/* Columns taken by s, and how many bytes fit into width columns. */
static size_t fit(const char *s, int width, int *cols_out)
{
	mbstate_t st;
	size_t off = 0, len = strlen(s);
	int cols = 0;

	memset(&st, 0, sizeof st);
	while (off < len) {
		int cw;
		size_t n = tui_next_char(s + off, len - off, &st, &cw);

		if (!n || cols + cw > width)
			break;
		cols += cw;
		off += n;
	}
	if (cols_out)
		*cols_out = cols;
	return off;
}

int tui_text_width(const char *s)
{
	int cols;

	fit(s, 1 << 30, &cols);
	return cols;
}

int tui_text_width_n(const char *s, size_t nbytes)
{
	char buf[1024];

	if (nbytes >= sizeof buf)
		nbytes = sizeof buf - 1;
	memcpy(buf, s, nbytes);
	buf[nbytes] = '\0';
	return tui_text_width(buf);
}

void tui_put(WINDOW *w, int y, int x, int width, enum tui_role role, const char *s)
{
	char shown[2048];
	int cols;
	size_t n;

	if (width <= 0 || y < 0 || x < 0 || y >= getmaxy(w) || x >= getmaxx(w))
		return;
	/* The last guard before the screen. Text from outside was cleaned where
	 * it entered; should some reach here unclean, a control is a mark all
	 * the same, never a command to the terminal nor a column miscounted. */
	if (s && !text_is_clean(s, (size_t)-1, 0)) {
		text_clean(shown, sizeof shown, s, (size_t)-1, 0);
		s = shown;
	}
	/* and no secret the console knows, nor a URL with its password */
	if (s && secret_found(s, strlen(s))) {
		if (s != shown)
			snprintf(shown, sizeof shown, "%s", s);
		secret_scrub_buf(shown, sizeof shown);
		s = shown;
	}
	if (s && strstr(s, "://") && strchr(s, '@')) {
		if (s != shown)
			snprintf(shown, sizeof shown, "%s", s);
		text_hide_url_passwords(shown);
		s = shown;
	}
	if (x + width > getmaxx(w))
		width = getmaxx(w) - x;
	n = fit(s ? s : "", width, &cols);
	wattrset(w, tui_attr(role));
	mvwaddnstr(w, y, x, s ? s : "", (int)n);
	for (; cols < width; cols++)
		waddch(w, ' ');
	wattrset(w, A_NORMAL);
}

void tui_putf(WINDOW *w, int y, int x, int width, enum tui_role role, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	tui_put(w, y, x, width, role, buf);
}

void tui_put_right(WINDOW *w, int y, int x, int width, enum tui_role role, const char *s)
{
	int tw = tui_text_width(s);

	if (tw >= width) {
		tui_put(w, y, x, width, role, s);
		return;
	}
	tui_put(w, y, x + width - tw, tw, role, s);
}

void tui_fill(WINDOW *w, int y, int x, int h, int width)
{
	for (int i = 0; i < h; i++)
		tui_put(w, y + i, x, width, ROLE_NORMAL, "");
}

void tui_box(WINDOW *w, int y, int x, int h, int width, const char *title, enum tui_role title_role)
{
	attr_t b = tui_attr(ROLE_BORDER);

	if (h < 2 || width < 2)
		return;
	wattrset(w, b);
	mvwaddstr(w, y, x, tui_glyph(G_ULCORNER));
	for (int i = 1; i < width - 1; i++)
		waddstr(w, tui_glyph(G_HLINE));
	waddstr(w, tui_glyph(G_URCORNER));
	for (int i = 1; i < h - 1; i++) {
		mvwaddstr(w, y + i, x, tui_glyph(G_VLINE));
		mvwaddstr(w, y + i, x + width - 1, tui_glyph(G_VLINE));
	}
	mvwaddstr(w, y + h - 1, x, tui_glyph(G_LLCORNER));
	for (int i = 1; i < width - 1; i++)
		waddstr(w, tui_glyph(G_HLINE));
	waddstr(w, tui_glyph(G_LRCORNER));
	wattrset(w, A_NORMAL);
	if (title && *title && width > 6) {
		int tw = tui_text_width(title);

		if (tw > width - 4)
			tw = width - 4;
		tui_put(w, y, x + 1, 1, ROLE_BORDER, " ");
		tui_put(w, y, x + 2, tw, title_role, title);
		tui_put(w, y, x + 2 + tw, 1, ROLE_BORDER, " ");
	}
}

static const struct { const char *name; int key; } named_keys[] = {
	{ "Up", KEY_UP }, { "Down", KEY_DOWN }, { "Left", KEY_LEFT }, { "Right", KEY_RIGHT },
	{ "PgUp", KEY_PPAGE }, { "PgDn", KEY_NPAGE }, { "Home", KEY_HOME }, { "End", KEY_END },
	{ "Enter", '\r' }, { "Esc", 27 }, { "Tab", '\t' }, { "BTab", KEY_BTAB },
	{ "Space", ' ' }, { "Backspace", KEY_BACKSPACE }, { "Delete", KEY_DC },
};

int tui_key_parse(const char *spec)
{
	size_t n = strlen(spec);

	if (n == 1)
		return (unsigned char)spec[0];
	if (n == 3 && (spec[0] == 'C' || spec[0] == 'c') && spec[1] == '-') {
		char c = spec[2];

		if (c >= 'a' && c <= 'z')
			return c - 'a' + 1;
		if (c >= 'A' && c <= 'Z')
			return c - 'A' + 1;
		return -1;
	}
	if ((spec[0] == 'F' || spec[0] == 'f') && n <= 3 && atoi(spec + 1) >= 1 && atoi(spec + 1) <= 12)
		return KEY_F(atoi(spec + 1));
	for (size_t i = 0; i < sizeof named_keys / sizeof named_keys[0]; i++)
		if (strcasecmp(named_keys[i].name, spec) == 0)
			return named_keys[i].key;
	return -1;
}

const char *tui_key_name(int key, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof named_keys / sizeof named_keys[0]; i++)
		if (named_keys[i].key == key) {
			snprintf(buf, len, "%s", named_keys[i].name);
			return buf;
		}
	if (key >= KEY_F(1) && key <= KEY_F(12))
		snprintf(buf, len, "F%d", key - KEY_F(0));
	else if (key >= 1 && key <= 26)
		snprintf(buf, len, "C-%c", 'a' + key - 1);
	else if (key > 32 && key < 127)
		snprintf(buf, len, "%c", key);
	else
		snprintf(buf, len, "#%d", key);
	return buf;
}
