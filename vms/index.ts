export { ensureBaseDisk, pruneBaseDisks } from './base-disk.ts';
export { type CreatedVm, type CreateVmOptions, createVm, DEFAULT_MCAST } from './create-vm.ts';
export { destroyVm } from './destroy-vm.ts';
export { fingerprintOfPublicKey, generateHostKey, type HostKey } from './host-key.ts';
export { findTemplateUsers, listVmRecords } from './list-vm-records.ts';
export { macForVm } from './mac.ts';
export {
  renderInterfacesStanza,
  renderSeedFiles,
  type SeedFile,
  type SeedOptions,
  writeSeedDir,
  writeSeedIso,
} from './seed.ts';
export { type SshVmOptions, sshVm } from './ssh-vm.ts';
export { type StartVmOptions, startVm } from './start-vm.ts';
export { type StopVmOptions, type StopVmResult, stopVm } from './stop-vm.ts';
export { baseDiskPath, type VmPaths, vmPaths } from './vm-paths.ts';
export { type VmRecord, vmRecordSchema } from './vm-record.ts';
export { listVms, loadVm, type VmStatus, vmStatus } from './vm-status.ts';
export { resolveVmsRoot } from './vms-root.ts';
export { type WaitForVmSshOptions, waitForVmSsh } from './wait-for-vm-ssh.ts';
