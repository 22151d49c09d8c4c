/* The action table and the local actions. Preconditions are checked here and
 * nowhere else, for the TUI, the command line and the CLI alike. */
#include <stdio.h>
#include <string.h>

#include "warroom/actions.h"
#include "warroom/model.h"
#include "warroom/timeline.h"

static const struct action table[] = {
	{ ACTION_NONE, "", "", 0, "" },
#define ACTION_ROW(id, name, keys, flags, help) { ACTION_##id, name, keys, flags, help },
	ACTION_LIST(ACTION_ROW)
#undef ACTION_ROW
};

const struct action *actions_get(enum action_id id)
{
	if (id <= ACTION_NONE || id >= ACTION_COUNT)
		return NULL;
	return &table[id];
}

const struct action *actions_by_name(const char *name)
{
	for (size_t i = 1; i < ACTION_COUNT; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

size_t actions_count(void)
{
	return ACTION_COUNT - 1;
}

bool actions_allowed(enum action_id id, const struct model *m, char *why, size_t whylen)
{
	const struct action *a = actions_get(id);

	if (!a) {
		snprintf(why, whylen, "no such action");
		return false;
	}
	if ((a->flags & ACT_MUTATES) && m->readonly) {
		snprintf(why, whylen, "%s refused: read-only mode (--readonly) forbids changing the cluster",
		         a->name);
		return false;
	}
	if ((a->flags & ACT_NEEDS_INC) && !m->has_incident) {
		snprintf(why, whylen, "%s needs an open incident: declare one first (I, or :incident TITLE)",
		         a->name);
		return false;
	}
	if (why && whylen)
		why[0] = '\0';
	return true;
}

/* Every local action writes the timeline; without it there is nothing to do. */
static int need_timeline(const struct model *m, char *err, size_t errlen)
{
	if (m->tl)
		return 0;
	snprintf(err, errlen, "timeline unavailable: %s", m->tl_error[0] ? m->tl_error : "not opened");
	return -1;
}

/* timeline_log keeps a long text whole in the event's detail. */
static int append(struct model *m, const char *kind, const char *summary, char *err, size_t errlen)
{
	if (timeline_log(m->tl, kind, summary, NULL) != 0) {
		snprintf(err, errlen, "%s", timeline_errmsg(m->tl));
		return -1;
	}
	model_sync_timeline(m);
	return 0;
}

int actions_note(struct model *m, const char *text, char *err, size_t errlen)
{
	if (need_timeline(m, err, errlen))
		return -1;
	while (text && (*text == ' ' || *text == '\t'))
		text++;
	if (!text || !*text) {
		snprintf(err, errlen, "empty note: nothing written");
		return -1;
	}
	return append(m, "note", text, err, errlen);
}

int actions_incident_open(struct model *m, const char *title, int sev, char *err, size_t errlen)
{
	char summary[256];

	if (need_timeline(m, err, errlen))
		return -1;
	if (m->has_incident) {
		snprintf(err, errlen, "incident INC-%lld is already open: resolve it first",
		         (long long)m->incident.id);
		return -1;
	}
	if (sev < 1 || sev > 4) {
		snprintf(err, errlen, "SEV must be 1 to 4");
		return -1;
	}
	if (!title || !*title) {
		snprintf(err, errlen, "an incident needs a title");
		return -1;
	}
	if (timeline_incident_open(m->tl, title, sev) <= 0) {
		snprintf(err, errlen, "could not open the incident in %s", timeline_path(m->tl));
		return -1;
	}
	model_sync_timeline(m);
	snprintf(summary, sizeof summary, "SEV-%d declared: %s", sev, title);
	return append(m, "sev", summary, err, errlen);
}

int actions_sev(struct model *m, int sev, char *err, size_t errlen)
{
	char summary[64];
	int old;

	if (need_timeline(m, err, errlen))
		return -1;
	if (!actions_allowed(ACTION_SEV, m, err, errlen))
		return -1;
	if (sev < 1 || sev > 4) {
		snprintf(err, errlen, "SEV must be 1 to 4");
		return -1;
	}
	old = m->incident.sev;
	if (old == sev) {
		snprintf(err, errlen, "already SEV-%d", sev);
		return -1;
	}
	if (timeline_incident_set_sev(m->tl, m->incident.id, sev) != 0) {
		snprintf(err, errlen, "could not change the SEV in %s", timeline_path(m->tl));
		return -1;
	}
	model_sync_timeline(m);
	snprintf(summary, sizeof summary, "SEV-%d -> SEV-%d", old, sev);
	return append(m, "sev", summary, err, errlen);
}

int actions_resolve(struct model *m, char *err, size_t errlen)
{
	char summary[300];
	int64_t id;

	if (need_timeline(m, err, errlen))
		return -1;
	if (!actions_allowed(ACTION_RESOLVE, m, err, errlen))
		return -1;
	id = m->incident.id;
	snprintf(summary, sizeof summary, "INC-%lld resolved: %s", (long long)id, m->incident.title);
	if (append(m, "sev", summary, err, errlen) != 0)
		return -1;
	if (timeline_incident_close(m->tl, id) != 0) {
		snprintf(err, errlen, "could not close INC-%lld in %s", (long long)id, timeline_path(m->tl));
		return -1;
	}
	model_sync_timeline(m);
	return 0;
}
