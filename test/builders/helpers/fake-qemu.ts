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
  /**
   * The guest stops for good, as QEMU shows it: its QMP socket says the guest runs, the SSH forward accepts
   * connections and never answers, and `info usernet` has each of them pending (SYN_SENT).
   */
  hang(): void;
}

/** A QMP socket with QEMU's greeting that answers the questions `inspectGuestState` asks of a hung guest. */
function hungQmp(path: string, sshPort: number): Server {
  const usernet = [
    'Hub -1 (net0):',
    '  Protocol[State]    FD  Source Address  Port   Dest. Address  Port RecvQ SendQ',
    `  TCP[SYN_SENT]       9       127.0.0.1 ${sshPort}       10.0.2.15    22     0     0`,
    `  TCP[HOST_FORWARD]   8       127.0.0.1 ${sshPort}       10.0.2.15    22     0     0`,
    '',
  ].join('\r\n');
  const answers: Record<string, unknown> = {
    qmp_capabilities: {},
    'query-status': { status: 'running', running: true },
    'human-monitor-command': usernet,
  };
  const server = createServer((socket) => {
    socket.setEncoding('utf8');
    socket.write(`${JSON.stringify({ QMP: { version: {}, capabilities: [] } })}\r\n`);
    let buffer = '';
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
        const { execute } = JSON.parse(buffer.slice(0, newline)) as { execute: string };
        buffer = buffer.slice(newline + 1);
        socket.write(`${JSON.stringify({ return: answers[execute] ?? {} })}\r\n`);
      }
    });
    socket.on('error', () => {});
  });
  server.listen(path);
  return server;
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
      const hung: Server[] = [];
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
          for (const hangServer of hung) hangServer.close();
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
        hang: () => {
          const sshPort = spec.ports[0]?.host ?? 0;
          const forward = createServer((held) => held.on('error', () => {}));
          forward.listen(sshPort, '127.0.0.1');
          hung.push(forward, hungQmp(spec.qmpSocket, sshPort));
        },
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
