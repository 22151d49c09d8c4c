/* The bastion in the console: its questions, an unknown host key (confirm,
 * with its fingerprint) and a key's passphrase (an input that shows nothing
 * typed and is wiped when it closes), and a warning at start when it
 * carries nothing. */
#include "app.h"
#include "warroom/config.h"
#include "warroom/keymap.h"
#include "warroom/runbook.h"
#include "warroom/ssh.h"
#include "warroom/tui.h"
#include "warroom/ui.h"
#include "warroom/widgets.h"

/* The warning that the bastion carries nothing, said again once a question
 * of the bastion's (which clears the message row) is answered. */
static char unused[200];

static void on_hostkey_closed(const struct dialog *d, enum dialog_result r, void *arg)
{
	ssh_hostkey_answer(arg, r == DIALOG_YES);
	if (r != DIALOG_YES)
		ui_message(ROLE_WARN, "bastion host key not accepted: nothing goes through the bastion; %s asks again",
		           keymap_key_for(ACTION_REFRESH));
	else if (unused[0])
		ui_message(ROLE_WARN, "%s", unused);
}

static void ask_hostkey(struct ssh *s, const char *host, const char *fingerprint, void *arg)
{
	struct dialog d;

	ui_message_clear();
	dialog_confirm(&d, "Unknown bastion host key", "Trust this key and connect?", true, on_hostkey_closed, s);
	dialog_add_line(&d, ROLE_WARN, "%s %s is not in known_hosts.", tui_glyph(G_WARN), host);
	dialog_add_line(&d, ROLE_NORMAL, "Its key: %s", fingerprint);
	dialog_add_line(&d, ROLE_NORMAL, "Compare it with the fingerprint the bastion's owner published; yes adds "
	                "it to known_hosts.");
	if (unused[0])
		dialog_add_line(&d, ROLE_WARN, "%s", unused);
	ui_dialog(&d);
}

static void on_passphrase_closed(const struct dialog *d, enum dialog_result r, void *arg)
{
	ssh_passphrase_answer(arg, r == DIALOG_YES ? d->input : NULL);
	if (unused[0])
		ui_message(ROLE_WARN, "%s", unused);
}

static void ask_passphrase(struct ssh *s, const char *key_file, void *arg)
{
	struct dialog d;

	ui_message_clear();
	dialog_input(&d, "Bastion key passphrase", "Passphrase:", "", on_passphrase_closed, s);
	d.secret = true;
	dialog_add_line(&d, ROLE_NORMAL, "for %s (Esc skips this key)", key_file);
	ui_dialog(&d);
}

void app_bastion_ui(struct ssh *ssh)
{
	const struct ssh_ui ui = { .hostkey = ask_hostkey, .passphrase = ask_passphrase };

	ssh_set_ui(ssh, &ui);
}

void app_bastion_unused(const struct config *cfg, const struct runbook_lib *lib)
{
	unused[0] = '\0';
	for (size_t i = 0; lib && i < lib->n; i++)
		for (size_t k = 0; k < lib->v[i]->nitems; k++)
			if (lib->v[i]->items[k].kind == RB_COMMAND && lib->v[i]->items[k].remote)
				return;   /* a runbook step runs on it */
	if (config_bastion_unused(cfg, true, unused, sizeof unused))
		ui_message(ROLE_WARN, "%s", unused);
}
