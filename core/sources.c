/* The clients the config names, opened once; the pollers write the model. */
#include <stdio.h>
#include <string.h>

#include "warroom/alertmgr.h"
#include "warroom/argocd.h"
#include "warroom/config.h"
#include "warroom/http.h"
#include "warroom/kube.h"
#include "warroom/kubeconfig.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/prom.h"
#include "warroom/rollback.h"
#include "warroom/slots.h"
#include "warroom/sources.h"

int sources_open(struct sources *s, struct loop *loop, const struct config *cfg, char *err, size_t errlen)
{
	struct kubeconfig kc;

	memset(s, 0, sizeof *s);
	s->loop = loop;
	s->cfg = cfg;
	s->http = http_new(loop);
	if (!s->http) {
		snprintf(err, errlen, "cannot start the HTTP engine");
		return -1;
	}
	if (!cfg->kube.service[0] || !cfg->kube.deployments[0][0]) {
		snprintf(s->kube_error, sizeof s->kube_error,
		         "kubernetes.service and kubernetes.deployments are not configured%s%s",
		         cfg->path[0] ? " in " : "", cfg->path);
	} else if (kubeconfig_load(&kc, cfg->kube.kubeconfig, cfg->kube.context, s->kube_error,
	                           sizeof s->kube_error) == 0) {
		s->kube = kube_new(loop, s->http, &kc);
		kubeconfig_free(&kc);
		if (!s->kube)
			snprintf(s->kube_error, sizeof s->kube_error, "cannot create the Kubernetes client");
	}
	if (cfg->prometheus.url[0])
		s->prom = prom_new(s->http, &cfg->prometheus, s->prom_error, sizeof s->prom_error);
	if (cfg->argocd.url[0] && cfg->argocd_app[0])
		s->argocd = argocd_new(s->http, &cfg->argocd, cfg->argocd_app, s->argocd_error,
		                       sizeof s->argocd_error);
	return 0;
}

static void on_signals(bool ok, const char *err, void *arg)
{
	struct sources *s = arg;

	model_source(s->model, SRC_PROM, ok ? SRC_UP : SRC_DOWN, err);
	model_mark(s->model, DIRTY_METRICS);
}

static void on_alerts(bool ok, const char *err, void *arg)
{
	struct sources *s = arg;

	model_source(s->model, SRC_ALERTMGR, ok ? SRC_UP : SRC_DOWN, err);
	model_mark(s->model, DIRTY_ALERTS);
}

static void on_slots(const struct slots_state *st, void *arg)
{
	struct sources *s = arg;
	struct model *m = s->model;

	m->slots = st;
	if (st->last_error[0])
		model_source(m, SRC_KUBE, SRC_DOWN, st->last_error);
	else
		model_source(m, SRC_KUBE, SRC_UP, NULL);
	model_mark(m, DIRTY_SLOTS);
}

void sources_attach(struct sources *s, struct model *m)
{
	s->model = m;
	if (s->kube) {
		s->slots = slots_poller_new(s->loop, s->kube, s->cfg, on_slots, s);
		if (s->slots) {
			model_source(m, SRC_KUBE, SRC_CONNECTING, NULL);
			slots_poller_start(s->slots, s->cfg->refresh_ms);
		}
	} else if (s->cfg->kube.service[0]) {
		model_source(m, SRC_KUBE, SRC_DOWN, s->kube_error);
	}
	if (s->cfg->argocd.url[0] && !s->argocd)
		model_source(m, SRC_ARGOCD, SRC_DOWN, s->argocd_error);
	if (s->prom && (s->signals = prom_poller_new(s->loop, s->prom, &m->metrics, on_signals, s))) {
		model_source(m, SRC_PROM, SRC_CONNECTING, NULL);
		prom_poller_start(s->signals, s->cfg->refresh_ms);
	} else if (s->cfg->prometheus.url[0]) {
		model_source(m, SRC_PROM, SRC_DOWN, s->prom_error);
	}
	if (s->cfg->alertmanager.url[0]) {
		s->alerts = alertmgr_new(s->loop, s->http, s->cfg, &m->alerts, on_alerts, s,
		                         s->alerts_error, sizeof s->alerts_error);
		if (s->alerts) {
			model_source(m, SRC_ALERTMGR, SRC_CONNECTING, NULL);
			alertmgr_start(s->alerts, s->cfg->refresh_ms);
		} else {
			model_source(m, SRC_ALERTMGR, SRC_DOWN, s->alerts_error);
		}
	}
}

void sources_refresh(struct sources *s)
{
	if (s->slots)
		slots_poller_refresh(s->slots);
	if (s->signals)
		prom_poller_refresh(s->signals);
	if (s->alerts)
		alertmgr_refresh(s->alerts);
}

void sources_rollback_ctx(const struct sources *s, struct timeline *tl, struct rollback_ctx *ctx)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->loop = s->loop;
	ctx->kube = s->kube;
	ctx->argocd = s->argocd;
	ctx->tl = tl;
	ctx->cfg = s->cfg;
}

void sources_close(struct sources *s)
{
	slots_poller_free(s->slots);
	prom_poller_stop(s->signals);
	alertmgr_stop(s->alerts);
	argocd_free(s->argocd);
	kube_free(s->kube);
	http_free(s->http);       /* pending answers arrive here and are dropped */
	prom_poller_free(s->signals);
	alertmgr_free(s->alerts);
	prom_free(s->prom);
	memset(s, 0, sizeof *s);
}
