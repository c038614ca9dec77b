import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeConsoleSteps } from '../../../builders/console-steps.ts';
import { renderAnswerTemplate, scriptDriver } from '../../../builders/drivers/script-driver.ts';
import { installContext } from '../helpers/install-context.ts';

const context = installContext();

describe('script driver (the test ISO protocol)', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders the answer file and the typed boot line', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tnbuild-script-'));
    await writeFile(join(dir, 'rootfs.tar'), Buffer.alloc(4096));
    const plan = await scriptDriver({
      files: { '/rootfs-amd64.tar': { path: join(dir, 'rootfs.tar') } },
      rootfsPath: '/rootfs-amd64.tar',
      hostname: 'tnb-e2e',
    }).plan(context);
    const answer = plan.files['/answer.sh'];
    expect(answer !== undefined && 'content' in answer ? String(answer.content) : '').toMatchSnapshot(
      'answer.sh',
    );
    expect({
      boot: describeConsoleSteps(plan.bootSteps),
      install: describeConsoleSteps(plan.installSteps),
      reboot: describeConsoleSteps(plan.rebootSteps ?? []),
    }).toMatchSnapshot('console steps');
    expect(plan.bootSteps[1]).toEqual({
      send: 'install tnb.answer=http://10.0.2.2:8123/answer.sh',
      perCharDelayMs: 30,
    });
    expect(plan.minDiskBytes).toBe(4096);
    expect(plan.afterInstall).toBe('reboot-in-place');
  });

  it('takes a custom template with shell-quoted variables, and rejects unknown ones', () => {
    expect(renderAnswerTemplate('NAME={{{shq name}}}\n', { name: "it's" })).toBe("NAME='it'\\''s'\n");
    expect(() => renderAnswerTemplate('{{{shq missing}}}', {})).toThrow(/undefined variable/);
  });
});
