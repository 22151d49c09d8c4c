/* Text panels' content: md_doc_parse (Markdown) or md_doc_html, the first
 * byte picks. Every block's text must be one line of printable UTF-8, its
 * lead terminated, the block count bounded. */
#include "fuzz.h"
#include "warroom/markdown.h"

static void check_utf8(const unsigned char *s)
{
	while (*s) {
		int n = *s < 0x80 ? 1 : (*s & 0xe0) == 0xc0 ? 2 : (*s & 0xf0) == 0xe0 ? 3 : (*s & 0xf8) == 0xf0 ? 4 : 0;

		if (!n || (*s < 0x80 && (*s < 0x20 || *s == 0x7f)))
			abort();
		for (int k = 1; k < n; k++)
			if ((s[k] & 0xc0) != 0x80)
				abort();
		s += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned sel = size ? data[0] : 0;
	char *text = fuzz_cstr(size ? data + 1 : data, size ? size - 1 : 0);
	size_t len = size ? size - 1 : 0;
	struct md_doc d;
	char *all;

	if ((sel & 1 ? md_doc_html(text, len, &d) : md_doc_parse(text, len, &d)) != 0)
		abort();   /* only out of memory fails */
	if (d.n > MD_MAX_BLOCKS)
		abort();
	for (size_t i = 0; i < d.n; i++) {
		if (!memchr(d.b[i].lead, '\0', sizeof d.b[i].lead) || d.b[i].indent < 0)
			abort();
		check_utf8((const unsigned char *)d.b[i].text);
	}
	all = md_doc_text(&d);
	if (!all)
		abort();
	free(all);
	md_doc_free(&d);
	free(text);
	return 0;
}
