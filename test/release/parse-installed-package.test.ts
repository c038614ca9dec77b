import { describe, expect, it } from 'vitest';
import { parseInstalledPackage } from '../../release/index.ts';

describe('parseInstalledPackage', () => {
  const debian = { family: 'debian', release: '12' } as const;
  const alpine = { family: 'alpine', release: '3.20' } as const;

  it('reads dpkg-query lines, with or without a multi-arch suffix, into deb purls', () => {
    expect(parseInstalledPackage('openssh-server 1:9.2p1-2+deb12u3', debian, 'x86_64')).toEqual({
      name: 'openssh-server',
      version: '1:9.2p1-2+deb12u3',
      purl: 'pkg:deb/debian/openssh-server@1%3A9.2p1-2%2Bdeb12u3?arch=amd64&distro=debian-12',
    });
    expect(parseInstalledPackage('libc6:arm64 2.36-9', debian, 'aarch64')?.purl).toBe(
      'pkg:deb/debian/libc6@2.36-9?arch=arm64&distro=debian-12',
    );
    expect(parseInstalledPackage('tzdata:all 2024a-0+deb12u1', debian, 'x86_64')?.purl).toContain(
      '?arch=all&',
    );
  });

  it('reads `apk info -v` lines (name-version-rN, names with dashes) into apk purls', () => {
    expect(parseInstalledPackage('musl-1.2.5-r0', alpine, 'x86_64')).toEqual({
      name: 'musl',
      version: '1.2.5-r0',
      purl: 'pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20',
    });
    expect(parseInstalledPackage('py3-cryptography-42.0.8-r0', alpine, 'aarch64')).toMatchObject({
      name: 'py3-cryptography',
      version: '42.0.8-r0',
    });
  });

  it('returns undefined for a line in neither form', () => {
    expect(parseInstalledPackage('just-a-name', alpine, 'x86_64')).toBeUndefined();
    expect(parseInstalledPackage('two words here', debian, 'x86_64')).toBeUndefined();
  });
});
