import { quoteShell, quoteWords } from '../shell-quote.ts';
import type { FamilyPaths, OsFamily, UserSpec } from './os-family.ts';
import { renderSystemdUnit } from './systemd-unit.ts';

const DEBIAN_PATHS: FamilyPaths = {
  serviceDir: '/etc/systemd/system',
  sysctlDir: '/etc/sysctl.d',
  interfacesFile: '/etc/network/interfaces',
  etc: '/etc',
};

// A fresh guest may still be running apt (unattended-upgrades): wait for its lock rather than fail.
const APT = 'DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=120';

/** Debian: apt-get (never prompting), the shadow tools, systemd, ifupdown. */
export function createDebianFamily(paths: Partial<FamilyPaths> = {}): OsFamily {
  const p = { ...DEBIAN_PATHS, ...paths };
  const unit = (service: string) => quoteShell(`${service}.service`);
  return {
    name: 'debian',
    paths: p,
    listInstalledPackages: (names) =>
      `dpkg-query -W -f='\${db:Status-Abbrev} \${Package}\\n' ${quoteWords(names)} 2>/dev/null | awk '$1 == "ii" { print $2 }'`,
    installPackages: (names, { refreshIndex }) =>
      `${refreshIndex ? `${APT} update && ` : ''}${APT} -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold install --no-install-recommends ${quoteWords(names)}`,
    removePackages: (names) => `${APT} remove ${quoteWords(names)}`,
    parseMissingPackages: (output) => [
      ...[...output.matchAll(/^E: Unable to locate package (\S+)/gm)].map((match) => match[1] ?? ''),
      ...[...output.matchAll(/^E: Package '([^']+)' has no installation candidate/gm)].map(
        (match) => match[1] ?? '',
      ),
    ],

    createGroup: (group, system) => `groupadd${system ? ' -r' : ''} ${quoteShell(group)}`,
    createUser: (user: UserSpec) =>
      `useradd -m -U${user.system ? ' -r' : ''} -s ${quoteShell(user.shell)} -d ${quoteShell(user.home)} ${quoteShell(user.user)}`,
    addUserToGroup: (user, group) => `usermod -a -G ${quoteShell(group)} ${quoteShell(user)}`,
    disablePassword: (user) => `usermod -p '*' ${quoteShell(user)}`,
    setShellAndHome: (user, shell, home) =>
      `usermod -s ${quoteShell(shell)} -d ${quoteShell(home)} ${quoteShell(user)}`,

    serviceDefinition: (service, define) => ({
      path: `${p.serviceDir}/${service}.service`,
      content: renderSystemdUnit(service, define),
      mode: '0644',
    }),
    probeService: (service) =>
      [
        `s=$(systemctl show -p LoadState -p UnitFileState -p ActiveState ${unit(service)} 2>/dev/null)`,
        `if printf '%s\\n' "$s" | grep -qx LoadState=loaded; then echo exists; fi`,
        `if printf '%s\\n' "$s" | grep -qx UnitFileState=enabled; then echo enabled; fi`,
        `if printf '%s\\n' "$s" | grep -qx ActiveState=active; then echo running; fi`,
      ].join('\n'),
    reloadDefinitions: () => 'systemctl daemon-reload',
    // --no-reload: `enable` otherwise reloads systemd's whole configuration once more (seconds under TCG); the
    // service step has already reloaded it after a definition changed, and the links need no reload to take effect
    // at boot or for `is-enabled`.
    enableService: (service, startNow) =>
      `systemctl enable --no-reload${startNow ? ' --now' : ''} ${unit(service)}`,
    disableService: (service) => `systemctl disable ${unit(service)}`,
    startService: (service) => `systemctl start ${unit(service)}`,
    stopService: (service) => `systemctl stop ${unit(service)}`,
    restartService: (service) => `systemctl restart ${unit(service)}`,

    // Debian's ifupdown: `inet6 static` takes a CIDR address; `dad-attempts 0` does not wait for DAD.
    interfacesStanza: (networkInterface, address, prefix) =>
      [
        `auto ${networkInterface}`,
        `iface ${networkInterface} inet6 static`,
        `\taddress ${address}/${prefix}`,
        '\tdad-attempts 0',
        '',
      ].join('\n'),
    bringUpInterface: (networkInterface) =>
      `ifdown ${quoteShell(networkInterface)} >/dev/null 2>&1; ifup ${quoteShell(networkInterface)}`,
  };
}
