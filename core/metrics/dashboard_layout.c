/* The panels as Grafana draws them: a repeated panel or row once for each
 * value of its variable (side by side, or one under the other), rows open
 * or closed, titles with their variables, and the layout of what is
 * shown: a row's line, then its panels packed upwards on the 24-column
 * grid so that none overlaps another, whatever the file's positions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard_priv.h"
#include "warroom/text.h"

#define COPIES_MAX 4000   /* panels shown, repeats included */

struct build {
	struct dashboard *d;
	struct dash_panel *p;
	size_t n, cap;
	bool oom;
};

static struct dash_panel *emit(struct build *b, const struct dash_panel *from)
{
	if (b->n >= COPIES_MAX || b->oom)
		return NULL;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		struct dash_panel *np = realloc(b->p, cap * sizeof *np);

		if (!np) {
			b->oom = true;
			return NULL;
		}
		b->p = np;
		b->cap = cap;
	}
	b->p[b->n] = *from;
	return &b->p[b->n++];
}

/* The values a repeat over variable name makes copies for: 0 with pending
 * when they are not known yet, 0 when the variable is not there or has
 * none (the panel is then shown once, as Grafana does). */
static size_t repeat_values(const struct dashboard *d, const char *name, char *const **vals, bool *pending)
{
	*pending = false;
	*vals = NULL;
	for (size_t i = 0; i < d->nv; i++) {
		const struct dash_var *v = &d->v[i];

		if (strcmp(v->name, name) != 0)
			continue;
		if (v->cur_all && v->nopt) {
			*vals = v->opt;
			return v->nopt;
		}
		if (!v->cur_all && v->ncur) {
			*vals = v->cur;
			return v->ncur;
		}
		*pending = !dashboard_var_known(v);
		return 0;
	}
	return 0;
}

static void add_scope(struct dash_panel *p, const char *var, const char *val, bool pending)
{
	struct dash_scope *s;

	if (p->nscope >= (int)(sizeof p->scope / sizeof p->scope[0]))
		return;
	s = &p->scope[p->nscope++];
	text_copy(s->var, sizeof s->var, var);
	text_copy(s->val, sizeof s->val, val ? val : "");
	s->pending = pending;
}

/* Panel t of d->tp (with the scope of a repeated row's copy), once or once
 * a value, into the row at index row of the panels shown. */
static void emit_panel(struct build *b, size_t t, int row, const struct dash_panel *outer)
{
	const struct dash_panel *tp = &b->d->tp[t];
	char *const *vals = NULL;
	bool pending = false;
	size_t n = tp->repeat[0] ? repeat_values(b->d, tp->repeat, &vals, &pending) : 0;
	int w = tp->w, per = 1;

	if (!tp->repeat[0])
		pending = false;
	if (n && !tp->repeat_v) {   /* side by side, at most max_per_row a line */
		w = 24 / (int)n > 24 / tp->max_per_row ? 24 / (int)n : 24 / tp->max_per_row;
		w = w < 1 ? 1 : w;
		per = 24 / w;
	}
	for (size_t k = 0; k < (n ? n : 1); k++) {
		struct dash_panel *c = emit(b, tp);

		if (!c)
			return;
		c->src = (int)t;
		c->row = row;
		c->nscope = 0;
		if (outer)
			for (int i = 0; i < outer->nscope; i++)
				add_scope(c, outer->scope[i].var, outer->scope[i].val, outer->scope[i].pending);
		if (n || pending)
			add_scope(c, tp->repeat, n ? vals[k] : "", pending);
		if (n && tp->repeat_v) {
			c->y = tp->y + (int)k * tp->h;
		} else if (n) {
			c->w = w;
			c->x = (int)(k % (size_t)per) * w;
			c->y = tp->y + (int)(k / (size_t)per) * tp->h;
		}
	}
}

/* Panels shown in grid order within each row (a repeat's copies were put
 * where Grafana puts them), rows where they are. */
static int cmp_grid(const void *pa, const void *pb)
{
	const struct dash_panel *a = pa, *b = pb;

	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	return 0;
}

static void sort_sections(struct build *b)
{
	for (size_t i = 0; i < b->n;) {
		size_t j = i;

		if (b->p[i].type == DASH_ROW) {
			i++;
			continue;
		}
		while (j < b->n && b->p[j].type != DASH_ROW)
			j++;
		/* insertion sort: stable, and sections are small */
		for (size_t k = i + 1; k < j; k++) {
			struct dash_panel t = b->p[k];
			size_t m = k;

			while (m > i && cmp_grid(&b->p[m - 1], &t) > 0) {
				b->p[m] = b->p[m - 1];
				m--;
			}
			b->p[m] = t;
		}
		i = j;
	}
}

static void layout(struct dashboard *d);

static bool same_copy(const struct dash_panel *a, const struct dash_panel *b)
{
	if (a->src != b->src || a->nscope != b->nscope)
		return false;
	for (int i = 0; i < a->nscope; i++)
		if (strcmp(a->scope[i].val, b->scope[i].val) != 0 || a->scope[i].pending != b->scope[i].pending)
			return false;
	return true;
}

int dashboard_repeat(struct dashboard *d)
{
	struct build b = { d, NULL, 0, 0, false };
	bool changed;

	for (size_t t = 0; t < d->ntp; t++) {
		const struct dash_panel *tp = &d->tp[t];
		char *const *vals = NULL;
		bool pending = false;
		size_t n;

		if (tp->row >= 0)
			continue;   /* its row makes it */
		if (tp->type != DASH_ROW) {
			emit_panel(&b, t, -1, NULL);
			continue;
		}
		n = tp->repeat[0] ? repeat_values(d, tp->repeat, &vals, &pending) : 0;
		if (!tp->repeat[0])
			pending = false;
		for (size_t k = 0; k < (n ? n : 1); k++) {
			struct dash_panel *r = emit(&b, tp), rc;
			int at;

			if (!r)
				break;
			r->src = (int)t;
			r->row = -1;
			r->nscope = 0;
			if (n || pending)
				add_scope(r, tp->repeat, n ? vals[k] : "", pending);
			at = (int)(b.n - 1);
			rc = *r;
			for (size_t c = t + 1; c < d->ntp; c++)
				if (d->tp[c].row == (int)t)
					emit_panel(&b, c, at, &rc);
		}
	}
	if (b.oom) {   /* the panels stay as they were */
		free(b.p);
		return -1;
	}
	sort_sections(&b);
	/* a row's children follow it: their row index is where the row is now */
	for (size_t i = 0, row = (size_t)-1; i < b.n; i++) {
		if (b.p[i].type == DASH_ROW)
			row = i, b.p[i].nchild = 0;
		else if (b.p[i].row >= 0 && row != (size_t)-1)
			b.p[i].row = (int)row, b.p[row].nchild++;
	}
	changed = b.n != d->np;
	for (size_t i = 0; !changed && i < b.n; i++)
		changed = !same_copy(&b.p[i], &d->p[i]);
	/* a row the operator opened or closed stays so */
	for (size_t i = 0; i < b.n; i++)
		for (size_t o = 0; b.p[i].type == DASH_ROW && o < d->np; o++)
			if (d->p[o].type == DASH_ROW && same_copy(&b.p[i], &d->p[o])) {
				b.p[i].collapsed = d->p[o].collapsed;
				break;
			}
	for (size_t i = 0; i < b.n; i++) {
		char *title = dashboard_expand_in(d, NULL, &b.p[i], b.p[i].raw_title, "text", NULL);

		text_copy(b.p[i].title, sizeof b.p[i].title, title ? title : b.p[i].raw_title);
		free(title);
	}
	free(d->p);
	d->p = b.p;
	d->np = b.n;
	layout(d);
	return changed ? 1 : 0;
}

bool dashboard_hidden(const struct dashboard *d, size_t i)
{
	return i < d->np && d->p[i].row >= 0 && (size_t)d->p[i].row < d->np && d->p[d->p[i].row].collapsed;
}

void dashboard_toggle_row(struct dashboard *d, size_t i)
{
	if (i >= d->np || d->p[i].type != DASH_ROW)
		return;
	d->p[i].collapsed = !d->p[i].collapsed;
	layout(d);
}

/* Panels from..to-1 packed from grid line top: each as high as those
 * above it in its columns allow. The next free line. */
static int pack(struct dashboard *d, size_t from, size_t to, int top)
{
	int bottom = top;

	for (size_t i = from; i < to; i++) {
		struct dash_panel *p = &d->p[i];
		int y = top;

		for (size_t k = from; k < i; k++) {
			const struct dash_panel *q = &d->p[k];

			if (q->x < p->x + p->w && p->x < q->x + q->w && q->ly + q->lh > y)
				y = q->ly + q->lh;
		}
		p->ly = y;
		p->lh = p->h > 0 ? p->h : 1;
		if (y + p->lh > bottom)
			bottom = y + p->lh;
	}
	return bottom;
}

/* The panels shown laid out (ly, lh): a row's line, then its panels when
 * open; on each line of the grid no two panels overlap, a panel moving up
 * as far as those above it allow, as Grafana packs them. */
static void layout(struct dashboard *d)
{
	int y = 0;

	for (size_t i = 0; i < d->np;) {
		size_t j = i + 1;

		if (d->p[i].type == DASH_ROW) {
			bool closed = d->p[i].collapsed;

			d->p[i].ly = y++;
			d->p[i].lh = 1;
			while (j < d->np && d->p[j].type != DASH_ROW && d->p[j].row == (int)i)
				j++;
			if (closed)
				for (size_t k = i + 1; k < j; k++)
					d->p[k].ly = y, d->p[k].lh = 0;
			else
				y = pack(d, i + 1, j, y);
		} else {
			while (j < d->np && d->p[j].type != DASH_ROW)
				j++;
			y = pack(d, i, j, y);
		}
		i = j;
	}
}
