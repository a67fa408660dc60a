#ifndef INSTANCES_H
#define INSTANCES_H
/*
 * Co-located VMs: N instances of one trial, side by side, each in a thread
 * of its own (the first in the caller's), with one start signal.
 *
 * Each instance's measurements go to the sink as they arrive, with its
 * instance number (1..N). Once all are done, the trial's own figure of each
 * metric (instance 0, what the score reads) is the aggregate the job names
 * (results/aggregate.h) over the instances' medians; a host metric
 * (hostcost.h) is their sum, KSM's saving (host-wide) their highest. A trial
 * of which one instance failed failed, with that instance's reason.
 *
 * The gate: an instance whose guest is ready calls gate_poll() until it says
 * go (every instance is ready) or abandon (one ended before it was ready);
 * an instance that ends before it was ready calls gate_fail().
 */
#include "target.h"
#include "../../results/aggregate.h"

struct gate;

enum gate_state { GATE_WAIT, GATE_GO, GATE_ABANDON };
/* Instance i (1..N) is ready; where the gate stands. */
enum gate_state gate_poll(struct gate *g, int i);
void gate_fail(struct gate *g, int i);

/* One instance (1..n): its sink stores with its number; 0 done, -1 when the sink failed. */
typedef int instance_fn(void *ud, int instance, struct gate *g, const struct trial_sink *sink,
			struct trial_result *res);

/*
 * Runs fn for instances 1..n at once and scores the trial on their
 * aggregate; res gets the trial's outcome (the first instance's domain XML
 * and console). -1 when the sink failed.
 */
int instances_run(int n, enum aggregate agg, instance_fn *fn, void *ud,
		  const struct trial_sink *sink, struct trial_result *res);

#endif
