#!/bin/bash
# a --- m(br0, br_netfilter) --- b
set -e
for n in a m b; do ip netns del sctpo-$n 2>/dev/null || true; ip netns add sctpo-$n; done
ip link add oa type veth peer name ka netns sctpo-m
ip link set oa netns sctpo-a name eth0
ip link add ob type veth peer name kb netns sctpo-m
ip link set ob netns sctpo-b name eth0
M="ip netns exec sctpo-m"
$M ip link add br0 type bridge
$M ip link set ka master br0; $M ip link set kb master br0
for i in ka kb br0 lo; do $M ip link set $i up; done
for n in a b; do ip netns exec sctpo-$n ip link set eth0 up; ip netns exec sctpo-$n ip link set lo up; done
ip netns exec sctpo-a ip addr add 10.66.0.1/24 dev eth0
ip netns exec sctpo-b ip addr add 10.66.0.2/24 dev eth0
$M modprobe br_netfilter 2>/dev/null || true
$M sysctl -qw net.bridge.bridge-nf-call-iptables=1
$M iptables -A FORWARD -m conntrack --ctstate INVALID -j LOG --log-prefix "INV " 
$M iptables -A FORWARD -m conntrack --ctstate INVALID -m comment --comment cnt
$M iptables -A FORWARD -j ACCEPT
for n in a b; do ip netns exec sctpo-$n iptables -t raw -A PREROUTING -s 10.55.0.0/16 -j DROP; done
echo ok
