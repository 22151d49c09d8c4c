/* Runbooks read as a person reads them: links keep their address, numbered
 * under their step; <details> is a section to open and other HTML is text;
 * a command with placeholders is a template; "Option 1 / Option 2" and
 * "Or" are a choice of one; and the whole real-world folder reads so. */
#include "testutil.h"

#include <dirent.h>

#include <cmark-gfm.h>

#include "warroom/hyperlink.h"
#include "warroom/markdown.h"
#include "warroom/runbook.h"

static struct runbook *parse(const char *md)
{
	char err[300] = "";
	struct runbook *rb = runbook_parse(md, strlen(md), "t", "t.md", err, sizeof err);

	if (!rb)
		fail_msg("did not load: %s", err);
	return rb;
}

static const struct runbook_item *nth(const struct runbook *rb, enum runbook_kind kind, size_t n)
{
	for (size_t i = 0; i < rb->nitems; i++)
		if (rb->items[i].kind == kind && n-- == 0)
			return &rb->items[i];
	fail_msg("no %s number %zu", runbook_kind_name(kind), n);
	return NULL;
}

static size_t index_of(const struct runbook *rb, const struct runbook_item *it)
{
	return (size_t)(it - rb->items);
}

/* The text of link k of an item: its words in the item's text. */
static void words(const struct runbook *rb, const struct runbook_link *l, char *out, size_t len)
{
	snprintf(out, len, "%.*s", (int)l->len, rb->items[l->item].text + l->off);
}

static bool has_warning(const struct runbook *rb, const char *part)
{
	for (size_t i = 0; i < rb->nwarnings; i++)
		if (strstr(rb->warnings[i], part))
			return true;
	return false;
}

static void links_keep_their_address_numbered_under_their_step(void **state)
{
	struct runbook *rb = parse("# T\n## Assess\n### Pods\nRefer to the [SOP](https://wiki.example/sop) and the "
	                           "[dashboard](https://grafana.example/d/1), then the "
	                           "[SOP](https://wiki.example/sop) "
	                           "again; see https://status.example/ too.\n\n"
	                           "- [ ] read the [notes](https://wiki.example/notes)\n\n"
	                           "### Logs\nThe [logs](https://logs.example/) start at 1.\n\n"
	                           "| where | link |\n|---|---|\n| wiki | [it](https://wiki.example/table) |\n\n"
	                           "<p>Or ask <a href=\"https://chat.example/ops\">the channel</a>.</p>\n");
	const struct runbook_link *refs[8];
	const struct runbook_item *it = nth(rb, RB_TEXT, 0);
	char w[64];
	size_t n;

	(void)state;
	/* the words stay, a number follows them; one address has one number in its step */
	assert_string_equal(it->text, "Refer to the SOP[1] and the dashboard[2], then the SOP[1] again; see "
	                              "https://status.example/ too.");
	assert_int_equal(it->nlinks, 4);
	words(rb, &rb->links[it->first_link], w, sizeof w);
	assert_string_equal(w, "SOP");
	assert_string_equal(rb->links[it->first_link + 1].url, "https://grafana.example/d/1");
	assert_int_equal(rb->links[it->first_link + 3].n, 0);   /* a bare URL is its own words */
	words(rb, &rb->links[it->first_link + 3], w, sizeof w);
	assert_string_equal(w, "https://status.example/");
	/* a check's links count in its step */
	assert_string_equal(nth(rb, RB_CHECK, 0)->text, "read the notes[3]");
	n = runbook_step_refs(rb, it->step, refs, 8);
	assert_int_equal(n, 3);
	assert_string_equal(refs[0]->url, "https://wiki.example/sop");
	assert_string_equal(refs[1]->url, "https://grafana.example/d/1");
	assert_string_equal(refs[2]->url, "https://wiki.example/notes");
	/* the next step counts from 1 again: text, table cells, HTML's <a href> */
	assert_string_equal(nth(rb, RB_TEXT, 1)->text, "The logs[1] start at 1.");
	assert_string_equal(nth(rb, RB_TEXT, 3)->text, "wiki | it[2]");
	assert_string_equal(nth(rb, RB_TEXT, 4)->text, "Or ask the channel[3].");
	n = runbook_step_refs(rb, nth(rb, RB_TEXT, 1)->step, refs, 8);
	assert_int_equal(n, 3);
	assert_string_equal(refs[2]->url, "https://chat.example/ops");
	assert_int_equal(rb->nwarnings, 0);
	runbook_free(rb);
}

static void reference_links_are_resolved(void **state)
{
	/* a definition, and (as real runbooks do) a list of links naming the references */
	struct runbook *rb = parse("# T\n## A\nSee [here][sop] and [the disks][disks], and [nowhere][gone].\n\n"
	                           "[sop]: https://wiki.example/sop\n\n"
	                           "## Links\n- [disks](https://etcd.example/disks)\n");
	const struct runbook_item *it = nth(rb, RB_TEXT, 0);

	(void)state;
	assert_string_equal(it->text, "See here[1] and the disks[2], and [nowhere][gone].");
	assert_string_equal(rb->links[it->first_link].url, "https://wiki.example/sop");
	assert_string_equal(rb->links[it->first_link + 1].url, "https://etcd.example/disks");
	/* what stays unresolved is said: its address is lost */
	assert_true(has_warning(rb, "[nowhere] names a link with no definition ([gone]: URL)"));
	runbook_free(rb);
}

static bool all_folded(size_t section, void *arg)
{
	return true;
}

static bool none_folded(size_t section, void *arg)
{
	return false;
}

static void details_is_a_folded_section_other_html_is_text(void **state)
{
	struct runbook *rb = parse("# T\n## Meaning\nShort meaning.\n\n<details>\n<summary>Full "
	                           "context</summary>\n\n"
	                           "Every write is [fsync'd](https://man.example/fsync).\n\n```sh\nuptime\n```\n\n"
	                           "</details>\n\nAfter it. Use <kbd>Ctrl</kbd>+<b>C</b> on <node-name>, or wait "
	                           "until <YYYY-MM-DD>.<br>Then go on.\n\n"
	                           "<div align=\"center\"><img alt=\"a diagram\" src=\"x.png\"></div>\n\n"
	                           "<details><summary>Inner</summary>\n\n- one\n\n</details>\n");
	const struct runbook_item *sec = nth(rb, RB_DETAILS, 0), *cmd = nth(rb, RB_COMMAND, 0);
	size_t si = index_of(rb, sec);

	(void)state;
	assert_string_equal(sec->text, "Full context");
	assert_int_equal(sec->fold, 0);
	/* the Markdown up to </details> is inside, the command too */
	assert_int_equal(nth(rb, RB_TEXT, 1)->fold, si + 1);
	assert_string_equal(nth(rb, RB_TEXT, 1)->text, "Every write is fsync'd[1].");
	assert_int_equal(cmd->fold, si + 1);
	assert_true(runbook_item_folded(rb, index_of(rb, cmd), all_folded, NULL));
	assert_false(runbook_item_folded(rb, index_of(rb, cmd), none_folded, NULL));
	/* after it, not inside; elements dropped for their text, placeholders kept as written */
	assert_int_equal(nth(rb, RB_TEXT, 2)->fold, 0);
	assert_string_equal(nth(rb, RB_TEXT, 2)->text,
	                    "After it. Use Ctrl+C on <node-name>, or wait until <YYYY-MM-DD>. "
	                                               "Then go on.");
	assert_string_equal(nth(rb, RB_TEXT, 3)->text, "a diagram");
	/* a section on one HTML block's line holds what follows it */
	assert_string_equal(nth(rb, RB_DETAILS, 1)->text, "Inner");
	assert_int_equal(nth(rb, RB_TEXT, 4)->fold, index_of(rb, nth(rb, RB_DETAILS, 1)) + 1);
	for (size_t i = 0; i < rb->nitems; i++)
		assert_null(strstr(rb->items[i].text, "<details"));
	assert_int_equal(rb->nwarnings, 0);
	runbook_free(rb);
	/* never closed: said, and the section ends at the next heading */
	rb = parse("# T\n## A\n<details>\n\ninside\n\n## B\noutside\n");
	assert_true(has_warning(rb, "not closed before this heading"));
	assert_int_equal(nth(rb, RB_TEXT, 1)->fold, 0);
	runbook_free(rb);
}

/* The placeholders of the first command, as written, joined by spaces. */
static void placeholders_of(const char *command, char *out, size_t len)
{
	char md[2000];
	struct runbook *rb;
	const struct runbook_item *it;
	size_t o = 0;

	snprintf(md, sizeof md, "# T\n## A\n```sh\n%s\n```\n", command);
	rb = parse(md);
	it = nth(rb, RB_COMMAND, 0);
	out[0] = '\0';
	for (size_t k = it->first_ph; k < it->first_ph + it->nph && o < len; k++)
		o += (size_t)snprintf(out + o, len - o, "%s%s", o ? " " : "", rb->placeholders[k].text);
	runbook_free(rb);
}

static void placeholders_are_found_as_a_shell_reads_the_command(void **state)
{
	char got[400];
	struct runbook *rb;

	(void)state;
	placeholders_of("kubectl -n <my-namespace> delete pod `kubectl -n <my-namespace> get pod -ojson | jq -r "
	                "'.items[] | select(.claim==\"<my-pvc>\")'`", got, sizeof got);
	assert_string_equal(got, "<my-namespace> <my-pvc>");
	placeholders_of("cp -a /path/to/source.git /path/to/destination.git", got, sizeof got);
	assert_string_equal(got, "/path/to/source.git /path/to/destination.git");
	placeholders_of("cp -r <pool location>/objects/pack <pool location>/objects/pack.bak", got, sizeof got);
	assert_string_equal(got, "<pool location>");
	placeholders_of("curl -H \"Authorization: Bearer YOUR_API_TOKEN\" https://x/{YOUR_USER}", got, sizeof got);
	assert_string_equal(got, "YOUR_API_TOKEN {YOUR_USER}");
	/* unset variables: not the console's, not one the command sets, not in single quotes, not with a default */
	placeholders_of("oc debug node/$NODE_NAME -n \"$NAMESPACE\" -- ls ${LOG_DIR} ${REPO:-.} $HOME $1 "
	                "'$NOT_EXPANDED' \\$ESCAPED", got, sizeof got);
	assert_string_equal(got, "$NODE_NAME ${LOG_DIR}");
	placeholders_of("POD=$(kubectl get pod -o name | head -1)\nfor f in a b; do echo $f $POD; done\n"
	                "read -r -p 'which? ' ANSWER; echo $ANSWER ${ALERT_POD}", got, sizeof got);
	assert_string_equal(got, "${ALERT_POD}");
	/* redirections, here-documents and comments are not placeholders */
	placeholders_of("sort <in.txt >out.txt 2>&1\ncat <<EOF >x\nnode <node-name>\nEOF\n# edit <this> later\n"
	                "diff <(ls a) <(ls b)", got, sizeof got);
	assert_string_equal(got, "<node-name>");
	placeholders_of("git commit --author \"bot <k8s-ci-robot@users.noreply.github.com>\"", got, sizeof got);
	assert_string_equal(got, "");
	/* the variable each value rides in */
	rb = parse("# T\n## A\n```sh\necho <pod-name> /path/to/backup.tar YOUR-USER $NODE ${ALERT_INSTANCE}\n```\n");
	assert_int_equal(rb->nplaceholders, 5);
	assert_string_equal(rb->placeholders[0].var, "VALUE_POD_NAME");
	assert_string_equal(rb->placeholders[1].var, "VALUE_BACKUP_TAR");
	assert_string_equal(rb->placeholders[2].var, "YOUR_USER");
	assert_string_equal(rb->placeholders[3].var, "NODE");
	assert_true(rb->placeholders[4].alert);
	/* only commands are templates: text and checks are read */
	runbook_free(rb);
	rb = parse("# T\n## A\n- [ ] `git revert <bad-commit-sha>` pushed\n\nRun on <node-name>.\n");
	assert_int_equal(rb->nplaceholders, 0);
	runbook_free(rb);
}

static void alternatives_are_choices_of_one(void **state)
{
	struct runbook *rb = parse("# T\n## Restart\nRestart the pod:\n\n```sh\nkubectl delete pod x\n```\n\nOr\n\n"
	                           "```sh\nkubectl rollout restart deploy/x\n```\n\nThen watch it.\n\n"
	                           "```sh\nkubectl get pods -w\n```\n\n"
	                           "## Mitigation\n### Option 1: Resolve it (Recommended)\nFix the cause.\n\n"
	                           "#### Check\n```sh\nceph health\n```\n\n"
	                           "### Option 2: Override\n```sh\noc patch x\n```\n\n"
	                           "### Verify\n```sh\noc get x\n```\n\n"
	                           "## Choose\n**Option A**: scale up.\n\n"
	                           "```sh\nkubectl scale --replicas=3 deploy/x\n```\n\n"
	                           "**Option B**: wait.\n\n- [ ] waited an hour\n\n"
	                           "## Read\n### Option 1\nOne way.\n\n### Option 2\nAnother way.\n");
	const struct runbook_choice *c;
	const struct runbook_item *a, *b, *after;
	char name[160];

	(void)state;
	assert_int_equal(rb->nchoices, 3);
	/* "Or" between two commands: one or the other, what follows is for both */
	c = &rb->choices[0];
	a = nth(rb, RB_COMMAND, 0);
	b = nth(rb, RB_COMMAND, 1);
	after = nth(rb, RB_COMMAND, 2);
	assert_int_equal(c->nopts, 2);
	assert_int_equal(a->choice, 1);
	assert_int_equal(a->alt, 1);
	assert_int_equal(b->alt, 2);
	assert_int_equal(nth(rb, RB_OPTION, 0)->alt, 2);
	assert_string_equal(nth(rb, RB_OPTION, 0)->text, "Or");
	assert_int_equal(after->choice, 0);
	runbook_option_name(rb, 0, 1, name, sizeof name);
	assert_string_equal(name, "run `kubectl delete pod x`");
	/* options as headings: each runs to the next of its level, sub-headings inside */
	c = &rb->choices[1];
	assert_int_equal(c->nopts, 2);
	assert_int_equal(nth(rb, RB_COMMAND, 3)->alt, 1);   /* ceph health, under #### Check */
	assert_int_equal(nth(rb, RB_COMMAND, 4)->alt, 2);
	assert_int_equal(nth(rb, RB_COMMAND, 5)->choice, 0);   /* ### Verify is for either */
	runbook_option_name(rb, 1, 1, name, sizeof name);
	assert_string_equal(name, "Option 1: Resolve it (Recommended)");
	/* options as paragraphs */
	c = &rb->choices[2];
	assert_int_equal(nth(rb, RB_COMMAND, 6)->alt, 1);
	assert_int_equal(nth(rb, RB_CHECK, 0)->alt, 2);
	/* options with nothing to run or tick are only text to read */
	assert_string_equal(nth(rb, RB_OPTION, 3)->text, "Option A: scale up.");
	assert_int_equal(nth(rb, RB_OPTION, 5)->choice, 0);
	assert_false(runbook_item_navigable(nth(rb, RB_OPTION, 5)));
	runbook_free(rb);
	/* one option alone, and "Or" with no command before it, are no choice */
	rb = parse("# T\n## A\n### Option 1\n```sh\ntrue\n```\n### Next\n```sh\nfalse\n```\n\nOr\n\n"
	           "Alternatively, open the console.\n");
	assert_int_equal(rb->nchoices, 0);
	runbook_free(rb);
}

static void a_runbook_with_nothing_to_run_is_read_only(void **state)
{
	struct runbook *rb = parse("# Meaning\n## What it means\nText to read.\n\n```yaml\na: 1\n```\n");

	(void)state;
	assert_true(runbook_read_only(rb));
	runbook_free(rb);
	rb = parse("# T\n## A\n- [ ] one check\n");
	assert_false(runbook_read_only(rb));
	runbook_free(rb);
}

/* Lines typed at another shell (a debug pod's, a node's) are not for here. */
static void commands_at_another_shells_prompt_are_shown_not_run(void **state)
{
	struct runbook *rb = parse("# T\n## A\n```bash\n    sh-4.4# chroot /host\n    sh-4.4# toolbox\n```\n"
	                           "```console\nmon-a# cat /etc/ceph/keyring  # save it\nmon-a# exit\n```\n"
	                           "```sh\n# only a comment\n```\n"
	                           "```sh\n$ oc rsh pod\nsh-4.4$ ceph -s\n  health: OK\n```\n");

	(void)state;
	assert_string_equal(nth(rb, RB_CODE, 0)->text, "    sh-4.4# chroot /host\n    sh-4.4# toolbox");
	assert_string_equal(nth(rb, RB_CODE, 1)->text, "mon-a# cat /etc/ceph/keyring  # save it\nmon-a# exit");
	assert_true(has_warning(rb, "line 3: commands at another shell's prompt (sh-4.4#) are shown, not run here"));
	assert_true(has_warning(rb, "(mon-a#)"));
	/* a "$ " prompt first: that command runs here, what the other shell printed is output */
	assert_string_equal(nth(rb, RB_COMMAND, 0)->text, "oc rsh pod");
	assert_int_equal(rb->nwarnings, 2);
	runbook_free(rb);
}

/* Every URL the Markdown links to, as cmark reads it. */
static size_t file_urls(const char *text, size_t len, char ***out)
{
	cmark_parser *p = md_parser_new();
	cmark_node *doc;
	cmark_iter *it;
	size_t n = 0;

	*out = NULL;
	cmark_parser_feed(p, text, len);
	doc = cmark_parser_finish(p);
	it = cmark_iter_new(doc);
	for (cmark_event_type ev; (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE;) {
		cmark_node *node = cmark_iter_get_node(it);

		if (ev == CMARK_EVENT_ENTER && cmark_node_get_type(node) == CMARK_NODE_LINK) {
			*out = realloc(*out, (n + 1) * sizeof **out);
			(*out)[n++] = strdup(cmark_node_get_url(node));
		}
	}
	cmark_iter_free(it);
	cmark_node_free(doc);
	cmark_parser_free(p);
	return n;
}

/* A raw tag of an HTML element in text to read. */
static const char *raw_tag(const char *text)
{
	bool code = false;

	for (const char *p = text; *p; p++) {
		struct md_html_tok t;

		if (*p == '`')
			code = !code;
		if (!code && *p == '<' && md_html_token(p, strlen(p), &t) && !t.comment && md_html_element(t.name, t.nname))
			return p;
	}
	return NULL;
}

static void every_real_world_runbook_shows_its_links_and_no_raw_html(void **state)
{
	char dir[600], path[900];
	DIR *d;
	struct dirent *e;
	int files = 0, sections = 0, links = 0;

	(void)state;
	if (!testutil_fixture(dir, sizeof dir, "runbooks"))
		skip();
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name), nurls;
		char err[400], *text, **urls;
		struct runbook *rb;
		FILE *f;

		if (len < 4 || strcmp(e->d_name + len - 3, ".md") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		rb = runbook_load(path, err, sizeof err);
		if (!rb)
			fail_msg("%s: %s", e->d_name, err);
		files++;
		f = fopen(path, "rb");
		text = calloc(1, RUNBOOK_MAX_BYTES + 1);
		len = fread(text, 1, RUNBOOK_MAX_BYTES, f);
		fclose(f);
		/* each address linked in the file is one of the runbook's links */
		nurls = file_urls(text, len, &urls);
		for (size_t u = 0; u < nurls; u++) {
			bool found = false;

			for (size_t l = 0; l < rb->nlinks && !found; l++)
				found = !strcmp(rb->links[l].url, urls[u]);
			if (!found)
				fail_msg("%s: the link to %s is lost", e->d_name, urls[u]);
			free(urls[u]);
		}
		free(urls);
		links += (int)rb->nlinks;
		/* numbered links read "words[n]", and nothing to read is a raw tag */
		for (size_t i = 0; i < rb->nitems; i++) {
			const struct runbook_item *it = &rb->items[i];
			const char *tag;

			sections += it->kind == RB_DETAILS;
			if (it->kind == RB_CODE || it->kind == RB_COMMAND || it->kind == RB_OUTPUT || it->kind == RB_ACTION)
				continue;
			if ((tag = raw_tag(it->text)))
				fail_msg("%s line %d shows a raw tag: %.40s", e->d_name, it->line, tag);
			for (size_t l = it->first_link; l < it->first_link + it->nlinks; l++) {
				char mark[16];

				snprintf(mark, sizeof mark, "[%d]", rb->links[l].n);
				if (rb->links[l].n && strncmp(it->text + rb->links[l].off + rb->links[l].len, mark, strlen(mark)))
					fail_msg("%s line %d: link %s has no mark after its words", e->d_name, it->line,
					         rb->links[l].url);
			}
		}
		free(text);
		runbook_free(rb);
	}
	closedir(d);
	assert_true(files >= 34);
	assert_true(sections >= 5);   /* the <details> of the prom-operator and release-team runbooks */
	assert_true(links >= 500);
}

/* Two real runbooks the issue was found on: alternatives and templates as they wrote them. */
static void real_world_alternatives_and_templates(void **state)
{
	char path[600], err[400];
	struct runbook *rb;

	(void)state;
	if (!testutil_fixture(path, sizeof path, "runbooks/openshift-ODFOperatorNotUpgradeable.md"))
		skip();
	rb = runbook_load(path, err, sizeof err);
	assert_non_null(rb);
	assert_int_equal(rb->nchoices, 1);
	assert_int_equal(rb->choices[0].nopts, 2);
	assert_string_equal(nth(rb, RB_OPTION, 0)->text, "Option 1: Resolve the underlying issue (Recommended)");
	assert_int_equal(nth(rb, RB_COMMAND, 2)->alt, 2);   /* the override is option 2's */
	assert_string_equal(rb->placeholders[rb->nplaceholders - 1].text, "<operator-condition-name>");
	runbook_free(rb);
	assert_non_null(testutil_fixture(path, sizeof path,
	                                 "runbooks/prom-operator-KubePersistentVolumeFillingUp.md"));
	rb = runbook_load(path, err, sizeof err);
	assert_non_null(rb);
	assert_int_equal(nth(rb, RB_COMMAND, 1)->nph, 2);
	assert_string_equal(rb->placeholders[nth(rb, RB_COMMAND, 1)->first_ph].text, "<my-namespace>");
	runbook_free(rb);
}

/* OSC 8 only where it is shown: a terminal known to support it, never a
 * pipe, never tmux or screen, unless the operator says so. */
static void hyperlinks_only_where_the_terminal_shows_them(void **state)
{
	char buf[200];

	(void)state;
	assert_false(hyperlink_decide(false, "always", "xterm-kitty", NULL, NULL, NULL, NULL));   /* a pipe */
	assert_true(hyperlink_decide(true, NULL, "xterm-kitty", NULL, NULL, NULL, NULL));
	assert_true(hyperlink_decide(true, NULL, "xterm-256color", "iTerm.app", NULL, NULL, NULL));
	assert_true(hyperlink_decide(true, NULL, "xterm-256color", NULL, "7600", NULL, NULL));
	assert_false(hyperlink_decide(true, NULL, "xterm-256color", NULL, "4800", NULL, NULL));
	assert_false(hyperlink_decide(true, NULL, "xterm-256color", NULL, NULL, NULL, NULL));
	assert_false(hyperlink_decide(true, NULL, "tmux-256color", "WezTerm", NULL, "/tmp/tmux-1/default", NULL));
	assert_false(hyperlink_decide(true, NULL, "screen", NULL, "7600", NULL, NULL));
	assert_false(hyperlink_decide(true, "never", "xterm-kitty", NULL, NULL, NULL, NULL));
	assert_true(hyperlink_decide(true, "always", "tmux-256color", NULL, NULL, "/tmp/tmux", NULL));
	assert_true(hyperlink_open(buf, sizeof buf, "https://wiki.example/sop#a"));
	assert_string_equal(buf, "\033]8;;https://wiki.example/sop#a\033\\");
	assert_false(hyperlink_open(buf, sizeof buf, "https://x/\033]8;;evil"));
	assert_false(hyperlink_open(buf, sizeof buf, "../relative.md"));
	assert_false(hyperlink_open(buf, sizeof buf, "https://x/a b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(links_keep_their_address_numbered_under_their_step),
		cmocka_unit_test(reference_links_are_resolved),
		cmocka_unit_test(details_is_a_folded_section_other_html_is_text),
		cmocka_unit_test(placeholders_are_found_as_a_shell_reads_the_command),
		cmocka_unit_test(alternatives_are_choices_of_one),
		cmocka_unit_test(a_runbook_with_nothing_to_run_is_read_only),
		cmocka_unit_test(commands_at_another_shells_prompt_are_shown_not_run),
		cmocka_unit_test(every_real_world_runbook_shows_its_links_and_no_raw_html),
		cmocka_unit_test(real_world_alternatives_and_templates),
		cmocka_unit_test(hyperlinks_only_where_the_terminal_shows_them),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
