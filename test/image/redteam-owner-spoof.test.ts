/**
 * Red team: a step can `chown 1000:1000 /` inside its sandbox (root inside owns the image's `/`).
 * Packing must still treat the tree as image content: tar runs in the sandbox, and the archive
 * carries the image's ids, never the host's subordinate ids.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { packRootfs, unpackRootfs } from '../../src/image/index.js';
import { isSandboxTree } from '../../src/image/rootfs-archive.js';
import { sandboxRootIds } from '../../src/sandbox/index.js';
import { makeFakeRootfs } from './fake-rootfs.js';

const work = mkdtempSync(join(tmpdir(), 'gs-owner-spoof-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('a tree whose / a step gave to image uid 1000 is still packed with image ids', async () => {
  makeFakeRootfs(join(work, 'host-made'));
  await packRootfs(join(work, 'host-made'), join(work, 'base.tar.zst'), { sourceDateEpoch: 1700000000 });
  const tree = join(work, 'tree');
  await unpackRootfs(join(work, 'base.tar.zst'), tree);
  const { uid, gid } = sandboxRootIds();
  // What `chown 1000:1000 /` in a step leaves on the host.
  chownSync(tree, uid + 1000, gid + 1000);
  assert.equal(isSandboxTree(statSync(tree)), true);
  await packRootfs(tree, join(work, 'out.tar.zst'), { sourceDateEpoch: 1700000000 });
  const listing = execFileSync('tar', ['-tv', '--numeric-owner', '-f', join(work, 'out.tar.zst')], { encoding: 'utf8' });
  const owners = [...listing.matchAll(/^\S+ (\d+)\/(\d+) /gm)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.ok(owners.length > 5);
  assert.deepEqual(owners.filter(([u, g]) => u! >= 65536 || g! >= 65536), [], 'no host subordinate id in the archive');
  assert.match(listing, /^d\S+ 1000\/1000 .* \.\/$/m);
});
