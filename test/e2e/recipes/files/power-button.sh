#!/bin/sh
# The e2e image is Debian minbase: no dbus, so no systemd-logind, and no acpid — nothing acts on the ACPI power
# button that `tnbuild vm stop` presses. Power off on the first event from the "Power Button" input device.
until grep -qx "Power Button" /sys/class/input/event*/device/name 2>/dev/null; do sleep 1; done
for d in /sys/class/input/event*; do
  if [ "$(cat "$d/device/name")" = "Power Button" ]; then
    head -c 24 "/dev/input/${d##*/}" >/dev/null && systemctl poweroff
  fi
done
