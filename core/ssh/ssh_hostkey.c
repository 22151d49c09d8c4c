/* ssh host keys — known_hosts as OpenSSH keeps it, through libssh2's
 * knownhost API, and fingerprints as OpenSSH prints them. */
#include "warroom/ssh.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libssh2.h>

void ssh_fingerprint_of(const unsigned char *sha256, char *out, size_t len)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	o += (size_t)snprintf(out, len, "SHA256:");
	for (int i = 0; i < 32 && o + 5 < len; i += 3) {
		unsigned v = (unsigned)sha256[i] << 16 | (i + 1 < 32 ? (unsigned)sha256[i + 1] << 8 : 0) |
		             (i + 2 < 32 ? sha256[i + 2] : 0);
		int chars = i + 2 < 32 ? 4 : i + 1 < 32 ? 3 : 2;   /* no '=' padding, as OpenSSH */

		for (int c = 0; c < chars; c++)
			out[o++] = b64[(v >> (18 - 6 * c)) & 63];
	}
	out[o < len ? o : len - 1] = '\0';
}

static int knownhost_keybit(int type)
{
	switch (type) {
	case LIBSSH2_HOSTKEY_TYPE_RSA: return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
	case LIBSSH2_HOSTKEY_TYPE_DSS: return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
	case LIBSSH2_HOSTKEY_TYPE_ED25519: return LIBSSH2_KNOWNHOST_KEY_ED25519;
	default: return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
	}
}

/* A session only for the knownhost API: it never connects. */
int ssh_known_hosts_check(const char *file, const char *host, int port, const char *key, size_t keylen,
                          int key_type, char *err, size_t errlen)
{
	LIBSSH2_SESSION *sess = libssh2_session_init();
	LIBSSH2_KNOWNHOSTS *kh = sess ? libssh2_knownhost_init(sess) : NULL;
	struct libssh2_knownhost *found = NULL;
	int rc = -1;

	if (!kh) {
		snprintf(err, errlen, "out of memory for known_hosts");
	} else if (libssh2_knownhost_readfile(kh, file, LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0 && access(file, F_OK) == 0) {
		snprintf(err, errlen, "cannot read %s", file);
	} else {
		switch (libssh2_knownhost_checkp(kh, host, port, key, keylen,
		                                 LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
		                                 knownhost_keybit(key_type), &found)) {
		case LIBSSH2_KNOWNHOST_CHECK_MATCH: rc = 0; break;
		case LIBSSH2_KNOWNHOST_CHECK_MISMATCH: rc = 2; break;
		case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND: rc = 1; break;
		default: snprintf(err, errlen, "cannot check the host key against %s", file); break;
		}
	}
	if (kh)
		libssh2_knownhost_free(kh);
	if (sess)
		libssh2_session_free(sess);
	return rc;
}

/* One appended line: the rest of the file is left as the operator wrote it
 * (a rewrite would drop what libssh2 does not parse). */
int ssh_known_hosts_append(const char *file, const char *host, int port, const char *key, size_t keylen,
                           int key_type)
{
	LIBSSH2_SESSION *sess = libssh2_session_init();
	LIBSSH2_KNOWNHOSTS *kh = sess ? libssh2_knownhost_init(sess) : NULL;
	struct libssh2_knownhost *entry = NULL;
	char name[300], line[4096];
	size_t outlen = 0;
	int fd, rc = -1;

	if (port == 22)
		snprintf(name, sizeof name, "%s", host);
	else
		snprintf(name, sizeof name, "[%s]:%d", host, port);
	if (kh && libssh2_knownhost_addc(kh, name, NULL, key, keylen, NULL, 0, LIBSSH2_KNOWNHOST_TYPE_PLAIN |
	                                 LIBSSH2_KNOWNHOST_KEYENC_RAW | knownhost_keybit(key_type), &entry) == 0 &&
	    libssh2_knownhost_writeline(kh, entry, line, sizeof line, &outlen, LIBSSH2_KNOWNHOST_FILE_OPENSSH) == 0) {
		fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0) {
			rc = write(fd, line, outlen) == (ssize_t)outlen ? 0 : -1;
			close(fd);
		}
	}
	if (kh)
		libssh2_knownhost_free(kh);
	if (sess)
		libssh2_session_free(sess);
	return rc;
}
