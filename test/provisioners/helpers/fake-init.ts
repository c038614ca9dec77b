import { createDebianFamily } from '../../../provisioners/os-family/debian.ts';
import type { OsFamily } from '../../../provisioners/os-family/os-family.ts';
import { quoteShell } from '../../../provisioners/shell-quote.ts';

/**
 * The Debian family with its init system and ifup replaced by a few files under `dir`: this machine runs neither
 * systemd nor OpenRC as pid 1, and must not have its network reconfigured. Everything else (the modules, the SSH
 * session, the file writes, the probes) is real. Every action is appended to `${dir}/actions`.
 */
export function fakeInitFamily(dir: string): OsFamily {
  const base = createDebianFamily({
    serviceDir: `${dir}/units`,
    sysctlDir: `${dir}/sysctl.d`,
    interfacesFile: `${dir}/interfaces`,
  });
  const d = quoteShell(dir);
  const log = (text: string) => `echo ${quoteShell(text)} >> ${d}/actions`;
  const flag = (kind: string, service: string) => `${d}/${kind}/${quoteShell(service)}`;
  return {
    ...base,
    probeService: (service) =>
      [
        `if [ -e ${d}/units/${quoteShell(`${service}.service`)} ] || [ -e ${flag('installed', service)} ]; then echo exists; fi`,
        `if [ -e ${flag('enabled', service)} ]; then echo enabled; fi`,
        `if [ -e ${flag('running', service)} ]; then echo running; fi`,
      ].join('\n'),
    reloadDefinitions: () => log('daemon-reload'),
    enableService: (service, now) =>
      [
        `mkdir -p ${d}/enabled`,
        `touch ${flag('enabled', service)}`,
        log(`enable ${service}`),
        ...(now
          ? [`mkdir -p ${d}/running`, `touch ${flag('running', service)}`, log(`start ${service}`)]
          : []),
      ].join(' && '),
    disableService: (service) => `rm -f ${flag('enabled', service)} && ${log(`disable ${service}`)}`,
    startService: (service) =>
      `mkdir -p ${d}/running && touch ${flag('running', service)} && ${log(`start ${service}`)}`,
    stopService: (service) => `rm -f ${flag('running', service)} && ${log(`stop ${service}`)}`,
    restartService: (service) =>
      `mkdir -p ${d}/running && touch ${flag('running', service)} && ${log(`restart ${service}`)}`,
    bringUpInterface: (nic) => log(`ifup ${nic}`),
  };
}
