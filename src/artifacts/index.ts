import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, copyFile, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../config/private-files.js';
import { IntegrityError, InputError, NotFoundError } from '../errors/index.js';
import type { ArtifactRef, ArtifactStore } from './artifact-store.js';

export type { ArtifactRef, ArtifactStore } from './artifact-store.js';

export const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

export function assertDigest(digest: string, where?: string): void {
  if (!DIGEST_RE.test(digest)) throw new InputError('ARTIFACT_BAD_DIGEST', `not a sha256 digest: ${digest}`, { where });
}

/** Hash a file by streaming it. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return `sha256:${h.digest('hex')}`;
}

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Content-addressed blobs on the filesystem, one root per region:
 *   <root>/<region>/sha256/<ab>/<hex>
 * Writes go to a temp file in the same directory, are fsynced, then renamed into place, so a crash
 * never leaves a half-written artifact visible under its digest.
 */
export class FsArtifactStore implements ArtifactStore {
  constructor(readonly root: string) {}

  /** Where a blob lives (or would live) on disk. Filesystem-only: services use localPath. */
  path(region: string, digest: string): string {
    assertDigest(digest);
    const hex = digest.slice(7);
    return join(this.root, region, 'sha256', hex.slice(0, 2), hex);
  }

  async has(region: string, digest: string): Promise<boolean> {
    try {
      await stat(this.path(region, digest));
      return true;
    } catch {
      return false;
    }
  }

  /** Store a file's bytes; returns its digest and size. Idempotent. */
  async putFile(region: string, src: string): Promise<ArtifactRef> {
    return this.put(region, createReadStream(src));
  }

  /** Store a stream, hashing it on the way to a temp file. */
  async put(region: string, body: Readable): Promise<ArtifactRef> {
    const tmpDir = join(this.root, region, 'tmp');
    await mkdir(tmpDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const tmp = join(tmpDir, `${process.pid}-${randomBytes(6).toString('hex')}`);
    const h = createHash('sha256');
    let size = 0;
    try {
      await pipeline(
        body,
        async function* (source) {
          for await (const chunk of source as AsyncIterable<Buffer>) {
            h.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(tmp, { mode: PRIVATE_FILE_MODE }),
      );
      const digest = `sha256:${h.digest('hex')}`;
      await this.commit(tmp, region, digest);
      return { digest, size };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /**
   * Let `write` produce the artifact directly at a temp path inside the store (no second copy), then
   * hash it and move it under its digest. Used for rootfs archives and disk images. A writer that
   * already hashed what it wrote may return that digest to save reading the file again.
   */
  async putWith(region: string, write: (tmpPath: string) => Promise<{ digest: string } | void>): Promise<ArtifactRef> {
    const tmpDir = join(this.root, region, 'tmp');
    await mkdir(tmpDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const tmp = join(tmpDir, `${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      const known = await write(tmp);
      const digest = known?.digest ?? (await sha256File(tmp));
      const { size } = await stat(tmp);
      if (await this.has(region, digest)) return { digest, size };
      await this.commit(tmp, region, digest);
      return { digest, size };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Store bytes in memory (small artifacts: logs, SBOMs, envelopes). */
  async putBytes(region: string, bytes: Uint8Array | string): Promise<ArtifactRef> {
    const buf = typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes);
    const digest = `sha256:${createHash('sha256').update(buf).digest('hex')}`;
    if (await this.has(region, digest)) return { digest, size: buf.length };
    const tmpDir = join(this.root, region, 'tmp');
    await mkdir(tmpDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const tmp = join(tmpDir, `${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      const fh = await open(tmp, 'w', PRIVATE_FILE_MODE);
      try {
        await fh.writeFile(buf);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await this.commit(tmp, region, digest);
    } finally {
      await rm(tmp, { force: true });
    }
    return { digest, size: buf.length };
  }

  private async commit(tmp: string, region: string, digest: string): Promise<void> {
    const dest = this.path(region, digest);
    await mkdir(dirname(dest), { recursive: true, mode: PRIVATE_DIR_MODE });
    // Whatever wrote the temp file (tar, qemu-img, copyFile), the stored artifact is ours alone:
    // a checkpoint may hold a secret the scan later rejects.
    await chmod(tmp, PRIVATE_FILE_MODE);
    await fsyncPath(tmp);
    await rename(tmp, dest);
  }

  async get(region: string, digest: string): Promise<Readable> {
    const path = await this.localPath(region, digest);
    return createReadStream(path);
  }

  async getBytes(region: string, digest: string, maxBytes = 64 << 20): Promise<Buffer> {
    const path = await this.localPath(region, digest);
    const fh = await open(path, 'r');
    try {
      const { size } = await fh.stat();
      if (size > maxBytes) throw new InputError('ARTIFACT_TOO_LARGE', `artifact ${digest} is ${size} bytes, more than the ${maxBytes} this reader accepts`, { where: digest });
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }

  async stat(region: string, digest: string): Promise<{ size: number } | undefined> {
    try {
      const st = await stat(this.path(region, digest));
      return { size: st.size };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async *list(region: string): AsyncIterable<string> {
    const base = join(this.root, region, 'sha256');
    const shards = (await readdir(base).catch(() => [] as string[])).filter((d) => /^[0-9a-f]{2}$/.test(d)).sort();
    for (const shard of shards) {
      for (const hex of (await readdir(join(base, shard))).sort()) if (hex.startsWith(shard) && /^[0-9a-f]{64}$/.test(hex)) yield `sha256:${hex}`;
    }
  }

  /** The stored file itself: read-only for the caller. */
  async localPath(region: string, digest: string): Promise<string> {
    const path = this.path(region, digest);
    if (!(await this.has(region, digest))) throw new NotFoundError('ARTIFACT_NOT_FOUND', `artifact ${digest} is not in region ${region}`, { where: path });
    return path;
  }

  /** Copy an artifact into another region's store, verifying its digest on the way. */
  async copy(digest: string, from: string, to: string): Promise<void> {
    if (await this.has(to, digest)) return;
    const src = this.path(from, digest);
    if (!(await this.has(from, digest))) {
      throw new NotFoundError('ARTIFACT_NOT_FOUND', `artifact ${digest} is not in region ${from}`, { where: src });
    }
    const tmpDir = join(this.root, to, 'tmp');
    await mkdir(tmpDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const tmp = join(tmpDir, `${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      await copyFile(src, tmp);
      const got = await sha256File(tmp);
      if (got !== digest) {
        throw new IntegrityError('ARTIFACT_CORRUPT', `artifact in region ${from} does not match its digest ${digest} (got ${got})`, {
          where: src,
        });
      }
      await this.commit(tmp, to, digest);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Re-hash a stored artifact; throws IntegrityError when the bytes changed on disk. */
  async verify(region: string, digest: string): Promise<void> {
    const got = await sha256File(this.path(region, digest));
    if (got !== digest) {
      throw new IntegrityError('ARTIFACT_CORRUPT', `artifact ${digest} in region ${region} was modified (now ${got})`, {
        where: this.path(region, digest),
      });
    }
  }

  async remove(region: string, digest: string): Promise<void> {
    await rm(this.path(region, digest), { force: true });
  }

  async regions(): Promise<string[]> {
    try {
      return (await readdir(this.root)).sort();
    } catch {
      return [];
    }
  }
}
