/* What the report's plots and pages share (plot.h). */
#include "plot.h"
#include "../../lib/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nettle/base64.h>

void html_escape(struct strbuf *out, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '<': strbuf_addstr(out, "&lt;"); break;
		case '>': strbuf_addstr(out, "&gt;"); break;
		case '&': strbuf_addstr(out, "&amp;"); break;
		case '"': strbuf_addstr(out, "&quot;"); break;
		default: strbuf_addch(out, *s);
		}
}

void gp_string(struct strbuf *out, const char *s)
{
	strbuf_addch(out, '"');
	for (; *s; s++)
		strbuf_addch(out, *s == '"' || *s == '\n' ? '\'' : *s);
	strbuf_addch(out, '"');
}

static void gp_terminal(struct strbuf *gp, const char *format, int w, int h)
{
	if (!strcmp(format, "svg"))
		strbuf_addf(gp, "set terminal svg size %d,%d dynamic font 'sans,11' background '#ffffff'\n",
			    w, h);
	else
		strbuf_addf(gp, "set terminal pngcairo size %d,%d font 'sans,10'\n", w, h);
}

void gp_plot_header(struct strbuf *gp, const char *format, const char *name, int w, int h)
{
	strbuf_addstr(gp, "\nreset\n");
	gp_terminal(gp, format, w, h);
	strbuf_addf(gp, "set output '%s.%s'\n", name, format);
	strbuf_addstr(gp, "set grid ytics lc rgb '#dddddd'\nset border 3\nset tics nomirror\n"
			  "set key top left opaque\n");
}

/* Ticks a reader can read (0.5x, 1x, 2x, ...) over [lo, hi], at most about ten. */
void gp_log_ticks(struct strbuf *gp, char axis, double lo, double hi)
{
	static const double t[] = { 0.001, 0.01, 0.1, 0.2, 0.5, 0.8, 0.9, 0.95, 1, 1.05, 1.1, 1.25, 1.5, 2, 3,
				    5, 10, 20, 50, 100, 200, 500, 1000 };
	size_t n = 0, first = SIZE_MAX, step;
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++)
		if (t[i] >= lo && t[i] <= hi) {
			n++;
			first = first == SIZE_MAX ? i : first;
		}
	step = n > 10 ? 2 : 1;
	strbuf_addf(gp, "set %ctics (", axis);
	for (size_t i = 0, k = 0; i < sizeof(t) / sizeof(*t); i++) {
		if (t[i] < lo || t[i] > hi || ((i - first) % step && t[i] != 1))
			continue;
		strbuf_addf(gp, "%s'%g×' %g", k++ ? ", " : "", t[i], t[i]);
	}
	strbuf_addstr(gp, ")\n");
}

int read_all(const char *path, struct strbuf *out)
{
	FILE *f = fopen(path, "rb");
	char buf[65536];
	size_t n;
	if (!f)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(out, buf, n);
	fclose(f);
	return 0;
}

int plot_embed(struct strbuf *html, const char *dir, const char *name, const char *format,
	       const char *caption, char *err)
{
	struct strbuf path = STRBUF_INIT, img = STRBUF_INIT;
	strbuf_addf(&path, "%s/%s.%s", dir, name, format);
	if (read_all(path.buf, &img) || !img.len) {
		seterr(err, "gnuplot made no %s", path.buf);
		strbuf_release(&path);
		strbuf_release(&img);
		return -1;
	}
	strbuf_addf(html, "<figure><img alt=\"%s\" src=\"data:%s;base64,", name,
		    !strcmp(format, "svg") ? "image/svg+xml" : "image/png");
	char *b64 = xmalloc(BASE64_ENCODE_RAW_LENGTH(img.len) + 1);
	base64_encode_raw(b64, img.len, (const uint8_t *)img.buf);
	strbuf_add(html, b64, BASE64_ENCODE_RAW_LENGTH(img.len));
	free(b64);
	strbuf_addstr(html, "\"><figcaption>");
	html_escape(html, caption);
	strbuf_addstr(html, "</figcaption></figure>\n");
	strbuf_release(&path);
	strbuf_release(&img);
	return 0;
}
