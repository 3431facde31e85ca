import { join } from 'node:path';
import { sha256File } from '../artifacts/index.js';
import { InputError, isGoldsmithError } from '../errors/index.js';
import { packRootfs, readOsRelease, unpackRootfs, type OsRelease, type OutputListener } from '../image/index.js';

export interface RepackedTarball {
  /** The reproducible .tar.zst written into the work directory. */
  archive: string;
  size: number;
  os: OsRelease;
  /** Digest of the tarball as given, recorded as the entry's provenance. */
  sourceDigest: string;
}

/**
 * Turn any rootfs tarball into a reproducible base: unpack it, require an os-release (else it is not a
 * root filesystem), and repack it with fixed mtimes and sorted entries, so two tarballs of the same
 * tree import as the same artifact.
 */
export async function repackTarball(
  file: string,
  work: string,
  opts: { sourceDateEpoch: number; onOutput?: OutputListener },
): Promise<RepackedTarball> {
  const sourceDigest = await sha256File(file);
  const rootfs = join(work, 'rootfs');
  try {
    await unpackRootfs(file, rootfs, { onOutput: opts.onOutput });
  } catch (e) {
    if (isGoldsmithError(e) && e.code === 'IMAGE_TOOL_FAILED') {
      throw new InputError('CATALOG_BAD_TARBALL', `${file} is not a readable tar archive (.tar, .tar.gz, .tar.xz, .tar.zst): ${e.message}`, {
        where: file,
        cause: e,
      });
    }
    throw e;
  }
  const os = await readOsRelease(rootfs);
  if (!os) {
    throw new InputError('CATALOG_NOT_A_ROOTFS', `${file} is not a root filesystem: it has no etc/os-release or usr/lib/os-release`, {
      where: file,
    });
  }
  const archive = join(work, 'base.tar.zst');
  const packed = await packRootfs(rootfs, archive, { sourceDateEpoch: opts.sourceDateEpoch, onOutput: opts.onOutput });
  return { archive, size: packed.size, os, sourceDigest };
}
