import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostArch } from '../../cli/global-options.ts';
import { runCli } from '../helpers/run-cli.ts';

// The real TrustNet images, end to end, where the network reaches Alpine's mirror and GitHub releases:
// `npm run test:online` (sets TNBUILD_ONLINE=1). Not part of `npm test`: those hosts are unreachable in CI here.
// TNBUILD_ONLINE_ARCH picks the guest architecture (default: the host's); aarch64 guests boot with UEFI.
if (process.env.TNBUILD_ONLINE !== '1')
  throw new Error('the online suite runs with TNBUILD_ONLINE=1 (npm run test:online)');

const arch = process.env.TNBUILD_ONLINE_ARCH ?? hostArch();
const work = mkdtempSync(join(tmpdir(), 'tnbuild-online-'));
const env = { HOME: join(work, 'home'), TNBUILD_VMS_DIR: join(work, 'home/vms'), CI: 'true' };
const common = ['--output', join(work, 'output'), '--arch', arch];

const tnbuild = (args: string[]) => runCli(args, env, common);

async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds = 300): Promise<T> {
  for (const deadline = Date.now() + seconds * 1000; Date.now() < deadline; ) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe(`the TrustNet images on Alpine 3.22 (${arch}, online)`, () => {
  it(
    'builds base, node and registry from the official ISO and the real CometBFT release',
    async () => {
      for (const name of ['node', 'registry']) {
        const result = await tnbuild(['recipe', name]);
        expect(result.exitCode, result.out).toBe(0);
      }
      const again = await tnbuild(['recipe', 'node']);
      expect(again.out).toContain('cache hit');
    },
    3 * 60 * 60_000,
  );

  it(
    'installs both VMs; CometBFT makes blocks faster than one a second; the registry answers /health',
    async () => {
      const installed = await tnbuild(['install']);
      expect(installed.exitCode, installed.out).toBe(0);
      const height = async () => {
        const status = (await (await fetch('http://127.0.0.1:26657/status')).json()) as {
          result: { sync_info: { latest_block_height: string } };
        };
        return Number(status.result.sync_info.latest_block_height);
      };
      const first = await until('CometBFT RPC', height);
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      expect((await height()) - first).toBeGreaterThanOrEqual(10);
      expect(
        await until('registry /health', async () =>
          (await fetch('http://127.0.0.1:8000/health')).ok ? true : undefined,
        ),
      ).toBe(true);
      const ping = await tnbuild(['vm', 'ssh', 'trustnet-node', '--', 'ping', '-c', '3', 'fd10:1234::2']);
      expect(ping.exitCode, ping.out).toBe(0);
      for (const vm of ['trustnet-node', 'trustnet-registry'])
        expect((await tnbuild(['vm', 'stop', vm])).exitCode).toBe(0);
    },
    30 * 60_000,
  );
});
