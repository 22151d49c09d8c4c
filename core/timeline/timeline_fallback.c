/* timeline_fallback — the file that keeps what the database has not taken.
 *
 * A write the database refuses (or cannot take, not being open) waits in
 * memory; a console killed meanwhile, even by SIGKILL, would lose it. So
 * each such write is also appended to a file of its own, one JSON object
 * per line after a header line: $XDG_STATE_HOME/warroom/
 * unsaved-<time>.jsonl, 0600. Once the database has taken some of them the
 * file is written anew with the rest (beside it, then renamed over it, so a
 * kill in between leaves the old one whole), and removed once none wait.
 * `warroom timeline import` reads it back (timeline_import.c), skipping
 * what the database has already. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "warroom/files.h"
#include "timeline_priv.h"

void timeline_set_fallback_dir(struct timeline *tl, const char *dir)
{
	if (tl)
		snprintf(tl->fb_dir, sizeof tl->fb_dir, "%s", dir ? dir : "");
}

const char *timeline_fallback_path(const struct timeline *tl)
{
	return tl && !tl->fb_failed ? tl->fb_path : "";
}

char *timeline_fallback_record(const struct timeline_pending *p)
{
	cJSON *o = cJSON_CreateObject(), *d;
	char *s, *out = NULL;

	if (!o)
		return NULL;
	if (!p->audit) {
		const struct timeline_event *e = &p->ev;

		cJSON_AddStringToObject(o, "type", "event");
		cJSON_AddNumberToObject(o, "ts_ms", (double)e->ts_ms);
		cJSON_AddNumberToObject(o, "incident_id", (double)e->incident_id);
		cJSON_AddStringToObject(o, "actor", e->actor);
		cJSON_AddStringToObject(o, "kind", e->kind);
		cJSON_AddStringToObject(o, "summary", e->summary);
		d = e->detail_json ? cJSON_Parse(e->detail_json) : NULL;
		cJSON_AddItemToObject(o, "detail", d ? d : cJSON_CreateNull());
	} else {
		const struct timeline_audit *a = &p->a;

		cJSON_AddStringToObject(o, "type", "audit");
		cJSON_AddNumberToObject(o, "incident_id", (double)a->incident_id);
		cJSON_AddNumberToObject(o, "started_ms", (double)a->started_ms);
		cJSON_AddNumberToObject(o, "ended_ms", (double)a->ended_ms);
		cJSON_AddStringToObject(o, "actor", a->actor);
		cJSON_AddStringToObject(o, "via", a->via);
		cJSON_AddStringToObject(o, "action", a->action);
		cJSON_AddStringToObject(o, "args", a->args);
		cJSON_AddStringToObject(o, "confirmation", a->confirmation);
		cJSON_AddStringToObject(o, "outcome", a->outcome);
		cJSON_AddStringToObject(o, "summary", a->summary);
		cJSON_AddStringToObject(o, "signals", a->signals);
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s && (out = malloc(strlen(s) + 2)))
		sprintf(out, "%s\n", s);
	cJSON_free(s);
	return out;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int write_header(struct timeline *tl, int fd)
{
	cJSON *o = cJSON_CreateObject();
	char *s;
	int rc = -1;

	if (!o)
		return -1;
	cJSON_AddStringToObject(o, "warroom", FALLBACK_MAGIC);
	cJSON_AddNumberToObject(o, "version", 1);
	cJSON_AddStringToObject(o, "database", tl->path);
	cJSON_AddStringToObject(o, "actor", tl->actor);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s && write_all(fd, s, strlen(s)) == 0 && write_all(fd, "\n", 1) == 0)
		rc = 0;
	cJSON_free(s);
	return rc;
}

static void failed(struct timeline *tl, const char *what)
{
	char words[sizeof tl->err];

	snprintf(words, sizeof words, "timeline: cannot keep the unsaved writes in %s: %s (they are in memory "
	         "only)", what, strerror(errno));
	snprintf(tl->err, sizeof tl->err, "%s", words);
	tl->fb_failed = true;
	if (tl->fb_fd >= 0)
		close(tl->fb_fd);
	tl->fb_fd = -1;
}

/* A new file, unsaved-20261207T123456Z.jsonl (-2, -3... beside another). */
static int create(struct timeline *tl)
{
	char stamp[32], ferr[1100];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	snprintf(tl->fb_path, sizeof tl->fb_path, "%s/unsaved-%s.jsonl", tl->fb_dir, stamp);
	if (files_make_parents(tl->fb_path, ferr, sizeof ferr) != 0) {
		errno = ENOTDIR;
		failed(tl, tl->fb_dir);
		return -1;
	}
	for (int i = 2; i < 100; i++) {
		tl->fb_fd = open(tl->fb_path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
		if (tl->fb_fd >= 0 || errno != EEXIST)
			break;
		snprintf(tl->fb_path, sizeof tl->fb_path, "%s/unsaved-%s-%d.jsonl", tl->fb_dir, stamp, i);
	}
	if (tl->fb_fd < 0 || write_header(tl, tl->fb_fd) != 0) {
		failed(tl, tl->fb_path);
		return -1;
	}
	return 0;
}

int timeline_fallback_add(struct timeline *tl, const struct timeline_pending *p)
{
	char *rec;
	int rc;

	if (!tl->fb_dir[0])
		return 0;
	if (tl->fb_failed || (tl->fb_fd < 0 && create(tl) != 0))
		return -1;
	if (!(rec = timeline_fallback_record(p))) {
		errno = ENOMEM;
		failed(tl, tl->fb_path);
		return -1;
	}
	rc = write_all(tl->fb_fd, rec, strlen(rec));
	free(rec);
	/* A write survives the process in the page cache; a crash of the machine
	 * asks for the sync, worth its milliseconds on the loop while the
	 * database refuses, not while another process holds its lock for a moment. */
	if (rc != 0 || ((!tl->db || tl->disk != TL_DISK_OK) && fdatasync(tl->fb_fd) != 0)) {
		failed(tl, tl->fb_path);
		return -1;
	}
	return 0;
}

void timeline_fallback_sync(struct timeline *tl)
{
	char tmp[sizeof tl->fb_path + 8];
	int fd;

	if (tl->fb_fd < 0 || tl->fb_failed || tl->fb_only)
		return;   /* no file, or one that also holds what only it keeps: left as it is */
	if (!tl->queue) {
		/* everything is in the database: nothing to keep */
		close(tl->fb_fd);
		tl->fb_fd = -1;
		unlink(tl->fb_path);
		tl->fb_path[0] = '\0';
		return;
	}
	snprintf(tmp, sizeof tmp, "%s.tmp", tl->fb_path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;   /* the old file still holds them all, and more: import skips what is there */
	bool ok = write_header(tl, fd) == 0;
	for (const struct timeline_pending *p = tl->queue; p && ok; p = p->next) {
		char *rec = timeline_fallback_record(p);

		ok = rec && write_all(fd, rec, strlen(rec)) == 0;
		free(rec);
	}
	if (!ok || fdatasync(fd) != 0 || rename(tmp, tl->fb_path) != 0) {
		close(fd);
		unlink(tmp);
		return;
	}
	close(tl->fb_fd);
	tl->fb_fd = fd;
}
