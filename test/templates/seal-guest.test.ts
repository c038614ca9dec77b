import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { GuestShell } from '../../templates/guest-shell.ts';
import { sealGuest } from '../../templates/seal-guest.ts';
import { renderSealScript } from '../../templates/seal-script.ts';

const BUILD_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuildKeyBuildKeyBuildKeyBuildKeyBuildKey tnbuild-build';

function recordingShell(reply: { exitCode: number; stdout: string; stderr?: string }) {
  const commands: string[] = [];
  const shell: GuestShell = {
    async exec(command) {
      commands.push(command);
      return { exitCode: reply.exitCode, stdout: reply.stdout, stderr: reply.stderr ?? '' };
    },
  };
  return { shell, commands };
}

describe('sealGuest', () => {
  it('runs the rendered script as one `sh -c` command, quoted so the guest shell sees it byte for byte', async () => {
    const { shell, commands } = recordingShell({
      exitCode: 0,
      stdout: 'tnbuild-seal: logs\nnoise\ntnbuild-seal: sealed\n',
    });
    const options = { family: 'alpine', buildKey: BUILD_KEY, lockRoot: true, zeroFreeSpace: true } as const;
    const result = await sealGuest(shell, options);
    expect(result.log).toEqual(['tnbuild-seal: logs', 'tnbuild-seal: sealed']);
    expect(commands).toHaveLength(1);
    // What a POSIX shell makes of the command's third word is exactly the script.
    const { stdout } = await execa('dash', [
      '-c',
      `set -- ${commands[0]?.slice('sh -c '.length)}; printf %s "$1"`,
    ]);
    expect(stdout).toBe(renderSealScript(options).trimEnd());
  });

  it('fails with TNB509 naming the last step reached and the script’s stderr', async () => {
    const { shell } = recordingShell({
      exitCode: 1,
      stdout: 'tnbuild-seal: SSH host keys (…)\ntnbuild-seal: locking the root password\n',
      stderr: 'passwd: unknown user root\n',
    });
    const error = await sealGuest(shell, {
      family: 'debian',
      buildKey: BUILD_KEY,
      lockRoot: true,
      zeroFreeSpace: false,
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'TNB509',
      message: expect.stringContaining('locking the root password'),
    });
    expect((error as { details: string[] }).details).toContain('passwd: unknown user root');
  });
});
