import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootLayout, installBootConfig, makeBootableDisk, partitionExtents, unpackRootfs } from '../src/image/index.js';
import { cachedBootableBase } from '../test/support/base-image.js';
import { timeIt } from './_timing.js';

/**
 * What a bootable GPT disk costs over the filesystem alone, on the bootable Debian test base:
 * makeBootableDisk (ESP, partition table, pinned inode times, sandboxed mke2fs, writing both
 * filesystems into the disk) against a bare `mke2fs -d` of the same tree at the root partition's size.
 */
export async function benchBootableDisk(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'gs-bench-bootdisk-'));
  try {
    const tree = join(work, 'rootfs');
    await unpackRootfs(await cachedBootableBase(), tree);
    const layout = bootLayout('bench');
    await installBootConfig(tree, layout);
    const out = join(work, 'disk.raw');
    let sizeMiB = 0;
    const diskMs = await timeIt(3, async () => {
      rmSync(out, { force: true });
      sizeMiB = (await makeBootableDisk(tree, out, { format: 'raw', sourceDateEpoch: 1_700_000_000, layout })).sizeMiB;
    });
    const allocatedMiB = (statSync(out).blocks * 512) / 1024 / 1024;
    const rootMiB = partitionExtents(layout, sizeMiB).root.size / 1024 / 1024;
    const plain = join(work, 'plain.ext4');
    const mkfsMs = await timeIt(3, () => {
      rmSync(plain, { force: true });
      const r = spawnSync('mke2fs', ['-q', '-F', '-t', 'ext4', '-d', tree, plain, `${rootMiB}M`], { stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`mke2fs exited with ${r.status}`);
    });
    const qcowMs = await timeIt(1, () => makeBootableDisk(tree, join(work, 'disk.qcow2'), { format: 'qcow2', sourceDateEpoch: 1_700_000_000, layout, sizeMiB }));
    console.log(`tree: bootable Debian 12 base; disk ${sizeMiB} MiB (${allocatedMiB.toFixed(0)} MiB allocated), root partition ${rootMiB} MiB`);
    console.log('build                          median ms');
    console.log(`mke2fs -d alone (baseline)     ${mkfsMs.toFixed(0).padStart(8)}`);
    console.log(`bootable raw disk              ${diskMs.toFixed(0).padStart(8)}  ${(diskMs / mkfsMs).toFixed(2)}×`);
    console.log(`bootable qcow2 disk (1 run)    ${qcowMs.toFixed(0).padStart(8)}  ${(qcowMs / mkfsMs).toFixed(2)}×`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
