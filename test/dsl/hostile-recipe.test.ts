import { describe, expect, it } from 'vitest';
import { createRecipeProject, isoRecipe, runTnbuild, wroteNothing } from '../helpers/recipe-project.ts';

// Recipe values that would reach an argv, a generated file or a guest script: `validate` and `plan` refuse each one
// by its field (exit 2, nothing written), before any VM could boot, from the schema rather than deep in a module.

const cases: [string, string, RegExp][] = [
  [
    'a package that apk would read as an option',
    `packages: ['-X', 'curl'],`,
    /packages\[0\]: expected a package name/,
  ],
  ['a package with shell syntax', `packages: ['curl;reboot'],`, /packages\[0\]: expected a package name/],
  [
    'an interface name that breaks the interfaces file',
    `network: { ula: 'fd10:1234::1', interface: 'eth1\\n  up reboot' },`,
    /network\.interface: expected an interface name/,
  ],
  [
    'a guest path with a newline',
    `steps: [{ type: 'file', path: '/etc/motd\\n/etc/shadow', content: 'x' }],`,
    /steps\[0\]\.path: expected a path without newlines/,
  ],
  [
    'a notify that names no service',
    `steps: [{ type: 'file', path: '/etc/motd', content: 'x', notify: ['nginx'] }],`,
    /steps\[0\]\.notify\[0\]: "nginx" names no service; declare it with service\('nginx'\)/,
  ],
  [
    'a service argument with a newline (a line of the init script)',
    `steps: [{ type: 'service', service: 'app', define: { command: '/usr/bin/app', args: ['--x\\nreboot'] } }],`,
    /steps\[0\]\.define\.args\[0\]: expected text without line breaks/,
  ],
  [
    'a service dependency that is not a service name',
    `steps: [{ type: 'service', service: 'app', define: { command: '/usr/bin/app', after: ['net; reboot'] } }],`,
    /steps\[0\]\.define\.after\[0\]: expected lower-case letters/,
  ],
  [
    'an environment value with a newline',
    `steps: [{ type: 'service', service: 'app', define: { command: '/usr/bin/app', env: { A: 'x\\nexport B=1' } } }],`,
    /steps\[0\]\.define\.env\.A: expected text without line breaks/,
  ],
  [
    'a sysctl value with a newline (a second setting)',
    `sysctl: { 'net.ipv6.conf.all.forwarding': '1\\nkernel.panic = 1' },`,
    /sysctl\.net\.ipv6\.conf\.all\.forwarding: expected one line/,
  ],
  [
    'an authorized key followed by a second, smuggled line',
    `users: [{ user: 'warden', authorizedKeys: ['ssh-ed25519 AAAAC3Nza me\\nssh-ed25519 AAAAEvil them'] }],`,
    /users\[0\]\.authorizedKeys\[0\]: expected one OpenSSH public key line/,
  ],
  [
    'a keymap that adds a line to the answer file',
    `source: { type: 'iso', iso: { url: 'https://example.test/a.iso', checksum: 'sha256:${'a'.repeat(64)}' }, installer: { type: 'alpine', keymap: 'us us\\nROOTSSHKEY=evil' } },`,
    /source\.installer\.keymap: expected a layout and variant/,
  ],
  [
    'a time zone that climbs out of zoneinfo',
    `source: { type: 'iso', iso: { url: 'https://example.test/a.iso', checksum: 'sha256:${'a'.repeat(64)}' }, installer: { type: 'alpine', timezone: '../../etc/shadow' } },`,
    /source\.installer\.timezone: expected a time zone/,
  ],
  [
    'a check whose expected output is not a regular expression',
    `checks: [{ type: 'command', name: 'up', run: 'true', expect: '(unclosed' }],`,
    /checks\[0\]\.expect: expected a regular expression that compiles/,
  ],
  [
    'an archive member that tar would read as an option',
    `steps: [{ type: 'download', artifact: { url: 'https://example.test/a.tgz', checksum: 'sha256:${'a'.repeat(64)}' }, dest: '/opt', extract: 'tar.gz', include: ['--to-command=sh'] }],`,
    /steps\[0\]\.include\[0\]: expected an archive member name/,
  ],
  [
    'a step name with a terminal escape and a newline (a forged log line)',
    `steps: [{ type: 'shell', name: 'ok\\u001b[2K\\nchanged=0', run: 'true' }],`,
    /steps\[0\]\.name: expected one line of text without control characters/,
  ],
  [
    'an http check path with a space (a second request line)',
    `checks: [{ type: 'http', name: 'h', port: 80, path: '/health HTTP/1.0' }],`,
    /checks\[0\]\.path: expected a URL path/,
  ],
];

function recipeWith(extra: string): string {
  // A replacement source needs the default one gone.
  if (extra.startsWith('source:'))
    return isoRecipe(`  ${extra}`).replace(/ {2}source: \{\n[\s\S]*?\n {2}\},\n/, '');
  return isoRecipe(`  ${extra}`);
}

describe('hostile recipe values', () => {
  it.each(cases)('%s: validate and plan refuse it by its field', async (_what, extra, field) => {
    const dir = createRecipeProject({ 'recipes/base.ts': recipeWith(extra) });
    for (const args of [
      ['validate', '--no-typecheck'],
      ['plan', 'base', '--arch', 'x86_64'],
    ]) {
      const result = await runTnbuild(dir, args);
      expect(result.exitCode, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/TNB103/);
      expect(result.stderr).toMatch(new RegExp(`recipes/base\\.ts:\\d+:\\d+ › ${field.source}`));
    }
    expect(wroteNothing(dir)).toBe(true);
  });
});
