/* Runbooks from Markdown: cmark-gfm with its table and task-list extensions
 * reads the file; the walk below turns its blocks into phases, steps and
 * items. Built for runbooks written by anyone: whatever is not a heading, a
 * command, a check or an action is text to read, and nothing but a file we
 * cannot read as text stops a runbook from loading. */
#include "warroom/runbook.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
#include <yaml.h>

#include "warroom/markdown.h"
#include "warroom/text.h"

/* ---- building ---- */

struct build {
	struct runbook *rb;
	size_t cap_items, cap_steps, cap_phases;
	int line_off;            /* lines of front matter before the Markdown */
	int phase_level;         /* headings at or above are phases */
	cmark_node *title_heading;
	long cur_phase, cur_step;
	bool full;               /* RUNBOOK_MAX_ITEMS reached */
	int nest;                /* blocks inside blocks, now */
	bool too_deep;
	bool oom;
};

static void *grow(void *v, size_t *cap, size_t need, size_t size)
{
	size_t nc;
	void *nv;

	if (need <= *cap)
		return v;
	nc = *cap ? *cap * 2 : 16;
	while (nc < need)
		nc *= 2;
	nv = realloc(v, nc * size);
	if (nv)
		*cap = nc;
	return nv;
}

static void warn(struct build *b, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void warn(struct build *b, int line, const char *fmt, ...)
{
	struct runbook *rb = b->rb;
	char msg[300], full[340];
	char **nv;
	va_list ap;

	if (rb->nwarnings >= 200)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(full, sizeof full, "line %d: %s", line, msg);
	else
		snprintf(full, sizeof full, "%s", msg);
	nv = realloc(rb->warnings, (rb->nwarnings + 1) * sizeof *nv);
	if (!nv)
		return;
	rb->warnings = nv;
	if ((nv[rb->nwarnings] = strdup(full)))
		rb->nwarnings++;
}

/* Text for the screen and the timeline: valid UTF-8, no control characters
 * (tabs become spaces; keep_tabs keeps them and newlines for commands). */
static char *clean_text(const char *s, size_t n, bool keep_newlines, bool keep_tabs)
{
	char *out = malloc(n + 1);
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			out[o++] = keep_newlines ? '\n' : ' ';
		else if (c == '\t')
			out[o++] = keep_tabs ? '\t' : ' ';
		else if (c == '\r')
			continue;
		else if (c < 0x20 || c == 0x7f)
			out[o++] = '?';
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	text_fix_utf8(out);
	return out;
}

static size_t new_phase(struct build *b, const char *title, int line)
{
	struct runbook *rb = b->rb;
	struct runbook_phase *p;
	void *nv = grow(rb->phases, &b->cap_phases, rb->nphases + 1, sizeof *rb->phases);

	if (!nv) {
		b->oom = true;
		return rb->nphases ? rb->nphases - 1 : 0;
	}
	rb->phases = nv;
	p = &rb->phases[rb->nphases];
	memset(p, 0, sizeof *p);
	p->title = clean_text(title, strlen(title), false, false);
	p->first = rb->nsteps;
	p->line = line;
	b->cur_phase = (long)rb->nphases++;
	b->cur_step = -1;
	return (size_t)b->cur_phase;
}

static void new_step(struct build *b, const char *title, int line)
{
	struct runbook *rb = b->rb;
	struct runbook_step *s;
	void *nv;

	if (b->cur_phase < 0)
		new_phase(b, "Overview", line);
	nv = grow(rb->steps, &b->cap_steps, rb->nsteps + 1, sizeof *rb->steps);
	if (!nv) {
		b->oom = true;
		return;
	}
	rb->steps = nv;
	s = &rb->steps[rb->nsteps];
	memset(s, 0, sizeof *s);
	s->title = clean_text(title, strlen(title), false, false);
	s->phase = (size_t)b->cur_phase;
	s->first = rb->nitems;
	s->line = line;
	rb->phases[b->cur_phase].n++;
	b->cur_step = (long)rb->nsteps++;
}

static void add_item(struct build *b, enum runbook_kind kind, const char *text, size_t len, const char *lang,
                     bool checked, int line, int depth)
{
	struct runbook *rb = b->rb;
	struct runbook_item *it;
	void *nv;

	if (b->full || b->oom)
		return;
	if (rb->nitems >= RUNBOOK_MAX_ITEMS) {
		b->full = true;
		warn(b, line, "more than %d items: the rest of the file is left out", RUNBOOK_MAX_ITEMS);
		return;
	}
	if (b->cur_step < 0)
		new_step(b, b->cur_phase >= 0 ? rb->phases[b->cur_phase].title : "Overview", line);
	if (b->oom)
		return;
	nv = grow(rb->items, &b->cap_items, rb->nitems + 1, sizeof *rb->items);
	if (!nv) {
		b->oom = true;
		return;
	}
	rb->items = nv;
	it = &rb->items[rb->nitems];
	memset(it, 0, sizeof *it);
	it->kind = kind;
	it->text = clean_text(text, len, kind != RB_TEXT && kind != RB_CHECK, kind == RB_COMMAND);
	if (!it->text) {
		b->oom = true;
		return;
	}
	text_copy(it->lang, sizeof it->lang, lang ? lang : "");
	it->checked = checked;
	it->line = line;
	it->depth = depth > 16 ? 16 : depth;
	it->step = (size_t)b->cur_step;
	rb->steps[b->cur_step].n++;
	rb->nitems++;
}

/* ---- inline text ---- */

static void inline_text(struct md_buf *sb, cmark_node *n)
{
	md_inline(sb, n, 0);
}

static int line_of(struct build *b, cmark_node *n)
{
	return cmark_node_get_start_line(n) + b->line_off;
}

/* ---- code blocks ---- */

static bool is_shell(const char *lang)
{
	return strcmp(lang, "sh") == 0 || strcmp(lang, "bash") == 0 || strcmp(lang, "shell") == 0 ||
	       strcmp(lang, "console") == 0;
}

/* "$ cmd" or a bare "$": the prompt's length, 0 when the line has none. */
static size_t prompt_len(const char *line, size_t n)
{
	size_t i = 0;

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i < n && line[i] == '$' && (i + 1 == n || line[i + 1] == ' '))
		return i + 1 < n ? i + 2 : i + 1;
	return 0;
}

static bool only_comments(const char *s, size_t n)
{
	const char *end = s + n;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end;

		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if (s < e && *s != '#')
			return false;
		s = nl ? nl + 1 : end;
	}
	return true;
}

static void flush_output(struct build *b, struct md_buf *out, int line, int depth)
{
	while (out->n && out->s[out->n - 1] == '\n')
		out->s[--out->n] = '\0';
	if (out->n)
		add_item(b, RB_OUTPUT, out->s, out->n, "", false, line, depth);
	out->n = 0;
	if (out->s)
		out->s[0] = '\0';
}

/* A block with prompts: each "$ " line (and the lines its trailing "\"
 * continues) is a command; the rest is what it printed. */
static void prompted_block(struct build *b, const char *lit, size_t len, const char *lang, int line, int depth,
                           bool first_only)
{
	struct md_buf cmd = { 0 }, out = { 0 };
	const char *p = lit, *end = lit + len;
	bool in_cmd = false, any = false;
	int ln = line + 1, cmd_line = line + 1;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		size_t pl = first_only ? 0 : prompt_len(p, n);
		bool starts = first_only ? !any : pl > 0;

		if (in_cmd) {
			md_buf_add(&cmd, "\n", 1);
			md_buf_add(&cmd, p, n);
		} else if (starts) {
			flush_output(b, &out, ln, depth);
			cmd.n = 0;
			md_buf_add(&cmd, p + pl, n - pl);
			cmd_line = ln;
			any = true;
		} else {
			md_buf_add(&out, p, n);
			md_buf_add(&out, "\n", 1);
		}
		if (in_cmd || starts) {
			in_cmd = n > 0 && p[n - 1] == '\\';
			if (!in_cmd && cmd.s) {
				add_item(b, RB_COMMAND, cmd.s, cmd.n, lang, false, cmd_line, depth);
				cmd.n = 0;
			}
		}
		p = nl ? nl + 1 : end;
		ln++;
	}
	if (in_cmd && cmd.n)
		add_item(b, RB_COMMAND, cmd.s, cmd.n, lang, false, cmd_line, depth);
	flush_output(b, &out, ln, depth);
	free(cmd.s);
	free(out.s);
}

static void code_block(struct build *b, cmark_node *n, int depth)
{
	const char *info = cmark_node_get_fence_info(n), *lit = cmark_node_get_literal(n);
	char lang[16] = "";
	size_t len = lit ? strlen(lit) : 0, i = 0;
	int line = line_of(b, n);
	bool prompts = false;

	if (!lit)
		return;
	while (info && info[i] && !isspace((unsigned char)info[i]) && info[i] != '{' && i + 1 < sizeof lang) {
		lang[i] = (char)tolower((unsigned char)info[i]);
		i++;
	}
	lang[i] = '\0';
	while (len && lit[len - 1] == '\n')
		len--;
	if (!len)
		return;
	if (strcmp(lang, "warroom") == 0) {
		const char *p = lit, *end = lit + len;

		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *e = nl ? nl : end, *s = p;

			while (s < e && (*s == ' ' || *s == '\t'))
				s++;
			if (s < e && *s != '#')
				add_item(b, RB_ACTION, s, (size_t)(e - s), lang, false, line + 1, depth);
			p = nl ? nl + 1 : end;
			line++;
		}
		return;
	}
	if (!is_shell(lang)) {
		if (!lang[0] && cmark_node_get_fence_info(n) && !*info && memchr(lit, '$', len))
			warn(b, line, "a code block without a language is shown, not run (```sh runs it)");
		add_item(b, RB_CODE, lit, len, lang, false, line, depth);
		return;
	}
	for (const char *p = lit, *end = lit + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ln = (size_t)((nl ? nl : end) - p);

		if (prompt_len(p, ln))
			prompts = true;
		p = nl ? nl + 1 : end;
	}
	if (prompts || strcmp(lang, "console") == 0) {
		/* a console block without prompts: its first line is the command */
		prompted_block(b, lit, len, lang, line, depth, !prompts);
		return;
	}
	if (only_comments(lit, len)) {
		add_item(b, RB_CODE, lit, len, lang, false, line, depth);
		return;
	}
	add_item(b, RB_COMMAND, lit, len, lang, false, line + 1, depth);
}

/* ---- blocks ---- */

static void blocks(struct build *b, cmark_node *parent, int depth);
static void block(struct build *b, cmark_node *n, int depth);

static void text_node(struct build *b, cmark_node *n, const char *prefix, int depth)
{
	struct md_buf sb = { 0 };

	md_buf_str(&sb, prefix);
	inline_text(&sb, n);
	if (sb.oom)
		b->oom = true;
	else if (sb.s && sb.n > strlen(prefix ? prefix : ""))
		add_item(b, RB_TEXT, sb.s, sb.n, "", false, line_of(b, n), depth);
	free(sb.s);
}

static bool is_type(cmark_node *n, const char *name)
{
	const char *t = cmark_node_get_type_string(n);

	return t && strcmp(t, name) == 0;
}

static void table(struct build *b, cmark_node *n, int depth)
{
	for (cmark_node *row = cmark_node_first_child(n); row; row = cmark_node_next(row)) {
		struct md_buf sb = { 0 };

		for (cmark_node *cell = cmark_node_first_child(row); cell; cell = cmark_node_next(cell)) {
			if (cell != cmark_node_first_child(row))
				md_buf_str(&sb, " | ");
			inline_text(&sb, cell);
		}
		if (sb.oom)
			b->oom = true;
		else if (sb.n)
			add_item(b, RB_TEXT, sb.s, sb.n, "table", false, line_of(b, row), depth);
		free(sb.s);
	}
}

static void list(struct build *b, cmark_node *n, int depth)
{
	int num = cmark_node_get_list_start(n);
	bool ordered = cmark_node_get_list_type(n) == CMARK_ORDERED_LIST;

	for (cmark_node *it = cmark_node_first_child(n); it; it = cmark_node_next(it), num++) {
		cmark_node *first = cmark_node_first_child(it);
		char prefix[16];

		if (is_type(it, "tasklist")) {
			struct md_buf sb = { 0 };

			if (first && cmark_node_get_type(first) == CMARK_NODE_PARAGRAPH)
				inline_text(&sb, first);
			else
				first = NULL;
			if (sb.oom)
				b->oom = true;
			else
				add_item(b, RB_CHECK, sb.s ? sb.s : "", sb.n, "", cmark_gfm_extensions_get_tasklist_item_checked(it),
				         line_of(b, it), depth);
			free(sb.s);
		} else if (first && cmark_node_get_type(first) == CMARK_NODE_PARAGRAPH) {
			snprintf(prefix, sizeof prefix, ordered ? "%d. " : "- ", num);
			text_node(b, first, prefix, depth);
		} else {
			first = NULL;
		}
		/* the rest of the item: more paragraphs, commands, nested lists */
		for (cmark_node *c = first ? cmark_node_next(first) : cmark_node_first_child(it); c; c = cmark_node_next(c))
			block(b, c, depth + 1);
	}
}

static void heading(struct build *b, cmark_node *n)
{
	struct md_buf sb = { 0 };
	int level = cmark_node_get_heading_level(n);

	if (n == b->title_heading)
		return;
	inline_text(&sb, n);
	if (sb.oom) {
		b->oom = true;
		return;
	}
	if (level <= b->phase_level)
		new_phase(b, sb.s ? sb.s : "", line_of(b, n));
	else
		new_step(b, sb.s ? sb.s : "", line_of(b, n));
	free(sb.s);
}

static bool html_comment(const char *s)
{
	while (s && isspace((unsigned char)*s))
		s++;
	return s && strncmp(s, "<!--", 4) == 0;
}

#define MAX_NEST 64

static void block_in(struct build *b, cmark_node *n, int depth);

/* Nesting is bounded: a file of 20000 ">" must not take the stack. */
static void block(struct build *b, cmark_node *n, int depth)
{
	if (b->nest >= MAX_NEST) {
		if (!b->too_deep)
			warn(b, line_of(b, n), "blocks nested deeper than %d levels are left out", MAX_NEST);
		b->too_deep = true;
		return;
	}
	b->nest++;
	block_in(b, n, depth > 16 ? 16 : depth);
	b->nest--;
}

static void block_in(struct build *b, cmark_node *n, int depth)
{
	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_HEADING:
		if (depth == 0)
			heading(b, n);
		else
			text_node(b, n, "", depth);
		break;
	case CMARK_NODE_PARAGRAPH:
		text_node(b, n, "", depth);
		break;
	case CMARK_NODE_LIST:
		list(b, n, depth);
		break;
	case CMARK_NODE_CODE_BLOCK:
		code_block(b, n, depth);
		break;
	case CMARK_NODE_BLOCK_QUOTE:
		blocks(b, n, depth + 1);
		break;
	case CMARK_NODE_HTML_BLOCK: {
		const char *lit = cmark_node_get_literal(n);

		if (lit && !html_comment(lit))
			add_item(b, RB_CODE, lit, strlen(lit), "html", false, line_of(b, n), depth);
		break;
	}
	case CMARK_NODE_THEMATIC_BREAK:
		break;
	default:
		if (is_type(n, "table"))
			table(b, n, depth);
		else
			blocks(b, n, depth);   /* footnotes and what a later cmark adds */
		break;
	}
}

static void blocks(struct build *b, cmark_node *parent, int depth)
{
	if (depth > 16)
		depth = 16;   /* deep nesting is drawn no deeper */
	for (cmark_node *n = cmark_node_first_child(parent); n && !b->full && !b->oom; n = cmark_node_next(n))
		block(b, n, depth);
}

/* The heading levels decide the shape: one H1 first is the title, the
 * shallowest of the rest are phases, deeper ones steps. */
static void shape(struct build *b, cmark_node *doc)
{
	int h1 = 0, minlevel = 7;
	cmark_node *first = NULL;

	for (cmark_node *n = cmark_node_first_child(doc); n; n = cmark_node_next(n)) {
		if (cmark_node_get_type(n) != CMARK_NODE_HEADING)
			continue;
		if (!first)
			first = n;
		if (cmark_node_get_heading_level(n) == 1)
			h1++;
	}
	if (first && cmark_node_get_heading_level(first) == 1 && h1 == 1)
		b->title_heading = first;
	for (cmark_node *n = cmark_node_first_child(doc); n; n = cmark_node_next(n))
		if (cmark_node_get_type(n) == CMARK_NODE_HEADING && n != b->title_heading &&
		    cmark_node_get_heading_level(n) < minlevel)
			minlevel = cmark_node_get_heading_level(n);
	b->phase_level = minlevel;
	if (!first)
		warn(b, 0, "no headings: the whole file is one step");
}

/* ---- front matter ---- */

static void fm_alert(struct runbook *rb, const char *name)
{
	char **nv;

	if (!name || !*name || rb->nalerts >= 64)
		return;
	nv = realloc(rb->alerts, (rb->nalerts + 1) * sizeof *nv);
	if (!nv)
		return;
	rb->alerts = nv;
	if ((nv[rb->nalerts] = clean_text(name, strlen(name), false, false)))
		rb->nalerts++;
}

static void front_matter(struct build *b, const char *text, size_t len)
{
	yaml_parser_t p;
	yaml_document_t doc;
	yaml_node_t *root;

	if (!yaml_parser_initialize(&p))
		return;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &doc)) {
		warn(b, (int)p.problem_mark.line + 2, "front matter is not YAML (%s): ignored",
		     p.problem ? p.problem : "unreadable");
		yaml_parser_delete(&p);
		return;
	}
	root = yaml_document_get_root_node(&doc);
	if (root && root->type != YAML_MAPPING_NODE)
		warn(b, 2, "front matter is not a mapping of keys: ignored");
	for (yaml_node_pair_t *pr = root && root->type == YAML_MAPPING_NODE ? root->data.mapping.pairs.start : NULL;
	     pr && pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&doc, pr->key), *v = yaml_document_get_node(&doc, pr->value);
		const char *key = k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";

		if (!v)
			continue;
		if (strcmp(key, "title") == 0 && v->type == YAML_SCALAR_NODE) {
			free(b->rb->title);
			b->rb->title = clean_text((const char *)v->data.scalar.value, v->data.scalar.length, false, false);
		} else if (strcmp(key, "alerts") == 0 || strcmp(key, "alert") == 0 || strcmp(key, "alertname") == 0) {
			if (v->type == YAML_SCALAR_NODE)
				fm_alert(b->rb, (const char *)v->data.scalar.value);
			else if (v->type == YAML_SEQUENCE_NODE)
				for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
					yaml_node_t *s = yaml_document_get_node(&doc, *it);

					if (s && s->type == YAML_SCALAR_NODE)
						fm_alert(b->rb, (const char *)s->data.scalar.value);
				}
			else
				warn(b, (int)v->start_mark.line + 2, "front matter %s: expected a name or a list of names", key);
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
}

/* "---" first, up to a line of "---" or "...": returns the Markdown's start. */
static size_t split_front_matter(struct build *b, const char *text, size_t len)
{
	size_t pos;
	int lines = 1;

	if (len < 4 || strncmp(text, "---", 3) != 0 || (text[3] != '\n' && text[3] != '\r'))
		return 0;
	pos = text[3] == '\r' ? 5 : 4;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = (size_t)((nl ? nl : text + len) - (text + pos));
		size_t m = n && text[pos + n - 1] == '\r' ? n - 1 : n;

		lines++;
		if ((m == 3 && (strncmp(text + pos, "---", 3) == 0 || strncmp(text + pos, "...", 3) == 0))) {
			front_matter(b, text + 4, pos - 4);
			b->line_off = lines;
			return nl ? (size_t)(nl + 1 - text) : len;
		}
		if (!nl)
			break;
		pos += n + 1;
	}
	warn(b, 1, "front matter without its closing ---: read as Markdown");
	return 0;
}

/* ---- the runbook ---- */

void runbook_free(struct runbook *rb)
{
	if (!rb)
		return;
	free(rb->title);
	for (size_t i = 0; i < rb->nalerts; i++)
		free(rb->alerts[i]);
	free(rb->alerts);
	for (size_t i = 0; i < rb->nphases; i++)
		free(rb->phases[i].title);
	free(rb->phases);
	for (size_t i = 0; i < rb->nsteps; i++)
		free(rb->steps[i].title);
	free(rb->steps);
	for (size_t i = 0; i < rb->nitems; i++)
		free(rb->items[i].text);
	free(rb->items);
	for (size_t i = 0; i < rb->nwarnings; i++)
		free(rb->warnings[i]);
	free(rb->warnings);
	free(rb);
}

struct runbook *runbook_parse(const char *text, size_t len, const char *name, const char *path,
                              char *err, size_t errlen)
{
	struct build b = { .cur_phase = -1, .cur_step = -1 };
	cmark_parser *p;
	cmark_node *doc;
	size_t start;

	if (len > RUNBOOK_MAX_BYTES) {
		snprintf(err, errlen, "%s is %zu KiB: a runbook is at most %u KiB", path, len / 1024,
		         RUNBOOK_MAX_BYTES / 1024);
		return NULL;
	}
	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "%s holds NUL bytes: not a Markdown file", path);
		return NULL;
	}
	b.rb = calloc(1, sizeof *b.rb);
	if (!b.rb) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	text_copy(b.rb->path, sizeof b.rb->path, path);
	text_copy(b.rb->name, sizeof b.rb->name, name);
	start = split_front_matter(&b, text, len);
	p = md_parser_new();
	if (!p) {
		runbook_free(b.rb);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	cmark_parser_feed(p, text + start, len - start);
	doc = cmark_parser_finish(p);
	if (doc) {
		shape(&b, doc);
		if (b.title_heading && !b.rb->title) {
			struct md_buf sb = { 0 };

			inline_text(&sb, b.title_heading);
			if (sb.s)
				b.rb->title = clean_text(sb.s, sb.n, false, false);
			free(sb.s);
		}
		blocks(&b, doc, 0);
		cmark_node_free(doc);
	}
	cmark_parser_free(p);
	if (!b.rb->title || !*b.rb->title) {
		free(b.rb->title);
		b.rb->title = strdup(name);
	}
	if (b.rb->nphases == 0 && !b.oom)
		new_phase(&b, "Steps", 1);
	if (b.oom || !b.rb->title) {
		runbook_free(b.rb);
		snprintf(err, errlen, "out of memory reading %s", path);
		return NULL;
	}
	for (size_t i = 0; i < b.rb->nitems; i++) {
		const struct runbook_item *it = &b.rb->items[i];
		char an[32];

		if (it->kind != RB_ACTION)
			continue;
		runbook_action_split(it, an, sizeof an, NULL);
		if (strcmp(an, "rollback") != 0 && strcmp(an, "scale") != 0 && strcmp(an, "silence") != 0 &&
		    strcmp(an, "check") != 0)
			warn(&b, it->line, "warroom action \"%s\" is not one warroom knows (rollback, scale, silence, check)",
			     an);
	}
	return b.rb;
}
