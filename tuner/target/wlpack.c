/* A workload as an archive for the appliance's initramfs (wlpack.h). */
#include "wlpack.h"
#include "../../lib/err.h"
#include "../../lib/strbuf.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int entry(struct archive *a, const char *path, int is_dir, mode_t mode, const void *data,
		 size_t len, char *err)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, is_dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(e, mode);
	archive_entry_set_size(e, is_dir ? 0 : (la_int64_t)len);
	int rc = archive_write_header(a, e) != ARCHIVE_OK ||
		 (!is_dir && len && archive_write_data(a, data, len) != (la_ssize_t)len);
	archive_entry_free(e);
	return rc ? (seterr(err, "workload archive: %s", archive_error_string(a)), -1) : 0;
}

static int add_file(void *ud, const char *rel, int is_dir, const char *abs, size_t size, char *err)
{
	struct archive *a = ud;
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
	int rc = 0;
	strbuf_addf(&path, "%s/%s", WORKLOAD_GUEST_DIR + 1, rel);
	if (!is_dir)
		rc = workload_read(abs, size, &data, err);
	if (!rc)
		rc = entry(a, path.buf, is_dir, is_dir || !access(abs, X_OK) ? 0755 : 0644, data.buf,
			   data.len, err);
	strbuf_release(&path);
	strbuf_release(&data);
	return rc;
}

/* The archive: the steps, the files folder's parents, the files. */
static int write_archive(const struct workload *wl, int fd, char *err)
{
	struct archive *a = archive_write_new();
	int rc = archive_write_set_format_cpio_newc(a) != ARCHIVE_OK ||
		 archive_write_open_fd(a, fd) != ARCHIVE_OK
		 ? (seterr(err, "workload archive: %s", archive_error_string(a)), -1) : 0;
	static const char *const dirs[] = { "vmtune", "var", "var/lib", "var/lib/vmtune",
					    "var/lib/vmtune/files" };
	for (size_t i = 0; !rc && i < sizeof(dirs) / sizeof(*dirs); i++)
		rc = entry(a, dirs[i], 1, 0755, NULL, 0, err);
	for (int s = 0; !rc && s < 3; s++) {
		if (!wl->step[s])
			continue;
		struct strbuf words = STRBUF_INIT, path = STRBUF_INIT;
		for (size_t i = 0; wl->step[s][i]; i++)
			strbuf_add(&words, wl->step[s][i], strlen(wl->step[s][i]) + 1);
		strbuf_addf(&path, "vmtune/%s", workload_step_name[s]);
		rc = entry(a, path.buf, 0, 0644, words.buf, words.len, err);
		strbuf_release(&words);
		strbuf_release(&path);
	}
	if (!rc && wl->files)
		rc = workload_walk(wl->files, add_file, a, err);
	if (archive_write_close(a) != ARCHIVE_OK && !rc)
		rc = (seterr(err, "workload archive: %s", archive_error_string(a)), -1);
	archive_write_free(a);
	return rc;
}

int workload_pack(const struct workload *wl, const char *base, const char *out, char *err)
{
	char buf[65536];
	int in = open(base, O_RDONLY | O_CLOEXEC);
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), rc = 0;
	if (in < 0 || fd < 0)
		rc = (seterr(err, "workload archive: %s: %s", in < 0 ? base : out, strerror(errno)), -1);
	ssize_t n;
	while (!rc && (n = read(in, buf, sizeof(buf))) != 0)
		if (n < 0 || write(fd, buf, (size_t)n) != n)
			rc = (seterr(err, "workload archive: copying %s: %s", base, strerror(errno)), -1);
	/* the archive starts on a 512-byte boundary: the kernel skips zeros between archives */
	off_t at = rc ? 0 : lseek(fd, 0, SEEK_CUR);
	static const char zeros[512];
	size_t pad = (size_t)((512 - at % 512) % 512);
	if (!rc && pad && write(fd, zeros, pad) != (ssize_t)pad)
		rc = (seterr(err, "workload archive: %s: %s", out, strerror(errno)), -1);
	if (!rc)
		rc = write_archive(wl, fd, err);
	if (in >= 0)
		close(in);
	if (fd >= 0 && close(fd) && !rc)
		rc = (seterr(err, "workload archive: %s: %s", out, strerror(errno)), -1);
	return rc;
}
