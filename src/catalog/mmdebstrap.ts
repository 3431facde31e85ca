import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailedError } from '../errors/index.js';
import { packRootfs, readOsRelease, runTool, type OsRelease, type OutputListener } from '../image/index.js';
import type { NormalizedRecipe } from './types.js';

/** The mmdebstrap command line for a recipe, into `target` as a plain directory. */
export function mmdebstrapArgs(recipe: NormalizedRecipe, target: string): string[] {
  const args = [
    `--variant=${recipe.variant}`,
    '--mode=root',
    '--format=directory',
    `--architectures=${recipe.architecture}`,
    `--components=${recipe.components.join(',')}`,
    // Bases ship without package lists or caches: they are large, dated, and the pipeline runs
    // `apt-get update` itself before installing anything. (mmdebstrap's cleanup drops them too.)
    '--customize-hook=rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/cache/ldconfig/aux-cache',
    // The build host's name and resolver must not leak into the image.
    '--customize-hook=rm -f "$1"/etc/hostname "$1"/etc/resolv.conf',
  ];
  if (recipe.packages.length) args.push(`--include=${recipe.packages.join(',')}`);
  args.push(recipe.suite, target, recipe.mirror);
  if (recipe.updates) {
    const comps = recipe.components.join(' ');
    args.push(`deb ${recipe.mirror} ${recipe.suite}-updates ${comps}`, `deb ${recipe.securityMirror} ${recipe.suite}-security ${comps}`);
  }
  return args;
}

/**
 * Build a base root filesystem with mmdebstrap and pack it reproducibly into `outFile`.
 * Returns the archive's digest, size and the base's os-release.
 */
export async function buildMmdebstrapBase(
  recipe: NormalizedRecipe,
  outFile: string,
  opts: { onOutput?: OutputListener; workDir?: string } = {},
): Promise<{ digest: string; size: number; os: OsRelease }> {
  const work = await mkdtemp(join(opts.workDir ?? tmpdir(), 'goldsmith-base-'));
  const target = join(work, 'rootfs');
  try {
    // apt downloads as the unprivileged _apt user, which must be able to reach the target.
    await chmod(work, 0o755);
    const env = { ...process.env, SOURCE_DATE_EPOCH: String(recipe.sourceDateEpoch), LC_ALL: 'C.UTF-8' };
    await runTool('mmdebstrap', mmdebstrapArgs(recipe, target), { env, onOutput: opts.onOutput });
    const os = await readOsRelease(target);
    if (!os) throw new FailedError('CATALOG_BUILD_NO_OS', `mmdebstrap finished but ${target} has no etc/os-release`, { where: target });
    const packed = await packRootfs(target, outFile, { sourceDateEpoch: recipe.sourceDateEpoch, onOutput: opts.onOutput });
    return { ...packed, os };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
