#ifndef VMTUNE_H
#define VMTUNE_H
/*
 * Room tuner/cli: the program. main.c (the command table, dispatch, usage,
 * exit codes, the helpers below) and one cmd_*.c per command (git's
 * builtin/ style). The only room that prints to the user and picks an exit
 * code; it may include every room below it (view, engine, target, search,
 * results, lib), and nothing includes it (DESIGN.md; scripts/check-layout.sh).
 *
 * The program-wide header: commands, exit codes and the helpers that talk to
 * the user. Only main.c and cmd_*.c include it; modules below never print.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include "../../lib/strbuf.h"
#include "../target/paths.h"
#include "../../results/store.h"

enum exit_code {
	EXIT_OK = 0,		/* success */
	EXIT_CHECK = 1,		/* a check failed (vmtune check) */
	EXIT_USAGE = 2,		/* bad usage or bad input */
	EXIT_RUNTIME = 3,	/* runtime failure, or an interrupted search */
};

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *usage;	/* first line: synopsis; then the options */
};

extern const struct cmd cmd_search, cmd_runs, cmd_trials, cmd_best, cmd_export, cmd_bench,
	cmd_restore, cmd_topology, cmd_doctor, cmd_report, cmd_baseline, cmd_check, cmd_capacity, cmd_apply,
	cmd_ablate,
	cmd_knobs, cmd_version, cmd_help;

const struct cmd *const *cmd_list(void);
const struct cmd *cmd_find(const char *name);

/* "vmtune: msg" on stderr; returns code so callers can `return fail(...)`. */
int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage error: the message, then the command's synopsis; returns EXIT_USAGE. */
int usage_error(const struct cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void print_usage(const struct cmd *c, FILE *f);
/* Handles -h/--help as the only argument: prints usage and returns 1. */
int wants_help(const struct cmd *c, int argc, char **argv);

int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
int parse_run_id(const struct cmd *c, const char *s, int64_t *id);
void format_duration(double seconds, struct strbuf *out);
/* Opens the store read-only, printing the error; NULL on failure. */
struct store *open_store_ro(const char *path);
/* s with every control byte as \xNN and a backslash as \\: safe on a terminal, one line. */
void format_printable(const char *s, struct strbuf *out);
/* Prints a score (or "-" for NaN) into out. */
void format_score(double score, struct strbuf *out);

#define DEFAULT_DB "vmtune.db"

/*
 * Options shared by the reporting commands: --db FILE, --format F (only
 * when format is not NULL), -h/--help, and one RUN (only when run is not
 * NULL). Returns -1 after printing usage for help (exit 0), else an exit code.
 */
int parse_report_args(const struct cmd *c, int argc, char **argv, const char **db,
		      int64_t *run, const char **format);

/*
 * SIGINT and SIGTERM set the flag returned (a search stops at the next
 * trial's end, interrupted) instead of killing the process.
 */
volatile sig_atomic_t *stop_on_signals(void);

#endif
