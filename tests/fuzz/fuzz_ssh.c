/* The bastion's known_hosts lines (plain and hashed entries, [host]:port
 * names, markers, comments) read through the same check the console runs
 * before it trusts a host key, for a few host names and key types (the
 * first byte picks); then the text as a tunnel target URL. */
#define _GNU_SOURCE   /* memfd_create */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "warroom/ssh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the ed25519 key of the unit tests' [bastion.example.com]:2222 line */
	static const unsigned char key[] = {
		0x00, 0x00, 0x00, 0x0b, 0x73, 0x73, 0x68, 0x2d, 0x65, 0x64, 0x32, 0x35, 0x35, 0x31, 0x39, 0x00, 0x00,
		0x00, 0x20, 0x2c, 0xf5, 0xcc, 0x9b, 0x64, 0x52, 0x63, 0x37, 0x0a, 0x36, 0x0c, 0x80, 0xbf, 0x73, 0xfd,
		0xb8, 0xb7, 0xe5, 0xd0, 0x72, 0x3e, 0x6d, 0x09, 0x92, 0x4d, 0x25, 0x61, 0x76, 0xa1, 0x5d, 0x07, 0xc9,
	};
	static const char *const hosts[] = { "bastion.example.com", "10.0.0.7", "[x]:1" };
	char path[64], err[300] = "", host[256];
	int port = 0, fd;

	if (size < 1)
		return 0;
	fd = memfd_create("known_hosts", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data + 1, size - 1) == (ssize_t)(size - 1)) {
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		int rc = ssh_known_hosts_check(path, hosts[data[0] % 3], (data[0] & 4) ? 2222 : 22,
		                               (const char *)key, sizeof key, (data[0] & 8) ? 1 + (data[0] >> 4) % 6 : 6, err, sizeof err);
		if (rc < -1 || rc > 2)
			abort();
		fuzz_check_err(err, sizeof err);
	}
	close(fd);
	char *s = fuzz_cstr(data + 1, size - 1);
	if (ssh_url_target(s, host, sizeof host, &port) == 0 && (!memchr(host, '\0', sizeof host) || port < 0))
		abort();
	free(s);
	return 0;
}
