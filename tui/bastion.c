/* The bastion's questions in the console: an unknown host key (confirm,
 * with its fingerprint) and a key's passphrase (an input that shows nothing
 * typed and is wiped when it closes). */
#include "warroom/app.h"
#include "warroom/ssh.h"
#include "warroom/tui.h"
#include "warroom/ui.h"
#include "warroom/widgets.h"

static void on_hostkey_closed(const struct dialog *d, enum dialog_result r, void *arg)
{
	ssh_hostkey_answer(arg, r == DIALOG_YES);
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
	ui_dialog(&d);
}

static void on_passphrase_closed(const struct dialog *d, enum dialog_result r, void *arg)
{
	ssh_passphrase_answer(arg, r == DIALOG_YES ? d->input : NULL);
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
