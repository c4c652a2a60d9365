/* SPDX-License-Identifier: BSD-3-Clause */
/* The reassembly counters' names and descriptions (FRAG_COUNTERS). */
#include "frag.h"

static const char *const cnt_name[FRAG_CNT_MAX] = {
#define CNT_NAME(name, desc) #name,
	FRAG_COUNTERS(CNT_NAME)
#undef CNT_NAME
};
static const char *const cnt_desc[FRAG_CNT_MAX] = {
#define CNT_DESC(name, desc) desc,
	FRAG_COUNTERS(CNT_DESC)
#undef CNT_DESC
};

const char *
frag_cnt_name(unsigned c)
{
	return c < FRAG_CNT_MAX ? cnt_name[c] : "unknown";
}

const char *
frag_cnt_desc(unsigned c)
{
	return c < FRAG_CNT_MAX ? cnt_desc[c] : "unknown";
}
