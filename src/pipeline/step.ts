import type { ArtifactStore } from '../artifacts/index.js';
import type { Store, Tx } from '../store/index.js';
import type { LoadedTemplate } from '../template/types.js';
import type { RunRecord, RunStore } from './run-store.js';

/** The services steps use. Built once per process by the build service (real implementations only). */
export interface PipelineServices {
  store: Store;
  runs: RunStore;
  artifacts: ArtifactStore;
  /** Fast scratch directory for working root filesystems (see config.scratchDir). */
  scratch: string;
  /** Hard size of one run's scratch in bytes (a tmpfs per run when root; 0 = none). Default 16 GiB. */
  scratchQuotaBytes?: number;
  /** Region the build writes its artifacts to before publishing replicates them. */
  buildRegion: string;
  // Typed loosely here to keep this seam free of import cycles; the build service wires the real ones.
  catalog: import('../catalog/index.js').CatalogService;
  gallery: import('../gallery/index.js').GalleryService;
  /** Signs the build's attestations (created on first use under GOLDSMITH_HOME/keys). */
  keyring: import('../attest/index.js').Keyring;
  /** Where verification's trust comes from (a pinned trust file or env when the operator set one). */
  trust?: import('../attest/trust-source.js').TrustConfig;
  clock: () => Date;
}

export interface StepContext {
  run: RunRecord;
  /** The template as it is now (re-read on resume). */
  template: LoadedTemplate;
  workDir: string;
  /** The image's root filesystem being built. */
  rootfs: string;
  services: PipelineServices;
  /** Append a line to this step's log (kept with the run) and stream it to the progress display. */
  log(line: string): void;
  /** Outputs a finished earlier step recorded. Throws if that step has not finished. */
  outputOf<T = Record<string, unknown>>(step: string): T;
}

export interface StepOutcome {
  /** Recorded in the run (resume and later steps read them). */
  outputs: Record<string, unknown>;
  /** Shown with the step (check results, counts). Defaults to outputs. */
  result?: Record<string, unknown>;
  /** 'needs-repair' stops the run with the failed checks; it is an expected result, not an error. */
  status?: 'ok' | 'needs-repair';
  /** Runs in the same transaction that records the step: the only way a step makes something visible. */
  commit?: (tx: Tx) => Promise<void>;
}

/**
 * A pipeline step. Steps run in registry order; each one's outcome is committed when it finishes.
 * `rootfs` says what the step does to the working root filesystem: 'none' (does not touch it),
 * 'reads', 'mutates', or 'creates'. `checkpoint` names the artifact in its outputs that captures the
 * rootfs right after the step: a run killed during a later mutating step is restored from there.
 */
export interface StepDefinition {
  name: string;
  description: string;
  rootfs: 'none' | 'reads' | 'mutates' | 'creates';
  checkpoint?: (outputs: Record<string, unknown>) => string | undefined;
  run(ctx: StepContext): Promise<StepOutcome>;
}
