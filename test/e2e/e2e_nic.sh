#!/usr/bin/env bash
# scripts/nic.sh on the veth testbed (there is no PCI NIC here): the listing
# shows the testbed's interfaces; binding a veth is refused (not PCI); with
# a made-up sysfs that gives two veths PCI addresses, binding the one with
# an address is refused, the other reaches dpdk-devbind (a stub here) with
# --bind=vfio-pci, and without IOMMU groups the help on the IOMMU is shown.
# usage: e2e_nic.sh DPFW_BINARY SOURCE_ROOT
. "$(dirname "$0")/lib.sh"
e2e_init "$@"
e2e_testbed_up
NIC=$E2E_SRC/scripts/nic.sh

check "list shows the testbed's dpa" sh -c "'$NIC' list | grep -E '^dpa +- '"
"$NIC" bind dpa >"$E2E_TMP/out" 2>&1
check_eq "bind dpa (a veth): refused" 1 "$?"
check "the message says it is no PCI device" grep -q "not a PCI device" "$E2E_TMP/out"
"$NIC" bind nosuchif0 >"$E2E_TMP/out" 2>&1
check_eq "bind of a missing interface: refused" 1 "$?"

# made-up sysfs: nictest0 (up, 192.0.2.1/24) and nictest1 (up, no address)
# as PCI functions 0000:00:99.0 and .1 in IOMMU groups 90 and 91
ip link del nictest0 2>/dev/null
ip link add nictest0 type veth peer name nictest1 || e2e_bail "cannot create veths"
E2E_BG_PIDS+=()
trap 'ip link del nictest0 2>/dev/null; e2e_cleanup' EXIT
ip addr add 192.0.2.1/24 dev nictest0
ip link set nictest0 up
ip link set nictest1 up
fs=$E2E_TMP/sys
for i in 0 1; do
	pci=0000:00:99.$i
	mkdir -p "$fs/bus/pci/devices/$pci/net/nictest$i" "$fs/kernel/iommu_groups/9$i" \
		"$fs/class/net/nictest$i"
	echo up >"$fs/class/net/nictest$i/operstate"
	echo 1 >"$fs/bus/pci/devices/$pci/numa_node"
	ln -s "$fs/bus/pci/devices/$pci" "$fs/class/net/nictest$i/device"
	ln -s "$fs/kernel/iommu_groups/9$i" "$fs/bus/pci/devices/$pci/iommu_group"
done
cat >"$E2E_TMP/devbind" <<STUB
#!/bin/sh
echo "\$*" >>"$E2E_TMP/devbind.log"
STUB
chmod +x "$E2E_TMP/devbind"
export NIC_SYSFS=$fs NIC_DEVBIND=$E2E_TMP/devbind
"$NIC" list >"$E2E_TMP/list" 2>&1
check "list: nictest0 as 0000:00:99.0, node 1, IOMMU group 90, vfio usable" \
	grep -E '^nictest0 +0000:00:99.0 +[^ ]+ +1 +up +90 +yes' "$E2E_TMP/list"
"$NIC" bind nictest0 >"$E2E_TMP/out" 2>&1
check_eq "bind nictest0 (up, 192.0.2.1/24): refused" 1 "$?"
check "the message names the address" grep -q "192.0.2.1/24" "$E2E_TMP/out"
check_not "dpdk-devbind was not called" test -s "$E2E_TMP/devbind.log"
"$NIC" bind nictest1 >"$E2E_TMP/out" 2>&1
check_eq "bind nictest1 (no address): done" 0 "$?"
check "dpdk-devbind got --bind=vfio-pci 0000:00:99.1" grep -qx -- "--bind=vfio-pci 0000:00:99.1" "$E2E_TMP/devbind.log"
"$NIC" bind 0000:00:99.0 >"$E2E_TMP/out" 2>&1
check_eq "bind by PCI address of the busy one: refused too" 1 "$?"
rm -rf "$fs/kernel/iommu_groups"/*
: >"$E2E_TMP/devbind.log"
"$NIC" bind nictest1 >"$E2E_TMP/out" 2>&1
check_eq "without IOMMU groups: refused" 1 "$?"
check "and told about VT-d and intel_iommu=on" sh -c "grep -q 'VT-d' '$E2E_TMP/out' && grep -q 'intel_iommu=on' '$E2E_TMP/out'"
check_not "dpdk-devbind was not called" test -s "$E2E_TMP/devbind.log"
e2e_finish
