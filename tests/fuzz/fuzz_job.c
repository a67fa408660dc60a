/*
 * The job parser: any text gives a job or one error, never a crash, a leak
 * or a hang. A job that loads keeps the promises of the hardening issues:
 * float bounds are their own stored form (so values stay finite), an
 * integer knob's categorical values are canonical, and nothing of the
 * libvirt target's settings that reaches the guest's command line holds a
 * blank or an '='.
 */
#include "fuzz.h"
#include <math.h>
#include <string.h>
#include "../../tuner/engine/job.h"
#include "../../lib/knobs.h"
#include "../../lib/number.h"
#include "../../lib/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), err[ERR_LEN] = "";
	struct job job;
	if (!text)
		return 0;
	if (job_load_text(&job, text, "fuzz.yaml", "/nonexistent", err) == 0) {
		fuzz_assert(job.space.n > 0 && job.space.n <= JOB_MAX_PARAMS);
		for (size_t i = 0; i < job.space.n; i++) {
			const struct param *p = &job.space.p[i];
			const struct knob *k = knob_find(p->name);
			if (p->type == P_FLOAT)
				fuzz_assert(float_canonical(p->min) == p->min &&
					    float_canonical(p->max) == p->max && isfinite(p->max - p->min));
			for (size_t v = 0; !strcmp(job.target->name, "libvirt") && k && !k->values[0] &&
					   p->type == P_CAT && v < p->nvalues; v++)
				fuzz_assert(!number_parse(p->values[v], k->min, k->max, NULL));
		}
		for (size_t i = 0; !strcmp(job.target->name, "libvirt") && i < job.ntset; i++)
			for (size_t v = 0; (!strcmp(job.tset[i].key, "benchmarks") ||
					    !strcmp(job.tset[i].key, "kernel_words")) && v < job.tset[i].nvals; v++)
				fuzz_assert(!strpbrk(job.tset[i].vals[v], " \t\n") &&
					    (!strcmp(job.tset[i].key, "kernel_words") ||
					     !strchr(job.tset[i].vals[v], '=')));
		job_release(&job);
	} else {
		fuzz_assert(err[0] && !strchr(err, '\n'));	/* one line, said */
	}
	free(text);
	return 0;
}
