#!/bin/sh
# Stops the VM trustnet-node: ACPI power button, up to 60 s for the guest, then QEMU quits, then SIGKILL.
set -u
pidfile=<sandbox>/vms/trustnet-node/qemu.pid
pid=$(cat "$pidfile" 2>/dev/null) || pid=
running() { [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }
running || { echo 'trustnet-node is not running'; exit 0; }
node -e 'const s = require("net").connect(process.argv[1], () => s.write("{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"system_powerdown\"}\n")); s.on("error", () => {}); setTimeout(() => s.destroy(), 500)' <sandbox>/vms/trustnet-node/qmp.sock
i=0
while running && [ "$i" -lt 60 ]; do sleep 1; i=$((i + 1)); done
running && { echo 'trustnet-node ignored the power button; quitting QEMU'; node -e 'const s = require("net").connect(process.argv[1], () => s.write("{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"quit\"}\n")); s.on("error", () => {}); setTimeout(() => s.destroy(), 500)' <sandbox>/vms/trustnet-node/qmp.sock; sleep 2; }
running && kill -KILL "$pid"
rm -f "$pidfile"
echo 'trustnet-node stopped'
