#include "faultvfs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

static sqlite3_vfs *base;
static sqlite3_vfs vfs;
static sqlite3_io_methods methods;
static long fail_at, writes;	/* the write that fails (1-based), writes so far */

struct ffile {
	sqlite3_file file;	/* first: SQLite sees this */
	sqlite3_file *real;	/* the default VFS's file, allocated after this struct */
};

#define REAL(f) (((struct ffile *)(f))->real)

static int f_close(sqlite3_file *f)
{
	return REAL(f)->pMethods ? REAL(f)->pMethods->xClose(REAL(f)) : SQLITE_OK;
}

static int f_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

static int f_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	if (++writes == fail_at)
		return SQLITE_IOERR_WRITE;	/* once: the next write goes through */
	return REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}

static int f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int f_sync(sqlite3_file *f, int flags)
{
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int f_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int f_lock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xLock(REAL(f), l);
}

static int f_unlock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), l);
}

static int f_check(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int f_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int f_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int f_caps(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int f_shm_map(sqlite3_file *f, int pg, int sz, int extend, void volatile **p)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, extend, p);
}

static int f_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void f_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int f_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int v_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *out)
{
	(void)v;
	struct ffile *ff = (struct ffile *)f;
	ff->real = (sqlite3_file *)(ff + 1);
	memset(ff->real, 0, (size_t)base->szOsFile);
	int rc = base->xOpen(base, name, ff->real, flags, out);
	f->pMethods = rc == SQLITE_OK ? &methods : NULL;
	return rc;
}

static void said(void)
{
	fprintf(stderr, "faultvfs: %ld writes, failing write %ld\n", writes, fail_at);
}

const char *faultvfs_name(void)
{
	const char *n = getenv("VMTUNE_TEST_STORE_FAULT");
	if (!n || !*n)
		return NULL;
	if (!base) {
		base = sqlite3_vfs_find(NULL);
		fail_at = atol(n);
		methods = (sqlite3_io_methods){
			.iVersion = 2, .xClose = f_close, .xRead = f_read, .xWrite = f_write,
			.xTruncate = f_truncate, .xSync = f_sync, .xFileSize = f_size, .xLock = f_lock,
			.xUnlock = f_unlock, .xCheckReservedLock = f_check, .xFileControl = f_control,
			.xSectorSize = f_sector, .xDeviceCharacteristics = f_caps, .xShmMap = f_shm_map,
			.xShmLock = f_shm_lock, .xShmBarrier = f_shm_barrier, .xShmUnmap = f_shm_unmap,
		};
		vfs = *base;	/* everything else as the default VFS does it */
		vfs.iVersion = 1;
		vfs.zName = "vmtune-fault";
		vfs.szOsFile = (int)sizeof(struct ffile) + base->szOsFile;
		vfs.xOpen = v_open;
		sqlite3_vfs_register(&vfs, 0);
		atexit(said);
	}
	return vfs.zName;
}
