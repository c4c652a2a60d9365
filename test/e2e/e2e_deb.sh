#!/usr/bin/env bash
# The Debian package from a clean copy of the tree: dpkg-buildpackage builds
# it (lean: nocheck, nodoc, parallel=2), it installs with the dpfw group and
# its conffiles, dpfw runs from /usr/sbin on the testbed (ping through it),
# dpfwctl works for a member of group dpfw and is refused to a user outside
# it, an edited conffile survives a reinstall, and purge leaves none of the
# package's files (the system group stays, as Debian keeps system groups;
# this test removes it when it made it).
# Suite 'nosan': once per CI run, not in the sanitizer runs.
# usage: e2e_deb.sh DPFW_BINARY SOURCE_ROOT
. "$(dirname "$0")/lib.sh"
e2e_init "$@"
if [ "$E2E_FORWARDER" != dpfw ]; then
	echo "SKIP: the package is dpfw's"
	exit 77
fi
for t in dpkg-buildpackage dh git; do
	command -v $t >/dev/null || { echo "SKIP: $t not installed (scripts/deps.sh)"; exit 77; }
done
if dpkg-query -W -f='${db:Status-Abbrev}' dpfw 2>/dev/null | grep -q '^ii'; then
	echo "SKIP: a dpfw package is installed on this machine; not replacing it"
	exit 77
fi
had_group=0
getent group dpfw >/dev/null && had_group=1
U_IN=dpfwe2ein U_OUT=dpfwe2eout
deb_cleanup() {
	dpkg --purge dpfw >/dev/null 2>&1
	userdel "$U_IN" 2>/dev/null
	userdel "$U_OUT" 2>/dev/null
	[ $had_group = 1 ] || groupdel dpfw 2>/dev/null
	rm -rf /run/dpfw-e2e
	e2e_cleanup
}
trap deb_cleanup EXIT

# a clean copy: the files git knows, nothing built
src=$E2E_TMP/src/dpfw-0.1.0
mkdir -p "$src"
if git -C "$E2E_SRC" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$E2E_SRC" ls-files -co --exclude-standard | grep -v '^build' |
		(cd "$E2E_SRC" && tar -cf - -T -) | tar -xf - -C "$src"
else
	e2e_bail "$E2E_SRC is not a git checkout: cannot make a clean copy"
fi
t0=$SECONDS
(cd "$src" && DEB_BUILD_OPTIONS="nocheck nodoc parallel=2" dpkg-buildpackage -b -us -uc) \
	>"$E2E_TMP/build.log" 2>&1
rc=$?
check_eq "dpkg-buildpackage builds the .deb ($((SECONDS - t0)) s)" 0 "$rc" ||
	{ tail -n 30 "$E2E_TMP/build.log" | sed 's/^/#   /'; e2e_finish; }
deb=$(ls "$E2E_TMP"/src/dpfw_*_*.deb | head -n 1)
check "Depends names DPDK, libnuma and inih" sh -c "dpkg-deb -f '$deb' Depends | grep -q librte-eal && dpkg-deb -f '$deb' Depends | grep -q libnuma1 && dpkg-deb -f '$deb' Depends | grep -q libinih"

dpkg -i "$deb" >"$E2E_TMP/install.log" 2>&1
check_eq "dpkg -i installs it" 0 "$?" || { sed 's/^/#   /' "$E2E_TMP/install.log"; e2e_finish; }
for f in /usr/sbin/dpfw /usr/sbin/dpfwctl /usr/sbin/dpfw-nic /etc/dpfw/dpfw.conf /etc/dpfw/rules.v4 \
	/etc/default/dpfw /lib/systemd/system/dpfw.service /usr/libexec/dpfw/dpfw-hugepages \
	/usr/share/bash-completion/completions/dpfwctl; do
	check "installed: $f" test -e "$f"
done
check "man dpfw, dpfwctl, dpfw.conf found" sh -c 'man -w 8 dpfw && man -w 8 dpfwctl && man -w 5 dpfw.conf'
check "group dpfw created" getent group dpfw
check "the files under /etc are conffiles" sh -c "dpkg-query --showformat='\${Conffiles}\n' --show dpfw | grep -q /etc/dpfw/dpfw.conf"
check "the installed config passes --check-config" /usr/sbin/dpfw --check-config -c /etc/dpfw/dpfw.conf

# an edited conffile survives reinstalling the package
echo "; local edit $$" >>/etc/dpfw/dpfw.conf
dpkg -i --force-confold "$deb" >"$E2E_TMP/reinstall.log" 2>&1
check "an edited /etc/dpfw/dpfw.conf is kept on reinstall" grep -q "; local edit $$" /etc/dpfw/dpfw.conf

# dpfw from /usr/sbin on the testbed, its socket in group dpfw
e2e_testbed_up
mkdir -p /run/dpfw-e2e
chmod 0755 /run/dpfw-e2e
sed -e "/^\[dpfw\]/a ctl_socket = /run/dpfw-e2e/dpfw.sock\nctl_group = dpfw" \
	"$E2E_SRC/config/testbed.conf" >"$E2E_TMP/dpfw.conf"
E2E_DPFW=/usr/sbin/dpfw
dp_start "$E2E_TMP/dpfw.conf"
dp_wait_forwarding
check "a pings b through the installed dpfw" ns_a ping -c 3 -W 1 $IP_B
useradd -M -N -s /usr/sbin/nologin -G dpfw "$U_IN" 2>/dev/null || usermod -a -G dpfw "$U_IN"
useradd -M -N -s /usr/sbin/nologin "$U_OUT" 2>/dev/null
check "dpfwctl status works for a member of group dpfw" \
	runuser -u "$U_IN" -- /usr/sbin/dpfwctl -s /run/dpfw-e2e/dpfw.sock status
runuser -u "$U_OUT" -- /usr/sbin/dpfwctl -s /run/dpfw-e2e/dpfw.sock status >"$E2E_TMP/out" 2>&1
rc=$?
check_true "dpfwctl is refused to a user outside group dpfw (exit $rc)" \
	"$([ $rc -ne 0 ] && grep -qi 'permission denied' "$E2E_TMP/out" && echo 0 || echo 1)" "$(head -n 2 "$E2E_TMP/out")"
dp_stop TERM
check_eq "the installed dpfw shuts down cleanly" 0 "$DP_RC"

# purge: nothing of the package is left
dpkg -L dpfw >"$E2E_TMP/files"
dpkg --purge dpfw >"$E2E_TMP/purge.log" 2>&1
check_eq "dpkg --purge" 0 "$?"
left=$(while read -r f; do { [ -f "$f" ] || { [ -L "$f" ] && [ ! -d "$f" ]; }; } && echo "$f"; done <"$E2E_TMP/files")
check_eq "no file of the package left after purge" "" "$left"
check_not "/etc/dpfw is gone" test -e /etc/dpfw
check_not "/etc/default/dpfw is gone" test -e /etc/default/dpfw
check_not "dpkg knows no dpfw" sh -c "dpkg-query -W -f='\${db:Status-Abbrev}' dpfw 2>/dev/null | grep -q '^[ir]'"
e2e_finish
