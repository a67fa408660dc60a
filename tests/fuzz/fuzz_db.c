/*
 * Opening a foreign or damaged database: the bytes as a file, opened as the
 * reading commands open it, every run loaded as best and report load it
 * (its stored job parsed again, every trial and measurement read). An error
 * is fine; a crash, a leak or a write is not.
 */
#include "fuzz.h"
#include "../../results/store.h"
#include "../../tuner/view/runview.h"
#include "../../lib/err.h"
#include <stdio.h>
#include <unistd.h>

static int load_run(const struct run_info *ri, void *ud)
{
	struct store *st = ud;
	struct runview rv;
	char err[ERR_LEN];
	if (runview_load(&rv, st, ri->id, err) == 0)
		runview_release(&rv);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	char err[ERR_LEN];
	struct store *st;
	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/vmtune-fuzz-db.%d", (int)getpid());
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	if (store_open(&st, path, STORE_READONLY, err) == 0) {
		store_runs_foreach(st, load_run, st, err);
		store_close(st);
	}
	char side[80];
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	return 0;
}
