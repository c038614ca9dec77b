import { z } from 'zod';
import { SECRET_MIN_LENGTH } from '../host/secret-values.ts';
import { ARCHES } from './arch.ts';
import {
  argumentSchema,
  guestPathSchema,
  interfaceSchema,
  ipv6Schema,
  lineSchema,
  nameSchema,
  osReleaseSchema,
  packageNameSchema,
  portNumberSchema,
  portSchema,
  scriptSchema,
  unixNameSchema,
} from './fields.ts';
import { parseDuration, parseSize } from './size.ts';

// What a recipe may say. `RecipeInput` (z.input) is what users write; resolve-recipe.ts turns it into a
// ResolvedRecipe. Cross-field rules (unique ports, parent cycles, template variables …) live in rules.ts.

export { ARCHES, type Arch } from './arch.ts';
export const archSchema = z.enum(ARCHES);

const modeSchema = z.string().regex(/^0?[0-7]{3,4}$/, 'expected an octal mode such as "0644"');

export const sizeSchema = z.union([
  z
    .string()
    .refine((text) => parseSize(text) !== undefined, 'expected a size such as "512M", "8G" or "50GiB"'),
  z.object({ bytes: z.number().int().positive() }),
]);
export const durationSchema = z
  .string()
  .refine((text) => parseDuration(text) !== undefined, 'expected a duration such as "500ms", "30s" or "5m"');

/** `sha256:<64 hex>` or `sha512:<128 hex>`, or a published sums file (Alpine's `<iso>.sha256`, `SHA256SUMS`). */
export const checksumSchema = z.union([
  z
    .string()
    .regex(
      /^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/,
      'expected "sha256:" and 64 lower-case hex digits, or "sha512:" and 128',
    ),
  z.object({
    /** URL of a published checksum file listing this artifact's file name. */
    file: z.url(),
    /** @default 'sha256' */
    algorithm: z.enum(['sha256', 'sha512']).optional(),
  }),
]);

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** A value that may differ per architecture: either one value, or `{ aarch64, x86_64 }`. */
function perArch<T extends z.ZodType>(schema: T) {
  return z.union([schema, z.strictObject({ aarch64: schema.optional(), x86_64: schema.optional() })]);
}

const urlSchema = z.string().regex(/^(https?|file):\/\/\S+$/, 'expected an http(s):// or file:// URL');

/** Something fetched from the network, verified, and cached in ~/.vms/cache. */
export const artifactSchema = z.strictObject({
  url: perArch(urlSchema),
  checksum: perArch(checksumSchema),
});

/** Text the console shows: a string matched as it is, or a RegExp. */
const consoleTextSchema = z.union([z.string().min(1).max(1000), z.instanceof(RegExp)]);

const qemuArgsSchema = z
  .array(
    z
      .string()
      .max(1024)
      .regex(/^[^\n\r\0]*$/, 'expected one argument without a line break'),
  )
  .max(64);

/** What a recipe may add to a preset installer (alpine, script), which are console installers underneath. */
const presetOverrides = {
  /** More console text that means the install failed, beside the preset's own. */
  failOn: z.array(consoleTextSchema).max(32).optional(),
  /** Appended to QEMU's arguments (Packer's qemuargs), e.g. ['-device', 'virtio-tablet-pci']. */
  qemuArgs: qemuArgsSchema.optional(),
  /** The preset's deadlines, for a slower host or mirror: each a duration such as "90s" or "45m". */
  timeouts: z
    .strictObject({
      /** Power-on to the installer's prompt (script: `boot:`; alpine: the live system's login). @default script 1m, alpine 10m */
      boot: durationSchema.optional(),
      /** The install itself, until the installer says it is done. @default script 15m, alpine 30m */
      install: durationSchema.optional(),
      /** The reboot to the installed system's login prompt. @default script 5m, alpine 10m */
      reboot: durationSchema.optional(),
    })
    .optional(),
};

const alpineInstallerSchema = z.strictObject({
  type: z.literal('alpine'),
  /** Layout and variant, as setup-keymap takes them. @default 'us us' */
  keymap: z
    .string()
    .regex(/^[\w-]+( [\w-]+)?$/, 'expected a layout and variant such as "us us" or "de de-nodeadkeys"')
    .optional(),
  /** A zoneinfo name. @default 'UTC' */
  timezone: z
    .string()
    .regex(/^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/, 'expected a time zone such as "UTC" or "Europe/Zurich"')
    .optional(),
  /** Alpine mirror for the install and for `apk` in the guest. @default 'https://dl-cdn.alpinelinux.org/alpine' */
  mirror: z.url().optional(),
  /** Enable the community repository (docker-registry lives there). @default true */
  community: z.boolean().optional(),
  ...presetOverrides,
});

const scriptInstallerSchema = z.strictObject({
  type: z.literal('script'),
  /** The boot label typed at the installer's `boot:` prompt. @default 'install' */
  bootLabel: z
    .string()
    .regex(/^[\w.-]+$/)
    .optional(),
  /** Handlebars template of the answer script, relative to the recipe file. @default the builder's rootfs installer */
  answer: z.string().optional(),
  /** Extra files served to the installer over HTTP, by name: a local path or a fetched artifact. */
  files: z.record(z.string().regex(/^[\w.-]+$/), z.union([z.string(), artifactSchema])).optional(),
  ...presetOverrides,
});

/** An object that is one of several kinds, told apart by which key it has: exactly one must be there. */
function exactlyOneOf<T extends object>(
  value: T,
  kinds: readonly (keyof T & string)[],
  what: string,
  context: z.RefinementCtx,
): boolean {
  const present = kinds.filter((kind) => value[kind] !== undefined);
  if (present.length === 1) return true;
  context.addIssue({
    code: 'custom',
    message: `${what}; this one has ${present.length ? present.join(' and ') : 'none of them'}`,
  });
  return false;
}

/**
 * One boot step: `{ expect, timeout }` waits for the console to show text, `{ send }` types (with `<enter>`,
 * `<ctrl-x>`… keys and handlebars values), `{ wait }` pauses. Checked further in rules.ts (keys, variables).
 */
const consoleStepSchema = z
  .strictObject({
    /** Wait until the console shows this (after what earlier steps matched). */
    expect: consoleTextSchema.optional(),
    /** How long an `expect` waits before the build fails with the console's tail. */
    timeout: durationSchema.optional(),
    /** Typed on the serial console: text, `<enter>`, `<tab>`, `<esc>`, arrows, `<f1>`…, `<ctrl-x>`, `<wait5>`. */
    send: z.string().min(1).max(4096).optional(),
    /** Pause after each typed character (installers drop keys typed too fast). @default '0ms' */
    pace: durationSchema.optional(),
    /** Wait until the typed text shows on the console before going on; a duration, or true for 10 s. */
    echo: z.union([z.boolean(), durationSchema]).optional(),
    /** Pause this long. */
    wait: durationSchema.optional(),
  })
  .superRefine((step, context) => {
    if (
      !exactlyOneOf(
        step,
        ['expect', 'send', 'wait'],
        'a step is one of { expect, timeout }, { send }, { wait }',
        context,
      )
    )
      return;
    if (step.expect !== undefined && step.timeout === undefined)
      context.addIssue({
        code: 'custom',
        path: ['timeout'],
        message: "an expect step needs a timeout, such as timeout: '60s'",
      });
    const misplaced = [
      ...(step.expect === undefined && step.timeout !== undefined ? ['timeout'] : []),
      ...(step.send === undefined
        ? (['pace', 'echo'] as const).filter((key) => step[key] !== undefined)
        : []),
    ];
    for (const key of misplaced)
      context.addIssue({
        code: 'custom',
        path: [key],
        message: `${key} belongs to ${key === 'timeout' ? 'an expect' : 'a send'} step`,
      });
  });

/** Where an install ends: a console marker, the guest powering itself off, or SSH reachable in the live system. */
const installEndSchema = z
  .strictObject({
    /** The console shows this when the install has finished. */
    console: consoleTextSchema.optional(),
    /** The installer powers the guest off when it has finished. */
    powerOff: z.literal(true).optional(),
    /** The installer leaves a running system that SSH reaches with the build key. */
    ssh: z.literal(true).optional(),
    /** How long the install may take (with `console` or `powerOff`). */
    timeout: durationSchema.optional(),
  })
  .superRefine((end, context) => {
    const what = 'an end is one of { console, timeout }, { powerOff: true, timeout }, { ssh: true }';
    if (!exactlyOneOf(end, ['console', 'powerOff', 'ssh'], what, context)) return;
    if (end.ssh === undefined && end.timeout === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['timeout'],
        message: "needs a timeout, such as timeout: '30m'",
      });
    } else if (end.ssh !== undefined && end.timeout !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['timeout'],
        message: 'the SSH wait has its own deadline; leave timeout out',
      });
    }
  });

/** `preseed.cfg`, `d-i/answers.txt`: served at `{{http.url}}/NAME`, so never `..`, `.` or a leading `/`. */
function checkServedNames(files: Record<string, unknown>, context: z.RefinementCtx): void {
  for (const name of Object.keys(files)) {
    const parts = name.split('/');
    if (!parts.every((part) => /^[\w.-]+$/.test(part) && part !== '.' && part !== '..'))
      context.addIssue({
        code: 'custom',
        path: [name],
        message:
          'expected a path such as "preseed.cfg" or "d-i/answers.txt" (letters, digits, . _ - and /; no "..")',
      });
  }
}

const consoleInstallerSchema = z.strictObject({
  type: z.literal('console'),
  /** From power-on until the installer runs on its own (Packer's boot_command, with waits for what it prints). */
  boot: z.array(consoleStepSchema).min(1).max(200),
  /** How the install ends; required: a step list without an end never finishes. */
  end: installEndSchema,
  /** Console text that means the install failed: the build stops at once and shows the console's tail. */
  failOn: z.array(consoleTextSchema).max(32).optional(),
  /** `reboot`: into the disk in the same QEMU; `boot-disk`: QEMU starts again with the medium detached. @default 'reboot', or 'boot-disk' after a power-off */
  after: z.enum(['reboot', 'boot-disk']).optional(),
  /** Steps from leaving the installer until the installed system is up (SSH is waited for after them). */
  afterBoot: z.array(consoleStepSchema).max(200).optional(),
  /** Served over HTTP during the install at `{{http.url}}/NAME`: a local file, a fetched artifact, or a template. */
  files: z
    .record(z.string(), z.union([z.string(), artifactSchema, z.strictObject({ template: z.string() })]))
    .superRefine(checkServedNames)
    .optional(),
  /** Appended to QEMU's arguments (Packer's qemuargs), e.g. ['-device', 'virtio-tablet-pci']. */
  qemuArgs: qemuArgsSchema.optional(),
  /** Who the build key logs in as on the installed system. @default 'root' */
  user: unixNameSchema.optional(),
});

export const installerSchema = z.discriminatedUnion('type', [
  alpineInstallerSchema,
  scriptInstallerSchema,
  consoleInstallerSchema,
]);

export const sourceSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('iso'),
    /** The installer ISO. */
    iso: artifactSchema,
    installer: installerSchema,
  }),
  z.strictObject({
    type: z.literal('netboot'),
    /** The installer's kernel: a file next to the recipe, or a download. */
    kernel: z.union([z.string(), artifactSchema]),
    /** Its initrd: a file next to the recipe, or a download. */
    initrd: z.union([z.string(), artifactSchema]),
    /** The kernel command line, a template: `preseed/url={{http.url}}/preseed.cfg console=ttyS0`. */
    cmdline: z
      .string()
      .max(4096)
      .regex(/^[^\n\r\0]*$/, 'expected one line'),
    installer: consoleInstallerSchema,
  }),
  z.strictObject({
    type: z.literal('parent'),
    /** Name of the recipe whose template this one builds on (e.g. `'base'`). */
    recipe: nameSchema,
  }),
]);

const notifySchema = z.array(nameSchema).optional();
const stepBase = {
  /** Shown in the plan, the progress view and the transcript (one line). @default a summary of the step */
  name: lineSchema.optional(),
};

const packageStep = z.strictObject({
  ...stepBase,
  type: z.literal('package'),
  names: z.array(packageNameSchema).min(1),
  /** @default 'present' */
  state: z.enum(['present', 'absent']).optional(),
});

const userStep = z.strictObject({
  ...stepBase,
  type: z.literal('user'),
  user: unixNameSchema,
  /** Supplementary groups, created when missing. @default [] */
  groups: z.array(unixNameSchema).optional(),
  /** @default '/bin/sh' */
  shell: guestPathSchema.optional(),
  /** @default '/home/<user>' */
  home: guestPathSchema.optional(),
  /** Public keys for `~/.ssh/authorized_keys` (the file is managed: exactly these keys). @default [] */
  authorizedKeys: z
    .array(
      z
        .string()
        .regex(
          /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-\S+|sk-\S+) [A-Za-z0-9+/]+={0,3}( [^\0\n\r]*)?$/,
          'expected one OpenSSH public key line ("ssh-ed25519 AAAA… comment")',
        ),
    )
    .optional(),
  /** A system account (no login password, low uid). @default false */
  system: z.boolean().optional(),
});

const fileStep = z.strictObject({
  ...stepBase,
  type: z.literal('file'),
  path: guestPathSchema,
  /** Literal content. Give `content` or `source`, or `state: 'directory'`. */
  content: z.string().optional(),
  /** A file next to the recipe, uploaded as is. */
  source: z.string().optional(),
  /** @default 'file' */
  state: z.enum(['file', 'directory', 'absent']).optional(),
  /** @default '0644' (files) or '0755' (directories) */
  mode: modeSchema.optional(),
  /** @default 'root' */
  owner: unixNameSchema.optional(),
  /** @default the owner */
  group: unixNameSchema.optional(),
  /** Services restarted (once, at the end) when this step changes something. */
  notify: notifySchema,
});

const templateStep = z.strictObject({
  ...stepBase,
  type: z.literal('template'),
  path: guestPathSchema,
  /** A handlebars template next to the recipe. Rendered on the host, strict, without HTML escaping. */
  source: z.string(),
  /** Variables for this template, over the recipe's `vars`. @default {} */
  vars: z.record(z.string(), z.unknown()).optional(),
  /** @default '0644' */
  mode: modeSchema.optional(),
  /** @default 'root' */
  owner: unixNameSchema.optional(),
  /** @default the owner */
  group: unixNameSchema.optional(),
  notify: notifySchema,
});

const serviceStep = z.strictObject({
  ...stepBase,
  type: z.literal('service'),
  service: nameSchema,
  /** Start at boot. @default true */
  enabled: z.boolean().optional(),
  /** @default 'started' */
  state: z.enum(['started', 'stopped']).optional(),
  /**
   * Define the service (an OpenRC init script on Alpine, a systemd unit on Debian) for a program that runs in
   * the foreground. Leave out for services a package already ships.
   */
  define: z
    .strictObject({
      description: lineSchema.optional(),
      command: guestPathSchema,
      /** @default [] */
      args: z.array(argumentSchema).optional(),
      /** @default 'root' */
      user: unixNameSchema.optional(),
      /** @default '/' */
      directory: guestPathSchema.optional(),
      /** @default {} */
      env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/), argumentSchema).optional(),
      /** Services that must start first. @default ['net'] */
      after: z.array(nameSchema).optional(),
    })
    .optional(),
});

const sysctlStep = z.strictObject({
  ...stepBase,
  type: z.literal('sysctl'),
  settings: z.record(
    z.string().regex(/^[a-z0-9_.]+$/, 'expected a sysctl key such as "net.ipv6.conf.all.forwarding"'),
    z.union([lineSchema, z.number()]),
  ),
  /** File under /etc/sysctl.d. @default '90-tnbuild.conf' */
  file: z
    .string()
    .regex(/^[\w.-]+\.conf$/)
    .optional(),
});

const networkStep = z.strictObject({
  ...stepBase,
  type: z.literal('network'),
  /** @default 'eth1' */
  interface: interfaceSchema.optional(),
  /** IPv6 address with prefix, e.g. `fd10:1234::1/64`. */
  address: z.string(),
});

const downloadStep = z.strictObject({
  ...stepBase,
  type: z.literal('download'),
  artifact: artifactSchema,
  /** Directory in the guest the archive is unpacked into (or the file is placed in). */
  dest: guestPathSchema,
  /** @default 'none' (place the file as is) */
  extract: z.enum(['none', 'tar.gz']).optional(),
  /** Only these members of the archive. @default all */
  include: z
    .array(argumentSchema.regex(/^[^-]/, 'expected an archive member name, not starting with "-"'))
    .optional(),
  /** @default '0755' */
  mode: modeSchema.optional(),
  notify: notifySchema,
});

const shellStep = z.strictObject({
  ...stepBase,
  type: z.literal('shell'),
  run: scriptSchema.min(1),
  /** Skip when this path exists in the guest. */
  creates: guestPathSchema.optional(),
  /** Skip when this command succeeds in the guest. */
  unless: scriptSchema.optional(),
  /** @default 'root' */
  user: unixNameSchema.optional(),
  /** @default '10m' */
  timeout: durationSchema.optional(),
});

export const stepSchema = z.discriminatedUnion('type', [
  packageStep,
  userStep,
  fileStep,
  templateStep,
  serviceStep,
  sysctlStep,
  networkStep,
  downloadStep,
  shellStep,
]);
export const STEP_TYPES = stepSchema.options.map((option) => option.shape.type.value);

export const checkSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('command'),
    name: lineSchema,
    run: scriptSchema,
    /** A regular expression the output must match. */
    expect: z.string().refine(compiles, 'expected a regular expression that compiles').optional(),
  }),
  z.strictObject({
    type: z.literal('port'),
    name: lineSchema,
    port: portNumberSchema,
  }),
  z.strictObject({
    type: z.literal('http'),
    name: lineSchema,
    port: portNumberSchema,
    path: z.string().regex(/^\/[!-~]*$/, 'expected a URL path such as "/health", without spaces'),
    /** @default 200 */
    status: z.number().int().optional(),
  }),
]);

export { portSchema };

export const recipeSchema = z.strictObject({
  /** @default the file name without `.ts` */
  name: nameSchema.optional(),
  description: lineSchema.optional(),
  /** Inherited from the parent for `type: 'parent'` sources. */
  os: z
    .strictObject({
      family: z.enum(['alpine', 'debian']),
      /** e.g. `'3.22'` for Alpine, `'12'` for Debian. */
      release: osReleaseSchema,
    })
    .optional(),
  /** Architectures to build. @default the parent's, or ['aarch64', 'x86_64'] */
  arch: z.array(archSchema).min(1).optional(),
  source: sourceSchema,
  /** The build VM and the clones' defaults. */
  machine: z
    .strictObject({
      /** @default 2 */
      cpus: z.number().int().min(1).max(64).optional(),
      /** @default '2G' */
      memory: sizeSchema.optional(),
      /** Virtual disk size; a child's disk is at least its parent's. @default '8G' */
      disk: sizeSchema.optional(),
    })
    .optional(),
  /** Variables for templates (`{{rpcPort}}`), merged over the parent's. @default {} */
  vars: z.record(z.string().regex(/^[A-Za-z_]\w*$/), z.unknown()).optional(),
  /**
   * Values the image needs but no output may show (passwords, tokens, keys), usually read from the environment:
   * `{ registryPassword: process.env.REGISTRY_PASSWORD }`. Templates see them as `{{secrets.<name>}}`, and
   * wherever a value appears (console, transcripts, `--diff`, errors, logs) it is printed as `[secret <name>]`.
   * Inherited from the parent. @default {}
   */
  secrets: z
    .record(
      z.string().regex(/^[A-Za-z_]\w*$/, 'expected a name such as "registryPassword"'),
      z
        .string({
          error: (issue) =>
            issue.input === undefined
              ? 'is not set (if it comes from process.env, export that variable before running tnbuild)'
              : undefined,
        })
        .min(
          SECRET_MIN_LENGTH,
          `expected at least ${SECRET_MIN_LENGTH} characters: a shorter value cannot be told apart from ordinary output`,
        ),
    )
    .optional(),
  /** Installed first, in one batch. @default [] */
  packages: z.array(packageNameSchema).optional(),
  /** Created after packages. @default [] */
  users: z.array(userStep.omit({ type: true })).optional(),
  /** Applied after users. @default {} */
  sysctl: sysctlStep.shape.settings.optional(),
  /** The image's address on the IPv6 ULA network (fd10:1234::/32). */
  network: z
    .strictObject({
      ula: ipv6Schema,
      /** @default 64 */
      prefix: z.number().int().min(32).max(128).optional(),
      /** @default 'eth1' */
      interface: interfaceSchema.optional(),
    })
    .optional(),
  /** Forwarded ports, bound to 127.0.0.1 on the host. @default [] (SSH is always forwarded) */
  ports: z.array(portSchema).optional(),
  /** Provisioning steps, in order, after packages, users, sysctl and network. @default [] */
  steps: z.array(stepSchema).optional(),
  /** Smoke checks run against the finished image before it is sealed. @default [] */
  checks: z.array(checkSchema).optional(),
  seal: z
    .strictObject({
      /** @default true */
      lockRoot: z.boolean().optional(),
      /** Zero free space so the compacted image is small. @default true */
      zeroFreeSpace: z.boolean().optional(),
      /** qcow2-internal compression of the template. @default false */
      compress: z.boolean().optional(),
    })
    .optional(),
  /** How clones of this image are made in ~/vms. */
  vm: z
    .strictObject({
      /** Folder and name under ~/vms. @default 'trustnet-<recipe>' */
      name: nameSchema.optional(),
      /** The user whose authorized_keys gets your key at first boot. @default 'root' */
      user: unixNameSchema.optional(),
      /** Commands run once at a clone's first boot, after its identity is applied (fresh node keys …). @default [] */
      firstBoot: z.array(scriptSchema).optional(),
    })
    .optional(),
});

export type RecipeInput = z.input<typeof recipeSchema>;
export type RecipeOutput = z.output<typeof recipeSchema>;
export type StepInput = z.input<typeof stepSchema>;
export type Step = z.output<typeof stepSchema>;
export type CheckInput = z.input<typeof checkSchema>;
export type ArtifactInput = z.input<typeof artifactSchema>;
export type ChecksumInput = z.input<typeof checksumSchema>;
