/* metrics_priv.h — the metrics view's own files (views/metrics*.c): the
 * view (metrics.c: layout, scrolling, rows, keys) draws each panel through
 * metrics_panels.c. */
#ifndef WARROOM_METRICS_PRIV_H
#define WARROOM_METRICS_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <curses.h>

struct dash_live;

struct box {
	int y, x, h, w;
};

/* s cut to width columns, an ellipsis where it is cut, into out. */
void metrics_clip(const char *s, int width, char *out, size_t len);
/* Panel i of the dashboard shown, in box b (its border included). */
void metrics_draw_panel(WINDOW *w, struct box b, const struct dash_live *l, size_t i, bool selected, int64_t now,
                        int interval_ms);

#endif
