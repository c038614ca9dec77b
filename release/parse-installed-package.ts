import type { TemplateManifest } from '../templates/index.ts';

export interface InstalledPackage {
  readonly name: string;
  readonly version: string;
  /** Package URL (purl), the identifier SBOM scanners match against vulnerability data. */
  readonly purl: string;
}

const DEBIAN_ARCH: Record<TemplateManifest['arch'], string> = { x86_64: 'amd64', aarch64: 'arm64' };

/**
 * One line of the manifest's package list, as `listInstalledPackages` wrote it: Debian `name[:arch] version`
 * (dpkg-query), Alpine `name-version-rN` (apk info -v). Undefined for a line in neither form.
 */
export function parseInstalledPackage(
  line: string,
  os: TemplateManifest['os'],
  arch: TemplateManifest['arch'],
): InstalledPackage | undefined {
  if (os.family === 'debian') {
    const match = /^([^\s:]+)(?::([a-z0-9]+))?\s+(\S+)$/.exec(line.trim());
    if (!match?.[1] || !match[3]) return undefined;
    const pkgArch = match[2] ?? DEBIAN_ARCH[arch];
    const qualifiers = `arch=${pkgArch}&distro=debian-${encodeURIComponent(os.release)}`;
    return {
      name: match[1],
      version: match[3],
      purl: `pkg:deb/debian/${match[1]}@${encodeURIComponent(match[3])}?${qualifiers}`,
    };
  }
  const match = /^(.+)-([^-]+-r\d+)$/.exec(line.trim());
  if (!match?.[1] || !match[2]) return undefined;
  const qualifiers = `arch=${arch}&distro=alpine-${encodeURIComponent(os.release)}`;
  return {
    name: match[1],
    version: match[2],
    purl: `pkg:apk/alpine/${match[1]}@${encodeURIComponent(match[2])}?${qualifiers}`,
  };
}
