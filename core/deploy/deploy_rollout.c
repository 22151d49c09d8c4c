/* deploy_rollout — the deployment model when an Argo Rollout holds the
 * slots: its stage from the Rollout's status (a canary under way is live
 * traffic being judged, a blue-green preview is a standby waiting for its
 * switch, an abort is a rollback), the switch at the canary's first traffic
 * or at the promotion (the active Service's selector, set by the
 * controller), the analysis as a rule, and what undoes a bad version:
 * abort while the update is under way, undo once it was promoted. */
#include "deploy_priv.h"

#include "warroom/text.h"

#include <stdio.h>
#include <string.h>

static int64_t made_ms(const struct slots_state *st, int i)
{
	int64_t t = st->slot[i].progress_wall_ms;   /* the ReplicaSet's creation */
	for (size_t p = 0; p < st->npods; p++)
		if (st->pods[p].slot == i && !st->pods[p].terminating && st->pods[p].created_wall_ms > t)
			t = st->pods[p].created_wall_ms;
	return t;
}

static bool up(const struct slots_slot *s)
{
	return s->name[0] && s->found && (s->desired > 0 || s->replicas > 0);
}

enum deploy_stage deploy_rollout_stage(struct deploy *d, const struct slots_state *st, int64_t now_ms,
                                       int *to, int *from)
{
	const struct rollout_state *ro = &st->rollout;
	const struct slots_slot *s0 = &st->slot[0], *s1 = &st->slot[1];
	int64_t sw = 0;

	*to = 0;
	*from = s1->name[0] ? 1 : -1;
	d->blue_green = true;
	d->switch_source = DSRC_NONE;
	d->window_left_ms = 0;
	d->rollback_switch = false;
	if (!ro->found || !s0->name[0])
		return DEPLOY_UNKNOWN;
	if (ro->abort) {
		d->rollback_switch = true;
		if (!d->rb.known || strcmp(d->rb.from_slot, s1->name) != 0) {
			memset(&d->rb, 0, sizeof d->rb);
			d->rb.known = true;
			text_copy(d->rb.from_slot, sizeof d->rb.from_slot, s1->name);
			text_copy(d->rb.from_version, sizeof d->rb.from_version, s1->tag);
			d->rb.from_revision = s1->revision;
			text_copy(d->rb.to_slot, sizeof d->rb.to_slot, s0->name);
			text_copy(d->rb.to_version, sizeof d->rb.to_version, s0->tag);
			d->rb.wall_ms = ro->aborted_wall_ms ? ro->aborted_wall_ms : now_ms;
			text_copy(d->rb.by, sizeof d->rb.by, "abort");
			if (d->recommend)
				text_copy(d->rb.reason, sizeof d->rb.reason, d->reason);
		}
		d->switch_ms = d->rb.wall_ms;
		return up(s1) ? DEPLOY_ROLLED_BACK : DEPLOY_STEADY;
	}
	if (ro->canary && s1->name[0] && !rollout_promoted(ro)) {
		/* the canary takes a share of the traffic: live, judged */
		*to = 1;
		*from = 0;
		sw = made_ms(st, 1);
		d->switch_source = DSRC_REPLICASET;
	} else if (!ro->canary && s1->name[0] && strcmp(s1->role, "preview") == 0) {
		d->switch_ms = 0;
		*from = 1;
		return s1->ready >= s1->desired && s1->desired > 0 ? DEPLOY_READY : DEPLOY_DEPLOYING;
	} else if (!ro->canary) {
		/* promoted: the controller set the active Service's selector then */
		sw = st->selector_set_wall_ms;
		d->switch_source = sw ? DSRC_MANAGED_FIELDS : DSRC_NONE;
		if (sw)
			text_copy(d->switch_by, sizeof d->switch_by, st->selector_manager);
	}
	d->switch_ms = sw;
	d->switch_bound = false;
	if (!sw && ro->canary && *to == 1)
		return DEPLOY_MONITORING;   /* a canary under way is judged, whenever it began */
	if (!sw)
		return up(s1) ? DEPLOY_PASSED : DEPLOY_STEADY;
	if (now_ms - sw < d->window_ms || (ro->canary && *to == 1)) {
		d->window_left_ms = now_ms - sw < d->window_ms ? d->window_ms - (now_ms - sw) : 0;
		return DEPLOY_MONITORING;
	}
	return up(s1) ? DEPLOY_PASSED : DEPLOY_STEADY;
}

bool deploy_rollout_analysis(const struct slots_state *st, char *words, size_t len, int64_t *since_ms)
{
	const struct rollout_state *ro = &st->rollout;
	int m = -1;
	const struct rollout_analysis *a;

	words[0] = '\0';
	*since_ms = 0;
	if (!ro->found || ro->abort || !(a = rollout_failed_run(ro, &m)))
		return false;
	rollout_failure_words(ro, words, len);
	/* the run says since when: its first bad measurement of those in a row at its end */
	*since_ms = a->created_wall_ms;
	if (m >= 0) {
		const struct rollout_metric *x = &a->metric[m];
		for (int i = x->nm - 1; i >= 0 && strcmp(x->m[i].phase, "Successful") != 0; i--)
			if (x->m[i].started_wall_ms)
				*since_ms = x->m[i].started_wall_ms;
	}
	return words[0] != '\0';
}

void deploy_rollout_target(const struct deploy *d, const struct slots_state *st, struct deploy_target *t)
{
	const struct rollout_state *ro = &st->rollout;
	const struct slots_slot *s0 = &st->slot[0], *s1 = &st->slot[1];
	(void)d;
	memset(t, 0, sizeof t[0]);
	if (!ro->found) {
		snprintf(t->none, sizeof t->none, "rollout %s not found: nothing to abort or undo", ro->name);
		return;
	}
	if (ro->abort) {
		snprintf(t->none, sizeof t->none, "rollout %s is aborted already: traffic is on %s %s", ro->name, s0->name,
		         s0->tag);
		return;
	}
	if (!rollout_promoted(ro) && s1->name[0]) {
		/* under way: abort returns the traffic to the stable set */
		t->ok = true;
		text_copy(t->action, sizeof t->action, "abort");
		text_copy(t->slot, sizeof t->slot, s0->name);
		text_copy(t->version, sizeof t->version, s0->tag);
		return;
	}
	if (s1->name[0] && strcmp(s1->role, "previous") == 0 && s1->tag[0] && strcmp(s1->tag, s0->tag) != 0) {
		t->ok = t->undo = true;
		text_copy(t->action, sizeof t->action, "undo");
		text_copy(t->slot, sizeof t->slot, s1->name);
		text_copy(t->version, sizeof t->version, s1->tag);
		return;
	}
	if (ro->revision > 1) {
		t->ok = t->undo = true;
		text_copy(t->action, sizeof t->action, "undo");
		snprintf(t->version, sizeof t->version, "revision %ld", ro->revision - 1);
		return;
	}
	snprintf(t->none, sizeof t->none, "rollout %s is at its first revision: nothing to undo", ro->name);
}
