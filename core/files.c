/* Private folders and files. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "warroom/files.h"
#include "warroom/text.h"

/* mkdir -p for the folders above path, new ones private (0700). */
int files_make_parents(const char *path, char *err, size_t errlen)
{
	char dir[1024];
	if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir) {
		text_errf(err, errlen, "path too long: %s", path);
		return -1;
	}
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		struct stat st;
		if (stat(dir, &st) != 0) {
			if (errno != ENOENT || (mkdir(dir, 0700) != 0 && errno != EEXIST)) {
				text_errf(err, errlen, "cannot create folder %s: %s", dir, strerror(errno));
				return -1;
			}
		} else if (!S_ISDIR(st.st_mode)) {
			text_errf(err, errlen, "cannot create folder %s: %s", dir, strerror(ENOTDIR));
			return -1;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	return 0;
}

/* Creates the file 0600 whatever the umask, so sqlite never makes it 0644. */
int files_create_private(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		int rc = fchmod(fd, 0600);
		int e = errno;
		close(fd);
		if (rc != 0) {
			text_errf(err, errlen, "cannot set mode 0600 on %s: %s", path, strerror(e));
			return -1;
		}
		return 0;
	}
	if (errno != EEXIST) {
		text_errf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		text_errf(err, errlen, "%s is not a regular file", path);
		return -1;
	}
	return 0;
}

