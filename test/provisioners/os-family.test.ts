import { describe, expect, it } from 'vitest';
import { createAlpineFamily } from '../../provisioners/os-family/alpine.ts';
import { createDebianFamily } from '../../provisioners/os-family/debian.ts';
import type { ServiceDefinition } from '../../provisioners/os-family/service-definition.ts';

// The exact commands and files each family sends to the guest. Alpine's are checked against the sources cited in
// ../shared/reference/alpine.md: OpenRC supervise-daemon.sh (eval of command/command_args), openrc-run(8),
// ifupdown-ng doc/interfaces.scd + doc/interfaces-ipv6.scd, busybox adduser/addgroup/chpasswd.

const cometbft: ServiceDefinition = {
  description: 'CometBFT validator',
  command: '/usr/local/bin/cometbft',
  args: ['start', '--home', '/home/warden/.cometbft'],
  user: 'warden',
  directory: '/home/warden',
  env: { CMTHOME: '/home/warden/.cometbft' },
  after: ['net'],
};

describe('Alpine', () => {
  const alpine = createAlpineFamily();

  it('installs with one apk add for many packages, refreshing the index on the first install of a run', () => {
    expect(
      alpine.listInstalledPackages(['docker-registry', 'docker-registry-openrc', 'nginx']),
    ).toMatchInlineSnapshot(`"apk info -e docker-registry docker-registry-openrc nginx 2>/dev/null || true"`);
    expect(
      alpine.installPackages(['docker-registry', 'docker-registry-openrc', 'nginx'], { refreshIndex: true }),
    ).toMatchInlineSnapshot(
      `"apk add --no-progress --wait 120 --update-cache docker-registry docker-registry-openrc nginx"`,
    );
    expect(alpine.installPackages(['curl'], { refreshIndex: false })).toMatchInlineSnapshot(
      `"apk add --no-progress --wait 120 curl"`,
    );
    expect(alpine.removePackages(['nano'])).toMatchInlineSnapshot(`"apk del --no-progress --wait 120 nano"`);
  });

  it('names the packages apk says do not exist', () => {
    const output =
      'ERROR: unable to select packages:\n  no-such-pkg (no such package):\n    required by: world[no-such-pkg]\n';
    expect(alpine.parseMissingPackages(output, ['curl', 'no-such-pkg'])).toEqual(['no-such-pkg']);
  });

  it('manages accounts with busybox tools (adduser -D, addgroup, chpasswd -e; no usermod)', () => {
    expect(
      alpine.createUser({ user: 'warden', shell: '/bin/sh', home: '/home/warden', system: false }),
    ).toMatchInlineSnapshot(`"adduser -D -s /bin/sh -h /home/warden warden"`);
    expect(
      alpine.createUser({ user: 'keeper', shell: '/sbin/nologin', home: '/var/lib/keeper', system: true }),
    ).toMatchInlineSnapshot(`"adduser -D -S -s /sbin/nologin -h /var/lib/keeper keeper"`);
    expect(alpine.createGroup('validators', false)).toMatchInlineSnapshot(`"addgroup validators"`);
    expect(alpine.addUserToGroup('warden', 'validators')).toMatchInlineSnapshot(
      `"addgroup warden validators"`,
    );
    expect(alpine.disablePassword('warden')).toMatchInlineSnapshot(`"printf '%s:*\\n' warden | chpasswd -e"`);
    expect(alpine.setShellAndHome('warden', '/bin/ash', '/home/warden')).toMatchInlineSnapshot(
      `"U=warden S=/bin/ash H=/home/warden awk -F: -v OFS=: '$1 == ENVIRON["U"] { $6 = ENVIRON["H"]; $7 = ENVIRON["S"] } { print }' /etc/passwd > /etc/passwd.tnbuild && cat /etc/passwd.tnbuild > /etc/passwd && rm -f /etc/passwd.tnbuild"`,
    );
  });

  it('writes an OpenRC init script for supervise-daemon and uses rc-update / rc-service', () => {
    const file = alpine.serviceDefinition('cometbft', cometbft);
    expect(file.path).toBe('/etc/init.d/cometbft');
    expect(file.mode).toBe('0755');
    expect(file.content).toMatchInlineSnapshot(`
      "#!/sbin/openrc-run
      # Managed by tnbuild: changes here are overwritten by the next provisioning run.

      description='CometBFT validator'
      supervisor=supervise-daemon
      command=/usr/local/bin/cometbft
      command_args='start --home /home/warden/.cometbft'
      command_user=warden
      directory=/home/warden
      output_log=/var/log/cometbft.log
      error_log=/var/log/cometbft.log

      export CMTHOME=/home/warden/.cometbft

      depend() {
      	need net
      }

      start_pre() {
      	checkpath --file --owner warden --mode 0640 /var/log/cometbft.log
      }
      "
    `);
    expect(alpine.probeService('cometbft')).toMatchInlineSnapshot(`
      "if [ -e /etc/init.d/cometbft ]; then echo exists; fi
      if [ -L /etc/runlevels/default/cometbft ]; then echo enabled; fi
      rc-service cometbft status >/dev/null 2>&1; case $? in 0) echo running ;; 32) echo crashed ;; esac"
    `);
    expect(alpine.reloadDefinitions()).toBeUndefined();
    expect(alpine.enableService('cometbft', true)).toMatchInlineSnapshot(`"rc-update add cometbft default"`);
    expect(alpine.startService('cometbft')).toMatchInlineSnapshot(`"rc-service cometbft start"`);
    expect(alpine.restartService('cometbft')).toMatchInlineSnapshot(`"rc-service cometbft restart"`);
    expect(alpine.disableService('cometbft')).toMatchInlineSnapshot(`"rc-update del cometbft default"`);
    expect(alpine.stopService('cometbft')).toMatchInlineSnapshot(`"rc-service cometbft stop"`);
  });

  it('writes an ifupdown-ng stanza for the ULA address on eth1 and brings it up', () => {
    expect(alpine.interfacesStanza('eth1', 'fd10:1234::1', 64)).toMatchInlineSnapshot(`
      "auto eth1
      iface eth1 inet6 static
      	address fd10:1234::1/64
      	ipv6-dad-transmits 0
      "
    `);
    expect(alpine.bringUpInterface('eth1')).toMatchInlineSnapshot(`"ifdown eth1 >/dev/null 2>&1; ifup eth1"`);
  });
});

describe('Debian', () => {
  const debian = createDebianFamily();

  it('installs with apt-get, never prompting, updating the lists only when asked', () => {
    expect(debian.listInstalledPackages(['docker-registry', 'nginx'])).toMatchInlineSnapshot(
      `"dpkg-query -W -f='\${db:Status-Abbrev} \${Package}\\n' docker-registry nginx 2>/dev/null | awk '$1 == "ii" { print $2 }'"`,
    );
    expect(
      debian.installPackages(['docker-registry', 'nginx'], { refreshIndex: true }),
    ).toMatchInlineSnapshot(
      `"DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=120 update && DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=120 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold install --no-install-recommends docker-registry nginx"`,
    );
    expect(debian.installPackages(['curl'], { refreshIndex: false })).toMatchInlineSnapshot(
      `"DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=120 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold install --no-install-recommends curl"`,
    );
    expect(debian.removePackages(['nano'])).toMatchInlineSnapshot(
      `"DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=120 remove nano"`,
    );
    expect(debian.parseMissingPackages('E: Unable to locate package no-such-pkg\n', ['no-such-pkg'])).toEqual(
      ['no-such-pkg'],
    );
  });

  it('manages accounts with the shadow tools', () => {
    expect(
      debian.createUser({ user: 'warden', shell: '/bin/sh', home: '/home/warden', system: false }),
    ).toMatchInlineSnapshot(`"useradd -m -U -s /bin/sh -d /home/warden warden"`);
    expect(debian.createGroup('validators', true)).toMatchInlineSnapshot(`"groupadd -r validators"`);
    expect(debian.addUserToGroup('warden', 'validators')).toMatchInlineSnapshot(
      `"usermod -a -G validators warden"`,
    );
    expect(debian.disablePassword('warden')).toMatchInlineSnapshot(`"usermod -p '*' warden"`);
    expect(debian.setShellAndHome('warden', '/bin/bash', '/home/warden')).toMatchInlineSnapshot(
      `"usermod -s /bin/bash -d /home/warden warden"`,
    );
  });

  it('writes a systemd unit, reloads, and enables with --now', () => {
    const file = debian.serviceDefinition('cometbft', cometbft);
    expect(file.path).toBe('/etc/systemd/system/cometbft.service');
    expect(file.content).toMatchInlineSnapshot(`
      "# Managed by tnbuild: changes here are overwritten by the next provisioning run.
      [Unit]
      Description=CometBFT validator
      After=network-online.target
      Wants=network-online.target

      [Service]
      Type=simple
      User=warden
      WorkingDirectory=/home/warden
      Environment=CMTHOME=/home/warden/.cometbft
      ExecStart=/usr/local/bin/cometbft start --home /home/warden/.cometbft
      Restart=on-failure
      RestartSec=2s

      [Install]
      WantedBy=multi-user.target
      "
    `);
    expect(debian.probeService('cometbft')).toMatchInlineSnapshot(`
      "s=$(systemctl show -p LoadState -p UnitFileState -p ActiveState cometbft.service 2>/dev/null)
      if printf '%s\\n' "$s" | grep -qx LoadState=loaded; then echo exists; fi
      if printf '%s\\n' "$s" | grep -qx UnitFileState=enabled; then echo enabled; fi
      if printf '%s\\n' "$s" | grep -qx ActiveState=active; then echo running; fi"
    `);
    expect(debian.reloadDefinitions()).toMatchInlineSnapshot(`"systemctl daemon-reload"`);
    expect(debian.enableService('cometbft', true)).toMatchInlineSnapshot(
      `"systemctl enable --no-reload --now cometbft.service"`,
    );
    expect(debian.restartService('cometbft')).toMatchInlineSnapshot(`"systemctl restart cometbft.service"`);
  });

  it('writes an ifupdown inet6 static stanza', () => {
    expect(debian.interfacesStanza('eth1', 'fd10:1234::2', 64)).toMatchInlineSnapshot(`
      "auto eth1
      iface eth1 inet6 static
      	address fd10:1234::2/64
      	dad-attempts 0
      "
    `);
  });
});
