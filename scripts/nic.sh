#!/usr/bin/env bash
# NICs for dpfw: list them, bind them to vfio-pci and back, keep the binding
# across reboots. Installed as dpfw-nic.
#
#   nic.sh list                 every network device: interface, PCI address,
#                               driver, NUMA node, link, IOMMU group and
#                               whether vfio-pci can take it
#   nic.sh bind DEV...          bind to vfio-pci (DEV: interface or PCI address)
#   nic.sh unbind DEV [DRIVER]  give it back to DRIVER (default: its kernel driver)
#   nic.sh persist DEV...       bind at every boot (driverctl set-override)
#   nic.sh unpersist DEV...
#
# bind refuses an interface that is up with addresses or routes (it would
# cut this machine off a network; --force binds anyway), and says what to
# do when there is no IOMMU. Binding uses Debian's dpdk-devbind.py.
# Environment (tests): NIC_SYSFS (default /sys), NIC_DEVBIND (the binder).
set -uo pipefail

SYS=${NIC_SYSFS:-/sys}
DEVBIND=${NIC_DEVBIND:-$(command -v dpdk-devbind.py || command -v dpdk-devbind || echo dpdk-devbind.py)}
die() { echo "nic: $*" >&2; exit 1; }
say() { echo "nic: $*" >&2; }

# PCI address of an interface, or empty (veth, bridges, ...)
iface_pci() {
	local dev
	dev=$(readlink -f "$SYS/class/net/$1/device" 2>/dev/null) || return 0
	case "$(basename "$dev")" in
	[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:*) basename "$dev" ;;
	esac
}

# Interface of a PCI address, or empty (bound to vfio-pci: none)
pci_iface() {
	ls "$SYS/bus/pci/devices/$1/net" 2>/dev/null | head -n 1
}

iommu_group() {
	local g
	g=$(readlink -f "$SYS/bus/pci/devices/$1/iommu_group" 2>/dev/null) && basename "$g"
}

iommu_present() {
	[ -n "$(ls -A "$SYS/kernel/iommu_groups" 2>/dev/null)" ]
}

no_iommu_help() {
	cat >&2 <<'HELP'
nic: there is no IOMMU: vfio-pci needs one to give a NIC to a user process safely.
  1. Enable VT-d (Intel) or AMD-Vi / IOMMU in the BIOS/UEFI setup.
  2. Boot with intel_iommu=on iommu=pt (Intel) or amd_iommu=on iommu=pt (AMD):
     add them to GRUB_CMDLINE_LINUX in /etc/default/grub, run update-grub, reboot.
  3. Check: ls /sys/kernel/iommu_groups is not empty; dpfw-nic list shows a group.
  Without an IOMMU (a VM without a virtual one): modprobe vfio enable_unsafe_noiommu_mode=1
  makes vfio-pci work unprotected (a device can then write anywhere in memory);
  fine for a lab, not for a firewall. See doc/deployment.md.
HELP
}

# Why a device must not be bound, or nothing
in_use() {
	local ifc=$1 addrs routes
	[ -n "$ifc" ] || return 0
	if ip -o link show dev "$ifc" 2>/dev/null | grep -q 'state UP\|,UP'; then
		addrs=$(ip -o addr show dev "$ifc" scope global 2>/dev/null | awk '{print $4}' | tr '\n' ' ')
		routes=$(ip -o route show dev "$ifc" 2>/dev/null | grep -v '^fe80::/64' | head -n 3 | tr '\n' ';')
		routes6=$(ip -o -6 route show dev "$ifc" 2>/dev/null | grep -v '^fe80::/64\|^multicast\|^ff00::/8' | head -n 3 | tr '\n' ';')
		if [ -n "$addrs" ] || [ -n "$routes" ] || [ -n "$routes6" ]; then
			echo "$ifc is up${addrs:+ with addresses $addrs}${routes:+, routes: $routes}${routes6:+ $routes6}"
		fi
	fi
}

cmd_list() {
	local ifc pci drv node link grp vfio dev seen=" "
	printf '%-12s %-13s %-10s %-4s %-6s %-6s %s\n' IFACE PCI DRIVER NODE LINK IOMMU VFIO
	for dev in "$SYS"/class/net/*; do
		ifc=$(basename "$dev")
		[ "$ifc" = lo ] && continue
		pci=$(iface_pci "$ifc")
		drv=$(basename "$(readlink -f "$dev/device/driver" 2>/dev/null)" 2>/dev/null)
		[ -e "$dev/device/driver" ] || drv=$(ethtool -i "$ifc" 2>/dev/null | awk '/^driver:/ {print $2}')
		node=$(cat "$dev/device/numa_node" 2>/dev/null || echo -)
		link=$(cat "$dev/operstate" 2>/dev/null || echo -)
		if [ -n "$pci" ]; then
			grp=$(iommu_group "$pci"); grp=${grp:--}
			if [ "$grp" != - ]; then vfio=yes; else vfio="no (no IOMMU group)"; fi
			seen+="$pci "
		else
			pci=- grp=- vfio="no (not a PCI device)"
		fi
		printf '%-12s %-13s %-10s %-4s %-6s %-6s %s\n' "$ifc" "$pci" "${drv:--}" "$node" "$link" "$grp" "$vfio"
	done
	# devices already given to DPDK have no interface
	for dev in "$SYS"/bus/pci/devices/*; do
		[ -e "$dev/driver" ] || continue
		drv=$(basename "$(readlink -f "$dev/driver")")
		case "$drv" in vfio-pci | uio_pci_generic | igb_uio) ;; *) continue ;; esac
		pci=$(basename "$dev")
		case "$seen" in *" $pci "*) continue ;; esac
		node=$(cat "$dev/numa_node" 2>/dev/null || echo -)
		grp=$(iommu_group "$pci")
		printf '%-12s %-13s %-10s %-4s %-6s %-6s %s\n' - "$pci" "$drv" "$node" - "${grp:--}" "bound"
	done
	iommu_present || say "no IOMMU groups: vfio-pci cannot take any device ('$0 bind' explains)"
}

# DEV (interface or PCI address) -> "PCI IFACE"
resolve() {
	local pci ifc
	if [ -e "$SYS/bus/pci/devices/$1" ]; then
		pci=$1 ifc=$(pci_iface "$1")
	elif [ -e "$SYS/class/net/$1" ]; then
		ifc=$1 pci=$(iface_pci "$1")
		[ -n "$pci" ] || die "$1 is not a PCI device (a veth, bridge or tunnel): DPDK reaches it only through a vdev such as net_af_packet0,iface=$1"
	else
		die "$1: no such interface or PCI address"
	fi
	echo "$pci ${ifc:-}"
}

cmd_bind() {
	local force=0 d pci ifc why
	[ "${1:-}" = --force ] && { force=1; shift; }
	[ $# -gt 0 ] || die "usage: $0 bind [--force] DEV..."
	for d in "$@"; do
		read -r pci ifc < <(resolve "$d") || exit 1
		[ -n "$pci" ] || exit 1
		why=$(in_use "$ifc")
		if [ -n "$why" ] && [ $force -eq 0 ]; then
			die "refusing to bind $pci: $why. Take it down first (ip addr flush dev $ifc; ip link set $ifc down) or use --force"
		fi
		if ! iommu_present; then
			no_iommu_help
			exit 1
		fi
		[ -n "$(iommu_group "$pci")" ] || die "$pci has no IOMMU group (is it behind a bridge without ACS?)"
		modprobe vfio-pci 2>/dev/null
		"$DEVBIND" --bind=vfio-pci "$pci" || die "dpdk-devbind could not bind $pci"
		say "$pci${ifc:+ ($ifc)} bound to vfio-pci; name it in dpfw.conf: device = $pci"
	done
}

cmd_unbind() {
	local pci ifc drv=${2:-}
	[ $# -ge 1 ] || die "usage: $0 unbind DEV [DRIVER]"
	read -r pci ifc < <(resolve "$1") || exit 1
	[ -n "$pci" ] || exit 1
	if [ -z "$drv" ]; then
		# the kernel driver that claims this device ID
		drv=$(lspci -k -s "$pci" 2>/dev/null | awk -F': ' '/Kernel modules/ {print $2}' | awk -F', ' '{print $1}')
	fi
	[ -n "$drv" ] || die "which driver should take $pci? $0 unbind $pci DRIVER (e.g. ixgbe, i40e, ice)"
	"$DEVBIND" --bind="$drv" "$pci" || die "dpdk-devbind could not bind $pci to $drv"
	say "$pci back on $drv"
}

cmd_persist() {
	local d pci ifc on=$1
	shift
	[ $# -gt 0 ] || die "usage: $0 persist|unpersist DEV..."
	command -v driverctl >/dev/null || die "driverctl is not installed (apt-get install driverctl): it keeps a driver override across reboots"
	for d in "$@"; do
		read -r pci ifc < <(resolve "$d") || exit 1
		if [ "$on" = 1 ]; then
			why=$(in_use "$ifc")
			[ -z "$why" ] || die "refusing to persist $pci: $why"
			driverctl set-override "$pci" vfio-pci || die "driverctl set-override $pci failed"
			say "$pci: vfio-pci at every boot (driverctl list-overrides)"
		else
			driverctl unset-override "$pci" || die "driverctl unset-override $pci failed"
		fi
	done
}

case "${1:-}" in
list) cmd_list ;;
bind) shift; cmd_bind "$@" ;;
unbind) shift; cmd_unbind "$@" ;;
persist) shift; cmd_persist 1 "$@" ;;
unpersist) shift; cmd_persist 0 "$@" ;;
-h | --help | help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
*) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
