import { readFile } from 'node:fs/promises';

/** The running tnbuild's package version, for the SBOM's creator line. */
export async function readTnbuildVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
