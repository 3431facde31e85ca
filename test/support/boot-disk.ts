import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { bootLayout, installBootConfig, makeBootableDisk, unpackRootfs } from '../../src/image/index.js';
import { cachedBootableBase, TEST_CACHE_DIR } from './base-image.js';

/**
 * Write a raw GPT disk at `out` the way the pipeline does: the catalog's bootable Debian base
 * (cached per machine), its boot configuration for a fixed layout, and Goldsmith's disk builder.
 */
export async function buildBootDisk(out: string): Promise<void> {
  const work = await mkdtemp(join(TEST_CACHE_DIR, 'boot-disk-'));
  try {
    const tree = join(work, 'tree');
    await unpackRootfs(await cachedBootableBase(), tree);
    const layout = bootLayout('goldsmith-test-boot-disk');
    await installBootConfig(tree, layout);
    await makeBootableDisk(tree, out, { format: 'raw', sourceDateEpoch: 1704067200, layout });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
