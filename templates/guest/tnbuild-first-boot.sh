#!/bin/sh
# tnbuild first boot: gives a clone its own identity from the `cidata` seed tnbuild attached to it: hostname,
# SSH host key (made on the host, so `tnbuild vm ssh` pins it), the login user's authorized key, the ULA address
# of the second NIC, and the recipe's vm.firstBoot commands. Installed into every template before sealing; runs
# early at every boot, before networking and sshd, and applies a seed once per instance-id. Without a seed it only
# makes sure SSH host keys exist. Needs nothing but POSIX sh, blkid, mount (busybox or util-linux) and ssh-keygen;
# cloud-init is not involved.
#
# Seed layout (an ISO 9660 volume labelled cidata, NoCloud style):
#   meta-data                 instance-id: ID / local-hostname: NAME
#   tnbuild/hostname          the hostname
#   tnbuild/ssh/ssh_host_*    host key pairs (private 0600 once installed)
#   tnbuild/user              login user; tnbuild/authorized_keys its keys
#   tnbuild/network/interface the second NIC's name; tnbuild/network/stanza its /etc/network/interfaces stanza
#   tnbuild/first-boot.sh     the recipe's vm.firstBoot commands
# TNBUILD_ROOT and TNBUILD_SEED_DIR exist for tnbuild's tests (a directory tree, an unpacked seed).
set -u
R=${TNBUILD_ROOT:-}
STATE="$R/var/lib/tnbuild"
LOG="$R/var/log/tnbuild-first-boot.log"
SEED=${TNBUILD_SEED_DIR:-}
MOUNTED=
# Every program this script runs is on the clone's boot path, and under TCG each costs 50-100 ms: shell builtins
# where they do the same, and one timestamp (this run's start) for every line of the log.
STAMP=$(date +%FT%T 2>/dev/null)

say() {
	printf 'tnbuild-first-boot: %s\n' "$*"
	printf '%s %s\n' "$STAMP" "$*" >>"$LOG" 2>/dev/null
}

ensure_host_keys() {
	for key in "$R"/etc/ssh/ssh_host_*_key; do
		[ -e "$key" ] && return 0
	done
	say 'no SSH host keys: generating them'
	if [ -n "$R" ]; then ssh-keygen -A -f "$R"; else ssh-keygen -A; fi
}

cleanup() {
	if [ -n "$MOUNTED" ]; then
		umount "$MOUNTED" 2>/dev/null
		rmdir "$MOUNTED" 2>/dev/null
	fi
	ensure_host_keys
}
trap cleanup EXIT

find_seed() {
	for dev in /dev/vd[a-z] /dev/sr[0-9] /dev/sd[a-z]; do
		[ -b "$dev" ] || continue
		case "$(blkid "$dev" 2>/dev/null)" in
		*'LABEL="cidata"'* | *'LABEL="CIDATA"'*) echo "$dev" && return 0 ;;
		esac
	done
	return 1
}

mkdir -p "$STATE" "${LOG%/*}"
if [ -z "$SEED" ]; then
	dev=$(find_seed) || {
		say 'no cidata seed attached: nothing to apply'
		exit 0
	}
	MOUNTED=$(mktemp -d /run/tnbuild-seed.XXXXXX) || exit 1
	if ! mount -r "$dev" "$MOUNTED" 2>/dev/null && ! mount -r -t iso9660 "$dev" "$MOUNTED"; then
		rmdir "$MOUNTED"
		MOUNTED=
		say "cannot mount the seed $dev"
		exit 1
	fi
	SEED=$MOUNTED
fi

iid=$(sed -n 's/^instance-id: *//p' "$SEED/meta-data" 2>/dev/null)
if [ -z "$iid" ]; then
	say 'the seed has no instance-id in meta-data: not applying it'
	exit 1
fi
if [ "$(cat "$STATE/instance-id" 2>/dev/null)" = "$iid" ]; then
	say "seed $iid already applied"
	exit 0
fi
say "applying seed $iid"
T="$SEED/tnbuild"

# Seed values are data, never code: checked against the patterns tnbuild wrote them with, compared as strings (awk
# -v and ==), never put inside a sed or grep pattern.
valid_hostname() {
	case $1 in
	'' | -* | *- | *[!A-Za-z0-9-]*) return 1 ;;
	esac
	[ ${#1} -le 63 ]
}
valid_user() {
	case $1 in
	'' | [!a-z_]* | *[!a-z0-9_\$-]* | *\$?*) return 1 ;;
	esac
	[ ${#1} -le 33 ]
}
# Rewrites a file in place (keeping its owner and mode) with what awk prints; the variable u is the seed value.
awk_in_place() {
	file=$1
	shift
	awk "$@" "$file" >"$file.tnbuild" && cat "$file.tnbuild" >"$file"
	rm -f "$file.tnbuild"
}

if [ -s "$T/hostname" ]; then
	name=$(cat "$T/hostname")
	if valid_hostname "$name"; then
		printf '%s\n' "$name" >"$R/etc/hostname"
		[ -n "$R" ] || printf '%s\n' "$name" >/proc/sys/kernel/hostname
		touch "$R/etc/hosts"
		awk_in_place "$R/etc/hosts" -v u="$name" '
			$1 == "127.0.1.1" { if (!done) print "127.0.1.1 " u; done = 1; next }
			{ print }
			END { if (!done) print "127.0.1.1 " u }
		'
		say "hostname $name"
	else
		say 'the seed hostname is not a valid host name: left as it is'
	fi
fi

if [ -d "$T/ssh" ]; then
	rm -f "$R"/etc/ssh/ssh_host_*
	for key in "$T"/ssh/ssh_host_*_key; do
		[ -f "$key" ] || continue
		base=${key##*/}
		cp "$key" "$R/etc/ssh/$base" && chmod 600 "$R/etc/ssh/$base"
		cp "$key.pub" "$R/etc/ssh/$base.pub" && chmod 644 "$R/etc/ssh/$base.pub"
		say "SSH host key $base"
	done
fi

user=$(cat "$T/user" 2>/dev/null)
if [ -n "$user" ] && ! valid_user "$user"; then
	say 'the seed user is not a valid user name: no user or key applied'
	user=
fi
if [ -n "$user" ]; then
	entry=$(awk -F: -v u="$user" '$1 == u { print; exit }' "$R/etc/passwd")
	if [ -z "$entry" ]; then
		say "creating user $user"
		if command -v useradd >/dev/null 2>&1; then
			useradd ${R:+-R "$R"} -m -s /bin/sh "$user"
		else
			adduser -D -s /bin/sh "$user"
		fi
		entry=$(awk -F: -v u="$user" '$1 == u { print; exit }' "$R/etc/passwd")
	fi
	# A password field of "!" (or "!*", "") locks the account for sshd without PAM (Alpine) even for key logins;
	# "*" only means "no password". A locked real password hash ("!$6$…") is left alone.
	if [ -f "$R/etc/shadow" ]; then
		awk_in_place "$R/etc/shadow" -F: -v OFS=: -v u="$user" '$1 == u && $2 ~ /^!*\**$/ { $2 = "*" } { print }'
	fi
	IFS=: read -r _ _ uid gid _ home _ <<ENTRY
$entry
ENTRY
	if [ -n "$home" ] && [ -s "$T/authorized_keys" ]; then
		mkdir -p "$R$home/.ssh"
		touch "$R$home/.ssh/authorized_keys"
		while IFS= read -r line; do
			[ -n "$line" ] || continue
			grep -qxF "$line" "$R$home/.ssh/authorized_keys" || printf '%s\n' "$line" >>"$R$home/.ssh/authorized_keys"
		done <"$T/authorized_keys"
		chmod 700 "$R$home/.ssh"
		chmod 600 "$R$home/.ssh/authorized_keys"
		chown "$uid:$gid" "$R$home" "$R$home/.ssh" "$R$home/.ssh/authorized_keys"
		say "authorized key(s) for $user"
	fi
fi

iface=$(cat "$T/network/interface" 2>/dev/null)
case $iface in
*[!a-z0-9]* | [!a-z]*)
	say 'the seed interface is not an interface name: network left as it is'
	iface=
	;;
esac
if [ -n "$iface" ] && [ -s "$T/network/stanza" ]; then
	f="$R/etc/network/interfaces"
	touch "$f"
	# Drop any earlier stanza for this interface (the template's, or an older seed's), then append this one.
	awk -v ifc="$iface" '
		/^(auto|allow-hotplug|iface)[ \t]/ { skip = ($2 == ifc); if (skip) next }
		/^[^ \t#]/ { skip = 0 }
		!skip { print }
	' "$f" >"$f.tnbuild" && cat "$f.tnbuild" >"$f"
	rm -f "$f.tnbuild"
	cat "$T/network/stanza" >>"$f"
	address=
	while read -r word value _; do
		[ "$word" = address ] && address=$value && break
	done <"$T/network/stanza"
	say "network: $address on $iface"
fi

if [ -s "$T/first-boot.sh" ]; then
	say "running the recipe's vm.firstBoot commands (output in $LOG)"
	if (cd / && sh -e "$T/first-boot.sh") >>"$LOG" 2>&1; then
		say 'vm.firstBoot done'
	else
		say "vm.firstBoot failed (exit $?); see $LOG"
	fi
fi

printf '%s\n' "$iid" >"$STATE/instance-id"
say "seed $iid applied"
