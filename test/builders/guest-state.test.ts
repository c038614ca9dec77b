import { describe, expect, it } from 'vitest';
import {
  describeGuestState,
  explainConnectionState,
  forwardedConnectionStates,
} from '../../builders/guest-state.ts';

// `info usernet` of QEMU 7.2 here, while a host connection to the forward of guest port 22 was pending on a machine
// with nothing booted.
const PENDING = `Hub -1 (net0):
  Protocol[State]    FD  Source Address  Port   Dest. Address  Port RecvQ SendQ
  TCP[SYN_SENT]       9       127.0.0.1  2399       10.0.2.15    22     0     0
  TCP[HOST_FORWARD]   8       127.0.0.1  2399       10.0.2.15    22     0     0
`;

describe('forwardedConnectionStates', () => {
  it('reads the pending connection and leaves out the listening forward', () => {
    expect(forwardedConnectionStates(PENDING, 22)).toEqual(['SYN_SENT']);
  });

  it('keeps only connections to the guest port asked about', () => {
    const other = PENDING.replaceAll('    22 ', '  8000 ');
    expect(forwardedConnectionStates(other, 22)).toEqual([]);
    expect(forwardedConnectionStates(other, 8000)).toEqual(['SYN_SENT']);
  });

  it('takes no state that is not a TCP table entry: words in other lines, odd brackets, short lines', () => {
    const odd = [
      'Hub -1 (net0): TCP[ESTABLISHED] 22',
      '  TCP[ESTABLISHED]',
      '  TCP[established]   9 127.0.0.1 2399 10.0.2.15 22 0 0',
      `  TCP[${'A'.repeat(40)}]  9 127.0.0.1 2399 10.0.2.15 22 0 0`,
      '  UDP[236 sec]      10       10.0.2.15    68        10.0.2.2    22     0     0',
    ].join('\n');
    expect(forwardedConnectionStates(odd, 22)).toEqual([]);
  });

  it('reads a bounded prefix of a huge table', () => {
    const huge = PENDING.repeat(100_000);
    expect(huge.length).toBeGreaterThan(10_000_000);
    const states = forwardedConnectionStates(huge, 22);
    expect(states.length).toBeGreaterThan(0);
    expect(states.length).toBeLessThan(1000);
  });
});

describe('explainConnectionState', () => {
  it('says which side stopped: no answer to TCP, accepted but silent, refused by the guest, the forward gone', () => {
    expect(explainConnectionState('SYN_SENT', 'silent', 22)).toMatch(
      /did not answer TCP on port 22.*no DHCP lease/,
    );
    expect(explainConnectionState('ESTABLISHED', 'silent', 22)).toMatch(
      /accepted TCP on port 22 but sent nothing/,
    );
    expect(explainConnectionState(undefined, 'closed', 22)).toMatch(
      /refused TCP on port 22.*sshd did not start/,
    );
    expect(explainConnectionState(undefined, 'refused', 22)).toMatch(/QEMU no longer forwards/);
    expect(explainConnectionState('ESTABLISHED', 'data', 22)).toMatch(/answers on port 22 now/);
    expect(explainConnectionState('FIN_WAIT_1', 'silent', 22)).toBe(
      'the connection to guest port 22 is FIN_WAIT_1 (user-mode network)',
    );
    expect(explainConnectionState(undefined, 'silent', 22)).toMatch(/no connection to guest port 22/);
  });
});

describe('describeGuestState', () => {
  it('never throws: a QEMU that cannot be asked is one line saying so', async () => {
    const lines = await describeGuestState({
      qmpSocket: '/nonexistent/qmp.sock',
      host: '127.0.0.1',
      port: 9,
      guestPort: 22,
    });
    expect(lines).toEqual([
      expect.stringMatching(/^QEMU could not be asked about the guest: could not reach/),
    ]);
  });
});
