import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provision } from '../../provisioners/provision.ts';
import { quoteShell } from '../../provisioners/shell-quote.ts';
import type { SshSession } from '../../provisioners/ssh-session.ts';
import { sshKeyPair } from '../helpers/ssh-key-pair.ts';
import { HOSTILE_VALUES } from './helpers/hostile.ts';
import { connectTo, makeThrowawayUser } from './helpers/session.ts';
import { startSshd, type TestSshd } from './helpers/sshd.ts';
import { step } from './helpers/steps.ts';

// Logging in as a plain user (`useradd -m -s /bin/sh`). sudo is not installed on these machines, so a stand-in
// `sudo` first on that user's PATH records its arguments and runs the command as the same user: this proves what
// tnbuild sends (`sudo -n -H -- sh -c '…'`) and that the quoting survives it, not that sudo grants root.
let sshd: TestSshd;
let account: Awaited<ReturnType<typeof makeThrowawayUser>>;
let key: { private: string; public: string };
const sessions: SshSession[] = [];

const FAKE_SUDO = `#!/bin/sh
printf '%s\\036' "$*" >> "$HOME/sudo.log"
if [ -e "$HOME/sudo-wants-password" ]; then echo "sudo: a password is required" >&2; exit 1; fi
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do shift; done
shift
exec "$@"
`;

beforeAll(async () => {
  sshd = await startSshd();
  account = await makeThrowawayUser('tnbb');
  key = sshKeyPair();
  const bin = `${account.home}/bin`;
  await mkdir(`${account.home}/.ssh`, { recursive: true });
  await mkdir(bin, { recursive: true });
  await writeFile(`${bin}/sudo`, FAKE_SUDO, { mode: 0o755 });
  await writeFile(
    `${account.home}/.ssh/authorized_keys`,
    `environment="PATH=${bin}:/usr/bin:/bin" ${key.public.trim()}\n`,
  );
  for (const file of [
    account.home,
    `${account.home}/.ssh`,
    bin,
    `${bin}/sudo`,
    `${account.home}/.ssh/authorized_keys`,
  ]) {
    const uid = (await stat(account.home)).uid;
    await chown(file, uid, uid);
  }
  await chmod(`${account.home}/.ssh`, 0o700);
});
afterAll(async () => {
  for (const session of sessions) await session.close();
  await sshd?.close();
  await account?.remove();
});

async function open(become: 'sudo' | 'none'): Promise<SshSession> {
  const session = await connectTo(sshd, { username: account.name, privateKey: key.private, become });
  sessions.push(session);
  return session;
}

describe('a login user that is not root', () => {
  it('wraps every admin command in `sudo -n -H -- sh -c` and stages uploads in /tmp', async () => {
    const session = await open('sudo');
    const dir = `${account.home}/managed`;
    const out = `${account.home}/hostile-out`;
    const values = HOSTILE_VALUES.filter(Boolean);
    const result = await provision({
      session,
      family: 'debian',
      arch: 'x86_64',
      steps: [
        step.file(`${dir}/app.conf`, { content: 'x = 1\n', owner: account.name, group: account.name }),
        step.shell(
          values
            .map((value, index) => `printf '%s' ${quoteShell(value)} > ${quoteShell(`${out}-${index}`)}`)
            .join('\n'),
        ),
      ],
    });
    expect(result.error).toBeUndefined();
    expect(await readFile(`${dir}/app.conf`, 'utf8')).toBe('x = 1\n');
    for (const [index, value] of values.entries())
      expect(await readFile(`${out}-${index}`, 'utf8')).toBe(value);
    const calls = (await readFile(`${account.home}/sudo.log`, 'utf8')).split('\x1e').filter(Boolean);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    for (const call of calls) expect(call.startsWith('-n -H -- sh -c ')).toBe(true);
    expect(calls.some((call) => call.includes('cp -- /tmp/.tnbuild-upload-'))).toBe(true);
  });

  it('fails with TNB405 when sudo wants a password, instead of hanging on a prompt', async () => {
    const session = await open('sudo');
    await writeFile(`${account.home}/sudo-wants-password`, '');
    try {
      const result = await provision({
        session,
        family: 'debian',
        arch: 'x86_64',
        steps: [step.shell('true', { name: 'needs root' })],
      });
      expect(result.error?.code).toBe('TNB405');
      expect(result.error?.message).toBe(
        `step "needs root" (shell): ${account.name} could not become root with sudo`,
      );
    } finally {
      await rm(`${account.home}/sudo-wants-password`);
    }
  });

  it("with become: 'none' manages the user's own files directly and refuses root-only work clearly", async () => {
    const session = await open('none');
    const file = `${account.home}/own/notes.txt`;
    const own = await provision({
      session,
      family: 'debian',
      arch: 'x86_64',
      steps: [step.file(file, { content: 'mine\n', owner: account.name, group: account.name })],
    });
    expect(own.error).toBeUndefined();
    expect((await stat(file)).uid).toBe((await stat(account.home)).uid);
    const rootOnly = await provision({
      session,
      family: 'debian',
      arch: 'x86_64',
      steps: [step.shell('id', { name: 'as root' })],
    });
    expect(rootOnly.error?.message).toBe(
      `step "as root" (shell): this needs to run as root, but the login user is ${account.name} and privilege escalation is off (become: 'none')`,
    );
  });
});
