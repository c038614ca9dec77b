export { readBuildVersions } from './build-versions.ts';
export {
  type CommitTemplateInput,
  type CommitTemplateOptions,
  commitTemplate,
  removeAbandonedTmpDirs,
} from './commit-template.ts';
export { type CompactDiskOptions, compactDisk } from './compact-disk.ts';
export { type EnsureTemplateOptions, type EnsureTemplateResult, ensureTemplate } from './ensure-template.ts';
export { findTemplate, listTemplates, resolveTemplateRef } from './find-template.ts';
export {
  firstBootFiles,
  firstBootInstallCommands,
  type GuestFile,
  renderFirstBootInstallScript,
} from './first-boot.ts';
export type { GuestExecResult, GuestShell } from './guest-shell.ts';
export { listInstalledPackages } from './list-packages.ts';
export { createOverlayDisk } from './overlay-disk.ts';
export { type Qcow2Header, readQcow2Header } from './qcow2-header.ts';
export { recipeInputs } from './recipe-inputs.ts';
export { type GcOptions, type GcReport, gcTemplates, removeTemplate } from './remove-template.ts';
export { type SealGuestOptions, type SealResult, sealGuest } from './seal-guest.ts';
export { type OsFamily, publicKeyBlob, renderSealScript, type SealScriptOptions } from './seal-script.ts';
export { type TemplateLockOptions, withTemplateLock } from './template-lock.ts';
export { type TemplateInput, type TemplateManifest, templateManifestSchema } from './template-manifest.ts';
export { openTemplateStore, type Template, type TemplateStore, templateDirName } from './template-store.ts';
