/* The operator's filters over log lines: lines to show, lines to hide, lines
 * to highlight, each an extended regex, blind to case unless it holds a
 * capital letter (as a search box is). A regex that could take the
 * console's memory is refused in words before it reaches regcomp. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "warroom/logs.h"
#include "warroom/text.h"

void logs_filter_init(struct logs_filter *f)
{
	memset(f, 0, sizeof *f);
}

void logs_filter_free(struct logs_filter *f)
{
	for (int i = 0; i < LOGS_FILTER_PARTS; i++)
		if (f->on[i])
			regfree(&f->re[i]);
	memset(f, 0, sizeof *f);
}

int logs_filter_set(struct logs_filter *f, enum logs_filter_part part, const char *pattern, char *err,
                    size_t errlen)
{
	regex_t re;
	int flags = REG_EXTENDED | REG_NOSUB | REG_ICASE, rc;
	char words[160];

	if (part < 0 || part >= LOGS_FILTER_PARTS)
		return -1;
	if (!pattern || !*pattern) {
		if (f->on[part])
			regfree(&f->re[part]);
		f->on[part] = false;
		f->pat[part][0] = '\0';
		f->gen++;
		return 0;
	}
	if (strlen(pattern) >= sizeof f->pat[part]) {
		snprintf(err, errlen, "the regex is longer than %zu characters", sizeof f->pat[part] - 1);
		return -1;
	}
	if (text_regex_check(pattern, words, sizeof words) != 0) {
		snprintf(err, errlen, "%s", words);
		return -1;
	}
	for (const char *p = pattern; *p; p++)
		if (isupper((unsigned char)*p))
			flags &= ~REG_ICASE;
	rc = regcomp(&re, pattern, flags);
	if (rc != 0) {
		regerror(rc, &re, words, sizeof words);
		snprintf(err, errlen, "not a regex: %s", words);
		return -1;
	}
	if (f->on[part])
		regfree(&f->re[part]);
	f->re[part] = re;
	f->on[part] = true;
	snprintf(f->pat[part], sizeof f->pat[part], "%s", pattern);
	f->gen++;
	return 0;
}

bool logs_filter_match(const struct logs_filter *f, const char *text)
{
	if (f->on[LOGS_INCLUDE] && regexec(&f->re[LOGS_INCLUDE], text, 0, NULL, 0) != 0)
		return false;
	return !(f->on[LOGS_EXCLUDE] && regexec(&f->re[LOGS_EXCLUDE], text, 0, NULL, 0) == 0);
}

bool logs_filter_highlight(const struct logs_filter *f, const char *text)
{
	return f->on[LOGS_HIGHLIGHT] && regexec(&f->re[LOGS_HIGHLIGHT], text, 0, NULL, 0) == 0;
}
