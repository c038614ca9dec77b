import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import Handlebars from 'handlebars';
import { renderAnswerTemplate } from '../builders/drivers/script-driver.ts';
import { renderSealScript } from '../templates/seal-script.ts';
import { filesystemUse } from './filesystem-use.ts';
import { guestFixtureFolder } from './guest-fixture.ts';

const REPO = join(import.meta.dirname, '..');
const RECIPE_FILES = join(REPO, 'test/e2e/recipes/files');

/**
 * One installer medium of the test guest, built by `tnbuild recipe <recipe> --force` and by Packer 1.6.6's QEMU
 * builder with the same medium, the same served files, the same provisioning and the same seal script.
 */
interface Medium {
  readonly label: string;
  readonly recipe: 'guest' | 'grub-guest';
  readonly manifestKey: 'iso' | 'grubIso';
  /** Packer types blind after this wait (VNC); tnbuild waits for the prompt on the serial console. */
  readonly bootWait: string;
  readonly bootCommand: readonly string[];
  /** The kernel command line both tools must produce: a lost or doubled key shows here. */
  readonly typed: RegExp;
  /** Packer's http_directory: the answer file (for this HTTP address) and what it serves. */
  served(
    url: string,
    buildKey: string,
    fixture: FixtureFiles,
  ): Record<string, { content: string } | { link: string }>;
  /** Packer's provisioning: what the recipe's steps and checks do, as shell. */
  readonly provision: readonly string[];
}

interface FixtureFiles {
  readonly rootfs: string;
  readonly answerReference: string;
}

const sshdSteps = [
  'install -m 0600 /tmp/10-tnbuild.conf /etc/ssh/sshd_config.d/10-tnbuild.conf',
  'systemctl reload ssh',
  'systemctl enable ssh',
];

const MEDIA: readonly Medium[] = [
  {
    label: 'the test ISO (isolinux boot: prompt, the script installer)',
    recipe: 'guest',
    manifestKey: 'iso',
    bootWait: process.env.TNBUILD_BENCH_BOOT_WAIT_ISO ?? '5s',
    bootCommand: ['install tnb.answer=http://{{ .HTTPIP }}:{{ .HTTPPort }}/answer.sh<enter>'],
    typed: /Command line: .* tnb\.answer=http:\/\/10\.0\.2\.2:\d+\/answer\.sh\r?$/m,
    served(url, buildKey, fixture) {
      const template = readFileSync(join(REPO, 'builders/drivers/script-answer.sh.hbs'), 'utf8');
      const answer = renderAnswerTemplate(template, {
        extraScript: '',
        disk: '/dev/vda',
        authorizedKey: buildKey,
        hostname: 'tnb-guest',
        after: 'reboot',
        rootfsUrl: `${url}/rootfs.tar`,
        kernelAppend: 'console=ttyS0,115200 net.ifnames=0',
      });
      return { 'answer.sh': { content: answer }, 'rootfs.tar': { link: fixture.rootfs } };
    },
    provision: [
      ...sshdSteps,
      'install -m 0755 /tmp/power-button.sh /usr/local/sbin/power-button',
      `printf '%s\\n' '[Unit]' 'Description=Power off on the ACPI power button' '' '[Service]' 'Type=simple' 'User=root' 'WorkingDirectory=/' 'ExecStart=/usr/local/sbin/power-button' 'Restart=on-failure' 'RestartSec=2s' '' '[Install]' 'WantedBy=multi-user.target' >/etc/systemd/system/power-button.service`,
      'systemctl daemon-reload',
      'systemctl enable --now power-button',
      'echo net.ipv6.conf.all.disable_ipv6=0 >/etc/sysctl.d/90-tnbuild.conf',
      'sysctl -q -p /etc/sysctl.d/90-tnbuild.conf',
      "ss -Hltn 'sport = :22' | grep -q .",
    ],
  },
  {
    label: 'the GRUB medium (a menu entry edited with keys, the console installer)',
    recipe: 'grub-guest',
    manifestKey: 'grubIso',
    bootWait: process.env.TNBUILD_BENCH_BOOT_WAIT_GRUB ?? '10s',
    bootCommand: ['e<wait>', '<down><down><end>', ' answers=http://{{ .HTTPIP }}:{{ .HTTPPort }}/a', '<f10>'],
    typed: /Command line: .* answers=http:\/\/10\.0\.2\.2:\d+\/a\r?$/m,
    served(url, buildKey, fixture) {
      const render = Handlebars.compile(readFileSync(join(RECIPE_FILES, 'grub-answers.sh.hbs'), 'utf8'), {
        strict: true,
      });
      // Packer's QEMU builder has no "the guest powered off, boot the disk" step: the answer file reboots instead,
      // and -boot once=d boots the disk then.
      const answer = render({ http: { url }, disk: '/dev/vda', buildKey, hostname: 'grub-guest' }).replace(
        'AFTER=poweroff',
        'AFTER=reboot',
      );
      return {
        a: { content: answer },
        'install.sh': { link: fixture.answerReference },
        'rootfs.tar': { link: fixture.rootfs },
      };
    },
    provision: [...sshdSteps, "ss -Hltn 'sport = :22' | grep -q .", 'test "$(hostname)" = grub-guest'],
  },
];

interface Run {
  readonly ok: boolean;
  readonly seconds: number;
  readonly phases: Record<string, number>;
  /** The kernel command line carried exactly what was typed. */
  readonly typedIntact: boolean;
  readonly note: string;
}

/**
 * tnbuild against Packer 1.6.6 (Debian's `packer`) on the same media, side by side in one run and alternating who
 * goes first (issues: faster than Packer; any installer): both times, the ratio, where each one's time goes, and
 * whether either one's typing lost a key. `TNBUILD_BENCH_RUNS` pairs per medium (default 2).
 */
export async function benchPacker(print: (line: string) => void = console.log): Promise<void> {
  const runs = Number(process.env.TNBUILD_BENCH_RUNS ?? 2);
  const fixtureDir = guestFixtureFolder();
  const manifest = JSON.parse(readFileSync(join(fixtureDir, 'manifest.json'), 'utf8'));
  const fixture: FixtureFiles = {
    rootfs: join(fixtureDir, manifest.rootfs.file),
    answerReference: join(REPO, 'test/fixtures/guest/answer-reference.sh'),
  };
  const root = join(process.env.TNBUILD_TEST_CACHE ?? join(homedir(), '.cache'), 'tnbuild-bench-packer');
  mkdirSync(join(root, 'home'), { recursive: true });
  const key = join(root, 'packer-key');
  if (!existsSync(key))
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'packer-bench', '-f', key]);

  for (const medium of MEDIA) {
    print(`-- ${medium.label}`);
    print(
      `${'run'.padEnd(4)} ${'first'.padEnd(8)} ${'tnbuild'.padStart(9)} ${'packer'.padStart(9)}  ratio  typing (tnbuild/packer)`,
    );
    const pairs: { tnbuild: Run; packer: Run }[] = [];
    for (let index = 0; index < runs; index++) {
      const tnbuildFirst = index % 2 === 0;
      const runTnbuild = () => tnbuildBuild(medium, root, fixtureDir);
      const runPacker = () => packerBuild(medium, root, fixtureDir, manifest, fixture, key);
      let tnbuild: Run;
      let packer: Run;
      if (tnbuildFirst) {
        tnbuild = await runTnbuild();
        packer = await runPacker();
      } else {
        packer = await runPacker();
        tnbuild = await runTnbuild();
      }
      pairs.push({ tnbuild, packer });
      const ratio = tnbuild.ok && packer.ok ? `${(tnbuild.seconds / packer.seconds).toFixed(2)}×` : '  -  ';
      print(
        `${String(index + 1).padEnd(4)} ${(tnbuildFirst ? 'tnbuild' : 'packer').padEnd(8)} ${time(tnbuild)} ${time(packer)}  ${ratio}  ${typing(tnbuild)}/${typing(packer)}`,
      );
      for (const [tool, run] of Object.entries({ tnbuild, packer }))
        if (!run.ok) print(`     ${tool} failed: ${run.note}`);
    }
    const both = pairs.filter((pair) => pair.tnbuild.ok && pair.packer.ok);
    if (both.length > 0) {
      const sum = (pick: (pair: (typeof both)[number]) => number) =>
        both.reduce((total, pair) => total + pick(pair), 0);
      print(
        `total over ${both.length} pair(s): tnbuild ${sum((p) => p.tnbuild.seconds).toFixed(1)} s, packer ${sum((p) => p.packer.seconds).toFixed(1)} s, ratio ${(sum((p) => p.tnbuild.seconds) / sum((p) => p.packer.seconds)).toFixed(2)}× (goal ≤ 0.70×)`,
      );
    }
    const lost = (tool: 'tnbuild' | 'packer') => pairs.filter((pair) => !pair[tool].typedIntact).length;
    print(
      `typing lost a key or a race: tnbuild ${lost('tnbuild')}/${runs}, packer ${lost('packer')}/${runs}`,
    );
    print(
      `template size against its filesystem's use (P7, goal ≤ 1.1×): ${await templateUse(root, medium.recipe)}`,
    );
    for (const tool of ['tnbuild', 'packer'] as const) {
      const phases = [...new Set(pairs.flatMap((pair) => Object.keys(pair[tool].phases)))];
      print(`${tool} phases (s, per run): ${phases.length === 0 ? 'none' : ''}`);
      for (const phase of phases)
        print(
          `  ${phase.padEnd(34)} ${pairs.map((pair) => (pair[tool].phases[phase] ?? Number.NaN).toFixed(1).padStart(6)).join(' ')}`,
        );
    }
  }
}

/** The newest template tnbuild stored for `recipe`, its qcow2 against the bytes its filesystem uses. */
async function templateUse(root: string, recipe: string): Promise<string> {
  const templates = join(root, 'tnbuild-output', 'templates');
  const newest = readdirSync(templates)
    .filter((name) => name.startsWith(`${recipe}-`))
    .map((name) => join(templates, name, 'disk.qcow2'))
    .filter((disk) => existsSync(disk))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!newest) return 'no template stored';
  try {
    const use = await filesystemUse(newest);
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
    return `${mb(use.imageBytes)} qcow2 / ${mb(use.usedBytes)} used = ${(use.imageBytes / use.usedBytes).toFixed(2)}×`;
  } catch (error) {
    return `not measured: ${(error as Error).message}`;
  }
}

function time(run: Run): string {
  return run.ok ? `${run.seconds.toFixed(1).padStart(7)} s` : '   failed';
}

function typing(run: Run): string {
  return run.typedIntact ? 'intact' : 'LOST';
}

/** `tnbuild recipe <recipe> --force`, with its stage lines as the phase table. */
async function tnbuildBuild(medium: Medium, root: string, fixtureDir: string): Promise<Run> {
  const home = join(root, 'home');
  const output = join(root, 'tnbuild-output');
  const env = {
    ...process.env,
    HOME: home,
    CI: 'true',
    TNBUILD_E2E_GUEST: fixtureDir,
    TNBUILD_VMS_DIR: join(home, 'vms'),
    TNBUILD_CACHE: join(root, 'cache'),
  };
  const flags = ['--recipes', join(REPO, 'test/e2e/recipes'), '--output', output, '--arch', 'x86_64'];
  const started = performance.now();
  const result = await execa(join(REPO, 'bin/tnbuild.js'), ['recipe', medium.recipe, '--force', ...flags], {
    env,
    reject: false,
    all: true,
    timeout: 30 * 60_000,
  });
  const seconds = (performance.now() - started) / 1000;
  const out = String(result.all);
  const phases: Record<string, number> = {};
  writeFileSync(join(root, `tnbuild-${medium.recipe}.log`), out);
  // Non-TTY lines start with the time since the command began: `[  12.3s] guest: install done in 22.6 s`.
  const stageDone = new RegExp(
    `^(?:\\[ *[0-9.]+s\\] )?${medium.recipe}: ([a-z-]+) done in ([0-9.]+) s`,
    'gm',
  );
  for (const match of out.matchAll(stageDone)) phases[match[1]!] = Number(match[2]);
  const staged = Object.values(phases).reduce((total, value) => total + value, 0);
  phases['CLI start-up and the rest'] = seconds - staged;
  return {
    ok: result.exitCode === 0,
    seconds,
    phases,
    typedIntact: medium.typed.test(newestSerialLog(join(output, 'logs'), medium.recipe)),
    note: out.split('\n').slice(-8).join('\n'),
  };
}

function newestSerialLog(logs: string, recipe: string): string {
  if (!existsSync(logs)) return '';
  const candidates = readdirSync(logs, { recursive: true })
    .map(String)
    .filter((name) => name.includes(recipe) && name.endsWith('serial.log'))
    .map((name) => join(logs, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return candidates[0] ? readFileSync(candidates[0], 'latin1') : '';
}

/** Packer's QEMU builder on the same medium; its own progress lines, timed as they arrive, make the phases. */
async function packerBuild(
  medium: Medium,
  root: string,
  fixtureDir: string,
  manifest: Record<string, { file: string; sha256: string }>,
  fixture: FixtureFiles,
  key: string,
): Promise<Run> {
  const dir = join(root, 'packer', medium.recipe);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'http'), { recursive: true });
  // One fixed port, so the answer file can name the rootfs URL as the guest sees it (user networking: 10.0.2.2).
  const port = 8800 + MEDIA.indexOf(medium);
  const buildKey = readFileSync(`${key}.pub`, 'utf8').trim();
  for (const [name, file] of Object.entries(medium.served(`http://10.0.2.2:${port}`, buildKey, fixture))) {
    if ('content' in file) writeFileSync(join(dir, 'http', name), file.content);
    else symlinkSync(file.link, join(dir, 'http', name));
  }
  writeFileSync(
    join(dir, 'seal.sh'),
    renderSealScript({ family: 'debian', buildKey, lockRoot: true, zeroFreeSpace: false, powerOff: false }),
  );
  const iso = manifest[medium.manifestKey]!;
  const template = {
    builders: [
      {
        type: 'qemu',
        iso_url: `file://${join(fixtureDir, iso.file)}`,
        iso_checksum: `sha256:${iso.sha256}`,
        output_directory: join(dir, 'output'),
        vm_name: `${medium.recipe}.qcow2`,
        format: 'qcow2',
        accelerator: 'tcg',
        headless: true,
        memory: 1536,
        cpus: 2,
        disk_size: '3G',
        disk_interface: 'virtio',
        net_device: 'virtio-net',
        http_directory: join(dir, 'http'),
        http_port_min: port,
        http_port_max: port,
        vnc_bind_address: '127.0.0.1',
        boot_wait: medium.bootWait,
        boot_command: medium.bootCommand,
        ssh_username: 'root',
        ssh_private_key_file: key,
        ssh_timeout: '15m',
        shutdown_command: 'poweroff',
        qemuargs: [['-serial', `file:${join(dir, 'serial.log')}`]],
      },
    ],
    provisioners: [
      { type: 'file', source: join(RECIPE_FILES, 'sshd-key-only.conf'), destination: '/tmp/10-tnbuild.conf' },
      { type: 'file', source: join(RECIPE_FILES, 'power-button.sh'), destination: '/tmp/power-button.sh' },
      { type: 'shell', inline: ['set -e', ...medium.provision] },
      { type: 'shell', script: join(dir, 'seal.sh') },
    ],
  };
  writeFileSync(join(dir, 'template.json'), `${JSON.stringify(template, null, 2)}\n`);

  const started = performance.now();
  const child = execa('packer', ['build', '-color=false', join(dir, 'template.json')], {
    cwd: dir,
    env: { ...process.env, CHECKPOINT_DISABLE: '1', PACKER_CACHE_DIR: join(root, 'packer-cache') },
    reject: false,
    all: true,
    timeout: 30 * 60_000,
  });
  // Packer's own milestones, in the order a build reaches them.
  const marks: [string, RegExp][] = [
    ['boot wait', /Waiting .* for boot/],
    ['typing the boot command', /Typing the boot command/],
    ['install, reboot, SSH ready', /Waiting for SSH to become available/],
    ['provision (with the seal script)', /Connected to SSH!/],
    ['shutdown', /Gracefully halting virtual machine/],
    ['convert', /Converting hard drive/],
    ['end', /Build 'qemu' finished/],
  ];
  const seen = new Map<string, number>();
  const lines: string[] = [];
  for await (const line of createInterface({ input: child.all! })) {
    lines.push(line);
    for (const [name, pattern] of marks)
      if (!seen.has(name) && pattern.test(line)) seen.set(name, (performance.now() - started) / 1000);
  }
  const result = await child;
  const seconds = (performance.now() - started) / 1000;
  writeFileSync(join(root, `packer-${medium.recipe}.log`), `${lines.join('\n')}\n`);
  const phases: Record<string, number> = {};
  let previous = 0;
  let previousName = 'start-up, ISO check, disk, HTTP server, QEMU start';
  for (const [name] of marks) {
    const at = seen.get(name);
    if (at === undefined) continue;
    phases[previousName] = at - previous;
    previous = at;
    previousName = name;
  }
  const serial = existsSync(join(dir, 'serial.log')) ? readFileSync(join(dir, 'serial.log'), 'latin1') : '';
  return {
    ok: result.exitCode === 0,
    seconds,
    phases,
    typedIntact: medium.typed.test(serial),
    note: lines.slice(-8).join('\n'),
  };
}
