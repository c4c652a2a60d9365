#!/bin/bash
# Kernel conntrack captures used by test_ct_format / test_ct_table as golden strings.
# Namespaces ctA (client 10.10.1.2, fd00:1::2) - ctR (router, conntrack) - ctB (server).
# list.txt/events.txt: ACCT=0 default timeouts (ENDW=1). *_acct.txt: ACCT=1 TW=2 UT=3 ENDW=9.
# Kernel 6.18, conntrack-tools 1.4.7. Writes to $OUT (default .).
set -x
for n in ctA ctR ctB; do ip netns del $n 2>/dev/null; ip netns add $n; done
ip link add va type veth peer name ra
ip link add vb type veth peer name rb
ip link set va netns ctA; ip link set ra netns ctR; ip link set rb netns ctR; ip link set vb netns ctB
ip -n ctA addr add 10.10.1.2/24 dev va; ip -n ctA addr add fd00:1::2/64 dev va nodad
ip -n ctR addr add 10.10.1.1/24 dev ra; ip -n ctR addr add fd00:1::1/64 dev ra nodad
ip -n ctR addr add 10.10.2.1/24 dev rb; ip -n ctR addr add fd00:2::1/64 dev rb nodad
ip -n ctB addr add 10.10.2.2/24 dev vb; ip -n ctB addr add fd00:2::2/64 dev vb nodad
for n in ctA ctR ctB; do ip -n $n link set lo up; done
ip -n ctA link set va up; ip -n ctR link set ra up; ip -n ctR link set rb up; ip -n ctB link set vb up
ip -n ctA route add default via 10.10.1.1; ip -n ctA -6 route add default via fd00:1::1
ip -n ctB route add default via 10.10.2.1; ip -n ctB -6 route add default via fd00:2::1
ip netns exec ctR sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip netns exec ctR sysctl -qw net.netfilter.nf_conntrack_acct=${ACCT:-0}
ip netns exec ctR sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_time_wait=${TW:-120} net.netfilter.nf_conntrack_udp_timeout=${UT:-30} net.netfilter.nf_conntrack_icmp_timeout=${UT:-30}
ip netns exec ctR iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP
ip netns exec ctR ip6tables -A FORWARD -m conntrack --ctstate INVALID -j DROP
sleep 1
ip netns exec ctR conntrack -E -o timestamp > ${OUT:-.}/events_ts.txt 2>&1 &
EV1=$!
ip netns exec ctR conntrack -E > ${OUT:-.}/events.txt 2>&1 &
EV=$!
sleep 0.5
# TCP: server on 8080, short connection with data then close
ip netns exec ctB python3 -c '
import socket
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR,1); s.bind(("0.0.0.0",8080)); s.listen(1)
c,_=s.accept(); c.recv(100); c.send(b"pong"); import time; time.sleep(0.3); c.close()' &
sleep 0.3
ip netns exec ctA python3 -c '
import socket,time
s=socket.socket(); s.bind(("10.10.1.2",40000)); s.connect(("10.10.2.2",8080)); s.send(b"ping"); s.recv(10); time.sleep(0.5); s.close()'
# long-lived TCP for listing ESTABLISHED
ip netns exec ctB python3 -c '
import socket,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR,1); s.bind(("0.0.0.0",8081)); s.listen(1)
c,_=s.accept(); time.sleep(8)' &
sleep 0.3
ip netns exec ctA python3 -c '
import socket,time
s=socket.socket(); s.bind(("10.10.1.2",40001)); s.connect(("10.10.2.2",8081)); s.send(b"x"); time.sleep(8)' &
# UDP unreplied
ip netns exec ctA python3 -c '
import socket
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("10.10.1.2",50001)); s.sendto(b"q",("10.10.2.2",9999))'
# UDP replied (IPv4) 
ip netns exec ctB python3 -c '
import socket
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("0.0.0.0",9998)); d,a=s.recvfrom(10); s.sendto(b"r",a)' &
sleep 0.3
ip netns exec ctA python3 -c '
import socket
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("10.10.1.2",50002)); s.sendto(b"q",("10.10.2.2",9998)); s.recv(10)'
# ICMP echo
ip netns exec ctA ping -c1 -W1 10.10.2.2
# unknown protocol 253
ip netns exec ctA python3 -c '
import socket
s=socket.socket(socket.AF_INET,socket.SOCK_RAW,253); s.sendto(b"hello",("10.10.2.2",0))'
# IPv6 UDP unreplied and TCP
ip netns exec ctA python3 -c '
import socket
s=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM); s.bind(("fd00:1::2",50003)); s.sendto(b"q",("fd00:2::2",9997))'
ip netns exec ctA ping -6 -c1 -W1 fd00:2::2
ip netns exec ctB python3 -c '
import socket,time
s=socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR,1); s.bind(("::",8082)); s.listen(1)
c,_=s.accept(); time.sleep(6)' &
sleep 0.3
ip netns exec ctA python3 -c '
import socket,time
s=socket.socket(socket.AF_INET6); s.bind(("fd00:1::2",40002)); s.connect(("fd00:2::2",8082)); time.sleep(6)' &
sleep 1
ip netns exec ctR conntrack -L > ${OUT:-.}/list.txt 2>${OUT:-.}/list_stderr.txt
ip netns exec ctR conntrack -L -f ipv6 > ${OUT:-.}/list6.txt 2>>${OUT:-.}/list_stderr.txt
sleep 1
sleep ${ENDW:-1}
kill $EV $EV1
wait 2>/dev/null
for n in ctA ctR ctB; do ip netns del $n; done
