#!/usr/bin/env bash
# Ping a <-> b, IPv4 and IPv6, small and full-size, through the dataplane; and
# no ping once it is stopped (the only path between a and b is the dataplane).
# usage: e2e_ping.sh DPFW_BINARY SOURCE_ROOT
. "$(dirname "$0")/lib.sh"
e2e_init "$@"
e2e_testbed_up

check_not "no path a -> b before the dataplane starts" ns_a ping -c 2 -W 1 -q $IP_B

dp_start "$E2E_SRC/config/testbed.conf"
dp_wait_forwarding

# -c N -w S: exit 0 only when all N replies came back
check "IPv4 ping a -> b (5 of 5)" ns_a ping -c 5 -i 0.2 -w 10 $IP_B
check "IPv4 ping b -> a (5 of 5)" ns_b ping -c 5 -i 0.2 -w 10 $IP_A
check "IPv6 ping a -> b (5 of 5)" ns_a ping -6 -c 5 -i 0.2 -w 10 $IP6_B
check "IPv6 ping b -> a (5 of 5)" ns_b ping -6 -c 5 -i 0.2 -w 10 $IP6_A
# 1472 + 28 = 1500: full-MTU frames both ways
check "IPv4 ping a -> b at MTU 1500 (DF)" ns_a ping -c 3 -i 0.2 -w 10 -s 1472 -M do $IP_B
check "IPv6 ping b -> a at MTU 1500" ns_b ping -6 -c 3 -i 0.2 -w 10 -s 1452 -M do $IP6_A
# a burst: 200 pings at 5 ms, at most 1 lost
check "IPv4 200 pings a -> b at 5 ms, <= 1 lost" sh -c \
	"ip netns exec $NS_A ping -c 200 -i 0.005 -w 20 -q $IP_B | tee /dev/stderr |
	 awk '/packets transmitted/ { exit !(\$4 >= 199) }'"

dp_stop INT
check_eq "$DP_KIND exits 0 on SIGINT" 0 "$DP_RC"

# Neighbour entries are still cached, so this tests the data path itself.
check_not "IPv4 ping a -> b fails with the dataplane stopped" ns_a ping -c 2 -W 1 -q $IP_B
check_not "IPv6 ping b -> a fails with the dataplane stopped" ns_b ping -6 -c 2 -W 1 -q $IP6_A
e2e_finish
