/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Names of the netfilter vocabulary (nf.h), generated from its X-macros.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "nf.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

/* A bit-valued list: name of one bit, bit of one name. */
struct nf_bit_name {
	unsigned bit;
	const char *name;
};

static const char *
bit_name(const struct nf_bit_name *t, size_t n, unsigned bit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].bit == bit)
			return t[i].name;
	return NULL;
}

static unsigned
bit_parse(const struct nf_bit_name *t, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return t[i].bit;
	return 0;
}

static const struct nf_bit_name ctinfos[] = {
#define NF_CTINFO_NAME(id, v) { v, #id },
	NF_CTINFOS(NF_CTINFO_NAME)
#undef NF_CTINFO_NAME
};

const char *
nf_ctinfo_name(unsigned ctinfo)
{
	return bit_name(ctinfos, DIM(ctinfos), ctinfo);
}

static const struct nf_bit_name ctstates[] = {
#define NF_CTSTATE_NAME(id, bit) { bit, #id },
	NF_CTSTATES(NF_CTSTATE_NAME)
#undef NF_CTSTATE_NAME
};

const char *
nf_ctstate_name(unsigned bit)
{
	return bit_name(ctstates, DIM(ctstates), bit);
}

unsigned
nf_ctstate_parse(const char *name)
{
	return bit_parse(ctstates, DIM(ctstates), name);
}

static const struct nf_bit_name ctstatus[] = {
#define NF_CTSTATUS_NAME(id, b) { 1u << (b), #id },
	NF_CTSTATUS(NF_CTSTATUS_NAME)
#undef NF_CTSTATUS_NAME
};

const char *
nf_ctstatus_name(unsigned bit)
{
	return bit_name(ctstatus, DIM(ctstatus), bit);
}

unsigned
nf_ctstatus_parse(const char *name)
{
	return bit_parse(ctstatus, DIM(ctstatus), name);
}

static const struct nf_bit_name tcp_flags[] = {
#define NF_TCPF_NAME(id, bit) { bit, #id },
	NF_TCP_FLAGS(NF_TCPF_NAME)
#undef NF_TCPF_NAME
};

const char *
nf_tcp_flag_name(unsigned bit)
{
	return bit_name(tcp_flags, DIM(tcp_flags), bit);
}

unsigned
nf_tcp_flag_parse(const char *name)
{
	return bit_parse(tcp_flags, DIM(tcp_flags), name);
}

static const char *const tcp_states[] = {
#define NF_TCP_STATE_NAME(id) #id,
	NF_TCP_STATES(NF_TCP_STATE_NAME)
#undef NF_TCP_STATE_NAME
};

const char *
nf_tcp_state_name(unsigned state)
{
	return state < DIM(tcp_states) ? tcp_states[state] : NULL;
}

int
nf_tcp_state_parse(const char *name)
{
	size_t i;

	for (i = 0; i < DIM(tcp_states); i++)
		if (strcasecmp(tcp_states[i], name) == 0)
			return (int)i;
	return -1;
}

static const char *const sctp_states[] = {
#define NF_SCTP_STATE_NAME(id) #id,
	NF_SCTP_STATES(NF_SCTP_STATE_NAME)
#undef NF_SCTP_STATE_NAME
};

const char *
nf_sctp_state_name(unsigned state)
{
	return state < DIM(sctp_states) ? sctp_states[state] : NULL;
}

int
nf_sctp_state_parse(const char *name)
{
	size_t i;

	for (i = 0; i < DIM(sctp_states); i++)
		if (strcasecmp(sctp_states[i], name) == 0)
			return (int)i;
	return -1;
}

static const struct {
	const char *name;
	const char *sysctl;
	uint32_t def;
} timeouts[] = {
#define NF_TIMEOUT_INFO(id, name, def) { name, NF_SYSCTL_PREFIX name, def },
	NF_TIMEOUTS(NF_TIMEOUT_INFO)
#undef NF_TIMEOUT_INFO
};

const char *
nf_timeout_name(unsigned t)
{
	return t < DIM(timeouts) ? timeouts[t].name : NULL;
}

const char *
nf_timeout_sysctl(unsigned t)
{
	return t < DIM(timeouts) ? timeouts[t].sysctl : NULL;
}

uint32_t
nf_timeout_default(unsigned t)
{
	return t < DIM(timeouts) ? timeouts[t].def : 0;
}

int
nf_timeout_parse(const char *name)
{
	size_t i, plen = strlen(NF_SYSCTL_PREFIX);

	if (strncmp(name, NF_SYSCTL_PREFIX, plen) == 0)
		name += plen;
	for (i = 0; i < DIM(timeouts); i++)
		if (strcmp(timeouts[i].name, name) == 0)
			return (int)i;
	return -1;
}

static const struct {
	const char *name;
	uint8_t proto;
} helpers[NF_HELPER_MAX] = {
	[NF_HELPER_NONE] = { NULL, 0 },
#define NF_HELPER_INFO(id, name, proto) [NF_HELPER_##id] = { #name, proto },
	NF_HELPERS(NF_HELPER_INFO)
#undef NF_HELPER_INFO
};

const char *
nf_helper_name(unsigned h)
{
	return h < NF_HELPER_MAX ? helpers[h].name : NULL;
}

uint8_t
nf_helper_proto(unsigned h)
{
	return h < NF_HELPER_MAX ? helpers[h].proto : 0;
}

enum nf_helper
nf_helper_parse(const char *name)
{
	unsigned h;

	for (h = NF_HELPER_NONE + 1; h < NF_HELPER_MAX; h++)
		if (strcmp(helpers[h].name, name) == 0)
			return (enum nf_helper)h;
	return NF_HELPER_NONE;
}

static const struct nf_bit_name protos[] = {
#define NF_PROTO_NAME(num, name) { num, name },
	NF_PROTOS(NF_PROTO_NAME)
	NF_PROTO_ALIASES(NF_PROTO_NAME)
#undef NF_PROTO_NAME
};

const char *
nf_proto_name(unsigned proto)
{
	/* the canonical names come first, so the first hit is the name */
	return bit_name(protos, DIM(protos), proto);
}

int
nf_proto_parse(const char *name)
{
	size_t i;

	for (i = 0; i < DIM(protos); i++)
		if (strcasecmp(protos[i].name, name) == 0)
			return (int)protos[i].bit;
	return -1;
}
