import { readFile, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatError } from '../../errors/tnbuild-error.ts';
import { clearSecrets, registerSecrets } from '../../host/secret-values.ts';
import { type ProvisionOptions, provision } from '../../provisioners/provision.ts';
import type { ProvisionEvent } from '../../provisioners/provision-events.ts';
import type { SshSession } from '../../provisioners/ssh-session.ts';
import { fakeInitFamily } from './helpers/fake-init.ts';
import { connectTo, makeSandbox } from './helpers/session.ts';
import { startSshd, type TestSshd } from './helpers/sshd.ts';
import { step } from './helpers/steps.ts';

// A recipe's secret reaches the guest, and nothing else: not the events a view prints, not --check --diff, not the
// transcript, not the error of a command that echoed it.
const TOKEN = 'tok-9f8e7d6c5b4a3210';

let sshd: TestSshd;
let session: SshSession;
let sandbox: { dir: string; remove: () => Promise<void> };

beforeAll(async () => {
  sshd = await startSshd();
  session = await connectTo(sshd);
  sandbox = await makeSandbox();
  registerSecrets({ apiToken: TOKEN });
});
afterAll(async () => {
  clearSecrets();
  await session?.close();
  await sshd?.close();
  await sandbox?.remove();
});

async function run(steps: ProvisionOptions['steps'], extra: Partial<ProvisionOptions> = {}) {
  const events: ProvisionEvent[] = [];
  const transcriptPath = `${sandbox.dir}/logs/run-${Math.random().toString(36).slice(2)}.jsonl`;
  const result = await provision({
    session,
    steps,
    family: fakeInitFamily(`${sandbox.dir}/init`),
    arch: 'x86_64',
    stateDir: `${sandbox.dir}/state`,
    transcriptPath,
    onEvent: (event) => events.push(event),
    ...extra,
  });
  return {
    result,
    events: JSON.stringify(events),
    transcript: await readFile(transcriptPath, 'utf8'),
    transcriptPath,
  };
}

describe('secrets during provisioning', () => {
  it('check --diff shows the change with the secret redacted', async () => {
    const { result, events, transcript } = await run(
      [step.template(`${sandbox.dir}/app.conf`, `url = https://api\ntoken = ${TOKEN}\n`)],
      { check: true, diff: true },
    );
    expect(result.recap.changed).toBe(1);
    expect(events).toContain('+token = [secret apiToken]');
    for (const text of [events, transcript]) expect(text).not.toContain(TOKEN);
  });

  it('the guest gets the value; events, transcript (0600) and the error of a failing command do not', async () => {
    const conf = `${sandbox.dir}/app.conf`;
    const { result, events, transcript, transcriptPath } = await run([
      step.template(conf, `token = ${TOKEN}\n`, { name: `write the ${TOKEN} file` }),
      step.shell(`echo "auth with ${TOKEN} refused" >&2; exit 3`),
    ]);
    expect(await readFile(conf, 'utf8')).toBe(`token = ${TOKEN}\n`);
    expect(result.error?.code).toBeDefined();
    const error = formatError(result.error!);
    expect(error).toContain('auth with [secret apiToken] refused');
    for (const text of [events, transcript, error]) expect(text).not.toContain(TOKEN);
    expect(transcript).toContain('write the [secret apiToken] file');
    expect((await stat(transcriptPath)).mode & 0o777).toBe(0o600);
    expect((await stat(`${sandbox.dir}/logs`)).mode & 0o777).toBe(0o700);
  });
});
