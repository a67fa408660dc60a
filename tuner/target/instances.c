/* N instances of one trial side by side, one start signal, one aggregate (instances.h). */
#include "instances.h"
#include "hostcost.h"
#include "../../lib/strbuf.h"
#include "../../results/stats.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct gate {
	pthread_mutex_t lock;
	int n, ready, failed;
	unsigned char *is_ready;	/* [1..n] */
};

enum gate_state gate_poll(struct gate *g, int i)
{
	pthread_mutex_lock(&g->lock);
	if (!g->is_ready[i]) {
		g->is_ready[i] = 1;
		g->ready++;
	}
	enum gate_state s = g->failed ? GATE_ABANDON : g->ready == g->n ? GATE_GO : GATE_WAIT;
	pthread_mutex_unlock(&g->lock);
	return s;
}

void gate_fail(struct gate *g, int i)
{
	pthread_mutex_lock(&g->lock);
	if (!g->is_ready[i])
		g->failed++;
	pthread_mutex_unlock(&g->lock);
}

/* One metric's samples, per instance. */
struct series {
	char *name, *unit;
	enum better better;
	double **v;		/* [instance 1..n] */
	size_t *nv;
};

struct shared {
	pthread_mutex_t lock;
	const struct trial_sink *sink;
	int n;
	struct series *s;
	size_t ns;
};

struct one {
	struct shared *sh;
	int instance;
	struct trial_sink sink;
	struct trial_result res;
	instance_fn *fn;
	void *ud;
	struct gate *gate;
	pthread_t thread;
	int rc;
};

static void keep(struct shared *sh, int i, const struct metric *m)
{
	size_t k = 0;
	while (k < sh->ns && strcmp(sh->s[k].name, m->name))
		k++;
	if (k == sh->ns) {
		sh->s = xrealloc(sh->s, (sh->ns + 1) * sizeof(*sh->s));
		sh->s[sh->ns++] = (struct series){
			.name = xstrdup(m->name), .unit = m->unit ? xstrdup(m->unit) : NULL,
			.better = m->better, .v = xcalloc((size_t)sh->n + 1, sizeof(double *)),
			.nv = xcalloc((size_t)sh->n + 1, sizeof(size_t)),
		};
	}
	struct series *s = &sh->s[k];
	s->v[i] = xrealloc(s->v[i], (s->nv[i] + 1) * sizeof(double));
	s->v[i][s->nv[i]++] = m->value;
}

static int one_metric(void *ud, const struct metric *m)
{
	struct one *o = ud;
	struct metric tagged = *m;
	tagged.instance = o->instance;
	pthread_mutex_lock(&o->sh->lock);
	keep(o->sh, o->instance, m);
	int rc = o->sh->sink->metric ? o->sh->sink->metric(o->sh->sink->ud, &tagged) : 0;
	pthread_mutex_unlock(&o->sh->lock);
	return rc;
}

static int one_applied(void *ud, const char *knob, const char *asked, const char *actual, int same)
{
	struct one *o = ud;
	const struct trial_sink *s = o->sh->sink;
	pthread_mutex_lock(&o->sh->lock);
	int rc = s->applied ? s->applied(s->ud, knob, asked, actual, same) : 0;
	pthread_mutex_unlock(&o->sh->lock);
	return rc;
}

static void one_ignored(void *ud, const char *line)
{
	struct one *o = ud;
	const struct trial_sink *s = o->sh->sink;
	pthread_mutex_lock(&o->sh->lock);
	if (s->ignored)
		s->ignored(s->ud, line);
	pthread_mutex_unlock(&o->sh->lock);
}

static int one_host(void *ud, const char *knob, const char *value, char *err)
{
	struct one *o = ud;
	const struct trial_sink *s = o->sh->sink;
	pthread_mutex_lock(&o->sh->lock);
	int rc = s->host(s->ud, knob, value, err);
	pthread_mutex_unlock(&o->sh->lock);
	return rc;
}

static int one_undo(void *ud, enum undo_kind kind, const char *what, const char *host, int done,
		    char *err)
{
	struct one *o = ud;
	const struct trial_sink *s = o->sh->sink;
	pthread_mutex_lock(&o->sh->lock);
	int rc = s->undo(s->ud, kind, what, host, done, err);
	pthread_mutex_unlock(&o->sh->lock);
	return rc;
}

static void *one_thread(void *ud)
{
	struct one *o = ud;
	o->rc = o->fn(o->ud, o->instance, o->gate, &o->sink, &o->res);
	if (o->res.outcome != OUTCOME_DONE)
		gate_fail(o->gate, o->instance);
	return NULL;
}

/* The trial's figures: each metric over the instances that all measured it. */
static int aggregate_all(struct shared *sh, enum aggregate agg, struct trial_result *res)
{
	double *per = xcalloc((size_t)sh->n, sizeof(double));
	int rc = 0;
	for (size_t k = 0; k < sh->ns && !rc; k++) {
		struct series *s = &sh->s[k];
		size_t n = 0;
		for (int i = 1; i <= sh->n; i++)
			if (s->nv[i])
				per[n++] = stats_median(s->v[i], s->nv[i]);
		if (n < (size_t)sh->n && !hostcost_metric(s->name))
			continue;	/* not every instance measured it: no figure of the trial */
		double x;
		if (!hostcost_combine(s->name, per, n, &x))
			x = aggregate_of(agg, s->better, per, n);
		struct metric m = { .name = s->name, .value = x, .unit = s->unit,
				    .better = s->better };
		rc = sh->sink->metric && sh->sink->metric(sh->sink->ud, &m) ? -1 : 0;
		res->nmetrics++;
	}
	free(per);
	return rc;
}

/* Which instance's outcome is the trial's: one that says nothing of the configuration first. */
static int rank(enum trial_outcome o)
{
	return o == OUTCOME_HOST_LOST ? 4 : o == OUTCOME_INTERRUPTED ? 3 : o == OUTCOME_TIMEOUT ? 2
	     : o == OUTCOME_FAILED ? 1 : 0;
}

static void outcome(struct one *o, int n, struct trial_result *res)
{
	int worst = 0;
	for (int i = 1; i < n; i++)
		if (rank(o[i].res.outcome) > rank(o[worst].res.outcome))
			worst = i;
	struct trial_result *w = &o[worst].res;
	res->outcome = w->outcome;
	if (w->outcome != OUTCOME_DONE)
		strbuf_addf(&res->reason, "instance %d of %d: %s", worst + 1, n, w->reason.buf);
	strbuf_add(&res->stderr_tail, w->stderr_tail.buf, w->stderr_tail.len);
	strbuf_add(&res->domain_xml, o[0].res.domain_xml.buf, o[0].res.domain_xml.len);
	strbuf_add(&res->live_xml, o[0].res.live_xml.buf, o[0].res.live_xml.len);
	strbuf_add(&res->console_path, o[0].res.console_path.buf, o[0].res.console_path.len);
	for (int i = 0; i < n; i++) {
		res->nignored += o[i].res.nignored;
		res->stop_search |= o[i].res.stop_search;
	}
}

int instances_run(int n, enum aggregate agg, instance_fn *fn, void *ud,
		  const struct trial_sink *sink, struct trial_result *res)
{
	struct shared sh = { .sink = sink, .n = n };
	struct gate g = { .n = n, .is_ready = xcalloc((size_t)n + 1, 1) };
	struct one *o = xcalloc((size_t)n, sizeof(*o));
	int rc = 0;
	pthread_mutex_init(&sh.lock, NULL);
	pthread_mutex_init(&g.lock, NULL);
	for (int i = 0; i < n; i++) {
		o[i] = (struct one){ .sh = &sh, .instance = i + 1, .fn = fn, .ud = ud, .gate = &g };
		o[i].sink = (struct trial_sink){ .ud = &o[i], .metric = one_metric,
			.applied = one_applied, .ignored = one_ignored, .host = one_host,
			.undo = one_undo };
		trial_result_init(&o[i].res);
	}
	for (int i = 1; i < n; i++)
		if (pthread_create(&o[i].thread, NULL, one_thread, &o[i])) {
			o[i].res.outcome = OUTCOME_FAILED;
			strbuf_addstr(&o[i].res.reason, "cannot start a thread");
			gate_fail(&g, i + 1);
			o[i].thread = 0;
		}
	one_thread(&o[0]);
	for (int i = 1; i < n; i++)
		if (o[i].thread)
			pthread_join(o[i].thread, NULL);
	for (int i = 0; i < n; i++)
		rc |= o[i].rc;
	outcome(o, n, res);
	if (!rc && res->outcome == OUTCOME_DONE)
		rc = aggregate_all(&sh, agg, res);
	for (size_t k = 0; k < sh.ns; k++) {
		for (int i = 0; i <= n; i++)
			free(sh.s[k].v[i]);
		free(sh.s[k].v);
		free(sh.s[k].nv);
		free(sh.s[k].name);
		free(sh.s[k].unit);
	}
	free(sh.s);
	for (int i = 0; i < n; i++)
		trial_result_release(&o[i].res);
	free(o);
	free(g.is_ready);
	pthread_mutex_destroy(&sh.lock);
	pthread_mutex_destroy(&g.lock);
	return rc ? -1 : 0;
}
