/**
 * Every error tnbuild raises on purpose, with a permanent code. `user` errors exit 2 and print no stack; `build`
 * errors (the guest, QEMU, a download) exit 1; `internal` errors are bugs and print a stack.
 * Codes never change meaning; add new ones at the end of their group.
 */
export const errorCatalogue = {
  // Recipes and input (TNB1xx)
  TNB100: {
    kind: 'user',
    title: 'Unknown recipe',
    hint: 'Run `tnbuild validate` to list the recipes it can see.',
  },
  TNB101: { kind: 'user', title: 'Recipe failed to load', hint: 'Fix the syntax error at the line shown.' },
  TNB102: {
    kind: 'user',
    title: 'Recipe has no default export',
    hint: 'End the file with `export default defineRecipe({ … })`.',
  },
  TNB103: {
    kind: 'user',
    title: 'Recipe is invalid',
    hint: 'Fix each field listed above; `tnbuild validate` checks again without building.',
  },
  TNB104: {
    kind: 'user',
    title: 'Recipe parents form a cycle',
    hint: 'A recipe may not build on itself, directly or through its parents.',
  },
  TNB105: {
    kind: 'user',
    title: 'Template error',
    hint: 'Every variable a template uses must be declared in the recipe’s `vars`.',
  },
  TNB106: {
    kind: 'user',
    title: 'Recipe file is missing',
    hint: 'Check the path; files and templates are relative to the recipe file.',
  },
  TNB107: {
    kind: 'user',
    title: 'Recipe has a type error',
    hint: 'Fix the type error at the line shown; your editor shows it too.',
  },
  TNB110: {
    kind: 'user',
    title: 'Bad command-line usage',
    hint: 'Run `tnbuild --help` for the commands and their options.',
  },

  // Downloads and cache (TNB2xx)
  TNB200: {
    kind: 'build',
    title: 'Download failed',
    hint: 'Check the URL and your network, or use --mirror DIR|URL.',
  },
  TNB201: {
    kind: 'user',
    title: 'Checksum mismatch',
    hint: 'The file is not what the recipe pinned: check the URL and the checksum in the recipe.',
  },
  TNB202: {
    kind: 'user',
    title: 'Offline and not cached',
    hint: 'Seed the cache (`tnbuild fetch <recipe>` where the network allows) or pass --mirror.',
  },
  TNB203: {
    kind: 'build',
    title: 'Download timed out',
    hint: 'The server stopped sending; retry, or use --mirror.',
  },
  TNB204: {
    kind: 'user',
    title: 'Checksum file has no entry for the file',
    hint: 'Check `checksumUrl`, or pass `fileName` when the URL’s file name differs from the name in the checksum file.',
  },
  TNB205: {
    kind: 'user',
    title: 'Invalid download request',
    hint: 'Give an http(s) URL and either `checksum: { algorithm, value }` or `checksumUrl`.',
  },
  TNB206: {
    kind: 'user',
    title: 'Download larger than declared',
    hint: 'The server sends more than the file may have: check the URL, or the size whoever published it declared.',
  },

  // Host tools and QEMU (TNB3xx)
  TNB300: {
    kind: 'user',
    title: 'Host tool missing',
    hint: 'Run `tnbuild doctor` for the install command for your system.',
  },
  TNB301: {
    kind: 'user',
    title: 'Firmware missing',
    hint: 'Run `tnbuild doctor` for the install command for your system.',
  },
  TNB302: { kind: 'build', title: 'QEMU failed', hint: 'See the serial log named above.' },
  TNB303: {
    kind: 'build',
    title: 'Guest did not reach the expected state in time',
    hint: 'See the console tail above and the serial log.',
  },
  TNB304: { kind: 'build', title: 'A host command failed', hint: 'See the command and its output above.' },
  TNB305: {
    kind: 'user',
    title: 'Accelerator unavailable',
    hint: 'Use --accel tcg, or --accel auto to fall back automatically.',
  },
  TNB306: {
    kind: 'build',
    title: 'Build interrupted',
    hint: 'Run the build again; nothing half-written was kept.',
  },
  TNB307: {
    kind: 'user',
    title: 'Disk too small for the install',
    hint: 'Raise the disk size in the recipe; the message says how much the install needs.',
  },
  TNB308: {
    kind: 'build',
    title: 'Guest install failed',
    hint: 'See the console tail above and the serial log; the answer file printed its failure there.',
  },
  TNB309: {
    kind: 'user',
    title: 'Installer image missing',
    hint: 'Fetch the ISO first, or check the path given to the builder.',
  },
  TNB310: {
    kind: 'build',
    title: 'Not built: a recipe it builds on failed',
    hint: 'Fix the failure named above; the next build reuses every template that was stored.',
  },

  // SSH and provisioning (TNB4xx)
  TNB400: {
    kind: 'build',
    title: 'SSH connection failed',
    hint: 'Check that the guest is running and sshd listens.',
  },
  TNB401: {
    kind: 'build',
    title: 'Provisioning step failed',
    hint: 'See the step, its output and the transcript named above.',
  },
  TNB402: {
    kind: 'build',
    title: 'Remote command timed out',
    hint: 'Raise the step’s `timeout`, or find out why it hangs.',
  },
  TNB403: {
    kind: 'user',
    title: 'Host key mismatch',
    hint: 'The guest presents a different host key than the one recorded; recreate the VM if that is expected.',
  },
  TNB404: {
    kind: 'user',
    title: 'Package not found',
    hint: 'Check the package name and the guest’s repositories (Alpine: is `community` enabled?).',
  },
  TNB405: {
    kind: 'user',
    title: 'Privilege escalation failed',
    hint: 'The login user needs passwordless sudo (NOPASSWD) or a doas `nopass` rule, or log in as root.',
  },
  TNB406: {
    kind: 'build',
    title: 'SSH connection lost during a step',
    hint: 'The step was not safe to re-run automatically; check the guest, then run the build again.',
  },
  TNB407: {
    kind: 'build',
    title: 'Smoke check failed',
    hint: 'See the check and its output above; the transcript has every step.',
  },

  // Templates and VMs (TNB5xx)
  TNB500: {
    kind: 'user',
    title: 'Template not found',
    hint: 'Build it with `tnbuild recipe <name>` or `tnbuild pull`.',
  },
  TNB501: {
    kind: 'user',
    title: 'Template in use',
    hint: 'Destroy the clones that depend on it first (`tnbuild vm list`).',
  },
  TNB502: {
    kind: 'user',
    title: 'VM already exists',
    hint: 'Pass --force to replace it, or `tnbuild vm destroy` it first.',
  },
  TNB503: { kind: 'user', title: 'VM not found', hint: 'Run `tnbuild vm list` to see the VMs.' },
  TNB504: { kind: 'user', title: 'VM already running', hint: 'Stop it first with `tnbuild vm stop`.' },
  TNB505: {
    kind: 'user',
    title: 'Backing file missing',
    hint: 'Recreate the VM with `tnbuild vm create --force`, or restore the template.',
  },
  TNB506: { kind: 'user', title: 'Port in use', hint: 'Stop whatever listens there, or choose other ports.' },
  TNB507: {
    kind: 'build',
    title: 'Timed out waiting for another build of the same template',
    hint: 'Another tnbuild holds the template lock (its pid is shown); wait for it to finish, or stop it.',
  },
  TNB508: {
    kind: 'user',
    title: 'ULA address already used by another VM',
    hint: 'Give this VM another address (--ula), or destroy the VM that has it.',
  },
  TNB509: {
    kind: 'build',
    title: 'Seal failed',
    hint: 'See the seal script output above; nothing was stored in the template store.',
  },
  TNB510: {
    kind: 'user',
    title: 'Template store entry is damaged',
    hint: 'Remove it with `tnbuild templates rm <key>` and build it again.',
  },
  TNB511: {
    kind: 'user',
    title: 'The output folder is full',
    hint: 'Free space there, or build into a folder with room: --output <dir>.',
  },

  // Releases (TNB6xx)
  TNB600: {
    kind: 'user',
    title: 'Release verification failed',
    hint: 'Do not use this release; fetch it again from a source you trust.',
  },
  TNB601: {
    kind: 'user',
    title: 'Signing key problem',
    hint: 'Pass --key with an ed25519 private key (ssh-keygen -t ed25519).',
  },
  TNB602: {
    kind: 'user',
    title: 'Release not signed by a trusted key',
    hint: 'Get the publisher’s public key from them directly and pass it with --trusted-keys (a public key or an allowed_signers file).',
  },
  TNB603: {
    kind: 'user',
    title: 'Trusted key problem',
    hint: 'Pass --trusted-keys with an ssh-ed25519 public key (a .pub file or the key itself) or an allowed_signers file.',
  },
  TNB604: {
    kind: 'user',
    title: 'Release already exists',
    hint: 'Releases are immutable: choose another --version, or remove the folder first.',
  },
  TNB605: {
    kind: 'user',
    title: 'Release source unreadable',
    hint: 'Give the folder or the URL of the folder that holds SHA256SUMS, SHA256SUMS.sig and the files it lists.',
  },
  TNB606: {
    kind: 'user',
    title: 'Release content refused',
    hint: 'The signature is good but the content is not: do not use this release, and tell its publisher (their signing key may be misused).',
  },
  TNB607: {
    kind: 'user',
    title: 'Release is for another architecture',
    hint: 'Pull the release made for the architecture you asked for, or leave --arch out.',
  },
  TNB610: {
    kind: 'user',
    title: 'Bad registry reference',
    hint: 'Write REGISTRY/REPOSITORY[:TAG|@sha256:DIGEST], e.g. registry.example.org:5000/trustnet/node:1.4.0.',
  },
  TNB611: {
    kind: 'user',
    title: 'Registry request failed',
    hint: 'Check the address, that the registry answers (`curl https://REGISTRY/v2/`), and your login (`docker login`, `podman login` or `skopeo login` write the credentials tnbuild reads).',
  },
  TNB612: {
    kind: 'user',
    title: 'Not a tnbuild template in the registry',
    hint: 'Pull a reference that `tnbuild push` wrote: its manifest has artifactType application/vnd.tnbuild.template.v1.',
  },

  // Bugs (TNB9xx)
  TNB900: {
    kind: 'internal',
    title: 'Internal error',
    hint: 'This is a bug in tnbuild; please report it with the output above.',
  },
} as const satisfies Record<string, { kind: 'user' | 'build' | 'internal'; title: string; hint: string }>;

export type ErrorCode = keyof typeof errorCatalogue;
