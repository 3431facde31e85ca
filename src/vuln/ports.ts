/**
 * What the vulnerability service is given by the composition root (src/app) instead of importing
 * it: the build pipeline sits above vuln (its publish step indexes packages with vuln's code), so
 * vuln reaches builds only through this port, and dependencies run one way.
 */
import type { ArtifactStore } from '../artifacts/index.js';
import type { GalleryService } from '../gallery/index.js';
import type { Store } from '../store/index.js';

/** The parts of a build run the emergency path reads. */
export interface BuildRunView {
  id: string;
  state: 'queued' | 'running' | 'needs-repair' | 'failed' | 'succeeded';
  templateFile: string;
  templateName: string;
  /** Outputs of finished steps, keyed by step name (`sbom`, `publish`). */
  outputs: Record<string, Record<string, unknown>>;
  error: { code: string; message: string } | null;
}

/** The out-of-band build parameters an emergency rebuild is started with (tattooed into the image). */
export interface EmergencyParams {
  cves: string[];
  advisories: string[];
  patchDate: string;
  pins: string[];
}

/** Starting and reading builds. `E` is the pipeline's progress event, passed through untouched. */
export interface BuildPort<E> {
  start(templateFile: string, opts: { params: { emergency: EmergencyParams }; onEvent?: (event: E) => void }): Promise<BuildRunView>;
  /** The run, or undefined when it is no longer recorded. */
  run(runId: string): Promise<BuildRunView | undefined>;
}

export interface VulnDeps<E> {
  store: Store;
  gallery: GalleryService;
  artifacts: ArtifactStore;
  builds: BuildPort<E>;
  /** The artifact region builds write to (where a run's SBOM inventory is). */
  buildRegion: string;
  clock: () => Date;
}
