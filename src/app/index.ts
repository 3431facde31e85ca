import { join } from 'node:path';
import { ArtifactStore, FsArtifactStore } from '../artifacts/index.js';
import { Keyring } from '../attest/index.js';
import { CatalogService } from '../catalog/index.js';
import { AdmissionService, ComplianceService, ComplianceTriggers, invalidateOnFeed } from '../compliance/index.js';
import { ChangeFeed } from '../feed/index.js';
import { Metrics } from '../metrics/index.js';
import { createFleet, type FleetService } from '../fleet/index.js';
import { scratchDir, type Config } from '../config/index.js';
import { parseQuota } from '../sandbox/index.js';
import { GalleryService } from '../gallery/index.js';
import { BuildService } from '../pipeline/build-service.js';
import { RunStore } from '../pipeline/run-store.js';
import { ScheduleService } from '../pipeline/schedule.js';
import type { PipelineEvent } from '../pipeline/events.js';
import type { PipelineServices } from '../pipeline/step.js';
import type { Store } from '../store/index.js';
import { VulnService, type BuildPort } from '../vuln/index.js';
import { NotFoundError } from '../errors/index.js';
import { AuditLog, TokenService } from '../identity/index.js';
import { JobQueue } from '../jobs/index.js';
import { BuildJobs } from './build-jobs.js';

/** The composition root: real services wired over one store. The CLI and the (later) server both use it. */
export interface App {
  config: Config;
  store: Store;
  artifacts: ArtifactStore;
  catalog: CatalogService;
  gallery: GalleryService;
  builds: BuildService;
  schedules: ScheduleService;
  /** The job queue shared by all workers, and builds as jobs (enqueue; the worker's handler). */
  jobs: JobQueue;
  buildJobs: BuildJobs;
  /** VMs and other resources; every write passes policy admission (deny, append, modify). */
  fleet: FleetService;
  compliance: ComplianceService;
  admission: AdmissionService;
  /** Re-evaluates what a change affects; edges start it and wait for `idle()` before exiting. */
  triggers: ComplianceTriggers;
  /** Advisories, blast radius and the emergency rebuild path (which starts builds through `builds`). */
  vuln: VulnService<PipelineEvent>;
  /** What pipeline steps get; for building a BuildService with another step list. */
  pipeline: PipelineServices;
  keyring: Keyring;
  /** API tokens of the server's principals. */
  tokens: TokenService;
  /** Who wrote what through the server. */
  audit: AuditLog;
  clock: () => Date;
  /** Every process's committed change events, in commit order (started by `startLive`). */
  feed: ChangeFeed;
  /** Counters and gauges for `/metrics` (render with metricsText). */
  metrics: Metrics;
}

export const BUILD_REGION = 'local';

export function createApp(config: Config, store: Store, opts: { clock?: () => Date } = {}): App {
  const clock = opts.clock ?? (() => new Date());
  const artifacts = new FsArtifactStore(join(config.home, 'artifacts'));
  const catalog = new CatalogService(store, artifacts, { home: config.home, region: BUILD_REGION });
  const gallery = new GalleryService(store, artifacts, { clock });
  const keyring = Keyring.forConfig(config);
  const services: PipelineServices = { store, runs: new RunStore(store), artifacts, scratch: scratchDir(config), scratchQuotaBytes: parseQuota(config.scratchQuota), buildRegion: BUILD_REGION, catalog, gallery, keyring, clock, trust: { home: config.home, trustFile: config.trustFile, trustedKeysPem: config.trustedKeys } };
  const builds = new BuildService(services, config.home);
  const compliance = new ComplianceService(store, { clock });
  const admission = new AdmissionService(compliance);
  const fleet = createFleet({ store, gallery, clock, admission });
  const metrics = new Metrics();
  const triggers = new ComplianceTriggers(compliance, { metrics });
  const feed = new ChangeFeed(store, { metrics, onError: (e) => feedReadFailed(metrics, e) });
  const schedules = new ScheduleService(store, builds, clock);
  const jobs = new JobQueue(store);
  const vuln = new VulnService({ store, gallery, artifacts, builds: buildPort(builds, services), buildRegion: BUILD_REGION, clock });
  return {
    config,
    store,
    artifacts,
    catalog,
    gallery,
    builds,
    schedules,
    jobs,
    buildJobs: new BuildJobs(jobs, builds, schedules),
    fleet,
    compliance,
    admission,
    triggers,
    vuln,
    pipeline: services,
    keyring,
    tokens: new TokenService(store, clock),
    audit: new AuditLog(store, clock),
    clock,
    feed,
    metrics,
  };
}

/**
 * What a long-running process (server, worker) adds to the app: the change feed, and this process's
 * caches following it (so another process's writes are seen here). Short CLI commands skip it.
 * Resolves to a function that stops both.
 */
export async function startLive(app: App): Promise<() => Promise<void>> {
  await app.feed.start();
  const stopInvalidating = invalidateOnFeed(app.compliance, app.feed);
  return async () => {
    stopInvalidating();
    await app.feed.stop();
  };
}

/** The feed retries on its next wake; a read that fails is still worth a line and a count. */
function feedReadFailed(metrics: Metrics, e: Error): void {
  metrics.inc('goldsmith_feed_read_failures_total');
  process.stderr.write(`goldsmith: change feed read failed (will retry): ${e.message}\n`);
}

/** The build pipeline as the vulnerability service sees it (it may not import the pipeline). */
function buildPort(builds: BuildService, services: PipelineServices): BuildPort<PipelineEvent> {
  return {
    start: (templateFile, opts) => builds.start(templateFile, opts),
    run: (runId) =>
      services.runs.get(runId).catch((e: unknown) => {
        if (e instanceof NotFoundError) return undefined;
        throw e;
      }),
  };
}
