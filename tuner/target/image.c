/* A user's guest image, checked (image.h). */
#include "image.h"
#include "../../lib/err.h"
#include "../../lib/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#define QEMU_USER "libvirt-qemu"

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Whether user uid/gid may read path: r on it, x on each folder above it. */
static int readable_by(const char *path, uid_t uid, gid_t gid, char *err)
{
	char real[PATH_MAX];
	if (!realpath(path, real))
		return seterr(err, "%s: %s", path, strerror(errno)), -1;
	for (char *p = real + strlen(real); p > real; ) {
		struct stat st;
		if (stat(real, &st))
			return seterr(err, "%s: %s", real, strerror(errno)), -1;
		int dir = S_ISDIR(st.st_mode);
		mode_t need = dir ? S_IXOTH : S_IROTH;
		int ok = st.st_uid == uid ? (st.st_mode & (need << 6)) != 0
		       : st.st_gid == gid ? (st.st_mode & (need << 3)) != 0 : (st.st_mode & need) != 0;
		if (!ok)
			return seterr(err, "QEMU (user " QEMU_USER ") cannot %s %s: chmod o+%s it",
				      dir ? "enter" : "read", real, dir ? "x" : "r"), -1;
		p = strrchr(real, '/');
		if (p == real)
			p[1] = '\0';
		else
			*p = '\0';
		if (!strcmp(real, "/"))
			break;
	}
	return 0;
}

int image_probe(const char *path, const char **fmt, unsigned long long *bytes, char *err)
{
	unsigned char h[1024];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return seterr(err, "image '%s': %s", path, strerror(errno)), -1;
	ssize_t n = fstat(fd, &st) ? -1 : pread(fd, h, sizeof(h), 0);
	close(fd);
	if (n < 0 || !S_ISREG(st.st_mode))
		return seterr(err, "image '%s' is not a file", path), -1;
	if (n >= 72 && !memcmp(h, "QFI\xfb", 4)) {
		if (be64(h + 8))
			return seterr(err, "image '%s' is a qcow2 overlay with a backing file of its "
				      "own: flatten it first (qemu-img convert -O qcow2)", path), -1;
		*fmt = "qcow2";
		*bytes = be64(h + 24);
	} else if (n == (ssize_t)sizeof(h) && h[510] == 0x55 && h[511] == 0xaa) {
		*fmt = "raw";	/* an MBR, or GPT's protective one */
		*bytes = (unsigned long long)st.st_size;
	} else {
		return seterr(err, "image '%s' is not a disk image (neither qcow2 nor a raw disk "
			      "with a partition table)", path), -1;
	}
	struct passwd *pw = getpwnam(QEMU_USER);
	char why[ERR_LEN];
	if (pw && readable_by(path, pw->pw_uid, pw->pw_gid, why))
		return seterr(err, "image '%s': %s", path, why), -1;
	return 0;
}

int image_in_use(virConnectPtr conn, const char *path, char *err)
{
	char real[PATH_MAX];
	virDomainPtr *doms = NULL;
	if (!realpath(path, real))
		return seterr(err, "image '%s': %s", path, strerror(errno)), -1;
	int n = virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE), rc = 0;
	for (int i = 0; i < n; i++) {
		char *xml = rc ? NULL : virDomainGetXMLDesc(doms[i], 0);
		xmlDocPtr doc = xml ? xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
						    XML_PARSE_NONET | XML_PARSE_NOERROR |
						    XML_PARSE_NOWARNING) : NULL;
		xmlXPathContextPtr x = doc ? xmlXPathNewContext(doc) : NULL;
		xmlXPathObjectPtr o = x ? xmlXPathEvalExpression(
			BAD_CAST "/domain/devices/disk/source/@file", x) : NULL;
		for (int k = 0; o && o->nodesetval && k < o->nodesetval->nodeNr && !rc; k++) {
			xmlChar *f = xmlNodeGetContent(o->nodesetval->nodeTab[k]);
			char other[PATH_MAX];
			if (f && realpath((const char *)f, other) && !strcmp(other, real))
				rc = (seterr(err, "image '%s' is in use by running domain '%s': a "
					     "trial must not share it", path,
					     virDomainGetName(doms[i])), -1);
			xmlFree(f);
		}
		xmlXPathFreeObject(o);
		xmlXPathFreeContext(x);
		xmlFreeDoc(doc);
		free(xml);
		virDomainFree(doms[i]);
	}
	free(doms);
	return rc;
}
