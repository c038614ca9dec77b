#!/bin/sh
# Starts the VM trustnet-node in the background (made by tnbuild from template node-x86_64-<key12>).
# Forwards: 127.0.0.1:2222→22 (ssh), 127.0.0.1:26657→26657 (rpc). Second NIC 52:54:00:38:a0:c1 on mcast 230.0.0.1:1234.
# Serial console log: <sandbox>/vms/trustnet-node/serial.log. Stop it with <sandbox>/vms/trustnet-node/stop-trustnet-node.sh.
set -eu
exec qemu-system-x86_64 \
  -name trustnet-node,process=qemu-trustnet-node \
  -nodefaults \
  -no-user-config \
  -display none \
  -machine q35 \
  -accel tcg \
  -cpu qemu64 \
  -smp 1 \
  -m 128M \
  -drive file=<sandbox>/vms/trustnet-node/disk.qcow2,if=none,id=disk0,format=qcow2,cache=writeback,discard=unmap \
  -device virtio-blk-pci,drive=disk0 \
  -netdev user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=tcp:127.0.0.1:26657-:26657 \
  -device virtio-net-pci,netdev=net0 \
  -netdev socket,id=net1,mcast=230.0.0.1:1234,localaddr=127.0.0.1 \
  -device virtio-net-pci,netdev=net1,mac=52:54:00:38:a0:c1 \
  -chardev socket,id=serial0,path=<sandbox>/vms/trustnet-node/serial.sock,server=on,wait=off,logfile=<sandbox>/vms/trustnet-node/serial.log,logappend=on \
  -serial chardev:serial0 \
  -chardev socket,id=qmp0,path=<sandbox>/vms/trustnet-node/qmp.sock,server=on,wait=off \
  -mon chardev=qmp0,mode=control \
  -device virtio-rng-pci \
  -drive file=<sandbox>/vms/trustnet-node/seed.iso,if=none,id=seed0,format=raw,readonly=on \
  -device virtio-blk-pci,drive=seed0 \
  -daemonize \
  -pidfile <sandbox>/vms/trustnet-node/qemu.pid
