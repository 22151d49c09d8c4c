/* Placeholders in commands, found as a shell reads the text: <pod-name>,
 * /path/to/x and YOUR_TOKEN wherever they stand (inside quotes too: jq's
 * '...=="<my-pvc>"'), $VAR and ${VAR} where the shell expands them (never
 * inside single quotes, never one the command sets itself, one with a
 * default, or one the console or any shell provides). A value reaches the
 * command as an environment variable: the placeholder becomes a reference
 * to it, quoted for where it stands, and never shell text. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runbook_parse.h"

/* What the console sets for every command (runbook_env.c's live_vars and
 * the run's own): never a placeholder. ALERT_<LABEL> comes with an alert. */
static const char *const console_vars[] = {
	"NAMESPACE", "SERVICE", "ENVIRONMENT", "OPERATOR", "KUBE_CONTEXT", "PROMETHEUS_URL", "ALERTMANAGER_URL",
	"BLUE_SLOT", "GREEN_SLOT", "ACTIVE_SLOT", "ACTIVE_DEPLOYMENT", "DEPLOY_VERSION", "STANDBY_SLOT",
	"STANDBY_DEPLOYMENT", "PREVIOUS_VERSION", "INCIDENT_ID", "INCIDENT_SEV", "RUNBOOK", "ALERT_NAME",
	"KUBECONFIG",
};

/* What any shell or login provides. */
static const char *const shell_vars[] = {
	"HOME", "PATH", "USER", "LOGNAME", "PWD", "OLDPWD", "SHELL", "TMPDIR", "TERM", "LANG", "LC_ALL", "HOSTNAME",
	"HOST", "RANDOM", "UID", "EUID", "PPID", "IFS", "SECONDS", "LINENO", "REPLY", "OPTARG", "OPTIND", "EDITOR",
	"PAGER", "VISUAL", "DISPLAY", "BASH", "BASH_SOURCE", "BASH_VERSION", "BASHPID", "FUNCNAME", "PIPESTATUS",
	"HISTFILE", "PS1", "PS2", "PS4", "SSH_AUTH_SOCK", "SSH_CONNECTION", "MAIL",
};

bool runbook_console_var(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof console_vars / sizeof console_vars[0]; i++)
		if (strlen(console_vars[i]) == n && !strncmp(console_vars[i], name, n))
			return true;
	return false;
}

static bool shell_var(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof shell_vars / sizeof shell_vars[0]; i++)
		if (strlen(shell_vars[i]) == n && !strncmp(shell_vars[i], name, n))
			return true;
	return (n > 4 && !strncmp(name, "XDG_", 4)) || (n > 3 && !strncmp(name, "LC_", 3));
}

static bool name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static size_t name_len(const char *s)
{
	size_t n = 0;

	if (!name_start(s[0]))
		return 0;
	while (name_char(s[n]))
		n++;
	return n;
}

/* ---- what the command sets itself ---- */

struct names {
	const char *v[64];
	size_t n[64];
	int count;
};

static void names_add(struct names *s, const char *p, size_t n)
{
	if (s->count < 64) {
		s->v[s->count] = p;
		s->n[s->count++] = n;
	}
}

static bool names_has(const struct names *s, const char *p, size_t n)
{
	for (int i = 0; i < s->count; i++)
		if (s->n[i] == n && !strncmp(s->v[i], p, n))
			return true;
	return false;
}

static bool word_start(const char *cmd, const char *p)
{
	return p == cmd || strchr(" \t\n;&|(`{", p[-1]);
}

/* NAME=..., for NAME in, read [-r] NAME..., select NAME in. */
static void assigned(const char *cmd, struct names *set)
{
	for (const char *p = cmd; *p; p++) {
		size_t n;

		if (!word_start(cmd, p))
			continue;
		n = name_len(p);
		if (!n)
			continue;
		if (p[n] == '=' || (p[n] == '+' && p[n + 1] == '=')) {
			names_add(set, p, n);
		} else if ((n == 3 && !strncmp(p, "for", 3)) || (n == 6 && !strncmp(p, "select", 6))) {
			const char *q = p + n;

			while (*q == ' ' || *q == '\t')
				q++;
			if (name_len(q))
				names_add(set, q, name_len(q));
		} else if (n == 4 && !strncmp(p, "read", 4) && (p[4] == ' ' || p[4] == '\t')) {
			const char *q = p + 4;

			while (*q && !strchr(";&|\n)", *q)) {
				while (*q == ' ' || *q == '\t')
					q++;
				if (*q == '-') {   /* its flags; -p and -d take a word */
					bool arg = q[1] == 'p' || q[1] == 'd' || q[1] == 'a' || q[1] == 'u' || q[1] == 't' || q[1] == 'n';

					while (*q && !isspace((unsigned char)*q))
						q++;
					while (arg && (*q == ' ' || *q == '\t'))
						q++;
					while (arg && *q && !isspace((unsigned char)*q))
						q++;
					continue;
				}
				if (name_len(q)) {
					names_add(set, q, name_len(q));
					q += name_len(q);
				} else if (*q && !strchr(";&|\n)", *q)) {
					q++;
				}
			}
		}
	}
}

/* ---- the scan ---- */

struct frame {
	char quote;      /* 0, '"'; '`' and ')' open a fresh unquoted context */
	char closer;     /* what ends the frame: '"', '`', ')' */
	int parens;
};

struct scan {
	const char *cmd;
	runbook_ph_fn fn;
	void *arg;
	struct names set;
	struct frame st[32];
	int top;
	bool sq;
	char heredoc[64];      /* the delimiter of a here-document whose body starts at the next line */
	bool heredoc_quoted, heredoc_tabs;
	bool in_heredoc;
};

static char quote_now(const struct scan *s)
{
	if (s->in_heredoc)
		return s->heredoc_quoted ? 'H' : 'h';
	if (s->sq)
		return '\'';
	return s->st[s->top].quote;
}

static void hit(struct scan *s, enum runbook_ph_kind kind, size_t off, size_t len, const char *name,
                size_t nlen)
{
	struct runbook_ph_hit h = { .kind = kind, .off = off, .len = len, .quote = quote_now(s), .name = name,
	                            .nlen = nlen };

	s->fn(s->arg, &h);
}

static bool shell_special(char c)
{
	return !c || isspace((unsigned char)c) || strchr("'\"`;|&()<>$\\", c);
}

/* <x>, /path/to/x, YOUR_X, {YOUR_X} at p: its length, 0 when none. */
static size_t literal_at(struct scan *s, const char *p, enum runbook_ph_kind *kind)
{
	const char *cmd = s->cmd;

	if (*p == '<' && (p == cmd || p[-1] != '<') && (isalpha((unsigned char)p[1]) || p[1] == '_')) {
		const char *e = p + 1;

		/* not <someone@example.com>, not <https://...> */
		while (*e && *e != '>' && *e != '<' && *e != '\n' && !strchr("|;&`$@:", *e))
			e++;
		if (*e == '>' && e[-1] != ' ' && e - p < 80) {
			*kind = RBP_ANGLE;
			return (size_t)(e - p) + 1;
		}
		return 0;
	}
	if (*p == '/' && !strncmp(p, "/path/to/", 9) && (p == cmd || !isalnum((unsigned char)p[-1]))) {
		const char *e = p + 9;

		while (!shell_special(*e))
			e++;
		*kind = RBP_PATH;
		return (size_t)(e - p);
	}
	if ((*p == 'Y' || *p == '{') && (p == cmd || !name_char(p[-1]))) {
		const char *q = *p == '{' ? p + 1 : p, *e = q;

		if (strncmp(q, "YOUR_", 5) && strncmp(q, "YOUR-", 5))
			return 0;
		e = q + 5;
		while (name_char(*e) || *e == '-')
			e++;
		if (e == q + 5)
			return 0;
		if (*p == '{') {
			if (*e != '}')
				return 0;
			e++;
		}
		*kind = RBP_YOURS;
		return (size_t)(e - p);
	}
	return 0;
}

/* $NAME, ${NAME...}: reported when nothing sets it; returns the bytes it takes. */
static size_t variable_at(struct scan *s, const char *p)
{
	const char *q = p + 1, *name;
	size_t n;

	if (*q != '{') {
		n = name_len(q);
		if (n && !names_has(&s->set, q, n) && !shell_var(q, n))
			hit(s, RBP_VAR, (size_t)(p - s->cmd), n + 1, q, n);
		return 1 + n;
	}
	q++;
	if (*q == '#' || *q == '!')
		q++;   /* ${#x}, ${!x} */
	name = q;
	n = name_len(q);
	q += n;
	{
		const char *e = strchr(q, '}');
		bool fallback = (*q == ':' && q[1] && strchr("-=+", q[1])) || (*q && strchr("-=+", *q));

		if (!e)
			return (size_t)(q - p);
		if (n && !fallback && !names_has(&s->set, name, n) && !shell_var(name, n))
			hit(s, RBP_VAR, (size_t)(p - s->cmd), (size_t)(e - p) + 1, name, n);
		/* a fallback's own text may hold placeholders: ${X:-<default>} is read on */
		return fallback ? (size_t)(q - p) + (*q == ':' ? 2 : 1) : (size_t)(e - p) + 1;
	}
}

static void push(struct scan *s, char quote, char closer)
{
	if (s->top + 1 < (int)(sizeof s->st / sizeof s->st[0])) {
		s->top++;
		s->st[s->top].quote = quote;
		s->st[s->top].closer = closer;
		s->st[s->top].parens = 0;
	}
}

/* <<EOF, <<-'EOF': the body from the next line is a here-document. */
static size_t heredoc_at(struct scan *s, const char *p)
{
	const char *q = p + 2;
	char qc = 0;
	size_t n = 0;

	s->heredoc_tabs = *q == '-';
	if (*q == '-')
		q++;
	while (*q == ' ' || *q == '\t')
		q++;
	if (*q == '\'' || *q == '"')
		qc = *q++;
	while (q[n] && (name_char(q[n]) || q[n] == '-' || q[n] == '.') && n + 1 < sizeof s->heredoc)
		n++;
	if (!n)
		return 2;
	memcpy(s->heredoc, q, n);
	s->heredoc[n] = '\0';
	s->heredoc_quoted = qc != 0;
	q += n;
	if (qc && *q == qc)
		q++;
	return (size_t)(q - p);
}

/* In a here-document's body: the line ending it, or a line read as the body. */
static const char *heredoc_line(struct scan *s, const char *p)
{
	const char *e = strchr(p, '\n'), *l = p;
	size_t n = e ? (size_t)(e - p) : strlen(p);

	if (s->heredoc_tabs)
		while (*l == '\t')
			l++, n--;
	if (n == strlen(s->heredoc) && !strncmp(l, s->heredoc, n)) {
		s->in_heredoc = false;
		s->heredoc[0] = '\0';
		return e ? e + 1 : p + strlen(p);
	}
	for (const char *c = p; c < p + (e ? (size_t)(e - p) : strlen(p));) {
		enum runbook_ph_kind kind;
		size_t k;

		if (*c == '$' && !s->heredoc_quoted && (name_start(c[1]) || c[1] == '{')) {
			c += variable_at(s, c);
			continue;
		}
		if ((k = literal_at(s, c, &kind))) {
			hit(s, kind, (size_t)(c - s->cmd), k, NULL, 0);
			c += k;
			continue;
		}
		c++;
	}
	return e ? e + 1 : p + strlen(p);
}

void runbook_ph_scan(const char *cmd, runbook_ph_fn fn, void *arg)
{
	struct scan s = { .cmd = cmd, .fn = fn, .arg = arg };
	const char *p = cmd;

	assigned(cmd, &s.set);
	while (*p) {
		struct frame *f = &s.st[s.top];
		enum runbook_ph_kind kind;
		size_t k;

		if (s.in_heredoc) {
			p = heredoc_line(&s, p);
			continue;
		}
		if (s.sq) {
			if (*p == '\'')
				s.sq = false;
			else if ((k = literal_at(&s, p, &kind))) {
				hit(&s, kind, (size_t)(p - cmd), k, NULL, 0);
				p += k;
				continue;
			}
			p++;
			continue;
		}
		if (*p == '\\' && p[1]) {
			p += 2;
			continue;
		}
		if (*p == '#' && !f->quote && word_start(cmd, p)) {
			while (*p && *p != '\n')
				p++;   /* a comment: nothing in it runs */
			continue;
		}
		if (*p == '\n' && s.heredoc[0] && !f->quote) {
			s.in_heredoc = true;
			p++;
			continue;
		}
		if (*p == '\'' && f->quote != '"') {
			s.sq = true;
		} else if (*p == '"') {
			if (f->quote == '"' && f->closer == '"')
				s.top--;
			else
				push(&s, '"', '"');
		} else if (*p == '`') {
			if (f->closer == '`')
				s.top--;
			else
				push(&s, 0, '`');
		} else if (*p == '$' && p[1] == '(') {
			push(&s, 0, ')');
			p += 2;
			continue;
		} else if (*p == '$' && (name_start(p[1]) || p[1] == '{')) {
			p += variable_at(&s, p);
			continue;
		} else if (*p == '(' && !f->quote) {
			f->parens++;
		} else if (*p == ')' && !f->quote) {
			if (f->parens > 0)
				f->parens--;
			else if (f->closer == ')' && s.top > 0)
				s.top--;
		} else if (*p == '<' && p[1] == '<' && p[2] != '<' && !f->quote) {
			p += heredoc_at(&s, p);
			continue;
		} else if ((k = literal_at(&s, p, &kind))) {
			hit(&s, kind, (size_t)(p - cmd), k, NULL, 0);
			p += k;
			continue;
		}
		p++;
	}
}

/* ---- the placeholders of every command ---- */

static void var_of(char *out, size_t len, const char *prefix, const char *s, size_t n)
{
	size_t o = (size_t)snprintf(out, len, "%s", prefix);

	for (size_t i = 0; i < n && o + 1 < len; i++) {
		char c = s[i];

		if (isalnum((unsigned char)c))
			out[o++] = (char)toupper((unsigned char)c);
		else if (o && out[o - 1] != '_')
			out[o++] = '_';
	}
	while (o > strlen(prefix) && out[o - 1] == '_')
		o--;
	out[o] = '\0';
}

/* The environment variable a placeholder's value reaches the command as. */
void runbook_ph_var(enum runbook_ph_kind kind, const char *text, size_t n, char *out, size_t len)
{
	switch (kind) {
	case RBP_ANGLE:
		var_of(out, len, "VALUE_", text + 1, n >= 2 ? n - 2 : 0);
		break;
	case RBP_PATH:
		var_of(out, len, "VALUE_", text + 9, n > 9 ? n - 9 : 0);
		break;
	case RBP_YOURS:
		var_of(out, len, "", text + (*text == '{'), n - (*text == '{') - (text[n - 1] == '}'));
		break;
	case RBP_VAR: {
		const char *p = text + 1 + (text[1] == '{');

		if (*p == '#' || *p == '!')
			p++;
		snprintf(out, len, "%.*s", (int)name_len(p), p);
		break;
	}
	}
	if (!out[0] || !strcmp(out, "VALUE_"))
		snprintf(out, len, "VALUE");
}

struct collect {
	struct build *b;
	size_t item;
};

static void collect_hit(void *arg, const struct runbook_ph_hit *h)
{
	struct collect *c = arg;
	struct runbook *rb = c->b->rb;
	struct runbook_item *it = &rb->items[c->item];
	const char *text = it->text + h->off;
	struct runbook_placeholder *p;
	void *nv;

	if (h->kind == RBP_VAR && runbook_console_var(h->name, h->nlen))
		return;
	for (size_t i = it->first_ph; i < it->first_ph + it->nph; i++) {
		char var[64];

		runbook_ph_var(h->kind, text, h->len, var, sizeof var);
		if ((strlen(rb->placeholders[i].text) == h->len && !strncmp(rb->placeholders[i].text, text, h->len)) ||
		    (h->kind == RBP_VAR && rb->placeholders[i].kind == RBP_VAR && !strcmp(rb->placeholders[i].var, var)))
			return;   /* once a command is enough */
	}
	nv = realloc(rb->placeholders, (rb->nplaceholders + 1) * sizeof *rb->placeholders);
	if (!nv) {
		c->b->oom = true;
		return;
	}
	rb->placeholders = nv;
	p = &rb->placeholders[rb->nplaceholders];
	memset(p, 0, sizeof *p);
	p->kind = h->kind;
	p->text = strndup(text, h->len);
	if (!p->text) {
		c->b->oom = true;
		return;
	}
	runbook_ph_var(h->kind, text, h->len, p->var, sizeof p->var);
	p->item = c->item;
	p->alert = h->kind == RBP_VAR && !strncmp(p->var, "ALERT_", 6);
	rb->nplaceholders++;
	it->nph++;
}

void runbook_find_placeholders(struct build *b)
{
	struct runbook *rb = b->rb;

	for (size_t i = 0; i < rb->nitems && !b->oom; i++) {
		struct collect c = { .b = b, .item = i };

		rb->items[i].first_ph = rb->nplaceholders;
		rb->items[i].nph = 0;
		if (rb->items[i].kind == RB_COMMAND)
			runbook_ph_scan(rb->items[i].text, collect_hit, &c);
	}
}
