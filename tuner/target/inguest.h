#ifndef INGUEST_H
#define INGUEST_H
/*
 * A trial inside a user's image, once its domain runs: through the guest
 * agent (gagent.h), vmtune waits for the agent, applies each guest knob of
 * the configuration by writing its catalogue file and reading it back,
 * copies the workload's files, runs setup, run and teardown, and takes
 * run's figures (workload.h). Each step is bounded by what is left of the
 * trial's time.
 */
#include <libvirt/libvirt.h>
#include "target.h"
#include "workload.h"

struct inguest {
	virDomainPtr dom;
	const struct space *sp;
	const union pval *cfg;
	const struct workload *wl;
	const char *const *disks;	/* the guest's disk names ("vda", "vdb", ...), NULL-ended */
	const char *affinity;		/* guest.affinity: "all" or a list of vCPUs (checked) */
	unsigned vcpus;
	double boot_timeout;		/* seconds for the agent's first answer */
	double deadline;		/* mono() by which the trial must be done; 0: none */
	volatile sig_atomic_t *stop;
	const struct trial_sink *sink;
	struct trial_result *res;
	/*
	 * Co-located VMs: called once setup is done, returns when run may
	 * start (0), or -1 when the trial is over (the reason in res).
	 */
	int (*go)(void *ud);
	void *go_ud;
	int no_agent;			/* set: the agent never answered */
	int sink_failed;
};

/* Runs it; the outcome, reason and stderr's tail in g->res. */
void inguest_run(struct inguest *g);

#endif
