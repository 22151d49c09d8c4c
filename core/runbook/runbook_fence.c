/* Runbook code fences and front matter: which blocks are commands, console
 * sessions, native actions or code to read, where a command runs (runme's
 * fence attributes, ```sh {runner=bastion}), and the YAML before the
 * Markdown (title, alerts, runner). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "warroom/text.h"

#include "runbook_parse.h"

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

static void flush_output(struct build *b, struct text_buf *out, int line, int depth)
{
	while (out->n && out->s[out->n - 1] == '\n')
		out->s[--out->n] = '\0';
	if (out->n)
		runbook_add_item(b, RB_OUTPUT, out->s, out->n, "", false, line, depth);
	text_buf_reset(out);
}

/* A block with prompts: each "$ " line (and the lines its trailing "\"
 * continues) is a command; the rest is what it printed. */
static void prompted_block(struct build *b, const char *lit, size_t len, const char *lang, int line, int depth,
                           bool first_only)
{
	struct text_buf cmd = { 0 }, out = { 0 };
	const char *p = lit, *end = lit + len;
	bool in_cmd = false, any = false;
	int ln = line + 1, cmd_line = line + 1;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		size_t pl = first_only ? 0 : prompt_len(p, n);
		bool starts = first_only ? !any : pl > 0;

		if (in_cmd) {
			text_buf_add(&cmd, "\n", 1);
			text_buf_add(&cmd, p, n);
		} else if (starts) {
			flush_output(b, &out, ln, depth);
			text_buf_reset(&cmd);
			text_buf_add(&cmd, p + pl, n - pl);
			cmd_line = ln;
			any = true;
		} else {
			text_buf_add(&out, p, n);
			text_buf_add(&out, "\n", 1);
		}
		if (in_cmd || starts) {
			in_cmd = n > 0 && p[n - 1] == '\\';
			if (!in_cmd && cmd.s) {
				runbook_add_item(b, RB_COMMAND, cmd.s, cmd.n, lang, false, cmd_line, depth);
				text_buf_reset(&cmd);
			}
		}
		p = nl ? nl + 1 : end;
		ln++;
	}
	if (in_cmd && cmd.n)
		runbook_add_item(b, RB_COMMAND, cmd.s, cmd.n, lang, false, cmd_line, depth);
	flush_output(b, &out, ln, depth);
	if (cmd.oom || out.oom)
		b->oom = true;   /* a command cut short must not be offered to run */
	text_buf_free(&cmd);
	text_buf_free(&out);
}

/* The runner a fence's attributes name, runme's way: ```sh {name=x runner=bastion}
 * (a bare {remote} too). -1 when they name none. */
static int fence_runner(struct build *b, const char *info, int line)
{
	const char *p = info ? strchr(info, '{') : NULL, *end = p ? strchr(p, '}') : NULL;

	if (!p || !end)
		return -1;
	for (p++; p < end;) {
		const char *k = p, *v = NULL, *ve;
		size_t kn, vn = 0;

		while (p < end && !isspace((unsigned char)*p) && *p != ',' && *p != '=')
			p++;
		kn = (size_t)(p - k);
		if (p < end && *p == '=') {
			char q = *++p == '"' || *p == '\'' ? *p++ : 0;

			v = p;
			while (p < end && (q ? *p != q : !isspace((unsigned char)*p) && *p != ','))
				p++;
			ve = p;
			vn = (size_t)(ve - v);
			if (q && p < end)
				p++;
		}
		while (p < end && (isspace((unsigned char)*p) || *p == ','))
			p++;
		if (kn == 6 && !v && strncmp(k, "remote", 6) == 0)
			return 1;
		if (kn != 6 || !v || strncmp(k, "runner", 6) != 0)
			continue;
		if ((vn == 7 && strncmp(v, "bastion", 7) == 0) || (vn == 6 && strncmp(v, "remote", 6) == 0))
			return 1;
		if (vn == 5 && strncmp(v, "local", 5) == 0)
			return 0;
		runbook_warn(b, line, "runner=%.*s is not a runner (runner=bastion or runner=local): it runs here",
		             (int)(vn > 40 ? 40 : vn), v);
		return 0;
	}
	return -1;
}

static void code_block(struct build *b, cmark_node *n, int depth);

/* "sh-4.4# ", "bash-5.1$ ", "root@node:~# ", "[core@node ~]$ ": the prompt of
 * another shell (a debug pod's, a node's) at the start of the line. */
static bool foreign_prompt(const char *p, size_t n)
{
	size_t i = 0, w;
	bool marked = false;

	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i < n && p[i] == '[') {
		const char *e = memchr(p + i, ']', n - i);

		if (!e)
			return false;
		i = (size_t)(e - p) + 1;
		marked = true;
	} else {
		w = i;
		while (i < n && (isalnum((unsigned char)p[i]) || strchr("_.@:~/-", p[i]))) {
			marked |= strchr(".@:-", p[i]) != NULL;
			i++;
		}
		if (i == w)
			return false;
	}
	return marked && i + 1 < n && (p[i] == '#' || p[i] == '$') && p[i + 1] == ' ';
}

static bool foreign_prompts(const char *lit, size_t len)
{
	bool any = false;

	for (const char *p = lit, *end = lit + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		if (foreign_prompt(p, n))
			any = true;
		else if (n && !only_comments(p, n))
			return false;
		p = nl ? nl + 1 : end;
	}
	return any;
}

/* A block without a language that reads as a command: a "$ " prompt, a
 * command line tools' name first, or a lower-case word with flags. */
static bool looks_command(const char *lit, size_t len)
{
	static const char *const tools[] = {
		"kubectl", "oc", "helm", "curl", "wget", "ceph", "rados", "rbd", "etcdctl", "git", "docker", "podman",
		"systemctl", "journalctl", "ssh", "scp", "aws", "gcloud", "az", "jq", "sudo", "export", "krel", "make",
		"go", "ping", "nc", "dig", "nslookup", "ip", "ss", "df", "du", "tail", "grep", "cat", "ls", "cd", "rm",
		"cp", "mv", "mkdir", "chmod", "chown", "virtctl", "crictl", "terraform", "ansible-playbook",
	};
	const char *p = lit, *end = lit + len, *w;
	size_t n;

	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p < end && prompt_len(p, (size_t)(end - p)))
		return true;
	w = p;
	while (p < end && (islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' || *p == '_' ||
	                   *p == '.'))
		p++;
	n = (size_t)(p - w);
	if (!n || p >= end || *p != ' ')
		return false;
	for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
		if (strlen(tools[i]) == n && !strncmp(tools[i], w, n))
			return true;
	/* a word, then flags on the same line */
	for (; p < end && *p != '\n'; p++)
		if (*p == '-' && p[-1] == ' ' && p + 1 < end && (isalpha((unsigned char)p[1]) || p[1] == '-'))
			return true;
	return false;
}

void runbook_code_block(struct build *b, cmark_node *n, int depth)
{
	b->block_runner = fence_runner(b, cmark_node_get_fence_info(n), runbook_line_of(b, n));
	code_block(b, n, depth);
	b->block_runner = -1;
}

static void code_block(struct build *b, cmark_node *n, int depth)
{
	const char *info = cmark_node_get_fence_info(n), *lit = cmark_node_get_literal(n);
	char lang[16] = "";
	size_t len = lit ? strlen(lit) : 0, i = 0;
	int line = runbook_line_of(b, n);
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
				runbook_add_item(b, RB_ACTION, s, (size_t)(e - s), lang, false, line + 1, depth);
			p = nl ? nl + 1 : end;
			line++;
		}
		return;
	}
	if (!is_shell(lang)) {
		if (!lang[0] && (!info || !*info) && looks_command(lit, len))
			runbook_warn(b, line, "a command without a language is shown, not run (```sh runs it)");
		runbook_add_item(b, RB_CODE, lit, len, lang, false, line, depth);
		return;
	}
	for (const char *p = lit, *end = lit + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ln = (size_t)((nl ? nl : end) - p);

		if (prompt_len(p, ln))
			prompts = true;
		p = nl ? nl + 1 : end;
	}
	if (!prompts && foreign_prompts(lit, len)) {
		/* typed at another shell's prompt (inside a debug pod, on a node): not for here */
		runbook_warn(b, line, "commands at another shell's prompt (%.*s) are shown, not run here",
		             (int)strcspn(lit + strspn(lit, " \t"), "#$") + 1, lit + strspn(lit, " \t"));
		runbook_add_item(b, RB_CODE, lit, len, lang, false, line, depth);
		return;
	}
	if (prompts || strcmp(lang, "console") == 0) {
		/* a console block without prompts: its first line is the command */
		prompted_block(b, lit, len, lang, line, depth, !prompts);
		return;
	}
	if (only_comments(lit, len)) {
		runbook_add_item(b, RB_CODE, lit, len, lang, false, line, depth);
		return;
	}
	runbook_add_item(b, RB_COMMAND, lit, len, lang, false, line + 1, depth);
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
	if ((nv[rb->nalerts] = runbook_clean_text(name, strlen(name), false, false)))
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
		runbook_warn(b, (int)p.problem_mark.line + 2, "front matter is not YAML (%s): ignored",
		     p.problem ? p.problem : "unreadable");
		yaml_parser_delete(&p);
		return;
	}
	root = yaml_document_get_root_node(&doc);
	if (root && root->type != YAML_MAPPING_NODE)
		runbook_warn(b, 2, "front matter is not a mapping of keys: ignored");
	for (yaml_node_pair_t *pr = root && root->type == YAML_MAPPING_NODE ? root->data.mapping.pairs.start : NULL;
	     pr && pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&doc, pr->key), *v = yaml_document_get_node(&doc, pr->value);
		const char *key = k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";

		if (!v)
			continue;
		if (strcmp(key, "title") == 0 && v->type == YAML_SCALAR_NODE) {
			free(b->rb->title);
			b->rb->title = runbook_clean_text((const char *)v->data.scalar.value, v->data.scalar.length, false, false);
		} else if (strcmp(key, "runner") == 0 && v->type == YAML_SCALAR_NODE) {
			const char *r = (const char *)v->data.scalar.value;

			if (strcmp(r, "bastion") == 0 || strcmp(r, "remote") == 0)
				b->rb->remote = true;
			else if (strcmp(r, "local") != 0)
				runbook_warn(b, (int)v->start_mark.line + 2, "front matter runner: %.40s is not a runner "
				             "(bastion or local): commands run here", r);
		} else if (strcmp(key, "sev") == 0 && v->type == YAML_SCALAR_NODE) {
			const char *r = (const char *)v->data.scalar.value;

			if (strncasecmp(r, "SEV-", 4) == 0)
				r += 4;
			if (r[0] >= '1' && r[0] <= '4' && !r[1])
				b->rb->sev = r[0] - '0';
			else
				runbook_warn(b, (int)v->start_mark.line + 2, "front matter sev: %.40s is not a SEV (1 to 4): "
				             "ignored", (const char *)v->data.scalar.value);
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
				runbook_warn(b, (int)v->start_mark.line + 2, "front matter %s: expected a name or a list of names", key);
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
}

/* "---" first, up to a line of "---" or "...": returns the Markdown's start. */
size_t runbook_split_front_matter(struct build *b, const char *text, size_t len)
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
	runbook_warn(b, 1, "front matter without its closing ---: read as Markdown");
	return 0;
}

