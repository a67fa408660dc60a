#ifndef FAULTVFS_H
#define FAULTVFS_H
/*
 * Fault injection for the store's tests: a SQLite VFS over the default one
 * whose n-th write (xWrite, counted over every file of the database: the
 * file, its log) fails once with SQLITE_IOERR_WRITE, as a full or failing
 * disk would. The store uses it only when VMTUNE_TEST_STORE_FAULT=N is set
 * (t21-store-faults.sh); it then says how many writes it counted, at exit,
 * on stderr, so the test knows how many points there are.
 */

/* The VFS's name, registered once; NULL (nothing registered) unless the variable is set. */
const char *faultvfs_name(void);

#endif
