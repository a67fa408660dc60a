/*
 * vmtune: command table and dispatch (git.c style). Each command lives in
 * its own cmd_*.c with its own options and usage text.
 */
#include "vmtune.h"
#include "../../lib/err.h"
#include "../../lib/version.h"

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct cmd *const commands[] = {
	&cmd_search, &cmd_runs, &cmd_trials, &cmd_best, &cmd_export, &cmd_bench, &cmd_restore,
	&cmd_topology, &cmd_doctor, &cmd_report, &cmd_baseline, &cmd_check, &cmd_capacity, &cmd_ablate, &cmd_apply, &cmd_knobs,
	&cmd_version, &cmd_help, NULL,
};

const struct cmd *const *cmd_list(void)
{
	return commands;
}

const struct cmd *cmd_find(const char *name)
{
	for (size_t i = 0; commands[i]; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

volatile sig_atomic_t *stop_on_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return &stop_requested;
}

int fail(int code, const char *fmt, ...)
{
	va_list ap;
	fputs("vmtune: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

void print_usage(const struct cmd *c, FILE *f)
{
	fprintf(f, "usage: %s\n", c->usage);
}

int usage_error(const struct cmd *c, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "vmtune %s: ", c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	const char *nl = strchr(c->usage, '\n');
	fprintf(stderr, "usage: %.*s\n", nl ? (int)(nl - c->usage) : (int)strlen(c->usage),
		c->usage);
	return EXIT_USAGE;
}

int wants_help(const struct cmd *c, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_usage(c, stdout);
			return 1;
		}
	return 0;
}

int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_run_id(const struct cmd *c, const char *s, int64_t *id)
{
	if (parse_i64(s, 1, INT64_MAX, id))
		return usage_error(c, "'%s' is not a run number", s);
	return 0;
}

void format_duration(double t, struct strbuf *out)
{
	if (t < 0 || isnan(t)) {
		strbuf_addstr(out, "?");
		return;
	}
	long s = lround(t);
	if (t < 60)
		strbuf_addf(out, "%.1fs", t);
	else if (s < 3600)
		strbuf_addf(out, "%ldm%02lds", s / 60, s % 60);
	else
		strbuf_addf(out, "%ldh%02ldm", s / 3600, s / 60 % 60);
}

void format_printable(const char *s, struct strbuf *out)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			strbuf_addf(out, "\\x%02x", *p);
		else if (*p == '\\')
			strbuf_addstr(out, "\\\\");
		else
			strbuf_addch(out, (char)*p);
}

void format_score(double score, struct strbuf *out)
{
	if (isnan(score))
		strbuf_addstr(out, "-");
	else
		strbuf_addf(out, "%.4f", score);
}

struct store *open_store_ro(const char *path)
{
	struct store *st;
	char err[ERR_LEN];
	if (store_open(&st, path, STORE_READONLY, err)) {
		fail(EXIT_USAGE, "%s", err);
		return NULL;
	}
	return st;
}

int parse_report_args(const struct cmd *c, int argc, char **argv, const char **db,
		      int64_t *run, const char **format)
{
	const char *run_arg = NULL;
	*db = DEFAULT_DB;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_usage(c, stdout);
			return -1;
		} else if (!strcmp(a, "--db") || (format && !strcmp(a, "--format"))) {
			if (i + 1 == argc)
				return usage_error(c, "'%s' needs a value", a);
			*(a[2] == 'd' ? db : format) = argv[++i];
		} else if (!strncmp(a, "--db=", 5)) {
			*db = a + 5;
		} else if (format && !strncmp(a, "--format=", 9)) {
			*format = a + 9;
		} else if (a[0] == '-' && a[1]) {
			return usage_error(c, "unknown option '%s'", a);
		} else if (run && !run_arg) {
			run_arg = a;
		} else {
			return usage_error(c, "unexpected argument '%s'", a);
		}
	}
	if (run && !run_arg)
		return usage_error(c, "which run? (see 'vmtune runs')");
	if (run && parse_run_id(c, run_arg, run))
		return EXIT_USAGE;
	return EXIT_OK;
}

static int help_main(int argc, char **argv)
{
	if (argc > 2)
		return usage_error(&cmd_help, "too many arguments");
	if (wants_help(&cmd_help, argc, argv))
		return EXIT_OK;
	if (argc == 2) {
		const struct cmd *c = cmd_find(argv[1]);
		if (!c)
			return usage_error(&cmd_help, "no command '%s'", argv[1]);
		print_usage(c, stdout);
		return EXIT_OK;
	}
	printf("usage: vmtune <command> [options]\n\n"
	       "vmtune searches VM configurations for the best benchmark scores.\n\n"
	       "commands:\n");
	for (size_t i = 0; commands[i]; i++)
		printf("  %-8s %s\n", commands[i]->name, commands[i]->summary);
	printf("\n'vmtune help COMMAND' or 'vmtune COMMAND --help' tells more.\n"
	       "exit codes: 0 success, 1 a check failed, 2 bad usage or input, 3 runtime failure\n");
	return EXIT_OK;
}

static int version_main(int argc, char **argv)
{
	if (wants_help(&cmd_version, argc, argv))
		return EXIT_OK;
	if (argc > 1)
		return usage_error(&cmd_version, "unexpected argument '%s'", argv[1]);
	printf("vmtune %s\n", VMTUNE_VERSION);
	return EXIT_OK;
}

const struct cmd cmd_version = {
	.name = "version",
	.fn = version_main,
	.summary = "print vmtune's version (also: vmtune --version)",
	.usage = "vmtune version",
};

const struct cmd cmd_help = {
	.name = "help",
	.fn = help_main,
	.summary = "show the commands, or one command's usage",
	.usage = "vmtune help [COMMAND]",
};

int main(int argc, char **argv)
{
	/*
	 * A search allocates and frees the same few hundred KiB (SQLite's page
	 * cache) every trial: keep them instead of returning them to the kernel,
	 * whose shrinking of the heap costs a TLB shootdown each time.
	 */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	if (argc < 2)
		return help_main(1, argv), EXIT_USAGE;
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return help_main(1, argv);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return version_main(1, argv);
	const struct cmd *c = cmd_find(argv[1]);
	if (!c) {
		fprintf(stderr, "vmtune: '%s' is not a command; see 'vmtune help'\n", argv[1]);
		return EXIT_USAGE;
	}
	return c->fn(argc - 1, argv + 1);
}
