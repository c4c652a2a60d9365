/* SPDX-License-Identifier: BSD-3-Clause */
/* The control socket's dispatch table: command id -> handler (cmd.h). */
#include <rte_common.h>

#include "cmd.h"

const struct srv_cmd_handler srv_cmd_table[] = {
	{CTL_CMD_STATUS, srv_cmd_status},
	{CTL_CMD_STATS, srv_cmd_stats},
	{CTL_CMD_CT_LIST, srv_cmd_list},
	{CTL_CMD_CT_COUNT, srv_cmd_count},
	{CTL_CMD_CT_GET, srv_cmd_get},
	{CTL_CMD_CT_DELETE, srv_cmd_delete},
	{CTL_CMD_CT_FLUSH, srv_cmd_flush},
	{CTL_CMD_CT_EVENTS, srv_cmd_events},
	{CTL_CMD_EXPECT_LIST, srv_cmd_expect_list},
	{CTL_CMD_SET_TIMEOUT, srv_cmd_set_timeout},
	{CTL_CMD_SET_CT_MAX, srv_cmd_set_ct_max},
	{CTL_CMD_SET_ADD, srv_cmd_ipset_add},
	{CTL_CMD_SET_DEL, srv_cmd_ipset_del},
	{CTL_CMD_SET_TEST, srv_cmd_ipset_test},
	{CTL_CMD_SET_LIST, srv_cmd_ipset_list},
	{CTL_CMD_SET_FLUSH, srv_cmd_ipset_flush},
	{CTL_CMD_SET_SWAP, srv_cmd_ipset_swap},
	{CTL_CMD_RULES_SHOW, srv_cmd_rules_show},
	{CTL_CMD_RULES_CHECK, srv_cmd_rules_check},
	{CTL_CMD_RULES_LOAD, srv_cmd_rules_load},
};
const unsigned srv_cmd_table_len = RTE_DIM(srv_cmd_table);

srv_cmd_fn *
srv_cmd_lookup(enum ctl_cmd cmd)
{
	unsigned i;

	for (i = 0; i < srv_cmd_table_len; i++)
		if (srv_cmd_table[i].cmd == cmd)
			return srv_cmd_table[i].fn;
	return NULL;
}
