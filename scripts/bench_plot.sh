#!/usr/bin/env bash
# Plot of Mpps against flow count from a `scripts/bench.sh --csv` output:
# dpfw and dpdk-testpmd io (the ceiling) for the established_* rows.
# Needs gnuplot (Debian: gnuplot-nox); not part of CI.
#
# usage: scripts/bench_plot.sh CSV [OUT]     (OUT: doc/img/mpps_vs_flows.png)
set -euo pipefail
cd "$(dirname "$0")/.."

csv=${1:?usage: $0 CSV [OUT.png]}
out=${2:-doc/img/mpps_vs_flows.png}
command -v gnuplot >/dev/null || { echo "bench_plot: gnuplot not installed (apt-get install gnuplot-nox)" >&2; exit 1; }
mkdir -p "$(dirname "$out")"

# established_1k -> 1000 ...; rows without a number are left out
data=$(mktemp)
trap 'rm -f "$data"' EXIT
awk -F, '$1 ~ /^established_[0-9]+[km]?$/ {
		n = substr($1, 13); m = 1
		if (n ~ /k$/) m = 1000; else if (n ~ /m$/) m = 1000000
		sub(/[km]$/, "", n)
		# n/a, loss, errors: not plotted
		fw = ($2 ~ /^[0-9.]+$/) ? $2 : "NaN"; tp = ($4 ~ /^[0-9.]+$/) ? $4 : "NaN"
		print n * m, fw, tp
	}' "$csv" | sort -n >"$data"
[ -s "$data" ] || { echo "bench_plot: no established_* rows in $csv" >&2; exit 1; }
# the peer row (Open vSwitch with ct()), a point of its own when it ran
peer=$(awk -F, '$1 ~ /^peer_ovs_ct_established_[0-9]+[km]?$/ && $2 != "n/a" {
		n = substr($1, 25); m = 1
		if (n ~ /k$/) m = 1000; else if (n ~ /m$/) m = 1000000
		sub(/[km]$/, "", n)
		print n * m, $2
	}' "$csv")
peer_plot=""
[ -z "$peer" ] || peer_plot=", '-' using 1:2 with points pt 9 ps 2 title \"Open vSwitch DPDK + ct() (peer)\""
# the first '#' line of the CSV says which run it was
title=$(sed -n '1s/^# *//p' "$csv" | cut -c1-110)

gnuplot <<EOF
set terminal pngcairo size 900,520 font "sans,10" noenhanced
set output "$out"
set title "$title"
set logscale x 10
set xrange [$(awk 'NR == 1 { print $1 / 2 }' "$data"):$(awk 'END { print $1 * 2 }' "$data")]
set xlabel "concurrent TCP connections (flows)"
set ylabel "Mpps, one forwarding core, both directions"
set yrange [0:*]
set grid
set key top right
set format x "%.0s%c"
plot "$data" using 1:3 with linespoints lw 2 pt 7 title "dpdk-testpmd io (ceiling)", \
     "$data" using 1:2 with linespoints lw 2 pt 5 title "dpfw (conntrack, accept-all)"$peer_plot
$([ -z "$peer" ] || printf '%s\ne\n' "$peer")
EOF
echo "bench_plot: wrote $out"
