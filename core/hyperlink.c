/* OSC 8 hyperlinks: written only to a terminal that shows them. Unknown
 * terminals print the escape's text or mangle the line, so the answer is
 * no unless the terminal is one known to support them. */
#include "warroom/hyperlink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

bool hyperlink_decide(bool tty, const char *setting, const char *term, const char *term_program,
                      const char *vte_version, const char *tmux, const char *wt_session)
{
	static const char *const terms[] = { "xterm-kitty", "foot", "foot-extra", "alacritty", "xterm-ghostty",
	                                     "wezterm", "contour" };
	static const char *const programs[] = { "iTerm.app", "WezTerm", "ghostty", "vscode", "Tabby" };

	if (!tty)
		return false;   /* a pipe or a file gets the words alone */
	if (setting && (!strcasecmp(setting, "never") || !strcmp(setting, "0") || !strcasecmp(setting, "off")))
		return false;
	if (setting && (!strcasecmp(setting, "always") || !strcmp(setting, "1") || !strcasecmp(setting, "on")))
		return true;
	if ((tmux && *tmux) || !term || !strncmp(term, "screen", 6) || !strncmp(term, "tmux", 4) ||
	    !strcmp(term, "dumb") || !strcmp(term, "linux"))
		return false;   /* a multiplexer passes them on only when told to */
	for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++)
		if (!strcmp(term, terms[i]))
			return true;
	for (size_t i = 0; term_program && i < sizeof programs / sizeof programs[0]; i++)
		if (!strcmp(term_program, programs[i]))
			return true;
	if (vte_version && atoi(vte_version) >= 5000)
		return true;   /* GNOME Terminal, Tilix, ... since VTE 0.50 */
	return wt_session && *wt_session;
}

bool hyperlink_ok(int fd)
{
	return hyperlink_decide(isatty(fd) == 1, getenv("WARROOM_HYPERLINKS"), getenv("TERM"),
	                        getenv("TERM_PROGRAM"), getenv("VTE_VERSION"), getenv("TMUX"), getenv("WT_SESSION"));
}

bool hyperlink_open(char *buf, size_t len, const char *url)
{
	if (!url || (strncasecmp(url, "https://", 8) && strncasecmp(url, "http://", 7) &&
	             strncasecmp(url, "mailto:", 7) && strncasecmp(url, "file://", 7)))
		return false;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || *p >= 0x80)
			return false;   /* nothing that could end the escape or show as something else */
	return (size_t)snprintf(buf, len, "\033]8;;%s\033\\", url) < len;
}

const char *hyperlink_close(void)
{
	return "\033]8;;\033\\";
}
