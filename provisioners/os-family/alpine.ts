import { quoteShell, quoteWords } from '../shell-quote.ts';
import { renderOpenRcScript } from './openrc-init-script.ts';
import type { FamilyPaths, OsFamily, UserSpec } from './os-family.ts';
import { rewritePasswdFields } from './passwd-rewrite.ts';

const ALPINE_PATHS: FamilyPaths = {
  serviceDir: '/etc/init.d',
  sysctlDir: '/etc/sysctl.d',
  interfacesFile: '/etc/network/interfaces',
  etc: '/etc',
};

/** Alpine: apk, busybox account tools (no usermod), OpenRC with supervise-daemon, ifupdown-ng. */
export function createAlpineFamily(paths: Partial<FamilyPaths> = {}): OsFamily {
  const p = { ...ALPINE_PATHS, ...paths };
  const script = (service: string) => quoteShell(`${p.serviceDir}/${service}`);
  return {
    name: 'alpine',
    paths: p,
    listInstalledPackages: (names) => `apk info -e ${quoteWords(names)} 2>/dev/null || true`,
    // --wait: a step retried after a dropped connection may find the first apk still holding the database lock.
    installPackages: (names, { refreshIndex }) =>
      `apk add --no-progress --wait 120${refreshIndex ? ' --update-cache' : ''} ${quoteWords(names)}`,
    removePackages: (names) => `apk del --no-progress --wait 120 ${quoteWords(names)}`,
    parseMissingPackages: (output) =>
      [...output.matchAll(/^\s*(\S+) \(no such package\)/gm)].map((match) => match[1] ?? ''),

    createGroup: (group, system) => `addgroup${system ? ' -S' : ''} ${quoteShell(group)}`,
    createUser: (user: UserSpec) =>
      `adduser -D${user.system ? ' -S' : ''} -s ${quoteShell(user.shell)} -h ${quoteShell(user.home)} ${quoteShell(user.user)}`,
    addUserToGroup: (user, group) => `addgroup ${quoteShell(user)} ${quoteShell(group)}`,
    disablePassword: (user) => `printf '%s:*\\n' ${quoteShell(user)} | chpasswd -e`,
    setShellAndHome: (user, shell, home) => rewritePasswdFields(`${p.etc}/passwd`, user, shell, home),

    serviceDefinition: (service, define) => ({
      path: `${p.serviceDir}/${service}`,
      content: renderOpenRcScript(service, define),
      mode: '0755',
    }),
    probeService: (service) =>
      [
        `if [ -e ${script(service)} ]; then echo exists; fi`,
        `if [ -L ${quoteShell(`/etc/runlevels/default/${service}`)} ]; then echo enabled; fi`,
        // openrc-run's status: 0 started, 3 stopped, 32 crashed (supervise-daemon.sh supervise_status).
        `rc-service ${quoteShell(service)} status >/dev/null 2>&1; case $? in 0) echo running ;; 32) echo crashed ;; esac`,
      ].join('\n'),
    reloadDefinitions: () => undefined,
    enableService: (service) => `rc-update add ${quoteShell(service)} default`,
    disableService: (service) => `rc-update del ${quoteShell(service)} default`,
    startService: (service) => `rc-service ${quoteShell(service)} start`,
    stopService: (service) => `rc-service ${quoteShell(service)} stop`,
    restartService: (service) => `rc-service ${quoteShell(service)} restart`,

    // ifupdown-ng reads the classic `inet6 static` line as hints and takes the CIDR address as is
    // (ifupdown-ng libifupdown/interface-file.c); `ipv6-dad-transmits 0` makes the address usable at once
    // (doc/interfaces-ipv6.scd).
    interfacesStanza: (networkInterface, address, prefix) =>
      [
        `auto ${networkInterface}`,
        `iface ${networkInterface} inet6 static`,
        `\taddress ${address}/${prefix}`,
        '\tipv6-dad-transmits 0',
        '',
      ].join('\n'),
    bringUpInterface: (networkInterface) =>
      `ifdown ${quoteShell(networkInterface)} >/dev/null 2>&1; ifup ${quoteShell(networkInterface)}`,
  };
}
