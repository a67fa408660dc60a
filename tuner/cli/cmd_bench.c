/*
 * vmtune bench: runs the bundled microbenchmarks (the vmbench program next
 * to vmtune) on this host and prints a table, or their metric lines.
 */
#include "vmtune.h"
#include "../../lib/metricline.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *const all_benches[] = { "cpu", "membw", "memlat", "tlb", "io", "pingpong", "net",
					     NULL };

#define DEFAULT_IO_PATH "/var/tmp/vmtune-bench-io.dat"

struct row {
	char *bench, *metric, *unit;
	double value;
};

struct table {
	struct row *rows;
	size_t n;
	struct strbuf notes;
};

static void take_line(const char *bench, const char *line, int json, struct table *t)
{
	struct metricline ml;
	if (json) {
		puts(line);
		return;
	}
	switch (metricline_parse(line, &ml)) {
	case ML_METRIC:
		t->rows = xrealloc(t->rows, (t->n + 1) * sizeof(*t->rows));
		t->rows[t->n++] = (struct row){ xstrdup(bench), xstrdup(ml.m.name),
						xstrdup(ml.m.unit ? ml.m.unit : ""), ml.m.value };
		break;
	case ML_NOTE:
		strbuf_addf(&t->notes, "  %s: %s\n", bench, ml.note);
		break;
	default:
		strbuf_addf(&t->notes, "  %s: unexpected output: %s\n", bench, line);
		break;
	}
	metricline_release(&ml);
}

/* Runs vmbench for one benchmark; returns its exit status, or -1 when it did not run. */
static int run_one(const char *vmbench, const char *bench, int quick, const char *io_path,
		   int json, struct table *t)
{
	char *argv[8];
	int n = 0, fd[2], status;
	pid_t pid;
	posix_spawn_file_actions_t fa;

	argv[n++] = (char *)vmbench;
	argv[n++] = (char *)bench;
	argv[n++] = "--json";
	if (quick)
		argv[n++] = "--quick";
	if (!strcmp(bench, "io"))
		argv[n++] = (char *)io_path;
	argv[n] = NULL;
	if (pipe2(fd, O_CLOEXEC))
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	int rc = posix_spawn(&pid, vmbench, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	if (rc) {
		close(fd[0]);
		errno = rc;
		return -1;
	}
	FILE *f = fdopen(fd[0], "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		take_line(bench, line, json, t);
	}
	free(line);
	fclose(f);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int known(const char *name)
{
	for (size_t i = 0; all_benches[i]; i++)
		if (!strcmp(all_benches[i], name))
			return 1;
	return 0;
}

static void print_table(const struct table *t)
{
	printf("%-9s %-22s %14s  %s\n", "bench", "metric", "value", "unit");
	for (size_t i = 0; i < t->n; i++)
		printf("%-9s %-22s %14.6g  %s\n", t->rows[i].bench, t->rows[i].metric,
		       t->rows[i].value, t->rows[i].unit);
	if (t->notes.len)
		printf("notes:\n%s", t->notes.buf);
}

static int bench_main(int argc, char **argv)
{
	const struct cmd *c = &cmd_bench;
	int quick = 0, json = 0, failed = 0;
	const char *only = NULL, *io_path = DEFAULT_IO_PATH;
	struct table t = { .notes = STRBUF_INIT };

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_usage(c, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--quick")) {
			quick = 1;
		} else if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if ((!strcmp(argv[i], "--only") || !strcmp(argv[i], "--io-path")) && i + 1 < argc) {
			*(argv[i][2] == 'o' ? &only : &io_path) = argv[i + 1];
			i++;
		} else {
			return usage_error(c, "unknown argument '%s'", argv[i]);
		}
	}
	/* the selection, in the canonical order */
	const char *sel[8];
	size_t nsel = 0;
	if (only && !only[strspn(only, ",")])
		return usage_error(c, "--only wants benchmarks (cpu, membw, memlat, tlb, io, pingpong, net)");
	if (only) {
		char *list = xstrdup(only), *save, *tok;
		for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			if (!known(tok)) {
				int r = usage_error(c, "no benchmark '%s' (cpu, membw, memlat, tlb, io, pingpong, net)",
						    tok);
				free(list);
				return r;
			}
		for (size_t i = 0; all_benches[i]; i++) {
			for (tok = strcpy(list, only), tok = strtok_r(list, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save))
				if (!strcmp(tok, all_benches[i])) {
					sel[nsel++] = all_benches[i];
					break;
				}
		}
		free(list);
	} else {
		for (size_t i = 0; all_benches[i]; i++)
			sel[nsel++] = all_benches[i];
	}

	char *vmbench = beside_executable("vmbench");
	if (access(vmbench, X_OK)) {
		int r = fail(EXIT_RUNTIME, "%s: %s (build it with make)", vmbench, strerror(errno));
		free(vmbench);
		return r;
	}
	for (size_t i = 0; i < nsel; i++) {
		int rc = run_one(vmbench, sel[i], quick, io_path, json, &t);
		if (rc < 0)
			fail(EXIT_RUNTIME, "cannot run %s: %s", vmbench, strerror(errno));
		if (rc)
			failed++;
		if (!strcmp(sel[i], "io") && io_path == (const char *)DEFAULT_IO_PATH)
			unlink(DEFAULT_IO_PATH);
	}
	if (!json)
		print_table(&t);
	for (size_t i = 0; i < t.n; i++) {
		free(t.rows[i].bench);
		free(t.rows[i].metric);
		free(t.rows[i].unit);
	}
	free(t.rows);
	strbuf_release(&t.notes);
	free(vmbench);
	if (failed)
		return fail(EXIT_RUNTIME, "%d benchmark%s could not measure (see above)", failed,
			    failed > 1 ? "s" : "");
	return EXIT_OK;
}

const struct cmd cmd_bench = {
	.name = "bench",
	.fn = bench_main,
	.summary = "run the bundled microbenchmarks on this host",
	.usage = "vmtune bench [--only LIST] [--quick] [--json] [--io-path PATH]\n"
		 "\n"
		 "Runs cpu, membw, memlat, tlb, io, pingpong and net (or the comma-separated\n"
		 "LIST) through the vmbench program next to vmtune, and prints a table of what\n"
		 "they measured and their notes (what they could not measure and why). net runs\n"
		 "both of its ends here, over loopback (127.0.0.1): no traffic leaves the host.\n"
		 "\n"
		 "  --quick         each benchmark measures for at most 2 s\n"
		 "  --json          print the metric and note lines instead of a table\n"
		 "  --io-path PATH  file or block device for io (default " DEFAULT_IO_PATH ",\n"
		 "                  created and removed; a device is written to, never if mounted)",
};
