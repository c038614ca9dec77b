import { createServer, type Server, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { MachineSpec } from '../../../builders/machine-spec.ts';
import type { QemuExit, QemuLauncher, QemuProcess } from '../../../builders/qemu-process.ts';
import { connectSerialConsole } from '../../../builders/serial-console.ts';
import { sshKeyPair } from '../../helpers/ssh-key-pair.ts';

/** What the scripted guest does with the builder's keystrokes and the machine it runs on. */
export type GuestScript = (guest: FakeGuest) => void;

export interface FakeGuest {
  readonly spec: MachineSpec;
  /** Which start this is (0: the installer run). */
  readonly boot: number;
  print(text: string): void;
  /** Resolves with what the builder typed once it contains `text`. */
  typed(text: string): Promise<string>;
  /** Starts an sshd on the machine's ssh forward that accepts `authorizedKey`. */
  startSshd(authorizedKey: string): void;
  /** The guest powers off or reboots with -no-reboot: QEMU exits 0. */
  exit(): void;
}

const hostKey = sshKeyPair();

/** A QemuLauncher with no QEMU: a unix socket serial console driven by a script, an in-process sshd. */
export function fakeQemuLauncher(
  script: GuestScript,
): QemuLauncher & { specs: MachineSpec[]; alive(): number } {
  const specs: MachineSpec[] = [];
  let running = 0;
  return {
    specs,
    alive: () => running,
    async start(spec) {
      const boot = specs.length;
      specs.push(spec);
      let socket: Socket | undefined;
      let typed = '';
      const typedWaiters: (() => void)[] = [];
      let sshd: InstanceType<typeof ssh2.Server> | undefined;
      let finish: (exit: QemuExit) => void = () => {};
      const exited = new Promise<QemuExit>((resolve) => {
        finish = resolve;
      });
      const server: Server = createServer((accepted) => {
        socket = accepted;
        accepted.setEncoding('latin1');
        accepted.on('data', (chunk: string) => {
          // Echo like a terminal: the builder checks the echo before pressing Enter.
          accepted.write(chunk);
          typed += chunk;
          for (const wake of typedWaiters.splice(0)) wake();
        });
        accepted.on('error', () => {});
      });
      await new Promise<void>((resolve) => server.listen(spec.serialSocket, resolve));
      running += 1;
      let hasExited = false;
      const stop = (exit: QemuExit): QemuExit => {
        if (!hasExited) {
          hasExited = true;
          running -= 1;
          socket?.destroy();
          server.close();
          sshd?.close();
          finish(exit);
        }
        return exit;
      };
      const console = await connectSerialConsole(spec.serialSocket, spec.serialLog);
      const guest: FakeGuest = {
        spec,
        boot,
        print: (text) => socket?.write(text),
        typed: (text) =>
          new Promise((resolve) => {
            const check = (): void => {
              if (typed.includes(text)) resolve(typed);
              else typedWaiters.push(check);
            };
            check();
          }),
        startSshd: (authorizedKey) => {
          const allowed = ssh2.utils.parseKey(authorizedKey);
          if (allowed instanceof Error) throw allowed;
          sshd = new ssh2.Server({ hostKeys: [hostKey.private] }, (client) => {
            client.on('authentication', (context) => {
              if (context.method === 'publickey' && context.key.data.equals(allowed.getPublicSSH()))
                context.accept();
              else context.reject(['publickey']);
            });
            client.on('session', (accept) => {
              accept().once('exec', (acceptExec) => {
                const stream = acceptExec();
                stream.exit(0);
                stream.end();
                setTimeout(() => stop({ exitCode: 0, stderrTail: [] }), 50);
              });
            });
            client.on('error', () => {});
          });
          sshd.listen(spec.ports[0]?.host ?? 0, '127.0.0.1');
        },
        exit: () => stop({ exitCode: 0, stderrTail: [] }),
      };
      const qemu: QemuProcess = {
        pid: undefined,
        console,
        exited,
        get hasExited() {
          return hasExited;
        },
        shutdown: async () => stop({ exitCode: 0, stderrTail: [] }),
        kill: async () => stop({ signal: 'SIGKILL', stderrTail: [] }),
      };
      // Wait for the console to be connected before the guest prints anything.
      setTimeout(() => script(guest), 20);
      return qemu;
    },
  };
}
