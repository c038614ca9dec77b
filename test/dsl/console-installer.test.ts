import { describe, expect, it } from 'vitest';
import { createRecipeProject, runTnbuild, SHA, wroteNothing } from '../helpers/recipe-project.ts';

// A `console` installer declared in a recipe: validate names every step that cannot run as written, and plan shows
// the steps as written (templates unrendered), the end, and what is served.

function consoleRecipe(installer: string, extra = ''): string {
  return `import { defineRecipe } from 'tnbuild';
export default defineRecipe({
  os: { family: 'debian', release: '12' },
  arch: ['x86_64'],
  vars: { suite: 'bookworm' },
  source: {
    type: 'iso',
    iso: { url: 'https://example.test/grub.iso', checksum: '${SHA}' },
    installer: ${installer},
  },
  ports: [{ name: 'ssh', guest: 22, host: 2231 }],
${extra}
});
`;
}

const GOOD = `{
      type: 'console',
      boot: [
        { expect: 'GNU GRUB', timeout: '60s' },
        { send: 'e<down><down><ctrl-e>' },
        { send: ' tnb.answer={{http.url}}/answer.sh suite={{vars.suite}}<ctrl-x>', pace: '20ms', echo: true },
      ],
      end: { powerOff: true, timeout: '15m' },
      failOn: ['install failed', /Kernel panic/],
      afterBoot: [{ expect: /login: ?$/m, timeout: '5m' }],
      files: { 'answer.sh': { template: './answer.sh.hbs' } },
      qemuArgs: ['-device', 'virtio-tablet-pci'],
    }`;

const ANSWER = 'echo "{{buildKey}}" > /root/.ssh/authorized_keys; install-to {{disk}} {{vars.suite}}\n';

async function rejected(installer: string, files: Record<string, string> = {}) {
  const dir = createRecipeProject({
    'recipes/grub.ts': consoleRecipe(installer),
    'recipes/answer.sh.hbs': ANSWER,
    ...files,
  });
  const result = await runTnbuild(dir, ['validate', '--no-typecheck']);
  expect(result.exitCode, result.stdout + result.stderr).toBe(2);
  expect(wroteNothing(dir)).toBe(true);
  return result.stderr;
}

describe('a console installer in a recipe', () => {
  it('validates, and plan shows its steps as written, how it ends, and what it serves', async () => {
    const dir = createRecipeProject({
      'recipes/grub.ts': consoleRecipe(GOOD),
      'recipes/answer.sh.hbs': ANSWER,
    });
    const validated = await runTnbuild(dir, ['validate', '--no-typecheck']);
    expect(validated.exitCode, validated.stderr).toBe(0);
    const plan = await runTnbuild(dir, ['plan', 'grub']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const lines = plan.stdout.split('\n').map((line) => line.trimEnd());
    const from = lines.findIndex((line) => line.includes('console installer from'));
    expect(lines.slice(from + 1, from + 11)).toEqual([
      '  boot      expect "GNU GRUB" within 1m',
      '            send "e<down><down><ctrl-e>"',
      '            send " tnb.answer={{http.url}}/answer.sh suite={{vars.suite}}<ctrl-x>" (20 ms/char, echo within 10s)',
      '  end       power off within 15m; fail on "install failed", /Kernel panic/',
      '  after     boot the disk with the medium detached',
      '            expect /login: ?$/m within 5m',
      '  served    /answer.sh  (template)',
      '  qemu args -device virtio-tablet-pci',
      expect.stringMatching(/^ {2}machine /),
      expect.stringMatching(/^ {2}ports /),
    ]);
  });

  it('an expect without a timeout, a step that is two kinds, and an install without an end are refused', async () => {
    const stderr = await rejected(
      `{ type: 'console', boot: [{ expect: 'boot:' }, { send: 'x', wait: '1s' }] }`,
    );
    expect(stderr).toMatch(
      /grub\.ts:\d+:\d+ › source\.installer\.boot\[0\]\.timeout: an expect step needs a timeout, such as timeout: '60s'/,
    );
    expect(stderr).toMatch(
      /source\.installer\.boot\[1\]: a step is one of \{ expect, timeout \}, \{ send \}, \{ wait \}; this one has send and wait/,
    );
    expect(stderr).toMatch(/source\.installer\.end: is required \(expected object\)/);
  });

  it('a misspelt key, an unknown variable in a step or a served template, a power-off that reboots, each by its field', async () => {
    const stderr = await rejected(
      GOOD.replace("'e<down><down><ctrl-e>'", "'e<dwn>'")
        .replace('{{vars.suite}}<ctrl-x>', '{{vars.sweet}} {{http.ip}}<ctrl-x>')
        .replace("timeout: '15m' },", "timeout: '15m' }, after: 'reboot',"),
      { 'recipes/answer.sh.hbs': 'install-to {{disk}} {{hostnme}}\n' },
    );
    expect(stderr).toMatch(/source\.installer\.boot\[1\]\.send: <dwn> is not a key; use one of <enter>/);
    expect(stderr).toMatch(
      /source\.installer\.boot\[2\]\.send: uses \{\{vars\.sweet\}\}, \{\{http\.ip\}\}, which are not defined; use \{\{http\.host\}\}/,
    );
    expect(stderr).toMatch(
      /source\.installer\.files\.answer\.sh\.template: uses \{\{hostnme\}\}, which is not defined/,
    );
    expect(stderr).toMatch(/source\.installer\.after: a guest that powers itself off cannot reboot in place/);
  });

  it('a served name that climbs out, and an argv with a newline', async () => {
    const stderr = await rejected(
      GOOD.replace("'answer.sh': { template", "'../answer.sh': { template").replace(
        "'virtio-tablet-pci'",
        "'virtio-tablet-pci\\n-monitor'",
      ),
    );
    expect(stderr).toMatch(
      /source\.installer\.files\.\.\.\/answer\.sh: expected a path such as "preseed\.cfg"/,
    );
    expect(stderr).toMatch(/source\.installer\.qemuArgs\[1\]: expected one argument without a line break/);
  });

  it('netboot: a kernel + initrd with a templated command line; its variables and a reboot in place are checked', async () => {
    const netboot = (cmdline: string, extra = '') => `import { defineRecipe } from 'tnbuild';
export default defineRecipe({
  os: { family: 'debian', release: '12' },
  arch: ['x86_64'],
  source: {
    type: 'netboot',
    kernel: './linux',
    initrd: { url: 'https://example.test/initrd.gz', checksum: '${SHA}' },
    cmdline: '${cmdline}',
    installer: { type: 'console', boot: [{ expect: 'Command line', timeout: '1m' }], end: { powerOff: true, timeout: '10m' }${extra},
      files: { 'preseed.cfg': { template: './preseed.cfg.hbs' } } },
  },
  ports: [{ name: 'ssh', guest: 22, host: 2232 }],
});
`;
    const files = {
      'recipes/linux': 'kernel',
      'recipes/preseed.cfg.hbs': 'd-i debconf/priority string critical\n',
    };
    const dir = createRecipeProject({
      'recipes/di.ts': netboot('auto=true preseed/url={{http.url}}/preseed.cfg console=ttyS0'),
      ...files,
    });
    const plan = await runTnbuild(dir, ['plan', 'di']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/source +console installer, netboot: kernel recipes\/linux/);
    expect(plan.stdout).toContain('initrd https://example.test/initrd.gz');
    expect(plan.stdout).toContain('cmdline "auto=true preseed/url={{http.url}}/preseed.cfg console=ttyS0"');
    expect(plan.stdout).toContain('after     boot the disk with the medium detached');
    expect(plan.stdout).toMatch(/https:\/\/example\.test\/initrd\.gz\n\s+sha256:a{8}.*for di source\.initrd/);

    const bad = createRecipeProject({
      'recipes/di.ts': netboot(
        'preseed/url={{http.adress}}/preseed.cfg',
        ", end: { console: 'done', timeout: '1m' }, after: 'reboot'",
      ).replace("end: { powerOff: true, timeout: '10m' }, end:", 'end:'),
      ...files,
    });
    const refused = await runTnbuild(bad, ['validate', '--no-typecheck']);
    expect(refused.exitCode, refused.stdout).toBe(2);
    expect(refused.stderr).toMatch(/source\.cmdline: uses \{\{http\.adress\}\}, which is not defined/);
    expect(refused.stderr).toMatch(
      /source\.installer\.after: a netboot guest that reboots in place boots the installer's kernel again/,
    );
    expect(wroteNothing(bad)).toBe(true);
  });
});
