import type { BootRecord } from '../../src/attest/index.js';

/**
 * The boot record a build's boot step signs for a Trusted Launch image, for tests that publish
 * versions directly through the gallery service (a Trusted Launch definition refuses versions
 * without one).
 */
export function passingBoot(over: Partial<BootRecord> = {}): BootRecord {
  return {
    ok: true,
    accelerator: 'tcg',
    bootSeconds: 9.5,
    maxSeconds: 180,
    secureBoot: { enforced: true, verified: true },
    tpm: { attached: true, present: true, eventLog: true, pcr7: true },
    checks: [],
    disk: { kind: 'raw', digest: `sha256:${'0'.repeat(64)}` },
    ...over,
  };
}
