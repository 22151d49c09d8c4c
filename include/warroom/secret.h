/* secret — the secrets the console knows, redacted by value (core/secret.c).
 *
 * Patterns find a "password=" or a "Bearer" in text, but not a bare token
 * that a server echoes in an error body, or that a runbook step prints. So
 * every secret is registered once, where it is read: bearer tokens from
 * files, variables and exec plugins, client key material, passwords in
 * URLs, SSH passphrases, the Argo CD token. Every text bound for the screen,
 * the timeline, an export, a log or stderr is then scrubbed of those exact
 * values, and of their base64 (standard and URL-safe) and percent-encoded
 * forms. Values shorter than SECRET_MIN bytes are not registered (they would
 * hide ordinary words); one shorter than SECRET_ANYWHERE is only found with
 * no letter or digit on either side. The loop's thread only. */
#ifndef WARROOM_SECRET_H
#define WARROOM_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#define SECRET_MIN 4
#define SECRET_ANYWHERE 8
/* What stands where a secret was. */
#define SECRET_MARK "[redacted]"

/* Registers value (len bytes; (size_t)-1: up to its NUL), its leading and
 * trailing blanks aside. Registering a value again costs a look-up. */
void secret_register(const char *value, size_t len);
/* The password of every scheme://user:password@host in text, and the
 * "user:password" pair a Basic authorization header encodes. */
void secret_register_url(const char *text);
/* Each line of PEM text (key material) that is not a BEGIN/END line, and the
 * whole text's base64 (kubeconfig's client-key-data). */
void secret_register_pem(const char *pem, size_t len);
/* How many values (forms included) are known. */
size_t secret_count(void);

/* A malloc'd copy of text with every registered value as SECRET_MARK;
 * NULL out of memory (or text NULL). */
char *secret_scrub_dup(const char *text);
/* In place in a buffer of size bytes, cut at a character boundary when the
 * marks make it longer. True when something was taken out. */
bool secret_scrub_buf(char *buf, size_t size);
/* Whether text holds a registered value. */
bool secret_found(const char *text, size_t len);

/* Forgets every value, wiping them (at exit, and between tests). */
void secret_forget_all(void);

#endif
