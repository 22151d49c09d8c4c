/* sources — the clients the config names (Kubernetes, Prometheus,
 * Alertmanager, Argo CD), opened once and shared by the console and the
 * headless commands, and their pollers: each one a source in one registry,
 * whose state, age and error the model copies for the views. A part that
 * cannot open keeps its error in words and the rest works.
 * Implemented in core/sources.c. */
#ifndef WARROOM_SOURCES_H
#define WARROOM_SOURCES_H

#include <stdbool.h>
#include <stddef.h>

#include "warroom/prom.h"     /* prom_round_fn */
#include "warroom/source.h"

struct alertmgr;
struct alertmgr_watch;
struct argocd;
struct argocd_poller;
struct config;
struct dash_live;
struct dashboard;
struct http;
struct kube;
struct loop;
struct model;
struct prom;
struct prom_poller;
struct rollback_ctx;
struct slots_poller;
struct slots_watcher;
struct ssh;
struct timeline;

struct sources {
	struct loop *loop;
	const struct config *cfg;
	struct http *http;
	struct kube *kube;             /* NULL: see kube_error */
	struct argocd *argocd;         /* NULL: not configured, or see argocd_error */
	struct slots_poller *slots;    /* running once attached to a model (kubernetes.watch: false) */
	struct slots_watcher *watcher; /* or the same state kept by watches (the default) */
	struct prom *prom;             /* NULL: not configured, or see prom_error */
	struct prom_poller *signals;
	struct alertmgr *alerts;
	struct argocd_poller *app;     /* the Argo CD application, for its state */
	struct dash_live *dash;        /* the dashboards, on Prometheus */
	char prom_error[300];
	char alerts_error[300];
	struct model *model;
	char kube_error[1024];
	char argocd_error[300];
	/* The bastion (ssh.host): its session, and the tunnels of the endpoints
	 * marked via_bastion. NULL: none configured, or see ssh_error. */
	struct ssh *ssh;
	char ssh_error[300];
	/* Every source in the model's order; placeholders stand for a part that
	 * is not configured or could not open. */
	struct source_registry reg;
	struct source *placeholder[SOURCE_REGISTRY_MAX];
	struct alertmgr_watch *alerts_watch;   /* alerts to the timeline during an incident */
	bool no_dash;                  /* set before attaching: no dashboards (a command without a screen) */
};

/* Opens the HTTP engine and the clients. Returns -1 only when nothing can run
 * (no HTTP engine); missing or broken parts leave their *_error. */
int sources_open(struct sources *s, struct loop *loop, const struct config *cfg, char *err, size_t errlen);
/* The CURLOPT_CONNECT_TO route for a request to url through the bastion's
 * tunnel (name is for the words). 0, or -1 with words in why. */
int sources_route(struct sources *s, const char *name, const char *url, char *out, size_t len, char *why,
                  size_t whylen);
/* Starts polling into the model (slots, signals, alerts, Argo CD, states). */
void sources_attach(struct sources *s, struct model *m);
/* dashboards.path, or the shipped dashboards (beside the binary's data). */
const char *sources_dashboard_path(const struct config *cfg);
/* The dashboard the overview's strip comes from: dashboards.overview, the
 * default dashboard, or Detection Pipeline. */
const char *sources_overview_dashboard(const struct config *cfg);
/* Whether the strip can show panel `want` (a title or id) of d: its index
 * in *panel ((size_t)-1: none), else false with why ("no panel ..."). A
 * golden signal's panel needs no query: the signal keeps its built-in one. */
bool sources_strip_panel(const struct dashboard *d, const char *want, size_t *panel, char *why, size_t len);
/* The golden signals' poller with the overview's queries (its dashboard's
 * panels), writing into out, for a front-end that reads them without the
 * model (`warroom status`); NULL without Prometheus. Start or refresh it;
 * prom_poller_stop it before sources_close, prom_poller_free it after (the
 * HTTP engine's late answers are dropped). */
struct prom_poller *sources_signals_new(struct sources *s, struct model_metrics *out, prom_round_fn fn,
                                        void *arg);
/* A round of every poller now. */
void sources_refresh(struct sources *s);
/* The operator asks for it: the same, and a bastion that refused or
 * dropped connects again now (an unknown host key is asked about again). */
void sources_retry(struct sources *s);
void sources_close(struct sources *s);

#endif
