// Child process for the cleanup test: starts QEMU, prints its pid, then idles until a signal ends this process.
import { execaQemuLauncher } from '../../../builders/execa-qemu-process.ts';
import { idleMachine } from './idle-machine.ts';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: start-qemu-and-wait.ts DIR');
const qemu = await execaQemuLauncher.start(idleMachine(dir), { binary: 'qemu-system-x86_64' });
process.stdout.write(`${JSON.stringify({ pid: qemu.pid })}\n`);
setInterval(() => {}, 1000);
