import { describe, expect, it } from 'vitest';
import { canonicalIpv6, mergeManagedBlock } from '../../provisioners/os-family/interfaces-stanza.ts';

const alpineDefault = 'auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet dhcp\n';
const stanza = 'auto eth1\niface eth1 inet6 static\n\taddress fd10:1234::1/64\n\tipv6-dad-transmits 0\n';

describe('mergeManagedBlock', () => {
  it('appends the block after the existing stanzas, leaving them alone', () => {
    expect(mergeManagedBlock(alpineDefault, 'network eth1', stanza)).toMatchInlineSnapshot(`
      "auto lo
      iface lo inet loopback

      auto eth0
      iface eth0 inet dhcp

      # BEGIN tnbuild network eth1
      auto eth1
      iface eth1 inet6 static
      	address fd10:1234::1/64
      	ipv6-dad-transmits 0
      # END tnbuild network eth1
      "
    `);
  });

  it('replaces its own block and is stable', () => {
    const once = mergeManagedBlock(alpineDefault, 'network eth1', stanza);
    expect(mergeManagedBlock(once, 'network eth1', stanza)).toBe(once);
    const moved = mergeManagedBlock(once, 'network eth1', stanza.replace('::1/64', '::2/64'));
    expect(moved).toBe(once.replace('::1/64', '::2/64'));
  });

  it('starts an empty file with the block', () => {
    expect(mergeManagedBlock('', 'network eth1', stanza)).toBe(
      `# BEGIN tnbuild network eth1\n${stanza}# END tnbuild network eth1\n`,
    );
  });
});

describe('canonicalIpv6', () => {
  it('prints addresses as the kernel does', () => {
    expect(canonicalIpv6('FD10:1234:0:0::01')).toBe('fd10:1234::1');
    expect(() => canonicalIpv6('fd10::1; rm -rf /')).toThrow(/not an IPv6 address/);
  });
});
