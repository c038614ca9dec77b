import { connect } from 'node:net';
import { QmpClient } from './qmp-client.ts';

export interface GuestStateOptions {
  /** QEMU's QMP socket of the machine. */
  readonly qmpSocket: string;
  /** The host side of the user-mode forward to the guest's sshd. */
  readonly host: string;
  readonly port: number;
  readonly guestPort: number;
  /** How long the probe holds its TCP connection before asking QEMU. @default 1000 */
  readonly holdMs?: number;
}

/** What one connection through the forward did while it was held: closed by the far side, sent bytes, or neither. */
type ProbeOutcome = 'closed' | 'data' | 'silent' | 'refused';

/** The longest `info usernet` text read; QEMU's table is one line per socket. */
const MAX_USERNET_CHARS = 64 * 1024;

/**
 * The states QEMU's user-mode network (slirp) shows for connections it forwards to `guestPort`, from the text of
 * the monitor's `info usernet`:
 *   TCP[SYN_SENT]       9       127.0.0.1  2399       10.0.2.15    22     0     0
 * The listening entry (`HOST_FORWARD`) is not a connection and is left out.
 */
export function forwardedConnectionStates(usernet: string, guestPort: number): string[] {
  const states: string[] = [];
  for (const line of usernet.slice(0, MAX_USERNET_CHARS).split('\n')) {
    const fields = line.trim().split(/\s+/);
    const protocol = /^TCP\[([A-Z_]{1,32})\]$/.exec(fields[0] ?? '');
    if (!protocol || fields.length < 7 || fields[5] !== String(guestPort)) continue;
    if (protocol[1] !== 'HOST_FORWARD') states.push(protocol[1] as string);
  }
  return states;
}

/** What a forwarded connection's state says about the guest, in the words of someone reading a failed build. */
export function explainConnectionState(
  state: string | undefined,
  outcome: ProbeOutcome,
  guestPort: number,
): string {
  if (outcome === 'refused')
    return 'the SSH forward on the host refused the connection: QEMU no longer forwards it';
  if (outcome === 'data') return `the guest answers on port ${guestPort} now: its sshd came late, not never`;
  if (state === 'SYN_SENT')
    return `the guest did not answer TCP on port ${guestPort} (user-mode network: SYN_SENT): its first NIC has no address (no DHCP lease: networking did not come up) or its kernel no longer runs`;
  if (state === 'ESTABLISHED')
    return `the guest accepted TCP on port ${guestPort} but sent nothing (user-mode network: ESTABLISHED): sshd runs but is stuck or starved`;
  if (state !== undefined) return `the connection to guest port ${guestPort} is ${state} (user-mode network)`;
  if (outcome === 'closed')
    return `the guest refused TCP on port ${guestPort}: its network is up, nothing listens there (sshd did not start)`;
  return `no connection to guest port ${guestPort} in QEMU's user-mode network table`;
}

/** Opens one connection through the forward, runs `ask` after `holdMs` while it is still open, then closes it. */
async function whileConnected<T>(
  options: GuestStateOptions,
  ask: () => Promise<T>,
): Promise<{ outcome: ProbeOutcome; answer: T }> {
  const socket = connect({ host: options.host, port: options.port });
  let outcome: ProbeOutcome = 'silent';
  socket.on('data', () => {
    outcome = 'data';
  });
  socket.on('close', () => {
    if (outcome === 'silent') outcome = 'closed';
  });
  socket.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'ECONNREFUSED') outcome = 'refused';
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, options.holdMs ?? 1000));
    return { outcome, answer: await ask() };
  } finally {
    socket.destroy();
  }
}

/** What QEMU said of a guest whose sshd did not answer. */
export interface GuestState {
  /** Its run state and what became of one connection through the SSH forward, as a person reads them. */
  readonly lines: string[];
  /** The guest took no TCP on the port at all (SYN_SENT): its network never came up, or its kernel stopped. */
  readonly unreachable: boolean;
}

/**
 * Asks QEMU what the guest is doing when its sshd never answered: the run state QEMU reports (running, paused,
 * guest-panicked, internal-error) and, while holding one TCP connection through the SSH forward, the state of that
 * connection in the user-mode network. Never throws: a QEMU that cannot be asked is a line that says so.
 */
export async function inspectGuestState(options: GuestStateOptions): Promise<GuestState> {
  let qmp: QmpClient | undefined;
  try {
    const client = await QmpClient.connect(options.qmpSocket, 2000);
    qmp = client;
    const status = (await client.execute('query-status')) as { status?: string };
    const { outcome, answer } = await whileConnected(options, () =>
      client.execute('human-monitor-command', { 'command-line': 'info usernet' }),
    );
    const states = forwardedConnectionStates(typeof answer === 'string' ? answer : '', options.guestPort);
    return {
      lines: [
        `QEMU: the guest is ${status.status ?? 'in an unknown state'}`,
        explainConnectionState(states[0], outcome, options.guestPort),
      ],
      unreachable: outcome === 'silent' && states[0] === 'SYN_SENT',
    };
  } catch (error) {
    return {
      lines: [`QEMU could not be asked about the guest: ${(error as Error).message}`],
      unreachable: false,
    };
  } finally {
    qmp?.close();
  }
}

/** `inspectGuestState`'s lines, for the error and the build's logs. */
export async function describeGuestState(options: GuestStateOptions): Promise<string[]> {
  return (await inspectGuestState(options)).lines;
}

/** The lines of `describeGuestState` as an error's details, under one heading; none for none. */
export function guestStateDetails(lines: readonly string[]): string[] {
  return lines.length === 0 ? [] : ['guest state:', ...lines.map((line) => `  ${line}`)];
}
