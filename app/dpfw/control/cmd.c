/* SPDX-License-Identifier: BSD-3-Clause */
/* The control socket's dispatch table: command id -> handler (ctl_cmd.h). */
#include <rte_common.h>

#include "cmd.h"

const struct ctl_cmd_handler ctl_cmd_table[] = {
	{CTL_CMD_STATUS, ctl_cmd_status},
	{CTL_CMD_STATS, ctl_cmd_stats},
	{CTL_CMD_CT_LIST, ctl_cmd_list},
	{CTL_CMD_CT_COUNT, ctl_cmd_count},
	{CTL_CMD_CT_GET, ctl_cmd_get},
	{CTL_CMD_CT_DELETE, ctl_cmd_delete},
	{CTL_CMD_CT_FLUSH, ctl_cmd_flush},
	{CTL_CMD_CT_EVENTS, ctl_cmd_events},
	{CTL_CMD_EXPECT_LIST, ctl_cmd_expect_list},
	{CTL_CMD_SET_TIMEOUT, ctl_cmd_set_timeout},
	{CTL_CMD_SET_CT_MAX, ctl_cmd_set_ct_max},
	{CTL_CMD_RULES_SHOW, ctl_cmd_rules_show},
	{CTL_CMD_RULES_CHECK, ctl_cmd_rules_check},
	{CTL_CMD_RULES_LOAD, ctl_cmd_rules_load},
};
const unsigned ctl_cmd_table_len = RTE_DIM(ctl_cmd_table);

ctl_cmd_fn *
ctl_cmd_lookup(enum ctl_cmd cmd)
{
	unsigned i;

	for (i = 0; i < ctl_cmd_table_len; i++)
		if (ctl_cmd_table[i].cmd == cmd)
			return ctl_cmd_table[i].fn;
	return NULL;
}
