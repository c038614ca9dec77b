import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderOpenRcScript } from '../../provisioners/os-family/openrc-init-script.ts';
import type { ServiceDefinition } from '../../provisioners/os-family/service-definition.ts';
import { quoteSystemdWord, renderSystemdUnit } from '../../provisioners/os-family/systemd-unit.ts';
import { HOSTILE_VALUES } from './helpers/hostile.ts';

// OpenRC's supervise_start (OpenRC sh/supervise-daemon.sh), reduced to the variables tnbuild sets: the init script
// is sourced, then this line is eval'd. A fake supervise-daemon on PATH prints the argv it gets.
const SUPERVISE_START = [
  'checkpath() { :; }',
  'RC_SVCNAME=svc',
  'eval supervise-daemon "${RC_SVCNAME}" --start \\',
  '  ${directory:+--chdir} $directory \\',
  '  ${output_log+--stdout} ${output_log} \\',
  '  ${error_log+--stderr} $error_log \\',
  '  ${command_user+--user} $command_user \\',
  '  $command \\',
  '  -- $command_args $command_args_foreground',
  'printf "|%s" "$FOO"',
].join('\n');

const base: ServiceDefinition = {
  description: 'test',
  command: '/usr/bin/program',
  args: [],
  user: 'warden',
  directory: '/',
  env: {},
  after: ['net'],
};

let fakeBin = '';
beforeAll(async () => {
  fakeBin = await mkdtemp(path.join(tmpdir(), 'tnb-openrc-'));
  const fake = path.join(fakeBin, 'supervise-daemon');
  await writeFile(fake, '#!/bin/sh\nfor a in "$@"; do printf "<%s>" "$a"; done\n');
  await chmod(fake, 0o755);
});
afterAll(() => rm(fakeBin, { recursive: true, force: true }));

async function superviseArgv(shell: readonly string[], define: ServiceDefinition): Promise<string> {
  const script = `${renderOpenRcScript('svc', define)}\n${SUPERVISE_START}\n`;
  const [file, ...args] = shell;
  const env = { PATH: `${fakeBin}:${process.env.PATH}` };
  return (await execa(file as string, [...args, '-c', script], { cwd: '/tmp', env })).stdout;
}

describe('OpenRC init script', () => {
  for (const shell of [['/bin/sh'], ['busybox', 'sh']] as const) {
    it(`passes hostile args, directory and env through OpenRC's eval intact (${shell.join(' ')})`, async () => {
      // Runs of whitespace collapse in OpenRC's unquoted expansion; everything else must arrive as written.
      const args = HOSTILE_VALUES.filter((value) => value !== '' && !/\s{2}|\t|\n/.test(value));
      const define = {
        ...base,
        args,
        directory: "/srv/it's $(here)",
        env: { FOO: '$(touch /tmp/tnb-pwned) `x` "y"' },
      };
      const out = await superviseArgv(shell, define);
      const expected = [
        'svc',
        '--start',
        '--chdir',
        "/srv/it's $(here)",
        '--stdout',
        '/var/log/svc.log',
        '--stderr',
        '/var/log/svc.log',
        '--user',
        'warden',
        '/usr/bin/program',
        '--',
        ...args,
      ];
      expect(out).toBe(`${expected.map((arg) => `<${arg}>`).join('')}|$(touch /tmp/tnb-pwned) \`x\` "y"`);
    });
  }

  it('lists extra dependencies after `need net`', () => {
    const script = renderOpenRcScript('svc', { ...base, after: ['net', 'docker-registry', 'chronyd'] });
    expect(script).toContain('depend() {\n\tneed net\n\tafter docker-registry chronyd\n}');
  });
});

describe('systemd unit', () => {
  it('quotes words for ExecStart= with C escapes, $$ and %%', () => {
    expect(quoteSystemdWord('/usr/bin/x', true)).toBe('/usr/bin/x');
    expect(quoteSystemdWord('a b', true)).toBe('"a b"');
    expect(quoteSystemdWord('$HOME', true)).toBe('"$$HOME"');
    expect(quoteSystemdWord('100%', true)).toBe('"100%%"');
    expect(quoteSystemdWord('say "hi"\nback\\slash', true)).toBe('"say \\"hi\\"\\nback\\\\slash"');
    expect(quoteSystemdWord('K=$v', false)).toBe('"K=$v"');
  });

  it('refuses a line break where systemd has no quoting', () => {
    expect(() => renderSystemdUnit('svc', { ...base, directory: '/srv/a\nExecStartPre=/bin/rm' })).toThrow(
      /line break/,
    );
  });

  it('cannot be broken out of by hostile args and env', () => {
    const unit = renderSystemdUnit('svc', {
      ...base,
      args: ['x\nExecStartPre=/bin/sh -c "rm -rf /"'],
      env: { FOO: 'a"\nUser=root' },
    });
    const lines = unit.split('\n');
    expect(lines.filter((line) => line.startsWith('ExecStartPre='))).toEqual([]);
    expect(lines.filter((line) => line.startsWith('User='))).toEqual(['User=warden']);
  });
});
