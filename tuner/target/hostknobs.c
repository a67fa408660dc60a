#include "hostknobs.h"
#include "../../lib/err.h"
#include "../../lib/knobs.h"
#include "../../lib/strbuf.h"
#include "target.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What vm.hugepages reserves: no searchable knobs of their own, not in the catalogue. */
static const struct { const char *knob, *path; } reserves[] = {
	{ "host.hugepages-2M", "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages" },
	{ "host.hugepages-1G", "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages" },
};

const char *hostknob_path(const char *knob)
{
	const struct knob *k = knob_find(knob);
	if (k)
		return k->level == KNOB_HOST ? k->path : NULL;
	for (size_t i = 0; i < sizeof(reserves) / sizeof(*reserves); i++)
		if (!strcmp(reserves[i].knob, knob))
			return reserves[i].path;
	return NULL;
}

const char *hostknob_value(const char *knob, const char *value)
{
	if (!strcmp(knob, "host.ksm"))
		return !strcmp(value, "on") || !strcmp(value, "true") ? "1" : "0";
	return value;
}

/* The reverse of hostknob_value(): a file's value in the catalogue's words. */
static const char *hostknob_word(const char *knob, const char *file_value)
{
	if (!strcmp(knob, "host.ksm") && (!strcmp(file_value, "1") || !strcmp(file_value, "0")))
		return !strcmp(file_value, "1") ? "on" : "off";
	return file_value;
}

/* The file's value, "[selected]" of a choice list taken out. */
static int read_value(const char *path, struct strbuf *out, char *err)
{
	FILE *f = fopen(path, "r");
	char buf[256];
	if (!f)
		return seterr(err, "cannot read %s: %s", path, strerror(errno)), -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	char *a = strchr(buf, '['), *b = a ? strchr(a, ']') : NULL;
	strbuf_reset(out);
	if (a && b)
		strbuf_add(out, a + 1, (size_t)(b - a - 1));
	else
		strbuf_addstr(out, buf);
	return 0;
}

static int write_value(const char *path, const char *value, char *err)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return seterr(err, "cannot write %s: %s", path, strerror(errno)), -1;
	int rc = fputs(value, f) < 0;
	if (fclose(f) || rc)
		return seterr(err, "cannot write '%s' to %s: %s", value, path, strerror(errno)), -1;
	return 0;
}

static int set_path(struct store *st, int64_t run, const char *knob, const char *path,
		    const char *value, struct strbuf *back, char *err)
{
	struct journal_entry e = { .kind = JOURNAL_FILE, .knob = knob, .path = path };
	if (read_value(path, back, err))
		return -1;
	e.original = back->buf;
	if (store_journal_record(st, run, &e, err) ||	/* before any change */
	    write_value(path, value, err) || read_value(path, back, err))
		return -1;
	return 0;
}

int hostknob_set(struct store *st, int64_t run, const char *knob, const char *value,
		 struct strbuf *back, char *err)
{
	const char *path = hostknob_path(knob), *file_value = hostknob_value(knob, value);
	if (!path)
		return seterr(err, "no host knob '%s'", knob), -1;
	if (set_path(st, run, knob, path, file_value, back, err))
		return -1;
	int same = !strcmp(back->buf, file_value);
	const char *word = hostknob_word(knob, back->buf);
	if (word != back->buf) {	/* a literal: back may be rewritten */
		strbuf_reset(back);
		strbuf_addstr(back, word);
	}
	if (!same)
		return knob_mismatch(err, knob, value, back->buf), -1;
	return 0;
}

int hostknob_reserve_hugepages(struct store *st, int64_t run, const char *size, long n, char *err)
{
	char knob[32], value[32];
	struct strbuf back = STRBUF_INIT;
	snprintf(knob, sizeof(knob), "host.hugepages-%s", size);
	snprintf(value, sizeof(value), "%ld", n);
	const char *path = hostknob_path(knob);
	int rc = -1;
	if (!path)
		return seterr(err, "no huge pages of size %s", size), -1;
	if (read_value(path, &back, err))
		goto out;
	if (atol(back.buf) >= n) {	/* enough are reserved already: nothing to change */
		rc = 0;
		goto out;
	}
	if (set_path(st, run, knob, path, value, &back, err))
		goto out;
	if (atol(back.buf) < n) {
		seterr(err, "vm.hugepages %s not applied: asked %ld huge pages of the host, got %s",
		       size, n, back.buf);
		goto out;
	}
	rc = 0;
out:
	strbuf_release(&back);
	return rc;
}

static int plain(const char *s, size_t max);

struct original {
	int64_t run;
	const char *knob;
	struct strbuf *value;
};

static int find_original(const struct journal_entry *e, void *ud)
{
	struct original *o = ud;
	if (e->kind != JOURNAL_FILE || e->run_id != o->run || strcmp(e->knob, o->knob))
		return 0;
	strbuf_addstr(o->value, e->original ? e->original : "");
	return 1;
}

int hostknob_release_hugepages(struct store *st, int64_t run, const char *size, char *err)
{
	char knob[32];
	struct strbuf orig = STRBUF_INIT, back = STRBUF_INIT;
	snprintf(knob, sizeof(knob), "host.hugepages-%s", size);
	struct original o = { .run = run, .knob = knob, .value = &orig };
	const char *path = hostknob_path(knob);
	int rc = 0, found = path ? store_journal_foreach_pending(st, find_original, &o, err) : 0;
	if (found < 0)
		rc = -1;
	else if (found == 1 && plain(orig.buf, 32) &&	/* this run reserved some: back as it found them */
		 (write_value(path, orig.buf, err) || read_value(path, &back, err)))
		rc = -1;
	strbuf_release(&orig);
	strbuf_release(&back);
	return rc;
}

struct restore_ctx {
	int count, failed, unreachable, foreign;
	char *foreign_msg;	/* the first row left alone, said */
	const char *only_uri;	/* NULL: everything; else only that host's domains and volumes */
	char *err;
	int64_t *done;	/* ids written back, marked once all are */
	size_t ndone;
};

/* A word with nothing a file or a name could be steered by: [A-Za-z0-9._-]+. */
static int plain(const char *s, size_t max)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
	return n && !s[n] && n <= max;
}

/*
 * A data disk vmtune made: STORAGE/vmtune-PID-tTRIAL-rREPEAT-dN.img, or of
 * co-located VMs -rREPEAT-iINSTANCE-dN.img; absolute, no "..".
 */
static int own_disk(const char *path)
{
	const char *base = strrchr(path, '/');
	int pid, len = 0;
	long long trial;
	unsigned rep, d, inst;
	struct stat st;
	if (path[0] != '/' || strstr(path, "/../") || !base)
		return 0;
	if (!(sscanf(base + 1, "vmtune-%d-t%lld-r%u-d%u.img%n", &pid, &trial, &rep, &d, &len) == 4 &&
	      base[1 + len] == '\0') &&
	    !(sscanf(base + 1, "vmtune-%d-t%lld-r%u-i%u-d%u.img%n", &pid, &trial, &rep, &inst, &d,
		     &len) == 5 && base[1 + len] == '\0'))
		return 0;
	return lstat(path, &st) ? errno == ENOENT : S_ISREG(st.st_mode);
}

/* The process pid (text) when it is a vmbench net peer (--server); 0 when none is. */
static pid_t net_peer(const char *pid_text)
{
	char path[64], cmd[512];
	long pid = plain(pid_text, 12) ? strtol(pid_text, NULL, 10) : 0;
	if (pid <= 1)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(cmd, 1, sizeof(cmd) - 1, f) : 0;
	if (f)
		fclose(f);
	cmd[n] = '\0';	/* argv[0] NUL argv[1] NUL ...: vmbench net ... --server */
	const char *base = strrchr(cmd, '/');
	base = base ? base + 1 : cmd;
	int server = 0;
	for (size_t i = 0; i < n; i += strlen(cmd + i) + 1)
		server |= !strcmp(cmd + i, "--server");
	size_t first = strlen(cmd) + 1;
	return first < n && !strcmp(base, "vmbench") && !strcmp(cmd + first, "net") && server
		? (pid_t)pid : 0;
}

/*
 * Whether vmtune wrote this row: a knob's own file from the catalogue and a
 * plain original value, a data disk it made, a domain or volume it named.
 * Any other (a row added by hand) is reported and left alone.
 */
static int own_row(const struct journal_entry *e)
{
	switch (e->kind) {
	case JOURNAL_IMAGE:
		return own_disk(e->path);
	case JOURNAL_DOMAIN:
	case JOURNAL_VOLUME:
		return !strncmp(e->path, "vmtune-", 7) && plain(e->path, 200) && e->host && *e->host;
	case JOURNAL_PEER:
		return plain(e->path, 12) && strspn(e->path, "0123456789") == strlen(e->path);
	case JOURNAL_FILE: {
		const char *want = hostknob_path(e->knob);
		return want && !strcmp(want, e->path) && plain(e->original, 64);
	}
	}
	return 0;
}

static int restore_one(const struct journal_entry *e, void *ud)
{
	struct restore_ctx *c = ud;
	char err[ERR_LEN];
	/* newest first: the first journaled (original) value is written last */
	int rc;
	if (c->only_uri && ((e->kind != JOURNAL_DOMAIN && e->kind != JOURNAL_VOLUME) ||
			    !e->host || strcmp(e->host, c->only_uri)))
		return 0;
	if (!own_row(e)) {
		if (!c->foreign++ && c->foreign_msg)
			snprintf(c->foreign_msg, ERR_LEN, "journal row %lld (%s %s%s%s) is not one vmtune "
				 "writes: left alone", (long long)e->id, journal_kind_name(e->kind),
				 e->knob && *e->knob ? e->knob : "", e->knob && *e->knob ? " " : "",
				 e->path);
		return 0;
	}
	switch (e->kind) {
	case JOURNAL_IMAGE:
		rc = unlink(e->path) && errno != ENOENT ? -1 : 0;
		if (rc)
			snprintf(err, sizeof(err), "cannot remove %s: %s", e->path, strerror(errno));
		break;
	case JOURNAL_DOMAIN:
	case JOURNAL_VOLUME:
		rc = target_undo(e->kind == JOURNAL_DOMAIN ? UNDO_DOMAIN : UNDO_VOLUME, e->path,
				 e->host, err);
		if (rc == 1) {	/* its host is away: left in the journal for later */
			c->unreachable++;
			return 0;
		}
		break;
	case JOURNAL_PEER: {	/* gone already, or another process has its pid now: nothing to do */
		pid_t pid = net_peer(e->path);
		rc = pid && kill(pid, SIGTERM) && errno != ESRCH ? -1 : 0;
		if (rc)
			snprintf(err, sizeof(err), "cannot stop the network peer %s: %s", e->path,
				 strerror(errno));
		break;
	}
	default:
		rc = write_value(e->path, e->original, err);
		break;
	}
	if (rc) {
		if (!c->failed)
			seterr(c->err, "%s", err);
		c->failed = 1;
		return 0;
	}
	c->done = xrealloc(c->done, (c->ndone + 1) * sizeof(*c->done));
	c->done[c->ndone++] = e->id;
	c->count++;
	return 0;
}

static int restore(struct store *st, const char *uri, int *count, int *left, int *foreign,
		   char *foreign_msg, char *err)
{
	struct restore_ctx c = { .err = err, .only_uri = uri, .foreign_msg = foreign_msg };
	int rc = store_journal_foreach_pending(st, restore_one, &c, err) || c.failed ? -1 : 0;
	/* marked only once every value is back, so a failed restore can be replayed */
	for (size_t i = 0; !rc && i < c.ndone; i++)
		rc = store_journal_mark_restored(st, c.done[i], err);
	free(c.done);
	if (!rc)
		*count = c.count;
	if (left)
		*left = c.unreachable;
	if (foreign)
		*foreign = c.foreign;
	return rc;
}

int hostknob_restore(struct store *st, int *count, int *left, int *foreign, char *foreign_msg,
		     char *err)
{
	return restore(st, NULL, count, left, foreign, foreign_msg, err);
}

int hostknob_restore_host(struct store *st, const char *uri, int *count, int *left, char *err)
{
	return restore(st, uri, count, left, NULL, NULL, err);
}

int hostknob_apply(struct store *st, int64_t run, const char *knob, const char *value,
		   struct strbuf *back, char *err)
{
	if (strncmp(knob, "host.hugepages-", 15))
		return hostknob_set(st, run, knob, value, back, err);
	return value ? hostknob_reserve_hugepages(st, run, knob + 15, atol(value), err)
		     : hostknob_release_hugepages(st, run, knob + 15, err);
}
