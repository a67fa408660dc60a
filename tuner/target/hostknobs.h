#ifndef HOSTKNOBS_H
#define HOSTKNOBS_H
/*
 * Host knobs (host.thp, host.ksm, host.swappiness, and the huge pages that
 * vm.hugepages reserves) change only through here: the original value is
 * journaled in the store before the first change, and restored when the
 * search ends, when it is interrupted, or by `vmtune restore` after a crash.
 * Values are read back after writing; one that did not take is an error.
 */
#include <stdint.h>
#include "../../results/store.h"
#include "../../lib/strbuf.h"

/* The sysfs/procfs file of a knob; NULL when there is no such host knob. */
const char *hostknob_path(const char *knob);
/* Translates a catalogue value to what the file takes: on -> 1 for host.ksm. */
const char *hostknob_value(const char *knob, const char *value);

/*
 * Journals the knob's current value (once), writes value, reads it back
 * into back (in the catalogue's words: "on" for host.ksm's 1); -1 with err
 * when it cannot, or when back differs ("asked A, got B").
 */
int hostknob_set(struct store *st, int64_t run, const char *knob, const char *value,
		 struct strbuf *back, char *err);
/*
 * What a target's sink asks of the host (target.h, host()): for
 * "host.hugepages-SIZE", n pages reserved (value NULL: this run's given
 * back), back left empty; for any other host knob, hostknob_set().
 */
int hostknob_apply(struct store *st, int64_t run, const char *knob, const char *value,
		   struct strbuf *back, char *err);
/* Reserves n huge pages of size "2M" or "1G"; -1 when fewer could be had. */
int hostknob_reserve_hugepages(struct store *st, int64_t run, const char *size, long n, char *err);
/*
 * Gives back the huge pages of size that this run reserved (the journal's
 * original count), for a trial that asks for none of that size.
 */
int hostknob_release_hugepages(struct store *st, int64_t run, const char *size, char *err);
/*
 * Writes every journaled original value back, and removes what a crashed
 * search left (typed rows of the journal: data disk images, domains,
 * remote volumes); *count of them. *left (may be NULL): domains and
 * volumes whose host could not be reached, kept in the journal for later.
 * Only rows vmtune writes are undone (a knob's own file from the catalogue
 * with a plain value, a data disk it made, a domain or volume it named);
 * *foreign (may be NULL) counts the others, left alone, and foreign_msg
 * (ERR_LEN, may be NULL) names the first.
 */
int hostknob_restore(struct store *st, int *count, int *left, int *foreign, char *foreign_msg,
		     char *err);
/* The same for the domains and volumes a lost host uri kept, once it answers again. */
int hostknob_restore_host(struct store *st, const char *uri, int *count, int *left, char *err);

#endif
