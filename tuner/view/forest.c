/* A comparison's metrics as a forest plot and a folded table (forest.h). */
#include "forest.h"
#include "plot.h"

#include <math.h>
#include <stdio.h>

static int plotted(const struct confirm_metric *m)
{
	return m->judged && isfinite(m->c.lo) && isfinite(m->c.hi) && m->c.lo > 0;
}

size_t forest_data(const struct metric_family *f, struct strbuf *dat)
{
	size_t rows = 0, k = 0;
	for (size_t i = 0; i < f->n; i++)
		rows += plotted(&f->m[i]);
	strbuf_addstr(dat, "# row metric ratio lo hi colour (b over a; row 1 at the bottom)\n");
	for (size_t i = 0; i < f->n; i++) {
		const struct confirm_metric *m = &f->m[i];
		int change = confirm_metric_change(m);
		if (!plotted(m))
			continue;
		strbuf_addf(dat, "%zu ", rows - k++);
		gp_string(dat, m->metric);
		strbuf_addf(dat, " %.6g %.6g %.6g %d\n", m->c.ratio, m->c.lo, m->c.hi,
			    change > 0 ? 0x228833 : change < 0 ? 0xcc3311 : 0x999999);
	}
	return rows;
}

void forest_gp(const struct metric_family *f, struct strbuf *gp, const char *format,
	       const char *name, const char *title, size_t rows)
{
	double lo = 1, hi = 1;
	for (size_t i = 0; i < f->n; i++)
		if (plotted(&f->m[i])) {
			lo = fmin(lo, f->m[i].c.lo);
			hi = fmax(hi, f->m[i].c.hi);
		}
	lo /= 1.1;
	hi *= 1.1;
	gp_plot_header(gp, format, name, 900, 90 + 16 * (int)rows);
	strbuf_addstr(gp, "set title ");
	gp_string(gp, title);
	strbuf_addf(gp, " noenhanced\nunset key\nset logscale x\nset xrange [%g:%g]\n"
			"set yrange [0.5:%zu.5]\nset ytics scale 0 font ',8' noenhanced\n"
			"set grid xtics lc rgb '#dddddd'\nset border 1\n"
			"set xlabel 'ratio (log scale): green better, red worse, grey no difference "
			"beyond the noise'\n"
			"set arrow from 1, graph 0 to 1, graph 1 nohead dt 2 lc rgb '#555555'\n",
		    lo, hi, rows);
	gp_log_ticks(gp, 'x', lo, hi);
	strbuf_addf(gp, "plot '%s.dat' using 3:1:4:5:6:ytic(2) with xerrorbars pt 7 ps 0.7 "
			"lc rgb variable\n", name);
}

void forest_table(const struct metric_family *f, struct strbuf *md, struct strbuf *html)
{
	strbuf_addstr(md, "\n| metric | change | CI | p | |\n|---|---|---|---|---|\n");
	strbuf_addf(html, "<details><summary>every metric as a table (%zu)</summary>\n<table><tr>"
			  "<th>metric</th><th>change</th><th>CI</th><th>p</th><th></th></tr>\n",
		    f->judged);
	for (size_t i = 0; i < f->n; i++) {
		const struct confirm_metric *m = &f->m[i];
		const struct comparison *c = &m->c;
		if (!m->judged || !isfinite(c->lo))
			continue;
		int change = confirm_metric_change(m);
		const char *v = change > 0 ? "better" : change < 0 ? "worse"
				: "no difference beyond the noise";
		char by[32], ci[64], p[16];
		snprintf(by, sizeof(by), "%+.1f%%", 100 * (c->ratio - 1));
		snprintf(ci, sizeof(ci), "[%+.1f%%, %+.1f%%]", 100 * (c->lo - 1), 100 * (c->hi - 1));
		snprintf(p, sizeof(p), "%.3f", c->p_t);
		strbuf_addf(md, "| %s | %s | %s | %s | %s |\n", m->metric, by, ci, p, v);
		strbuf_addf(html, "<tr%s><td>", change ? " class=\"changed\"" : "");
		html_escape(html, m->metric);
		strbuf_addf(html, "</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
			    by, ci, p, v);
	}
	strbuf_addstr(html, "</table>\n</details>\n");
}
