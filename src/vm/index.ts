export { bootDisk, type BootTimings } from './boot.js';
export { probeAccelerator, probeKvm, KVM_PROBE_MS } from './accel.js';
export { checkName, validateCheck, guestScript, RESULT_PORT } from './guest-script.js';
export type { GuestCheck, BootOptions, BootResult, BootFailure, CheckResult, Accelerator, AcceleratorChoice, DiskFormat } from './types.js';
export { runVm, type RunVmOptions, type RunVmResult } from './run.js';
