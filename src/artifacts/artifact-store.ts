import type { Readable } from 'node:stream';

/**
 * Content-addressed blobs (`sha256:<hex>`), one namespace per region. This is what services depend
 * on; `FsArtifactStore` (a directory per region) is the default backend, and docs/scale-out.md
 * describes an S3-compatible one. Every put is atomic and idempotent (a blob is visible under its
 * digest only once complete), so concurrent writers of the same bytes never conflict.
 */
export interface ArtifactStore {
  /** Store a local file's bytes (a file a tool wrote). */
  putFile(region: string, src: string): Promise<ArtifactRef>;
  /** Store a stream (an upload, a download from another store). */
  put(region: string, body: Readable): Promise<ArtifactRef>;
  /** Store small in-memory bytes (logs, SBOMs, envelopes). */
  putBytes(region: string, bytes: Uint8Array | string): Promise<ArtifactRef>;
  /**
   * Let `write` produce the artifact at a local temp path (tar, mke2fs, qemu-img write files, not
   * streams), then store it under its digest. A writer that hashed what it wrote may return it.
   */
  putWith(region: string, write: (tmpPath: string) => Promise<{ digest: string } | void>): Promise<ArtifactRef>;

  /** The bytes as a stream; NotFoundError ARTIFACT_NOT_FOUND when absent. */
  get(region: string, digest: string): Promise<Readable>;
  /** The whole artifact in memory, refusing more than maxBytes (JSON documents: SBOMs, inventories). */
  getBytes(region: string, digest: string, maxBytes?: number): Promise<Buffer>;
  /** Size, or undefined when the region does not hold it. */
  stat(region: string, digest: string): Promise<{ size: number } | undefined>;
  has(region: string, digest: string): Promise<boolean>;
  /** Digests held in a region (sorted). */
  list(region: string): AsyncIterable<string>;
  regions(): Promise<string[]>;

  /** Copy into another region, verifying the digest on the way. Idempotent. */
  copy(digest: string, from: string, to: string): Promise<void>;
  /** Re-hash the stored bytes: IntegrityError ARTIFACT_CORRUPT when they no longer match. */
  verify(region: string, digest: string): Promise<void>;
  remove(region: string, digest: string): Promise<void>;

  /**
   * A local file holding the artifact, for the few tools that need a path and cannot read a stream
   * (tar unpacking a rootfs, qemu booting a disk, the SBOM/attestation verifiers hashing files).
   * The filesystem backend's escape hatch: there it is the stored file itself, so callers must
   * treat it as read-only. A remote backend returns a verified download in a local cache.
   * NotFoundError ARTIFACT_NOT_FOUND when absent.
   */
  localPath(region: string, digest: string): Promise<string>;
}

export interface ArtifactRef {
  digest: string;
  size: number;
}
