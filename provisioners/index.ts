// The SSH provisioner: one connection per guest, idempotent modules, check mode, handlers, transcript and recap.

export type { FetchArtifact } from './fetch-artifact-fn.ts';
export { fingerprintHostKey, normalizeFingerprint } from './host-key.ts';
export { createAlpineFamily } from './os-family/alpine.ts';
export { createDebianFamily } from './os-family/debian.ts';
export type { FamilyPaths, OsFamily } from './os-family/os-family.ts';
export { type ProvisionOptions, type ProvisionResult, provision, type StepReport } from './provision.ts';
export type { ProvisionEvent } from './provision-events.ts';
export { formatRecap, type Recap, type StepStatus } from './recap.ts';
export { type CheckReport, type ChecksResult, type RunChecksOptions, runChecks } from './run-checks.ts';
export { quoteShell, quoteWords } from './shell-quote.ts';
export type { ExecOptions, ExecResult, SshSession } from './ssh-session.ts';
export { connectSsh, type SshConnectOptions } from './ssh2-session.ts';
export type { BecomeMethod } from './wrap-command.ts';
