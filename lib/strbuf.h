#ifndef STRBUF_H
#define STRBUF_H
/*
 * A growable, always NUL-terminated string.
 *
 * Invariants: buf is never NULL after strbuf_init() (it points at a static ""
 * until the first append), buf[len] == '\0', len < alloc unless alloc == 0.
 * Allocation failure aborts: callers never check for it.
 */
#include <stddef.h>
#include <stdarg.h>

struct strbuf {
	size_t alloc;
	size_t len;
	char *buf;
};

#define STRBUF_INIT { 0, 0, strbuf_empty }
extern char strbuf_empty[];

void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
/* Hands the string to the caller (free() it) and resets sb. */
char *strbuf_detach(struct strbuf *sb);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void strbuf_reset(struct strbuf *sb);
/*
 * Appends the file at path, at most max bytes: a longer one (/dev/zero)
 * is an error, "larger than MAX bytes", read no further. -1 with errno's
 * message in err (ERR_LEN) otherwise.
 */
int strbuf_read_file(struct strbuf *sb, const char *path, size_t max, char *err);

/* Allocation helpers that abort on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
