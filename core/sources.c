/* The clients the config names, opened once; their pollers, one source each
 * in the registry, write the model. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <strings.h>

#include "warroom/alertmgr.h"
#include "warroom/argocd.h"
#include "warroom/config.h"
#include "warroom/dashboard.h"
#include "warroom/http.h"
#include "warroom/kube.h"
#include "warroom/kubeconfig.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/prom.h"
#include "warroom/rollback.h"
#include "warroom/slots.h"
#include "warroom/source.h"
#include "warroom/sources.h"
#include "warroom/ssh.h"
#include "warroom/text.h"

/* A tunnel through the bastion to where url points; the route for libcurl
 * in out. 0, or -1 with words in why. */
static int tunnel_route(struct sources *s, const char *name, const char *target_url, const char *url_host,
                        int url_port, char *out, size_t len, char *why, size_t whylen)
{
	char terr[300];

	if (!s->ssh) {
		snprintf(why, whylen, "%s is reached through the bastion, which is not available: %s", name,
		         s->ssh_error);
		return -1;
	}
	if (ssh_route_url(s->ssh, target_url, url_host, url_port, out, len, terr, sizeof terr) != 0) {
		snprintf(why, whylen, "%s: %s", name, terr);
		text_hide_url_passwords(why);
		return -1;
	}
	return 0;
}

int sources_route(struct sources *s, const char *name, const char *url, char *out, size_t len, char *why,
                  size_t whylen)
{
	return tunnel_route(s, name, url, NULL, 0, out, len, why, whylen);
}

static void open_bastion_session(struct sources *s)
{
	if (!s->cfg->ssh.host[0])
		return;
	s->ssh = ssh_new(s->loop, &s->cfg->ssh, s->ssh_error, sizeof s->ssh_error);
	if (s->ssh)
		ssh_start(s->ssh);
}

int sources_open(struct sources *s, struct loop *loop, const struct config *cfg, char *err, size_t errlen)
{
	char route[600];
	struct kubeconfig kc;

	memset(s, 0, sizeof *s);
	s->loop = loop;
	s->cfg = cfg;
	s->http = http_new(loop);
	if (!s->http) {
		snprintf(err, errlen, "cannot start the HTTP engine");
		return -1;
	}
	open_bastion_session(s);
	if (!cfg->kube.rollout[0] && (!cfg->kube.service[0] || !cfg->kube.deployments[0][0])) {
		snprintf(s->kube_error, sizeof s->kube_error,
		         "kubernetes.service and kubernetes.deployments (or kubernetes.rollout) are not configured%s%s",
		         cfg->path[0] ? " in " : "", cfg->path);
	} else if (kubeconfig_load(&kc, cfg->kube.kubeconfig, cfg->kube.context, s->kube_error,
	                           sizeof s->kube_error) == 0) {
		char server[sizeof kc.server], host[256];
		int port;

		snprintf(server, sizeof server, "%s", kc.server);
		s->kube = kube_new(loop, s->http, &kc);
		kubeconfig_free(&kc);
		if (!s->kube) {
			snprintf(s->kube_error, sizeof s->kube_error, "cannot create the Kubernetes client");
		} else if (cfg->kube.via_bastion) {
			/* the URL keeps its name (tls-server-name too); the connection goes to the server */
			if (kube_url_host(s->kube, host, sizeof host, &port) != 0 ||
			    tunnel_route(s, "Kubernetes", server, host, port, route, sizeof route, s->kube_error,
			                 sizeof s->kube_error) != 0 || kube_set_connect_to(s->kube, route) != 0) {
				if (!s->kube_error[0])
					snprintf(s->kube_error, sizeof s->kube_error, "Kubernetes: cannot route %s through the "
					         "bastion", server);
				kube_free(s->kube);
				s->kube = NULL;
			}
		}
	}
	if (cfg->prometheus.url[0])
		s->prom = prom_new(s->http, &cfg->prometheus, s->prom_error, sizeof s->prom_error);
	if (s->prom && cfg->prometheus.via_bastion &&
	    (tunnel_route(s, "Prometheus", cfg->prometheus.url, NULL, 0, route, sizeof route, s->prom_error,
	                  sizeof s->prom_error) != 0 || prom_set_connect_to(s->prom, route) != 0)) {
		prom_free(s->prom);
		s->prom = NULL;
	}
	if (cfg->argocd.url[0] && cfg->argocd_app[0])
		s->argocd = argocd_new(s->http, &cfg->argocd, cfg->argocd_app, s->argocd_error,
		                       sizeof s->argocd_error);
	if (s->argocd && cfg->argocd.via_bastion &&
	    (tunnel_route(s, "Argo CD", cfg->argocd.url, NULL, 0, route, sizeof route, s->argocd_error,
	                  sizeof s->argocd_error) != 0 || argocd_set_connect_to(s->argocd, route) != 0)) {
		argocd_free(s->argocd);
		s->argocd = NULL;
	}
	return 0;
}

static void on_signals(bool ok, const char *err, void *arg)
{
	struct sources *s = arg;

	model_mark(s->model, DIRTY_METRICS);
}

static void on_alerts(bool ok, const char *err, void *arg)
{
	struct sources *s = arg;

	model_mark(s->model, DIRTY_ALERTS);
}

static void on_slots(const struct slots_state *st, void *arg)
{
	struct sources *s = arg;

	s->model->slots = st;
	model_mark(s->model, DIRTY_SLOTS);
}

static void on_app(const struct argocd_app *app, const char *err, void *arg)
{
	struct sources *s = arg;

	if (app)
		s->model->app = app;
	model_mark(s->model, DIRTY_STATUS);
}

/* Each opener returns its poller's source, or NULL with words in err (the
 * source is down) or with err "" (not configured). */
static struct source *open_kube(struct sources *s, char *err, size_t errlen)
{
	if (!s->kube) {
		snprintf(err, errlen, "%s", s->cfg->kube.service[0] ? s->kube_error : "");
		return NULL;
	}
	if (s->cfg->kube.watch) {
		s->watcher = slots_watcher_new(s->loop, s->kube, s->cfg, on_slots, s);
		if (!s->watcher)
			snprintf(err, errlen, "out of memory");
		return s->watcher ? slots_watcher_source(s->watcher) : NULL;
	}
	s->slots = slots_poller_new(s->loop, s->kube, s->cfg, on_slots, s);
	if (!s->slots)
		snprintf(err, errlen, "out of memory");
	return s->slots ? slots_poller_source(s->slots) : NULL;
}

const char *sources_dashboard_path(const struct config *cfg)
{
	return cfg->dash.path[0] ? cfg->dash.path : access("assets/dashboards", R_OK) == 0 ? "assets/dashboards"
	       : WARROOM_DATADIR "/assets/dashboards";
}

/* The overview's strip: panels of a dashboard (Detection Pipeline by
 * default). The golden signals take their queries from its panels of these
 * titles (one without its panel keeps the built-in query); a panel list in
 * the config is the strip, in its order, a name the dashboard does not have
 * a placeholder saying where it is written. */
static const char *const signal_titles[MET_COUNT] = {
	[MET_RPS] = "Request rate", [MET_ERRORS] = "Error rate", [MET_P95] = "P95 latency",
	[MET_P99] = "P99 latency", [MET_QUEUE] = "Offline queue",
};

static int signal_of(const char *title)
{
	for (int m = 0; m < MET_COUNT; m++)
		if (!strcasecmp(title, signal_titles[m]))
			return m;
	return -1;
}

const char *sources_overview_dashboard(const struct config *cfg)
{
	const struct config_dashboards *c = &cfg->dash;

	return c->overview[0] ? c->overview : c->dflt[0] ? c->dflt : "Detection Pipeline";
}

bool sources_strip_panel(const struct dashboard *d, const char *want, size_t *panel, char *why, size_t len)
{
	size_t p = dashboard_find(d, want);

	*panel = p;
	why[0] = '\0';
	if (p == (size_t)-1)
		snprintf(why, len, "no panel \"%s\" in %s", want, d->title);
	else if (signal_of(d->p[p].title) < 0 && (!d->p[p].nt || !d->p[p].t[0].expr[0]))
		snprintf(why, len, "panel \"%s\" has no query", want);   /* a signal keeps its built-in query */
	return !why[0];
}

static void strip_item(struct sources *s, const struct dashboard *d, const char *dash, const char *want,
                       const char *at, const struct dash_env *env)
{
	struct model_strip *st = &s->model->strip;
	struct model_strip_item *it = &st->it[st->n++];
	size_t p = (size_t)-1;
	char why[160] = "";
	bool ok = d && sources_strip_panel(d, want, &p, why, sizeof why);
	char *expr;

	memset(it, 0, sizeof *it);
	it->s.last = NAN;
	it->signal = -1;
	snprintf(it->label, sizeof it->label, "%s", want);
	if (!d) {
		snprintf(it->note, sizeof it->note, "no dashboard \"%s\" in %s (%s)", dash, sources_dashboard_path(s->cfg),
		         at);
		return;
	}
	if (p != (size_t)-1) {
		snprintf(it->label, sizeof it->label, "%s", d->p[p].title[0] ? d->p[p].title : want);
		it->panel = true;
		it->field = d->p[p].field;
		it->signal = signal_of(d->p[p].title);
	}
	if (!ok) {
		snprintf(it->note, sizeof it->note, "%s (%s)", why, at);
		return;
	}
	if (it->signal >= 0)
		return;   /* its values are the signal's */
	expr = dashboard_expand(d, env, d->p[p].t[0].expr);
	if (!expr || prom_poller_add(s->signals, expr, &it->s) < 0)
		snprintf(it->note, sizeof it->note, "could not start its query (%s)", at);
	free(expr);
}

/* The seeds' verification windows: $__rate_interval of one minute, whatever
 * the scrape interval (the lab scrapes every second). */
static const struct dash_env signals_env = {
	.range_ms = 3600000, .interval_ms = 15000, .scrape_ms = 15000,
};

/* The overview's dashboard, read once (l freed by the caller); NULL when it is not there. */
static const struct dashboard *overview_dashboard(struct sources *s, struct dash_live **l)
{
	int at;

	*l = dash_live_new(s->loop, s->prom, s->cfg->dash.scrape_ms, 1, NULL, NULL);
	if (!*l)
		return NULL;
	dash_live_add(*l, sources_dashboard_path(s->cfg));
	at = dash_live_find(*l, sources_overview_dashboard(s->cfg));
	return at >= 0 && dash_live_select(*l, (size_t)at) == 0 ? (*l)->d : NULL;
}

/* Each signal whose panel the dashboard has asks the panel's query. */
static void signal_queries(struct prom_poller *pp, const struct dashboard *d)
{
	for (int m = 0; d && m < MET_COUNT; m++) {
		size_t p = dashboard_find(d, signal_titles[m]);
		char *expr;

		if (p == (size_t)-1 || !d->p[p].nt)
			continue;
		expr = dashboard_expand(d, &signals_env, d->p[p].t[0].expr);
		prom_poller_set_query(pp, (enum metric_id)m, expr);
		free(expr);
	}
}

struct prom_poller *sources_signals_new(struct sources *s, struct model_metrics *out, prom_round_fn fn,
                                        void *arg)
{
	struct prom_poller *pp = s->prom ? prom_poller_new(s->loop, s->prom, out, fn, arg) : NULL;
	struct dash_live *l = NULL;

	if (pp)
		signal_queries(pp, overview_dashboard(s, &l));
	dash_live_free(l);
	return pp;
}

static void signals_from_dashboard(struct sources *s)
{
	const struct config_dashboards *c = &s->cfg->dash;
	const char *want = sources_overview_dashboard(s->cfg);
	struct dash_live *l = NULL;
	struct model_strip *st = &s->model->strip;
	const struct dashboard *d = overview_dashboard(s, &l);

	if (!l)
		return;
	signal_queries(s->signals, d);
	st->n = 0;
	st->configured = c->nstrip > 0;
	for (size_t i = 0; i < c->nstrip && i < MODEL_STRIP; i++)
		strip_item(s, d, want, c->strip[i], c->strip_at[i], &signals_env);
	/* no list: the golden signals, coloured by their panels' thresholds */
	for (int m = 0; !c->nstrip && d && m < MET_COUNT; m++) {
		size_t p = dashboard_find(d, signal_titles[m]);
		struct model_strip_item *it = &st->it[st->n++];

		memset(it, 0, sizeof *it);
		it->s.last = NAN;
		it->signal = m;
		it->panel = p != (size_t)-1;
		if (it->panel)
			it->field = d->p[p].field;
	}
	dash_live_free(l);
}

static struct source *open_prom(struct sources *s, char *err, size_t errlen)
{
	if (!s->prom) {
		snprintf(err, errlen, "%s", s->cfg->prometheus.url[0] ? s->prom_error : "");
		return NULL;
	}
	s->signals = prom_poller_new(s->loop, s->prom, &s->model->metrics, on_signals, s);
	if (!s->signals) {
		snprintf(err, errlen, "out of memory");
	} else {
		prom_poller_add(s->signals, PROM_TAK_FAILING_QUERY, &s->model->metrics.tak_failing);
		signals_from_dashboard(s);
	}
	return s->signals ? prom_poller_source(s->signals) : NULL;
}

/* The routes of the alerts poller: one per Alertmanager (an HA pair is two
 * hosts) and the Prometheus its rules come from, each when marked via_bastion. */
static int alerts_routes(struct sources *s, char *out, size_t len)
{
	const char *urls[MODEL_AM_SOURCES + 1];
	size_t n = 0, o = 0;
	char one[600];

	if (s->cfg->alertmanager.via_bastion)
		n = alertmgr_config_urls(s->cfg, urls, MODEL_AM_SOURCES);
	if (s->cfg->prometheus.via_bastion && s->cfg->prometheus.url[0])
		urls[n++] = s->cfg->prometheus.url;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (tunnel_route(s, i + 1 == n && s->cfg->prometheus.via_bastion ? "Prometheus" : "Alertmanager",
		                 urls[i], NULL, 0, one, sizeof one, s->alerts_error, sizeof s->alerts_error) != 0)
			return -1;
		if (o + strlen(one) + 2 > len) {
			snprintf(s->alerts_error, sizeof s->alerts_error, "Alertmanager: too many routes");
			return -1;
		}
		o += (size_t)snprintf(out + o, len - o, "%s%s", o ? "," : "", one);
	}
	return 0;
}

static struct source *open_alerts(struct sources *s, char *err, size_t errlen)
{
	err[0] = '\0';
	if (!s->cfg->alertmanager.url[0])
		return NULL;
	s->alerts = alertmgr_new(s->loop, s->http, s->cfg, &s->model->alerts, on_alerts, s,
	                         s->alerts_error, sizeof s->alerts_error);
	if (s->alerts && (s->cfg->alertmanager.via_bastion || s->cfg->prometheus.via_bastion)) {
		char route[3000];

		if (alerts_routes(s, route, sizeof route) != 0 || alertmgr_set_connect_to(s->alerts, route) != 0) {
			alertmgr_free(s->alerts);
			s->alerts = NULL;
		}
	}
	if (!s->alerts) {
		snprintf(err, errlen, "%s", s->alerts_error);
		return NULL;
	}
	/* every alert, group, silence and rule for the alerts view, and the
	 * watcher that records them during an incident */
	if (alertmgr_enable_full(s->alerts, s->alerts_error, sizeof s->alerts_error) == 0) {
		s->model->am = alertmgr_full(s->alerts);
		s->alerts_watch = alertmgr_watch_install(s->model);
	}
	return alertmgr_source(s->alerts);
}

static struct source *open_argocd(struct sources *s, char *err, size_t errlen)
{
	err[0] = '\0';
	if (!s->cfg->argocd.url[0])
		return NULL;
	if (!s->argocd) {
		snprintf(err, errlen, "%s", s->argocd_error[0] ? s->argocd_error :
		         "no Argo CD application configured (argocd.application)");
		return NULL;
	}
	s->app = argocd_poller_new(s->loop, s->argocd, on_app, s);
	if (!s->app)
		snprintf(err, errlen, "out of memory");
	return s->app ? argocd_poller_source(s->app) : NULL;
}

static struct source *open_bastion(struct sources *s, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", s->cfg->ssh.host[0] ? s->ssh_error : "");
	return ssh_source(s->ssh);
}

/* The registry in the model's order: a new source is one line here. */
static const struct source_def {
	enum source_id id;
	struct source *(*open)(struct sources *s, char *err, size_t errlen);
} source_defs[] = {
	{ SRC_KUBE, open_kube },
	{ SRC_PROM, open_prom },
	{ SRC_ALERTMGR, open_alerts },
	{ SRC_ARGOCD, open_argocd },
	{ SRC_BASTION, open_bastion },
};
#define NDEFS (sizeof source_defs / sizeof source_defs[0])

static void on_change(struct source *src, void *arg)
{
	struct sources *s = arg;
	struct source_status st;

	for (size_t i = 0; i < s->reg.n && i < NDEFS; i++) {
		if (s->reg.src[i] != src)
			continue;
		source_status(src, &st);
		model_source_status(s->model, source_defs[i].id, &st);
		if (source_defs[i].id == SRC_BASTION) {
			s->model->bastion_rtt_ms = ssh_rtt_ms(s->ssh);
			text_copy(s->model->bastion_cause, sizeof s->model->bastion_cause,
			          ssh_cause_name(ssh_cause(s->ssh)));
		}
	}
}

static void on_dash(struct dash_live *l, void *arg)
{
	struct sources *s = arg;

	model_mark(s->model, DIRTY_METRICS);
}

/* The dashboards: the configured folder or file, else the ones shipped. */
static void open_dash(struct sources *s)
{
	const struct config_dashboards *c = &s->cfg->dash;
	const char *path = sources_dashboard_path(s->cfg);
	int first;

	if (!s->prom || s->no_dash)
		return;
	s->dash = dash_live_new(s->loop, s->prom, c->scrape_ms, c->max_in_flight, on_dash, s);
	if (!s->dash)
		return;
	dash_live_add(s->dash, path);
	snprintf(s->dash->vars, sizeof s->dash->vars, "%s", c->vars);
	first = dash_live_find(s->dash, c->dflt[0] ? c->dflt : "Detection Pipeline");
	s->dash->cur = first >= 0 ? (size_t)first : 0;
	s->model->dash = s->dash;
	source_registry_add(&s->reg, dash_live_source(s->dash));
	dash_live_start(s->dash, s->cfg->refresh_ms);
}

void sources_attach(struct sources *s, struct model *m)
{
	char err[1024];

	s->model = m;
	source_registry_init(&s->reg, on_change, s);
	for (size_t i = 0; i < NDEFS; i++) {
		struct source *src = source_defs[i].open(s, err, sizeof err);

		if (!src) {
			src = s->placeholder[i] = source_new(s->loop, model_source_name(source_defs[i].id), NULL, NULL);
			if (!src)
				continue;
		}
		source_registry_add(&s->reg, src);
		if (s->placeholder[i] && err[0])
			source_set_error(src, err);
		else if (s->placeholder[i])
			source_set_unconfigured(src);
		else
			source_start(src, s->cfg->refresh_ms);
	}
	open_dash(s);
}

void sources_refresh(struct sources *s)
{
	source_registry_refresh(&s->reg);
}

void sources_retry(struct sources *s)
{
	ssh_retry(s->ssh);
	source_registry_refresh(&s->reg);
}

void sources_close(struct sources *s)
{
	source_registry_stop(&s->reg);
	if (s->model) {
		alertmgr_watch_free(s->alerts_watch, s->model);
		s->model->am = NULL;   /* freed with the pollers below */
		s->model->app = NULL;
	}
	prom_poller_stop(s->signals);
	alertmgr_stop(s->alerts);
	argocd_poller_stop(s->app);
	dash_live_stop(s->dash);
	slots_poller_free(s->slots);
	slots_watcher_free(s->watcher);
	argocd_free(s->argocd);
	kube_free(s->kube);
	http_free(s->http);       /* pending answers arrive here and are dropped */
	ssh_free(s->ssh);         /* after the requests that used its tunnels */
	prom_poller_free(s->signals);
	alertmgr_free(s->alerts);
	argocd_poller_free(s->app);
	dash_live_free(s->dash);
	prom_free(s->prom);
	for (size_t i = 0; i < SOURCE_REGISTRY_MAX; i++)
		source_free(s->placeholder[i]);
	memset(s, 0, sizeof *s);
}
