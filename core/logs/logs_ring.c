/* The lines kept: one buffer of a fixed number of bytes, written in a
 * circle. A new line takes the room of the oldest ones, which are counted as
 * dropped; an index of offsets gives any kept line by its sequence number in
 * constant time, so a view scrolls back through a flood without copying. */
#include <stdlib.h>
#include <string.h>

#include "warroom/logs.h"

#define REC_HEAD (sizeof(struct logs_rec))
#define ALIGN(n) (((n) + 7) & ~(size_t)7)

int logs_ring_init(struct logs_ring *r, size_t bytes)
{
	memset(r, 0, sizeof *r);
	if (bytes < 4096)
		bytes = 4096;
	r->cap = ALIGN(bytes);
	r->buf = malloc(r->cap);
	r->icap = 1024;
	r->idx = malloc(r->icap * sizeof *r->idx);
	if (!r->buf || !r->idx) {
		logs_ring_free(r);
		return -1;
	}
	return 0;
}

void logs_ring_free(struct logs_ring *r)
{
	free(r->buf);
	free(r->idx);
	memset(r, 0, sizeof *r);
}

static size_t rec_size(const struct logs_rec *rec)
{
	return ALIGN(REC_HEAD + rec->len + 1);
}

static uint32_t off_at(const struct logs_ring *r, size_t k)
{
	return r->idx[(r->ifirst + k) % r->icap];
}

static void drop_oldest(struct logs_ring *r)
{
	const struct logs_rec *old = (const struct logs_rec *)(const void *)(r->buf + off_at(r, 0));

	r->used -= rec_size(old);
	r->dropped++;
	r->dropped_bytes += old->len;
	r->ifirst = (r->ifirst + 1) % r->icap;
	r->n--;
	r->first_seq++;
	if (r->n == 0)
		r->wr = r->rd = 0;
	else
		r->rd = off_at(r, 0);
}

static int grow_index(struct logs_ring *r)
{
	size_t cap = r->icap * 2;
	uint32_t *idx = malloc(cap * sizeof *idx);

	if (!idx)
		return -1;
	for (size_t k = 0; k < r->n; k++)
		idx[k] = off_at(r, k);
	free(r->idx);
	r->idx = idx;
	r->icap = cap;
	r->ifirst = 0;
	return 0;
}

/* Where size bytes go, dropping the oldest lines until they fit. */
static size_t make_room(struct logs_ring *r, size_t size)
{
	for (;;) {
		if (r->n == 0)
			return 0;
		if (off_at(r, r->n - 1) >= r->rd) {
			/* the lines lie in [rd, wr): room after them, or at the start */
			if (r->cap - r->wr >= size)
				return r->wr;
			if (r->rd >= size)
				return 0;
		} else if (r->rd - r->wr >= size) {
			/* they went round: the room is [wr, rd) */
			return r->wr;
		}
		drop_oldest(r);
	}
}

uint64_t logs_ring_add(struct logs_ring *r, int64_t ts_ns, uint16_t source, uint8_t slot, uint8_t flags,
                       const char *text, size_t len)
{
	size_t size, at;
	struct logs_rec *rec;

	if (len > r->cap / 4 - REC_HEAD - 8) {
		len = r->cap / 4 - REC_HEAD - 8;
		flags |= LOGS_REC_CUT;
	}
	if (r->n == r->icap && grow_index(r) != 0)
		return UINT64_MAX;
	size = ALIGN(REC_HEAD + len + 1);
	at = make_room(r, size);
	rec = (struct logs_rec *)(void *)(r->buf + at);
	rec->ts_ns = ts_ns;
	rec->len = (uint32_t)len;
	rec->source = source;
	rec->slot = slot;
	rec->flags = flags;
	memcpy(rec->text, text, len);
	rec->text[len] = '\0';
	if (r->n == 0)
		r->rd = at;
	r->idx[(r->ifirst + r->n) % r->icap] = (uint32_t)at;
	r->n++;
	r->wr = at + size;
	r->used += size;
	return r->first_seq + r->n - 1;
}

uint64_t logs_ring_first(const struct logs_ring *r)
{
	return r->first_seq;
}

uint64_t logs_ring_end(const struct logs_ring *r)
{
	return r->first_seq + r->n;
}

const struct logs_rec *logs_ring_get(const struct logs_ring *r, uint64_t seq)
{
	if (seq < r->first_seq || seq >= r->first_seq + r->n)
		return NULL;
	return (const struct logs_rec *)(const void *)(r->buf + off_at(r, (size_t)(seq - r->first_seq)));
}
