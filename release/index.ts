export { buildSpdxDocument, type SpdxDocument, type SpdxInput } from './build-spdx-document.ts';
export { COMPRESSIONS, type Compression, DEFAULT_COMPRESSION, isCompression } from './compression.ts';
export { describeReproducibility } from './describe-reproducibility.ts';
export type { ImageCodec } from './image-codec.ts';
export {
  formatOciReference,
  looksLikeOciReference,
  type OciReference,
  parseOciReference,
} from './oci/oci-reference.ts';
export { type PushReleaseOptions, type PushResult, pushRelease } from './oci/push-release.ts';
export type { RegistryOptions } from './oci/registry-client.ts';
export { type InstalledPackage, parseInstalledPackage } from './parse-installed-package.ts';
export { type PullReleaseOptions, type PullResult, pullRelease } from './pull-release.ts';
export {
  imageFileName,
  RELEASE_MANIFEST_FILE,
  releaseBaseName,
  SIGNATURE_FILE,
  SIGNATURE_NAMESPACE,
  SUMS_FILE,
  sbomFileName,
} from './release-layout.ts';
export { type ReleaseManifest, type Reproducibility, releaseManifestSchema } from './release-manifest.ts';
export {
  createReleaseProgressLines,
  createReleaseProgressListener,
  formatReleaseProgress,
  type ReleaseProgressEvent,
  type ReleaseProgressListener,
  type ReleaseStage,
} from './release-progress.ts';
export { type ReleaseResult, type ReleaseTemplateOptions, releaseTemplate } from './release-template.ts';
export { parseSha256Sums, renderSha256Sums, type SumsEntry } from './sha256-sums.ts';
export { readSigningKey, type SigningKey } from './signing-key.ts';
export type { VerifiedSignature } from './verify-signature.ts';
