import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ArtifactStore } from '../artifacts/index.js';
import { ConflictError, InputError, NotFoundError } from '../errors/index.js';
import { readArchiveOsRelease, type OutputListener } from '../image/index.js';
import { repackTarball } from './import-tarball.js';
import type { Queryable, Store } from '../store/index.js';
import { readAptSources } from './apt-sources.js';
import { entryFromRow, type EntryRow } from './entry-row.js';
import { withFileLock } from './file-lock.js';
import { buildMmdebstrapBase } from './mmdebstrap.js';
import { catalogNotFound } from './not-found.js';
import { DEFAULT_SOURCE_DATE_EPOCH, normalizeRecipe, recipeDigest } from './recipe.js';
import { assertCatalogName, formatCatalogRef } from './ref.js';
import { baseOs, type AddEntryInput, type BaseOs, type CatalogEntry, type CatalogRef, type EnsuredArtifact } from './types.js';
import { assertCatalogVersion, compareCatalogVersions } from './version.js';

export interface CatalogServiceOptions {
  /** Data directory: temp space for builds and imports, build lock files. */
  home: string;
  /** Artifact region bases are stored in. */
  region?: string;
  /** A directory of prebuilt bases named `base-<recipe sha256 hex>.tar.zst`, adopted instead of running mmdebstrap. */
  baseCacheDir?: string;
  /** apt configuration directory the default mirror comes from. */
  aptDir?: string;
  /** Debian architecture of new recipes; defaults to `dpkg --print-architecture`. */
  architecture?: string;
  /** Builds a base from a recipe; defaults to mmdebstrap. A seam for tests and other builders. */
  builder?: typeof buildMmdebstrapBase;
}

const subject = (r: CatalogRef) => `catalog:${formatCatalogRef(r)}`;
const KEY_WHERE = 'lower(publisher) = lower($1) AND lower(offer) = lower($2) AND lower(sku) = lower($3)';

function validateRef(ref: CatalogRef, allowLatest: boolean): void {
  assertCatalogName(ref.publisher, 'publisher');
  assertCatalogName(ref.offer, 'offer');
  assertCatalogName(ref.sku, 'sku');
  if (!(allowLatest && ref.version === 'latest')) assertCatalogVersion(ref.version);
}

/**
 * The base image catalog ("marketplace"): entries keyed publisher/offer/sku/version whose artifact
 * is a reproducible rootfs `.tar.zst`, built from an mmdebstrap recipe or imported from a tarball.
 * Built bases are cached by recipe digest, so each recipe runs mmdebstrap once.
 */
export class CatalogService {
  readonly region: string;
  private readonly inflight = new Map<string, Promise<EnsuredArtifact>>();
  private architecture?: string;

  constructor(
    private readonly store: Store,
    private readonly artifacts: ArtifactStore,
    private readonly opts: CatalogServiceOptions,
  ) {
    this.region = opts.region ?? 'local';
  }

  /** Register an mmdebstrap entry. Defaults (mirror, architecture, epoch) are resolved now and stored. */
  async add(input: AddEntryInput): Promise<CatalogEntry> {
    const ref = { publisher: input.publisher, offer: input.offer, sku: input.sku, version: input.version };
    validateRef(ref, false);
    const recipe = normalizeRecipe(input.recipe, {
      aptSources: input.recipe?.mirror ? [] : await readAptSources(this.opts.aptDir),
      architecture: input.recipe?.architecture ?? this.hostArchitecture(),
    });
    const digest = recipeDigest(recipe);
    return this.insert(ref, 'catalog.entry.added', (tx) =>
      tx.query<EntryRow>(
        `INSERT INTO catalog_entries (publisher, offer, sku, version, kind, recipe, recipe_digest)
         VALUES ($1, $2, $3, $4, 'mmdebstrap', $5, $6) RETURNING *`,
        [ref.publisher, ref.offer, ref.sku, ref.version, recipe, digest],
      ),
    );
  }

  /**
   * Import an existing rootfs tarball (.tar, .tar.gz, .tar.xz, .tar.zst; any distro). It is unpacked,
   * checked for an os-release, and repacked reproducibly before it is stored.
   */
  async importTarball(file: string, ref: CatalogRef, opts: { onOutput?: OutputListener } = {}): Promise<CatalogEntry> {
    validateRef(ref, false);
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) throw new InputError('CATALOG_IMPORT_NOT_FOUND', `tarball ${file} does not exist`, { where: file });
    await this.assertAbsent(this.store, ref);
    const work = await this.workDir('import-');
    try {
      const { archive, size, os, sourceDigest } = await repackTarball(file, work, { sourceDateEpoch: DEFAULT_SOURCE_DATE_EPOCH, onOutput: opts.onOutput });
      const put = await this.artifacts.putFile(this.region, archive);
      const source = { file: basename(file), digest: sourceDigest, osId: os.id };
      return await this.insert(ref, 'catalog.entry.imported', (tx) =>
        tx.query<EntryRow>(
          `INSERT INTO catalog_entries (publisher, offer, sku, version, kind, source, artifact_digest, artifact_size, artifact_region, os)
           VALUES ($1, $2, $3, $4, 'import', $5, $6, $7, $8, $9) RETURNING *`,
          [ref.publisher, ref.offer, ref.sku, ref.version, source, put.digest, size, this.region, baseOs(os)],
        ),
      );
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** Every entry, by publisher, offer, sku, then version (highest last). */
  async list(filter: Partial<Omit<CatalogRef, 'version'>> = {}): Promise<CatalogEntry[]> {
    const rows = await this.store.query<EntryRow>(
      `SELECT * FROM catalog_entries
       WHERE ($1::text IS NULL OR lower(publisher) = lower($1)) AND ($2::text IS NULL OR lower(offer) = lower($2))
         AND ($3::text IS NULL OR lower(sku) = lower($3))`,
      [filter.publisher ?? null, filter.offer ?? null, filter.sku ?? null],
    );
    const key = (e: CatalogEntry) => `${e.publisher}\0${e.offer}\0${e.sku}`.toLowerCase();
    return rows.map(entryFromRow).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : compareCatalogVersions(a.version, b.version)));
  }

  /** The entry a reference names; "latest" is the highest version of that publisher/offer/sku. */
  async resolve(ref: CatalogRef): Promise<CatalogEntry> {
    validateRef(ref, true);
    const rows = await this.store.query<EntryRow>(`SELECT * FROM catalog_entries WHERE ${KEY_WHERE}`, [ref.publisher, ref.offer, ref.sku]);
    const hit =
      ref.version === 'latest'
        ? rows.reduce<EntryRow | undefined>((best, r) => (!best || compareCatalogVersions(r.version, best.version) > 0 ? r : best), undefined)
        : rows.find((r) => r.version === ref.version);
    if (hit) return entryFromRow(hit);
    const keys = await this.store.query<CatalogRef>('SELECT publisher, offer, sku, version FROM catalog_entries');
    throw catalogNotFound(ref, keys);
  }

  show(ref: CatalogRef): Promise<CatalogEntry> {
    return this.resolve(ref);
  }

  /**
   * The entry's base artifact, building it if needed: reused when the entry or any entry with the
   * same recipe already has one (cached: true); rebuilt when the blob went missing.
   */
  async ensureArtifact(entryOrRef: CatalogEntry | CatalogRef, opts: { onOutput?: OutputListener } = {}): Promise<EnsuredArtifact> {
    const entry = await this.resolve(entryOrRef);
    const existing = await this.reuse(entry);
    if (existing) return existing;
    if (entry.kind === 'import' || !entry.recipe || !entry.recipeDigest) {
      throw new NotFoundError(
        'CATALOG_ARTIFACT_MISSING',
        `the imported base of ${formatCatalogRef(entry)} is missing from the artifact store (region ${this.region}); import it again`,
        { where: formatCatalogRef(entry) },
      );
    }
    const key = entry.recipeDigest;
    let job = this.inflight.get(key);
    if (!job) {
      job = this.buildLocked(entry, opts.onOutput).finally(() => this.inflight.delete(key));
      this.inflight.set(key, job);
    }
    const built = await job;
    // Another entry with the same recipe may have triggered the build: link this one too.
    return built.entry.version === entry.version && formatCatalogRef(built.entry) === formatCatalogRef(entry)
      ? built
      : { ...built, entry: await this.link(entry, built.digest, built.size, built.entry.os), cached: true };
  }

  /**
   * Use a prebuilt base archive for an entry instead of building it (tests and air-gapped sites).
   * The archive must be a rootfs; it is stored as is and recorded as the build of the entry's recipe.
   */
  async adoptArtifact(ref: CatalogRef, file: string): Promise<EnsuredArtifact> {
    const entry = await this.resolve(ref);
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) throw new InputError('CATALOG_ADOPT_NOT_FOUND', `base archive ${file} does not exist`, { where: file });
    const os = await readArchiveOsRelease(file);
    if (!os) throw new InputError('CATALOG_NOT_A_ROOTFS', `${file} is not a root filesystem archive: it has no os-release`, { where: file });
    const put = await this.artifacts.putFile(this.region, file);
    const linked = await this.recordBuild(entry, put.digest, put.size, baseOs(os));
    return { ...put, path: this.artifacts.path(this.region, put.digest), region: this.region, cached: true, entry: linked };
  }

  private async reuse(entry: CatalogEntry): Promise<EnsuredArtifact | undefined> {
    const hit = (digest: string, size: number, e: CatalogEntry): EnsuredArtifact => ({
      digest,
      size,
      path: this.artifacts.path(this.region, digest),
      region: this.region,
      cached: true,
      entry: e,
    });
    if (entry.artifact && (await this.artifacts.has(this.region, entry.artifact.digest))) return hit(entry.artifact.digest, entry.artifact.size, entry);
    if (!entry.recipeDigest) return undefined;
    const [b] = await this.store.query<{ artifact_digest: string; artifact_size: number; os: BaseOs | null }>(
      'SELECT artifact_digest, artifact_size, os FROM catalog_builds WHERE recipe_digest = $1 AND region = $2',
      [entry.recipeDigest, this.region],
    );
    if (b && (await this.artifacts.has(this.region, b.artifact_digest))) {
      return hit(b.artifact_digest, b.artifact_size, await this.link(entry, b.artifact_digest, b.artifact_size, b.os ?? undefined));
    }
    if (this.opts.baseCacheDir) {
      const file = join(this.opts.baseCacheDir, `base-${entry.recipeDigest.slice(7)}.tar.zst`);
      if (await stat(file).then((s) => s.isFile(), () => false)) return this.adoptArtifact(entry, file);
    }
    return undefined;
  }

  /** Build under a per-recipe lock file, so a second process waits and then reuses the first one's base. */
  private async buildLocked(entry: CatalogEntry, onOutput?: OutputListener): Promise<EnsuredArtifact> {
    const lock = join(this.opts.home, 'locks', `base-${entry.recipeDigest!.slice(7, 39)}.lock`);
    return withFileLock(lock, async () => {
      const again = await this.reuse(await this.resolve(entry));
      if (again) return again;
      const work = await this.workDir('build-');
      try {
        const out = join(work, 'base.tar.zst');
        const built = await (this.opts.builder ?? buildMmdebstrapBase)(entry.recipe!, out, { onOutput, workDir: work });
        const put = await this.artifacts.putFile(this.region, out);
        const linked = await this.recordBuild(entry, put.digest, put.size, baseOs(built.os));
        return { ...put, path: this.artifacts.path(this.region, put.digest), region: this.region, cached: false, entry: linked };
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    });
  }

  private async recordBuild(entry: CatalogEntry, digest: string, size: number, os: BaseOs | undefined): Promise<CatalogEntry> {
    if (entry.recipeDigest) {
      await this.store.query(
        `INSERT INTO catalog_builds (recipe_digest, artifact_digest, artifact_size, region, os) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (recipe_digest) DO UPDATE SET artifact_digest = EXCLUDED.artifact_digest, artifact_size = EXCLUDED.artifact_size,
           region = EXCLUDED.region, os = EXCLUDED.os, built_at = now()`,
        [entry.recipeDigest, digest, size, this.region, os ?? null],
      );
    }
    return this.link(entry, digest, size, os);
  }

  /** Point an entry at an artifact, reading its os-release when it is not known yet. */
  private async link(entry: CatalogEntry, digest: string, size: number, os: BaseOs | undefined): Promise<CatalogEntry> {
    const [row] = await this.store.tx(async (tx) => {
      const rows = await tx.query<EntryRow>(
        `UPDATE catalog_entries SET artifact_digest = $5, artifact_size = $6, artifact_region = $7, os = COALESCE($8, os), updated_at = now()
         WHERE ${KEY_WHERE} AND version = $4 RETURNING *`,
        [entry.publisher, entry.offer, entry.sku, entry.version, digest, size, this.region, os ?? null],
      );
      tx.emit({ type: 'catalog.entry.artifact', subject: subject(entry), data: { digest, size, region: this.region } });
      return rows;
    });
    if (!row) throw catalogNotFound(entry, []);
    return entryFromRow(row);
  }

  private async insert(ref: CatalogRef, event: string, run: (tx: Queryable) => Promise<EntryRow[]>): Promise<CatalogEntry> {
    try {
      return await this.store.tx(async (tx) => {
        await this.assertAbsent(tx, ref);
        const [row] = await run(tx);
        tx.emit({ type: event, subject: subject(ref), data: { kind: row!.kind } });
        return entryFromRow(row!);
      });
    } catch (e) {
      // Two writers racing past the check: the unique index decides, with the same error.
      if ((e as { code?: string }).code === '23505') throw duplicate(ref);
      throw e;
    }
  }

  private async assertAbsent(q: Queryable, ref: CatalogRef): Promise<void> {
    const rows = await q.query(`SELECT 1 FROM catalog_entries WHERE ${KEY_WHERE} AND version = $4`, [ref.publisher, ref.offer, ref.sku, ref.version]);
    if (rows.length) throw duplicate(ref);
  }

  private async workDir(prefix: string): Promise<string> {
    const tmp = join(this.opts.home, 'tmp');
    await mkdir(tmp, { recursive: true });
    const dir = await mkdtemp(join(tmp, prefix));
    await chmod(dir, 0o755); // mmdebstrap's apt runs as _apt and must traverse it
    return dir;
  }

  private hostArchitecture(): string {
    this.architecture ??= this.opts.architecture ?? execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
    return this.architecture;
  }
}

function duplicate(ref: CatalogRef): ConflictError {
  return new ConflictError('CATALOG_DUPLICATE', `catalog entry ${formatCatalogRef(ref)} already exists; versions are immutable, add a new version`, {
    where: formatCatalogRef(ref),
  });
}

