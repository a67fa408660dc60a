#include "netif.h"
#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>

int netif_up(int sock, const char *name, const char *addr, char *err)
{
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (addr) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
		sin->sin_family = AF_INET;
		if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
			return seterr(err, "%s: '%s' is no IPv4 address", name, addr), -1;
		if (ioctl(sock, SIOCSIFADDR, &ifr) < 0)
			return seterr(err, "%s: address %s: %s", name, addr, strerror(errno)), -1;
		inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
		if (ioctl(sock, SIOCSIFNETMASK, &ifr) < 0)
			return seterr(err, "%s: netmask: %s", name, strerror(errno)), -1;
	}
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return seterr(err, "%s: %s", name, strerror(errno)), -1;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
		return seterr(err, "%s up: %s", name, strerror(errno)), -1;
	return 0;
}
