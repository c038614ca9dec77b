import type { LocalFile, ResolvedArtifact, ResolvedSource } from './resolved-recipe.ts';

/** One file an install needs, with the recipe field it comes from (downloads are fetched `for` that field). */
export interface SourceInput {
  readonly field: string;
  /** As the template manifest lists it: `iso`, `kernel`, `installer file rootfs.tar`. */
  readonly label: string;
  readonly input: LocalFile | ResolvedArtifact;
}

/** Every file an install source needs: the boot medium first, then what the installer serves. None for a parent. */
export function sourceInputs(source: ResolvedSource): SourceInput[] {
  if (source.type === 'parent') return [];
  const inputs: SourceInput[] =
    source.type === 'iso'
      ? [{ field: 'source.iso', label: 'iso', input: source.iso }]
      : [
          { field: 'source.kernel', label: 'kernel', input: source.kernel },
          { field: 'source.initrd', label: 'initrd', input: source.initrd },
        ];
  const installer = source.installer;
  if (installer.type === 'alpine') return inputs;
  if (installer.type === 'script' && installer.answer)
    inputs.push({ field: 'source.installer.answer', label: 'installer answer', input: installer.answer });
  if (installer.type === 'console') {
    for (const [name, file] of Object.entries(installer.templates))
      inputs.push({
        field: `source.installer.files.${name}.template`,
        label: `installer template ${name}`,
        input: file,
      });
  }
  for (const [name, file] of Object.entries(installer.files))
    inputs.push({ field: `source.installer.files.${name}`, label: `installer file ${name}`, input: file });
  return inputs;
}

export function isLocalInput(input: LocalFile | ResolvedArtifact): input is LocalFile {
  return 'sha256' in input;
}
