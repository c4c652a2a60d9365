-- Pktgen-DPDK Lua script for dpfw (doc/benchmarking.md): RFC 2544 style
-- throughput at zero loss by binary search on the send rate, 64-byte UDP
-- both ways with the flows of dpfw.pkt (load that first: -f dpfw.pkt,
-- then -f dpfw_rfc2544.lua).
--   pktgen ... -- -P -m "[1:2].0,[3:4].1" -f config/pktgen/dpfw.pkt -f config/pktgen/dpfw_rfc2544.lua
-- Prints one line per trial and the result; a trial lasts `trial_s`
-- seconds, then `settle_ms` for packets in flight to arrive.
package.path = package.path .. ";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local ports = "0,1"
local trial_s = 10
local settle_ms = 2000
local loss_tolerance = 0       -- packets; RFC 2544 asks for zero
local resolution = 0.5         -- percent of line rate

local function counts(p)
	local s = pktgen.portStats(p, "port")[tonumber(p)]
	return s.opackets, s.ipackets
end

-- One trial at rate (percent of line rate): packets lost, both ports.
local function trial(rate)
	pktgen.set(ports, "rate", rate)
	pktgen.clear("all")
	pktgen.delay(500)
	pktgen.start(ports)
	pktgen.delay(trial_s * 1000)
	pktgen.stop(ports)
	pktgen.delay(settle_ms)
	local tx0, rx0 = counts("0")
	local tx1, rx1 = counts("1")
	-- port 0's packets arrive on port 1 and the other way round
	local lost = (tx0 - rx1) + (tx1 - rx0)
	printf("trial rate %6.2f%%: sent %d, received %d, lost %d\n",
	       rate, tx0 + tx1, rx0 + rx1, lost)
	return lost
end

local lo, hi, best = 0, 100, 0
while hi - lo > resolution do
	local mid = (lo + hi) / 2
	if trial(mid) <= loss_tolerance then
		best = mid
		lo = mid
	else
		hi = mid
	end
end
printf("throughput at zero loss: %.2f%% of line rate, 64-byte frames\n", best)
