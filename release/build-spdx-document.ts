import type { TemplateManifest } from '../templates/index.ts';
import { parseInstalledPackage } from './parse-installed-package.ts';

export interface SpdxInput {
  readonly name: string;
  readonly version: string;
  readonly template: TemplateManifest;
  /** sha256 of the qcow2 the SBOM describes. */
  readonly imageSha256: string;
  readonly releasedAt: Date;
  readonly tnbuildVersion: string;
}

/** The subset of an SPDX 2.3 JSON document tnbuild writes. */
export interface SpdxDocument {
  readonly spdxVersion: 'SPDX-2.3';
  readonly dataLicense: 'CC0-1.0';
  readonly SPDXID: 'SPDXRef-DOCUMENT';
  readonly name: string;
  readonly documentNamespace: string;
  readonly creationInfo: {
    readonly created: string;
    readonly creators: readonly string[];
    readonly comment: string;
  };
  readonly packages: readonly Record<string, unknown>[];
  readonly relationships: readonly {
    spdxElementId: string;
    relationshipType: string;
    relatedSpdxElement: string;
  }[];
}

const IMAGE_ID = 'SPDXRef-Image';

/**
 * The release's SBOM in SPDX 2.3 JSON: the image as an OPERATING-SYSTEM package that CONTAINS each installed
 * package, each with its purl. Licences are NOASSERTION: the guest's package manager lists names and versions only.
 * Deterministic for the same input, so a rebuild's SBOM can be diffed.
 */
export function buildSpdxDocument(input: SpdxInput): SpdxDocument {
  const { template } = input;
  const base = `${input.name}-${input.version}-${template.arch}`;
  const packages: Record<string, unknown>[] = [
    {
      SPDXID: IMAGE_ID,
      name: input.name,
      versionInfo: input.version,
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      primaryPackagePurpose: 'OPERATING-SYSTEM',
      checksums: [{ algorithm: 'SHA256', checksumValue: input.imageSha256 }],
      supplier: 'NOASSERTION',
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      comment: `qcow2 disk image of tnbuild template ${template.key} (${template.os.family} ${template.os.release}, ${template.arch})`,
    },
  ];
  const relationships: SpdxDocument['relationships'][number][] = [
    { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: IMAGE_ID },
  ];
  const unparsed: string[] = [];
  template.packages.forEach((line, index) => {
    const parsed = parseInstalledPackage(line, template.os, template.arch);
    if (!parsed) {
      unparsed.push(line);
      return;
    }
    const id = `SPDXRef-Package-${index + 1}-${parsed.name.replace(/[^A-Za-z0-9.-]/g, '-')}`;
    packages.push({
      SPDXID: id,
      name: parsed.name,
      versionInfo: parsed.version,
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      externalRefs: [
        { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: parsed.purl },
      ],
    });
    relationships.push({ spdxElementId: IMAGE_ID, relationshipType: 'CONTAINS', relatedSpdxElement: id });
  });
  const comment = [
    `Installed packages of ${base}, as the guest's package manager listed them before the template was sealed.`,
    ...(unparsed.length > 0 ? [`Lines not understood and left out: ${unparsed.join('; ')}`] : []),
  ].join(' ');
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: base,
    documentNamespace: `https://spdx.org/spdxdocs/tnbuild/${base}-${template.key}`,
    creationInfo: {
      // SPDX wants whole seconds in UTC.
      created: `${input.releasedAt.toISOString().slice(0, 19)}Z`,
      creators: [`Tool: tnbuild-${input.tnbuildVersion}`],
      comment,
    },
    packages,
    relationships,
  };
}
