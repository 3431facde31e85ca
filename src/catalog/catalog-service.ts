import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ArtifactStore } from '../artifacts/index.js';
import { InputError, NotFoundError } from '../errors/index.js';
import { readArchiveOsRelease, type ImportAllowances, type OutputListener } from '../image/index.js';
import type { Store } from '../store/index.js';
import { readAptSources } from './apt-sources.js';
import { CatalogRepo } from './catalog-repo.js';
import { entryFromRow } from './entry-row.js';
import { withFileLock } from '../store/lock.js';
import { repackTarball } from './import-tarball.js';
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

function validateRef(ref: CatalogRef, allowLatest: boolean): void {
  assertCatalogName(ref.publisher, 'publisher');
  assertCatalogName(ref.offer, 'offer');
  assertCatalogName(ref.sku, 'sku');
  if (!(allowLatest && ref.version === 'latest')) assertCatalogVersion(ref.version);
}

const keyOf = (r: CatalogRef) => formatCatalogRef(r).toLowerCase();

/**
 * The base image catalog ("marketplace"): entries keyed publisher/offer/sku/version whose artifact
 * is a reproducible rootfs `.tar.zst`, built from an mmdebstrap recipe or imported from a tarball.
 * Built bases are cached by recipe digest, so each recipe runs mmdebstrap once.
 */
export class CatalogService {
  readonly region: string;
  private readonly repo: CatalogRepo;
  private readonly inflight = new Map<string, Promise<EnsuredArtifact>>();
  private architecture?: string;

  constructor(
    store: Store,
    private readonly artifacts: ArtifactStore,
    private readonly opts: CatalogServiceOptions,
  ) {
    this.region = opts.region ?? 'local';
    this.repo = new CatalogRepo(store);
  }

  /** Register an mmdebstrap entry. Defaults (mirror, architecture, epoch) are resolved now and stored. */
  async add(input: AddEntryInput): Promise<CatalogEntry> {
    const ref = { publisher: input.publisher, offer: input.offer, sku: input.sku, version: input.version };
    validateRef(ref, false);
    const recipe = normalizeRecipe(input.recipe, {
      aptSources: input.recipe?.mirror ? [] : await readAptSources(this.opts.aptDir),
      architecture: input.recipe?.architecture ?? this.hostArchitecture(),
    });
    return this.repo.insert(ref, { kind: 'mmdebstrap', recipe, recipeDigest: recipeDigest(recipe) });
  }

  /**
   * Import an existing rootfs tarball (.tar, .tar.gz, .tar.xz, .tar.zst; any distro). It is unpacked,
   * checked for an os-release, and repacked reproducibly before it is stored.
   */
  async importTarball(file: string, ref: CatalogRef, opts: { onOutput?: OutputListener; allow?: ImportAllowances } = {}): Promise<CatalogEntry> {
    validateRef(ref, false);
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) throw new InputError('CATALOG_IMPORT_NOT_FOUND', `tarball ${file} does not exist`, { where: file });
    await this.repo.assertAbsent(ref); // before the slow part; insert checks again
    const work = await this.workDir('import-');
    try {
      const allow = Object.fromEntries(Object.entries(opts.allow ?? {}).filter(([, v]) => v === true)) as ImportAllowances;
      const { archive, size, os, sourceDigest, specialFiles, bootable } = await repackTarball(file, work, {
        sourceDateEpoch: DEFAULT_SOURCE_DATE_EPOCH,
        onOutput: opts.onOutput,
        ...allow,
      });
      const put = await this.artifacts.putFile(this.region, archive);
      return await this.repo.insert(ref, {
        kind: 'import',
        source: {
          file: basename(file),
          digest: sourceDigest,
          osId: os.id,
          ...(Object.keys(allow).length ? { allowances: allow } : {}),
          ...(specialFiles.length ? { specialFiles } : {}),
          bootable,
        },
        artifact: { digest: put.digest, size, region: this.region },
        os: baseOs(os),
      });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** Every entry, by publisher, offer, sku, then version (highest last). */
  async list(filter: Partial<Omit<CatalogRef, 'version'>> = {}): Promise<CatalogEntry[]> {
    const key = (e: CatalogEntry) => `${e.publisher}\0${e.offer}\0${e.sku}`.toLowerCase();
    return (await this.repo.list(filter))
      .map(entryFromRow)
      .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : compareCatalogVersions(a.version, b.version)));
  }

  /** The entry a reference names; "latest" is the highest version of that publisher/offer/sku. */
  async resolve(ref: CatalogRef): Promise<CatalogEntry> {
    validateRef(ref, true);
    const rows = await this.repo.versionsOf(ref);
    const hit =
      ref.version === 'latest'
        ? rows.reduce<(typeof rows)[number] | undefined>((best, r) => (!best || compareCatalogVersions(r.version, best.version) > 0 ? r : best), undefined)
        : rows.find((r) => r.version === ref.version);
    if (hit) return entryFromRow(hit);
    throw catalogNotFound(ref, await this.repo.keys());
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
    if (keyOf(built.entry) === keyOf(entry)) return built;
    // Another entry with the same recipe triggered the build: point this one at it too.
    return { ...built, cached: true, entry: await this.link(entry, built, built.entry.os) };
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
    return this.recorded(entry, put, baseOs(os), true);
  }

  private async result(digest: string, size: number, entry: CatalogEntry, cached: boolean): Promise<EnsuredArtifact> {
    return { digest, size, path: await this.artifacts.localPath(this.region, digest), region: this.region, cached, entry };
  }

  private async reuse(entry: CatalogEntry): Promise<EnsuredArtifact | undefined> {
    if (entry.artifact && (await this.artifacts.has(this.region, entry.artifact.digest))) {
      return this.result(entry.artifact.digest, entry.artifact.size, entry, true);
    }
    if (!entry.recipeDigest) return undefined;
    const b = await this.repo.findBuild(entry.recipeDigest, this.region);
    if (b && (await this.artifacts.has(this.region, b.digest))) return this.result(b.digest, b.size, await this.link(entry, b, b.os), true);
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
        return await this.recorded(entry, put, baseOs(built.os), false);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    });
  }

  private async recorded(entry: CatalogEntry, put: { digest: string; size: number }, os: BaseOs, cached: boolean): Promise<EnsuredArtifact> {
    const art = { ...put, region: this.region };
    if (entry.recipeDigest) await this.repo.recordBuild(entry.recipeDigest, art, os);
    return this.result(put.digest, put.size, await this.link(entry, art, os), cached);
  }

  private async link(entry: CatalogEntry, art: { digest: string; size: number }, os: BaseOs | undefined): Promise<CatalogEntry> {
    const linked = await this.repo.link(entry, { digest: art.digest, size: art.size, region: this.region }, os);
    if (!linked) throw catalogNotFound(entry, await this.repo.keys());
    return linked;
  }

  private async workDir(prefix: string): Promise<string> {
    const tmp = join(this.opts.home, 'tmp');
    await mkdir(tmp, { recursive: true, mode: 0o700 });
    const dir = await mkdtemp(join(tmp, prefix));
    await chmod(dir, 0o755); // mmdebstrap's apt runs as _apt and must traverse it
    return dir;
  }

  private hostArchitecture(): string {
    this.architecture ??= this.opts.architecture ?? execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
    return this.architecture;
  }
}
