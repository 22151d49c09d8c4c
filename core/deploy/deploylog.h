/* deploylog — private to core/deploy/: the deployment log the runbook asks
 * for after every production deployment, written by the deployment watcher
 * (deploy_core.c): one JSON file per deployment,
 * deploy_YYYYMMDDTHHMMSSZ.json, in the runbook's format (timestamp,
 * environment, version, commit, operator, strategy, status), 0600 in a 0700
 * folder (deploylog.c). */
#ifndef WARROOM_DEPLOYLOG_H
#define WARROOM_DEPLOYLOG_H

#include <stddef.h>
#include <stdint.h>

struct config;

struct deploylog_entry {
	int64_t wall_ms;            /* when the deployment ended, UTC ms */
	const char *version;        /* the new version's tag */
	const char *previous;       /* the version it replaced */
	long revision;              /* the new slot's rollout revision, 0 unknown */
	const char *from_slot, *to_slot;
	const char *status;         /* "success" or "rolled_back" */
	const char *reason;         /* why it was rolled back, or NULL */
	int window_s;
	int64_t switch_wall_ms;     /* the traffic switch, UTC ms; 0 unknown */
};

/* Writes the entry; the file's path in path. 0, or -1 with words in err. */
int deploylog_write(const struct config *cfg, const struct deploylog_entry *e, char *path, size_t pathlen,
                    char *err, size_t errlen);

#endif
