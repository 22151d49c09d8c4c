/* keydoc — `warroom keys`: the console's key table printed headless, from
 * the same key map the help screen draws (the action table, the config's
 * `keys:` overrides, the views' number keys), as text, Markdown (the
 * README's table) or roff (the man page's). `make docs` writes both.
 * Private to tui/: main.c runs it, tui/keydoc.c implements it. */
#ifndef WARROOM_KEYDOC_H
#define WARROOM_KEYDOC_H

struct config;

/* argv[0] is "keys"; [--markdown | --man]. Returns the exit code. */
int keydoc_cli(int argc, char **argv, const struct config *cfg);

#endif
