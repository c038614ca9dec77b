#!/bin/sh
# Stops the VM trustnet-node: ACPI power button, up to 60 s (TNBUILD_STOP_WAIT) for the guest, then QEMU quits, then SIGKILL.
set -u
pidfile=<sandbox>/vms/trustnet-node/qemu.pid
pid=$(cat "$pidfile" 2>/dev/null) || pid=
case "$pid" in "" | *[!0-9]* | 0*) pid= ;; esac
running() {
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/cmdline" ]; then tr "\0" "\n" <"/proc/$pid/cmdline" | grep -qxF -- "$pidfile"
  else ps -p "$pid" -o command= | grep -qF -- "$pidfile"; fi
}
running || { echo 'trustnet-node is not running'; exit 0; }
node -e 'const s = require("net").connect(process.argv[1], () => s.write("{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"system_powerdown\"}\n")); s.on("error", () => {}); setTimeout(() => s.destroy(), 500)' <sandbox>/vms/trustnet-node/qmp.sock
i=0
while running && [ "$i" -lt "${TNBUILD_STOP_WAIT:-60}" ]; do sleep 1; i=$((i + 1)); done
running && { echo 'trustnet-node ignored the power button; quitting QEMU'; node -e 'const s = require("net").connect(process.argv[1], () => s.write("{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"quit\"}\n")); s.on("error", () => {}); setTimeout(() => s.destroy(), 500)' <sandbox>/vms/trustnet-node/qmp.sock; sleep 2; }
running && kill -KILL "$pid"
rm -f "$pidfile"
echo 'trustnet-node stopped'
