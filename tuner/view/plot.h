#ifndef PLOT_H
#define PLOT_H
/*
 * What the report's plots and pages share: gnuplot's data strings and plot
 * headers, HTML escaping, and an image embedded in the page as base64 (one
 * file that needs nothing beside itself).
 */
#include "../../lib/strbuf.h"

/* s with <, >, & and " as entities. */
void html_escape(struct strbuf *out, const char *s);
/* A string field of a gnuplot data file: double-quoted, no quote inside. */
void gp_string(struct strbuf *out, const char *s);
/* A new plot of w x h pixels into NAME.FORMAT (png or svg), the report's look. */
void gp_plot_header(struct strbuf *gp, const char *format, const char *name, int w, int h);
/* Ticks of a log axis ('x' or 'y') a reader can read (0.5×, 1×, 2×, ...) over [lo, hi]. */
void gp_log_ticks(struct strbuf *gp, char axis, double lo, double hi);
/* The whole of a file into out; -1 when it cannot be opened. */
int read_all(const char *path, struct strbuf *out);
/* <figure> of dir/NAME.FORMAT with its caption; -1 with err when gnuplot made none. */
int plot_embed(struct strbuf *html, const char *dir, const char *name, const char *format,
	       const char *caption, char *err);

#endif
