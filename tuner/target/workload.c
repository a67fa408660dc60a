/*
 * The user's workload: its figures out of run's output, its files walked
 * (workload.h). The guest side (guest agent, appliance) is the target's.
 */
#include "workload.h"
#include "target.h"
#include "../../lib/err.h"
#include "../../lib/metricline.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const workload_step_name[3] = { "setup", "run", "teardown" };

int wl_pattern_compile(struct wl_pattern *p, char *err)
{
	int rc = regcomp(&p->re, p->pattern, REG_EXTENDED | REG_NEWLINE);
	if (rc) {
		char why[128];
		regerror(rc, &p->re, why, sizeof(why));
		return seterr(err, "metric %s: pattern is not a regular expression: %s", p->name,
			      why), -1;
	}
	if (p->re.re_nsub != 1) {
		size_t n = p->re.re_nsub;
		regfree(&p->re);
		return seterr(err, "metric %s: a pattern needs exactly one capture group (its "
			      "figure), this one has %zu", p->name, n), -1;
	}
	p->compiled = 1;
	return 0;
}

/* The last match of p in out, line by line: its capture as a number. 1 found, 0 not, -1 bad. */
static int last_match(const struct wl_pattern *p, const char *out, double *value, char *err)
{
	regmatch_t m[2];
	const char *at = out, *found = NULL;
	size_t len = 0;
	int flags = 0;
	while (*at && !regexec(&p->re, at, 2, m, flags)) {
		if (m[1].rm_so >= 0) {
			found = at + m[1].rm_so;
			len = (size_t)(m[1].rm_eo - m[1].rm_so);
		}
		const char *nl = strchr(at + m[0].rm_eo, '\n');	/* the next line */
		if (!nl)
			break;
		at = nl + 1;
	}
	if (!found)
		return 0;
	char text[64], *end;
	if (len == 0 || len >= sizeof(text))
		return seterr(err, "metric %s: the pattern captured '%.*s', not a number", p->name,
			      (int)(len < 40 ? len : 40), found), -1;
	memcpy(text, found, len);
	text[len] = '\0';
	errno = 0;
	*value = strtod(text, &end);
	if (*end || errno || !isfinite(*value))
		return seterr(err, "metric %s: the pattern captured '%s', not a finite number",
			      p->name, text), -1;
	return 1;
}

static int take_lines(const char *out, const struct trial_sink *sink, struct trial_result *res)
{
	const char *line = out;
	struct strbuf one = STRBUF_INIT;
	int rc = 0;
	while (*line && !rc) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		strbuf_reset(&one);
		strbuf_add(&one, line, n);
		struct metricline ml;
		if (metricline_parse(one.buf, &ml) == ML_METRIC) {
			if (sink->metric && sink->metric(sink->ud, &ml.m))
				rc = -2;
			res->nmetrics++;
		}
		metricline_release(&ml);
		line += n + (nl != NULL);
	}
	strbuf_release(&one);
	return rc;
}

int workload_take_output(const struct workload *wl, const char *out,
			 const struct trial_sink *sink, struct trial_result *res, char *err)
{
	int rc = take_lines(out, sink, res);
	if (rc)
		return seterr(err, "could not store a result"), rc;
	for (size_t i = 0; i < wl->npat; i++) {
		const struct wl_pattern *p = &wl->pat[i];
		double v;
		int got = last_match(p, out, &v, err);
		if (got < 0)
			return -1;
		if (!got)
			return seterr(err, "metric %s: its pattern matched nothing in run's output",
				      p->name), -1;
		struct metric m = { .name = p->name, .value = v, .unit = p->unit,
				    .better = p->better };
		if (sink->metric && sink->metric(sink->ud, &m))
			return seterr(err, "could not store a result"), -2;
		res->nmetrics++;
	}
	return 0;
}

struct walk {
	int (*fn)(void *, const char *, int, const char *, size_t, char *);
	void *ud;
	size_t files, bytes;
};

static int walk_dir(struct walk *w, const char *abs, const char *rel, int depth, char *err)
{
	DIR *d = opendir(abs);
	if (!d)
		return seterr(err, "files: cannot read %s: %s", abs, strerror(errno)), -1;
	struct dirent *e;
	int rc = 0;
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		struct strbuf a = STRBUF_INIT, r = STRBUF_INIT;
		struct stat st;
		strbuf_addf(&a, "%s/%s", abs, e->d_name);
		strbuf_addf(&r, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		if (lstat(a.buf, &st))
			rc = (seterr(err, "files: %s: %s", a.buf, strerror(errno)), -1);
		else if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
			rc = (seterr(err, "files: %s is neither a file nor a folder (links are not "
				    "followed)", a.buf), -1);
		else if (++w->files > WORKLOAD_MAX_FILES)
			rc = (seterr(err, "files: more than %d files in %s", WORKLOAD_MAX_FILES,
				    abs), -1);
		else if (S_ISREG(st.st_mode) &&
			 (w->bytes += (size_t)st.st_size) > (size_t)WORKLOAD_MAX_BYTES)
			rc = (seterr(err, "files: more than %d MiB in all", WORKLOAD_MAX_BYTES >> 20),
			-1);
		else if (depth > 16)
			rc = (seterr(err, "files: %s is nested deeper than 16 folders", a.buf), -1);
		else
			rc = w->fn(w->ud, r.buf, S_ISDIR(st.st_mode), a.buf, (size_t)st.st_size, err);
		if (!rc && S_ISDIR(st.st_mode))
			rc = walk_dir(w, a.buf, r.buf, depth + 1, err);
		strbuf_release(&a);
		strbuf_release(&r);
	}
	closedir(d);
	return rc;
}

int workload_walk(const char *folder, int (*fn)(void *ud, const char *rel, int is_dir,
						 const char *abs, size_t size, char *err),
		  void *ud, char *err)
{
	struct walk w = { .fn = fn, .ud = ud };
	return walk_dir(&w, folder, "", 0, err);
}

int workload_read(const char *abs, size_t size, struct strbuf *out, char *err)
{
	char why[ERR_LEN];
	strbuf_reset(out);
	if (strbuf_read_file(out, abs, size, why))
		return seterr(err, "files: cannot read %s: %s", abs, why), -1;
	return 0;
}

void text_tail(const char *text, size_t max, struct strbuf *out)
{
	size_t n = strlen(text);
	while (n && text[n - 1] == '\n')
		n--;
	const char *from = text;
	if (n > max) {
		from = text + n - max;
		const char *nl = memchr(from, '\n', (size_t)(text + n - from));
		if (nl)
			from = nl + 1;
	}
	strbuf_add(out, from, (size_t)(text + n - from));
}

void workload_release(struct workload *wl)
{
	for (int s = 0; s < 3; s++) {
		for (size_t i = 0; wl->step[s] && wl->step[s][i]; i++)
			free(wl->step[s][i]);
		free(wl->step[s]);
	}
	for (size_t i = 0; i < wl->npat; i++) {
		if (wl->pat[i].compiled)
			regfree(&wl->pat[i].re);
		free(wl->pat[i].name);
		free(wl->pat[i].pattern);
		free(wl->pat[i].unit);
	}
	free(wl->pat);
	free(wl->files);
	memset(wl, 0, sizeof(*wl));
}
