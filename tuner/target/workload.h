#ifndef WORKLOAD_H
#define WORKLOAD_H
/*
 * The user's own workload in a test-VM job (the job's `workload:`), run in
 * the guest: through the QEMU guest agent in a user's image, by the agent
 * in the bundled appliance.
 *
 *   workload:
 *     files: ./bench          # a host folder, copied to WORKLOAD_GUEST_DIR
 *     setup: [/usr/bin/redis-cli, flushall]       # argv lists, each optional
 *     run: [/usr/bin/redis-benchmark, -q, -t, get,set, -n, "100000"]
 *     teardown: [...]
 *     metrics:                # how figures come out of run's output
 *       - {name: redis.get, pattern: "GET: ([0-9.]+) requests per second",
 *          better: higher, unit: req/s}
 *
 * Without metrics:, run prints metric lines (lib/metricline.h) as an exec
 * target's command does. A pattern is a POSIX extended regex with exactly
 * one capture group, matched line by line; the last line that matches
 * gives the figure (a benchmark's summary comes after its progress). A
 * pattern that matches nothing fails the trial, naming its metric.
 *
 * Nothing here builds a shell line: each step is an argv, run as is.
 */
#include <regex.h>
#include <stddef.h>
#include "../../lib/metric.h"
#include "../../lib/strbuf.h"

struct target_setting;
struct trial_sink;
struct trial_result;

#define WORKLOAD_GUEST_DIR "/var/lib/vmtune/files"
#define WORKLOAD_MAX_FILES 1000		/* files in files: (README, Limits) */
#define WORKLOAD_MAX_BYTES (64 << 20)	/* their total size */
#define WORKLOAD_MAX_ARGS 256		/* words of one step */
#define WORKLOAD_MAX_METRICS 64		/* patterns */

struct wl_pattern {
	char *name, *pattern, *unit;
	enum better better;
	regex_t re;
	int compiled;
	int line, col;
};

struct workload {
	char **step[3];		/* setup, run, teardown: NULL-terminated argv, or NULL */
	char *files;		/* absolute host folder, or NULL */
	struct wl_pattern *pat;
	size_t npat;
	int line, col;		/* where workload: stands in the job file */
};

enum { WL_SETUP, WL_RUN, WL_TEARDOWN };
extern const char *const workload_step_name[3];

/* Compiles pattern into p->re; -1 with why (not a regex, not one capture group). */
int wl_pattern_compile(struct wl_pattern *p, char *err);
/*
 * Figures from run's output (out): its metric lines and, with patterns,
 * each pattern's last match, to the sink. -1 with err naming the metric a
 * pattern did not find, or a captured text that is not a finite number; -2
 * when the sink failed.
 */
int workload_take_output(const struct workload *wl, const char *out,
			 const struct trial_sink *sink, struct trial_result *res, char *err);
/*
 * The files of folder: regular files and folders only, at most
 * WORKLOAD_MAX_FILES and WORKLOAD_MAX_BYTES in all; each relative path
 * (folders before their contents) to fn. -1 with err.
 */
int workload_walk(const char *folder, int (*fn)(void *ud, const char *rel, int is_dir,
						 const char *abs, size_t size, char *err),
		  void *ud, char *err);
/* A file the walk gave (at most size bytes, as it was then) into out, replacing it; -1 with err. */
int workload_read(const char *abs, size_t size, struct strbuf *out, char *err);
/* The last lines of text (at most max bytes, whole lines), for a failure's reason. */
void text_tail(const char *text, size_t max, struct strbuf *out);
void workload_release(struct workload *wl);

#endif
