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

export async function minbaseRecipe(): Promise<NormalizedRecipe> {
  const architecture = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
  return normalizeRecipe(MINBASE_RECIPE, { aptSources: await readAptSources(), architecture });
}

let memo: Promise<string> | undefined;

/**
 * Path to a reproducible minbase bookworm `.tar.zst`, built with mmdebstrap at most once per machine
 * (the file is keyed by the recipe digest; a lock file makes parallel test files wait for one build).
 * Adopt it into a catalog with `CatalogService.adoptArtifact(ref, path)`.
 */
export function cachedMinbase(): Promise<string> {
  memo ??= (async () => {
    const recipe = await minbaseRecipe();
    const file = join(TEST_CACHE_DIR, `minbase-${recipeDigest(recipe).slice(7, 23)}.tar.zst`);
    if (existsSync(file)) return file;
    return withFileLock(`${file}.lock`, async () => {
      if (!existsSync(file)) await buildMmdebstrapBase(recipe, file, { workDir: TEST_CACHE_DIR });
      return file;
    });
  })();
  return memo;
}

/**
 * Packages that make the minbase bootable under UEFI Secure Boot: the cloud kernel and its initramfs,
 * systemd as init with udev and dbus, shim and Debian's signed grub, and sshd. Until the catalog's
 * own bootable recipe lands, the test base is this package list (the VM runner's test disk uses the
 * same list, so a machine builds it once).
 */
export const BOOTABLE_PACKAGES = ['linux-image-cloud-amd64', 'systemd-sysv', 'udev', 'dbus', 'shim-signed', 'grub-efi-amd64-signed', 'initramfs-tools', 'openssh-server'];

let bootableMemo: Promise<string> | undefined;

/** Path to a bootable bookworm `.tar.zst` (minbase + BOOTABLE_PACKAGES), built once per machine like cachedMinbase. */
export function cachedBootable(): Promise<string> {
  bootableMemo ??= (async () => {
    const architecture = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
    const recipe = normalizeRecipe({ ...MINBASE_RECIPE, packages: BOOTABLE_PACKAGES }, { aptSources: await readAptSources(), architecture });
    const file = join(TEST_CACHE_DIR, `bootable-${recipeDigest(recipe).slice(7, 23)}.tar.zst`);
    if (existsSync(file)) return file;
    return withFileLock(`${file}.lock`, async () => {
      if (!existsSync(file)) await buildMmdebstrapBase(recipe, file, { workDir: TEST_CACHE_DIR });
      return file;
    });
  })();
  return bootableMemo;
}
