/* hyperlink — OSC 8 hyperlinks, written only where they are shown: to a
 * terminal known to support them (kitty, iTerm2, WezTerm, VTE, foot,
 * Windows Terminal, ...), never to a pipe, a file, tmux or screen.
 * WARROOM_HYPERLINKS=never turns them off, =always on for any terminal.
 * Implemented in core/hyperlink.c. */
#ifndef WARROOM_HYPERLINK_H
#define WARROOM_HYPERLINK_H

#include <stdbool.h>
#include <stddef.h>

/* Whether links may be written to fd, as its terminal and the environment say. */
bool hyperlink_ok(int fd);
/* The same from the values alone (for tests): tty, WARROOM_HYPERLINKS, TERM,
 * TERM_PROGRAM, VTE_VERSION, TMUX, WT_SESSION; NULL for unset. */
bool hyperlink_decide(bool tty, const char *setting, const char *term, const char *term_program,
                      const char *vte_version, const char *tmux, const char *wt_session);
/* The escape opening a link to url into buf, false when url cannot be one
 * (not http, https, mailto or file; a space or control character in it). */
bool hyperlink_open(char *buf, size_t len, const char *url);
/* The escape closing it. */
const char *hyperlink_close(void);

#endif
