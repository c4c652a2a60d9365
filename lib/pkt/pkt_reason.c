/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Names and descriptions of enum pkt_reason, both generated from the
 * PKT_REASONS list so they cannot drift from the enum.
 */
#include <ctype.h>

#include <rte_common.h>

#include "pkt.h"

#define REASON_NAME_SIZE 24

static const char *const reason_desc[PKT_R_MAX] = {
#define PKT_REASON_DESC(name, desc) [PKT_R_##name] = desc,
	PKT_REASONS(PKT_REASON_DESC)
#undef PKT_REASON_DESC
};

/* Enum suffixes as written ("BAD_IPV4_CSUM"); lowered below. */
static const char *const reason_upper[PKT_R_MAX] = {
#define PKT_REASON_UPPER(name, desc) [PKT_R_##name] = #name,
	PKT_REASONS(PKT_REASON_UPPER)
#undef PKT_REASON_UPPER
};

#define PKT_REASON_FITS(name, desc)                                           \
	_Static_assert(sizeof(#name) <= REASON_NAME_SIZE, #name " too long");
PKT_REASONS(PKT_REASON_FITS)
#undef PKT_REASON_FITS

static char reason_name[PKT_R_MAX][REASON_NAME_SIZE];

/*
 * The preprocessor cannot change case, so the lowercase names are made once
 * at load time, before any lcore can ask for them.
 */
RTE_INIT(pkt_reason_init)
{
	unsigned int r, i;

	for (r = 0; r < PKT_R_MAX; r++)
		for (i = 0; reason_upper[r][i] != '\0'; i++)
			reason_name[r][i] = (char)tolower(
				(unsigned char)reason_upper[r][i]);
}

const char *
pkt_reason_str(enum pkt_reason r)
{
	return (unsigned int)r < PKT_R_MAX ? reason_desc[r] : "unknown";
}

const char *
pkt_reason_name(enum pkt_reason r)
{
	return (unsigned int)r < PKT_R_MAX ? reason_name[r] : "unknown";
}
