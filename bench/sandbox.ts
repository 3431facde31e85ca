import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packRootfs, unpackRootfs } from '../src/image/index.js';
import { runInImage } from '../src/sandbox/index.js';
import { cachedMinbase } from '../test/support/base-image.js';
import { timeIt } from './_timing.js';

/**
 * What isolation costs. Baseline, measured in the same run: the same work without the sandbox
 * (a plain spawn; host tar). Targets: a sandboxed step starts in < 150 ms (< 300 ms with the mirror
 * proxy and its forwarder), and unpacking then packing the Debian minbase through the sandbox
 * takes < 1.3× the host's tar.
 */
export async function benchSandbox(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'gs-bench-sandbox-'));
  try {
    const base = await cachedMinbase();
    const root = join(work, 'rootfs');
    await unpackRootfs(base, root);

    const plain = await timeIt(20, () => spawnSync('/bin/true'));
    const none = await timeIt(20, () => runInImage(root, 'true', { network: false }));
    const proxied = await timeIt(10, () => runInImage(root, 'true', { network: true }));
    console.log('start a step                   median ms');
    console.log(`plain spawn (baseline)         ${plain.toFixed(1).padStart(8)}`);
    console.log(`sandbox, no network            ${none.toFixed(1).padStart(8)}  (target < 150) ${none < 150 ? 'OK' : 'OVER TARGET'}`);
    console.log(`sandbox, mirror proxy          ${proxied.toFixed(1).padStart(8)}  (target < 300) ${proxied < 300 ? 'OK' : 'OVER TARGET'}`);

    const hostDir = join(work, 'host');
    const hostMs = await timeIt(3, async () => {
      rmSync(hostDir, { recursive: true, force: true });
      spawnSync('mkdir', ['-p', hostDir]);
      spawnSync('tar', ['--extract', '--zstd', `--file=${base}`, `--directory=${hostDir}`, '--numeric-owner', '--same-owner', '--xattrs', '--xattrs-include=*']);
      spawnSync('sh', ['-c', `tar --create --file=- --directory=${hostDir} --sort=name --numeric-owner --xattrs . | zstd -q -3 -T0 > ${join(work, 'host.tar.zst')}`]);
    });
    const sbDir = join(work, 'sandboxed');
    const sbMs = await timeIt(3, async () => {
      rmSync(sbDir, { recursive: true, force: true });
      await unpackRootfs(base, sbDir);
      await packRootfs(sbDir, join(work, 'sandboxed.tar.zst'), { sourceDateEpoch: 1_700_000_000 });
    });
    const ratio = sbMs / hostMs;
    console.log(`\nunpack + pack the minbase      median ms`);
    console.log(`host tar (baseline)            ${hostMs.toFixed(0).padStart(8)}`);
    console.log(`sandbox (listing, limits, ids) ${sbMs.toFixed(0).padStart(8)}  ${ratio.toFixed(2)}× (target < 1.3×) ${ratio < 1.3 ? 'OK' : 'OVER TARGET'}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
