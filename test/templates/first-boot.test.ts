import { describe, expect, it } from 'vitest';
import {
  firstBootFiles,
  firstBootInstallCommands,
  renderFirstBootInstallScript,
} from '../../templates/first-boot.ts';

describe('the first-boot service files', () => {
  it.each(['alpine', 'debian'] as const)(
    'installs on %s with the script, its service, and the enabling command',
    async (family) => {
      const files = firstBootFiles(family);
      expect(files.map((file) => `${file.mode} ${file.path}`)).toEqual(
        family === 'alpine'
          ? ['0755 /usr/local/sbin/tnbuild-first-boot', '0755 /etc/init.d/tnbuild-first-boot']
          : [
              '0755 /usr/local/sbin/tnbuild-first-boot',
              '0644 /etc/systemd/system/tnbuild-first-boot.service',
            ],
      );
      expect(firstBootInstallCommands(family)).toEqual(
        family === 'alpine'
          ? ['rc-update add tnbuild-first-boot boot']
          : ['systemctl enable --no-reload tnbuild-first-boot.service'],
      );
      await expect(renderFirstBootInstallScript(family)).toMatchFileSnapshot(
        `./__snapshots__/install-first-boot-${family}.sh`,
      );
    },
  );

  it('orders the service before the network and sshd, and never needs cloud-init', () => {
    const [, initd] = firstBootFiles('alpine');
    const [, unit] = firstBootFiles('debian');
    expect(initd?.content).toMatch(/before net networking sshd/);
    expect(unit?.content).toMatch(/^Before=.* network-pre\.target networking\.service ssh\.service/m);
    // Not only before sshd: a host-key generator of the distro's (any unit with default dependencies, ordered after
    // sysinit.target) must see the seed's keys, or it races the seed and may replace the key tnbuild pinned.
    expect(unit?.content).toMatch(/^DefaultDependencies=no$/m);
    expect(unit?.content).toMatch(/^Before=sysinit\.target /m);
    for (const file of [...firstBootFiles('alpine'), ...firstBootFiles('debian')]) {
      const code = file.content.split('\n').filter((line) => !line.trimStart().startsWith('#'));
      expect(code.join('\n')).not.toMatch(/cloud-init|cloud-config|tiny-cloud/);
    }
  });
});
