import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailedError } from '../errors/index.js';
import { bootableTreeProblems, packRootfs, readOsRelease, runTool, type OsRelease, type OutputListener } from '../image/index.js';
import { bootHooks, bootPackages } from './boot-recipe.js';
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
  if (recipe.bootable) {
    // Without /sys, no maintainer script (shim-signed, grub) can see the build host's EFI
    // variables or decide it runs on an EFI machine and call grub-install or efibootmgr.
    args.push('--skip=chroot/mount/sys', ...bootHooks().map((h) => `--customize-hook=${h}`));
  }
  if (includes(recipe).length) args.push(`--include=${includes(recipe).join(',')}`);
  args.push(recipe.suite, target, recipe.mirror);
  if (recipe.updates) {
    const comps = recipe.components.join(' ');
    args.push(`deb ${recipe.mirror} ${recipe.suite}-updates ${comps}`, `deb ${recipe.securityMirror} ${recipe.suite}-security ${comps}`);
  }
  return args;
}

/** A bootable recipe whose build lacks a boot file (a suite without shim, a kernel that failed to install) must not pass as bootable. */
async function assertBootable(target: string): Promise<void> {
  const problems = await bootableTreeProblems(target);
  if (problems.length) {
    throw new FailedError('CATALOG_BUILD_NOT_BOOTABLE', `the recipe is bootable but the built base is not: ${problems.join('; ')}; see the mmdebstrap output`, { where: target });
  }
}

/** The recipe's packages plus, for a bootable recipe, the boot packages it does not already pin. */
function includes(recipe: NormalizedRecipe): string[] {
  if (!recipe.bootable) return recipe.packages;
  const named = new Set(recipe.packages.map((p) => p.split('=')[0]));
  return [...recipe.packages, ...bootPackages(recipe.kernel ?? 'cloud').filter((p) => !named.has(p))];
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
    if (recipe.bootable) await assertBootable(target);
    const packed = await packRootfs(target, outFile, { sourceDateEpoch: recipe.sourceDateEpoch, onOutput: opts.onOutput });
    return { ...packed, os };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
