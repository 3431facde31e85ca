export { runSandboxed, type SandboxRun, type SandboxIo } from './run-sandboxed.js';
export { runInImage, PROXY_PORT, type ImageRunOptions } from './run-in-image.js';
export { runInRoot, shellQuote, type RunOptions, type RunResult } from './run-in-root.js';
export { DEFAULT_LIMITS, bwrapArgs, prlimitArgs, type SandboxSpec, type SandboxLimits, type SandboxMount, type SandboxNetwork } from './spec.js';
export { sandboxIdRanges, sandboxGid, pickRange, SANDBOX_ID_COUNT, type IdRange, type IdRanges } from './id-range.js';
export { startMirrorProxy, allowedMirrors, type MirrorProxy } from './mirror-proxy.js';
export { runHostTool, captureSandboxed, sandboxRootIds, adoptEmptyDir, type HostToolOptions } from './host-tool.js';
export { mountScratchQuota, unmountScratchQuota, parseQuota, DEFAULT_SCRATCH_QUOTA } from './scratch-quota.js';
export { sandboxedCommand } from './tool-command.js';
