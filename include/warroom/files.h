/* files — private files for what warroom keeps on disk (the timeline, and
 * exports and logs to come): folders 0700 and files 0600 whatever the umask.
 * Implemented in core/files.c. */
#ifndef WARROOM_FILES_H
#define WARROOM_FILES_H

#include <stddef.h>

/* mkdir -p for the folders above path, new ones 0700. 0, or -1 with words
 * in err ("cannot create folder /x: Not a directory"). */
int files_make_parents(const char *path, char *err, size_t errlen);
/* Creates path 0600 if it does not exist; an existing regular file is fine. */
int files_create_private(const char *path, char *err, size_t errlen);

#endif
