#ifndef NETIF_H
#define NETIF_H
/*
 * An interface up, with an IPv4 address/24 when one is given: ioctls on a
 * socket of the namespace the interface lives in (no DHCP, no tools). The
 * guest's agent uses it for its NIC and lo, vmtune for a trial's tap in the
 * trial's own network namespace.
 */
int netif_up(int sock, const char *name, const char *addr, char *err);

#endif
