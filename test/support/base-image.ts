import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildMmdebstrapBase } from '../../src/catalog/mmdebstrap.js';
import { normalizeRecipe, recipeDigest } from '../../src/catalog/recipe.js';
import { readAptSources } from '../../src/catalog/apt-sources.js';
import { withFileLock } from '../../src/store/lock.js';
import type { MmdebstrapRecipe, NormalizedRecipe } from '../../src/catalog/types.js';

/** Where test bases live across runs; GOLDSMITH_TEST_CACHE moves it. */
export const TEST_CACHE_DIR = process.env.GOLDSMITH_TEST_CACHE ?? '/var/cache/goldsmith-test';

/** The recipe of the shared test base: Debian 12 minbase with the machine's mirror. */
export const MINBASE_RECIPE: MmdebstrapRecipe = { kind: 'mmdebstrap', suite: 'bookworm', variant: 'minbase' };

/** The catalog recipe of the bootable test base: the same minbase, made bootable (cloud kernel). */
export const BOOTABLE_RECIPE: MmdebstrapRecipe = { ...MINBASE_RECIPE, bootable: true };

async function normalized(recipe: MmdebstrapRecipe): Promise<NormalizedRecipe> {
  const architecture = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
  return normalizeRecipe(recipe, { aptSources: await readAptSources(), architecture });
}

export function minbaseRecipe(): Promise<NormalizedRecipe> {
  return normalized(MINBASE_RECIPE);
}

export function bootableBaseRecipe(): Promise<NormalizedRecipe> {
  return normalized(BOOTABLE_RECIPE);
}

/** Build `recipe` into the test cache once per machine (keyed by its digest, under a file lock). */
async function cachedBuild(name: string, recipe: NormalizedRecipe): Promise<string> {
  const file = join(TEST_CACHE_DIR, `${name}-${recipeDigest(recipe).slice(7, 23)}.tar.zst`);
  if (existsSync(file)) return file;
  return withFileLock(`${file}.lock`, async () => {
    if (!existsSync(file)) await buildMmdebstrapBase(recipe, file, { workDir: TEST_CACHE_DIR });
    return file;
  });
}

let memo: Promise<string> | undefined;
let bootableBaseMemo: Promise<string> | undefined;

/**
 * Path to a reproducible minbase bookworm `.tar.zst`, built with mmdebstrap at most once per machine
 * (the file is keyed by the recipe digest; a lock file makes parallel test files wait for one build).
 * Adopt it into a catalog with `CatalogService.adoptArtifact(ref, path)`.
 */
export function cachedMinbase(): Promise<string> {
  memo ??= minbaseRecipe().then((r) => cachedBuild('minbase', r));
  return memo;
}

/**
 * Path to the bootable bookworm base `.tar.zst` built from the catalog recipe with `bootable: true`
 * (kernel, systemd, shim, signed GRUB, networkd, first-boot hooks), built at most once per machine
 * like cachedMinbase.
 */
export function cachedBootableBase(): Promise<string> {
  bootableBaseMemo ??= bootableBaseRecipe().then((r) => cachedBuild('bootable-base', r));
  return bootableBaseMemo;
}

