#!/usr/bin/env bash
# The servers of the FTP/TFTP helper tests, in the foreground, in the
# current network namespace (run it with ip netns exec).
#
# usage: alg_server.sh ftp DIR [PASV_PORT]   vsftpd: anonymous, read-only,
#            DIR as its root, port 21 on every IPv4 and IPv6 address,
#            passive data port PASV_PORT (default 30000), active data
#            connections from port 20
#        alg_server.sh tftp DIR              in.tftpd: DIR's files, port 69
#
# DIR is created with a 256 KiB file.bin of random bytes when it has none
# (made aside and renamed: two servers may start on the same DIR at once).
set -euo pipefail
mode=${1:-} dir=${2:-}
[ -n "$dir" ] || { echo "usage: $0 ftp|tftp DIR [PASV_PORT]" >&2; exit 2; }
mkdir -p "$dir"
chmod 755 "$dir"
if [ ! -e "$dir/file.bin" ]; then
	head -c 262144 /dev/urandom >"$dir/file.bin.$$"
	chmod 644 "$dir/file.bin.$$"
	mv -f "$dir/file.bin.$$" "$dir/file.bin"
fi
case "$mode" in
ftp)
	pasv=${3:-30000}
	conf=$dir.vsftpd.$$
	mkdir -p "$conf.empty"
	chmod 755 "$conf.empty"
	cat >"$conf" <<EOC
listen=NO
listen_ipv6=YES
background=NO
anonymous_enable=YES
no_anon_password=YES
anon_root=$dir
local_enable=NO
write_enable=NO
pasv_enable=YES
port_enable=YES
connect_from_port_20=YES
pasv_min_port=$pasv
pasv_max_port=$pasv
secure_chroot_dir=$conf.empty
seccomp_sandbox=NO
xferlog_enable=NO
EOC
	exec vsftpd "$conf"
	;;
tftp)
	exec in.tftpd --foreground --listen --address :69 --secure --user tftp "$dir"
	;;
*)
	echo "usage: $0 ftp|tftp DIR [PASV_PORT]" >&2
	exit 2
	;;
esac
