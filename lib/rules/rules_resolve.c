/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host names in -s/-d, resolved at load as iptables does
 * (getaddrinfo() for the family, every address it gives, in its order):
 * iptables-restore then holds one rule per address, and so do we. Only
 * for a host part that is not an address literal; the caller applies
 * the mask and drops duplicates.
 */
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "rules_priv.h"

int
rules_resolve_host(enum rules_family f, const char *name, uint8_t (*out)[16],
		   uint32_t max)
{
	struct addrinfo hints, *res, *ai;
	int n = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = f == RULES_FAMILY_IPV6 ? AF_INET6 : AF_INET;
	hints.ai_socktype = SOCK_RAW; /* one entry per address, as iptables asks */
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL && (uint32_t)n < max; ai = ai->ai_next) {
		memset(out[n], 0, 16);
		if (ai->ai_family == AF_INET && f == RULES_FAMILY_IPV4)
			memcpy(out[n++], &((const struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
		else if (ai->ai_family == AF_INET6 && f == RULES_FAMILY_IPV6)
			memcpy(out[n++], &((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
	}
	freeaddrinfo(res);
	return n > 0 ? n : -1;
}
