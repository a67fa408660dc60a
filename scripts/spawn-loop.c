/*
 * Reference for scripts/bench-overhead.sh: the cost of starting and reaping
 * a command with nothing else around it, as vmtune's exec target does it
 * (posix_spawn into a new process group, stdout and stderr on pipes).
 *   spawn-loop N COMMAND...   prints the median and p90 in ms
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return fprintf(stderr, "usage: spawn-loop N COMMAND...\n"), 2;
	int n = atoi(argv[1]);
	double *t = malloc(sizeof(double) * (n > 0 ? n : 1));
	for (int i = 0; i < n; i++) {
		int out[2], err[2], st;
		pid_t pid;
		posix_spawn_file_actions_t fa;
		posix_spawnattr_t at;
		char buf[4096];
		double t0 = now_ms();
		if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
			return perror("pipe"), 3;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, out[1], 1);
		posix_spawn_file_actions_adddup2(&fa, err[1], 2);
		posix_spawnattr_init(&at);
		posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
		if (posix_spawnp(&pid, argv[2], &fa, &at, argv + 2, environ))
			return perror("posix_spawnp"), 3;
		close(out[1]);
		close(err[1]);
		while (read(out[0], buf, sizeof(buf)) > 0)
			;
		while (read(err[0], buf, sizeof(buf)) > 0)
			;
		waitpid(pid, &st, 0);
		close(out[0]);
		close(err[0]);
		posix_spawn_file_actions_destroy(&fa);
		posix_spawnattr_destroy(&at);
		t[i] = now_ms() - t0;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("%.3f %.3f\n", t[(n - 1) / 2], t[(n * 9) / 10]);
	return 0;
}
