import { connect, type Socket } from 'node:net';
import { TnbuildError } from '../errors/index.ts';

interface QmpReply {
  return?: unknown;
  error?: { class: string; desc: string };
  event?: string;
  QMP?: unknown;
}

/** QEMU's machine protocol: newline-delimited JSON; one command in flight at a time is all the builder needs. */
export class QmpClient {
  private buffer = '';
  private readonly pending: ((reply: QmpReply) => void)[] = [];
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let newline = this.buffer.indexOf('\n');
      while (newline >= 0) {
        const line = this.buffer.slice(0, newline).trim();
        this.buffer = this.buffer.slice(newline + 1);
        if (line) this.receive(JSON.parse(line) as QmpReply);
        newline = this.buffer.indexOf('\n');
      }
    });
    socket.on('close', () => {
      this.closed = true;
      for (const waiter of this.pending.splice(0))
        waiter({ error: { class: 'Closed', desc: 'QMP socket closed' } });
    });
    socket.on('error', () => {});
  }

  private receive(reply: QmpReply): void {
    if (reply.event !== undefined || reply.QMP !== undefined) return;
    this.pending.shift()?.(reply);
  }

  /** Connects and leaves capabilities negotiation mode. */
  static async connect(path: string, timeoutMs = 5000): Promise<QmpClient> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const attempt = connect(path);
          attempt.once('connect', () => resolve(attempt));
          attempt.once('error', reject);
        });
        const client = new QmpClient(socket);
        await client.execute('qmp_capabilities');
        return client;
      } catch (error) {
        if (Date.now() > deadline)
          throw new TnbuildError('TNB302', `could not reach QEMU's QMP socket at ${path}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    if (this.closed) return Promise.reject(new TnbuildError('TNB302', `QMP ${command}: QEMU is gone`));
    return new Promise((resolve, reject) => {
      this.pending.push((reply) => {
        if (reply.error) reject(new TnbuildError('TNB302', `QMP ${command} failed: ${reply.error.desc}`));
        else resolve(reply.return);
      });
      this.socket.write(
        `${JSON.stringify(args === undefined ? { execute: command } : { execute: command, arguments: args })}\n`,
      );
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
