#ifndef DOMEDIT_H
#define DOMEDIT_H
/*
 * A user's libvirt domain given a configuration's changes (vmtune apply
 * --domain): its persistent definition, read with virDomainGetXMLDesc and
 * written back with virDomainDefineXML, edited with libxml2 in only the
 * elements and attributes the changed knobs own, taken from the domain
 * domxml.c builds for the configuration (the same one the trials ran):
 *
 *   vm.vcpus <vcpu>; vm.pinning <cputune><vcpupin>; vm.emulatorpin
 *   <cputune><emulatorpin>; vm.vcpusched <cputune><vcpusched>;
 *   vm.cpu_shares <cputune><shares>; vm.cpu_quota <cputune><period>,
 *   <quota>; vm.hugepages <memoryBacking>; vm.cpu_model <cpu>; vm.balloon*
 *   <devices><memballoon>; disk.iothreads <iothreads> and each disk's
 *   driver iothread; disk.cache, disk.io, disk.discard: each disk's driver.
 *
 * What a definition change cannot do is left alone and said: a disk's
 * format (the image needs converting), the number of disks, their bus
 * (the guest's device names), the machine type, the balloon's target, the
 * network, and the host's and the guest's own settings.
 */
#include "../../lib/space.h"
#include "../../lib/strbuf.h"

/*
 * The domain's persistent definition; *active: it runs now; canon: the
 * connection's URI as libvirt names it (uri NULL: its default). -1 with err.
 */
int domedit_get(const char *uri, const char *name, struct strbuf *xml, int *active,
		struct strbuf *canon, char *err);
/* xml as domedit_merge() writes its out: the two compare, and diff, line by line. */
void domedit_normalize(const char *xml, struct strbuf *out);
/* Defines xml as the domain's persistent definition. -1 with err. */
int domedit_define(const char *uri, const char *xml, char *err);
/*
 * def with the changed knobs of cfg (against the space's defaults) taken
 * from built (a domain domxml_build() made of cfg): the new definition in
 * out; one line per change made, and per change left alone, in notes.
 */
int domedit_merge(const struct space *sp, const union pval *cfg, const char *def,
		  const char *built, struct strbuf *out, struct strbuf *notes, char *err);

#endif
