#ifndef ABLVIEW_H
#define ABLVIEW_H
/*
 * A stored run's ablation (results/ablation.h), as `vmtune ablate`, `best`,
 * `apply --minimal`, `export` and the report show it: derived from the
 * run's trials of origin ablate and ablate-check, scored as the runview
 * scores them, so every view shows the path the engine took. Each step's
 * metrics are judged as one family (runview_family()), its change's
 * measurements over its base's.
 */
#include "runview.h"
#include "../../results/ablation.h"

struct ablview {
	int has;			/* the run has an ablation */
	struct ablation_row row;	/* its configuration and options */
	struct ablation a;		/* how far it got */
	union pval *def, *target;
	struct metric_family *fam;	/* each step's metrics: its change over its base */
};

/* Fills av (av->has 0 when the run has none); -1 with err. */
int ablview_load(const struct runview *rv, struct store *st, struct ablview *av, char *err);
/* The minimal set's configuration (JSON, the caller frees); NULL unless it is known. */
char *ablview_minimal_json(const struct runview *rv, const struct ablview *av);
/* The path, the gains and the minimal set, as lines; what it cost in trials. */
void ablview_format(const struct runview *rv, const struct ablview *av, struct strbuf *out);
/* The report's section: the path as a table, each step's metrics that differ, the minimal set. */
void ablview_section(const struct runview *rv, const struct ablview *av, struct strbuf *md,
		     struct strbuf *html);
/* waterfall.dat: the defaults, each step, the best; returns its rows (0: nothing to plot). */
size_t ablview_waterfall(const struct runview *rv, const struct ablview *av, struct strbuf *dat);
/* Its plot into waterfall.FORMAT, the minimal set's end marked. */
void ablview_waterfall_gp(const struct ablview *av, struct strbuf *gp, const char *format,
			  size_t rows);
struct json_t;
struct json_t *ablview_json(const struct runview *rv, const struct ablview *av);
void ablview_release(struct ablview *av);

#endif
