import { closeSync, lstatSync, readSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { extname, join } from 'node:path';
import { isAllowlisted } from './allowlist.js';
import { CODE_EXTENSIONS, CODE_SHEBANG } from './content-rules.js';
import { inflate, isStreamKind, mib, sniffContainer, tarMembers, zipMembers, type Limits } from './containers.js';
import type { PackageArchive } from './package-archive.js';
import { PackageFiles, type PackageClaim } from './package-files.js';
import { pathFindings, SNAKEOIL_KEY, SSH_HOST_KEY } from './path-rules.js';
import { isDeviceNode, openRegular } from './safe-open.js';
import { scanText } from './scan-text.js';
import { binaryKeyHits, isObjectCode, KEY_RULES } from './binary-keys.js';
import { CHUNK, streamFile, TAIL } from './stream-file.js';

/** One problem found. Never carries the secret: only where it is and what kind it is. */
export interface SecretFinding {
  /** Path inside the image, e.g. /root/.ssh/id_ed25519; a member of an archive is `/x.zip!a/b`. */
  path: string;
  /** Stable rule id, e.g. 'openssh-private-key'. */
  rule: string;
  line?: number;
  message: string;
}

export interface ScanOptions {
  /** Extra image paths (files or directory prefixes) to skip, e.g. from a template's allowlist. */
  allowPaths?: string[];
  /** Files up to this size are read whole; larger ones are streamed in 1 MiB windows. Default 2 MiB. */
  maxFileBytes?: number;
  /** Bytes read from one file; past it only its last 1 MiB is read and the rest reported not scanned. Default 256 MiB. */
  maxStreamBytes?: number;
  /** Compressed files and archives larger than this are reported, not opened. Default 64 MiB. */
  maxCompressedBytes?: number;
  /** What one compressed stream or archive member may expand to. Default 64 MiB. */
  maxInflatedBytes?: number;
  /** What all decompression of one scan may produce. Default 1 GiB. */
  maxInflatedTotal?: number;
  /** Wall-clock limit for one xz/zstd/bzip2 run. Default 30 s. */
  decompressTimeoutMs?: number;
  /** xz/zstd/bzip2 processes one scan may start (default 2000); they may also take 120 s in all. */
  maxDecompressorRuns?: number;
  /**
   * The package archives that may vouch for a package-owned file. Without one, nothing is waived:
   * every hit is reported, whatever the image's dpkg database says.
   */
  packageArchive?: PackageArchive;
  /** Directories read in parallel. Default 16. */
  concurrency?: number;
}

export interface ScanStats {
  filesScanned: number;
  bytesScanned: number;
  /** Files with a NUL byte in their first 8 KiB: searched for PEM key blocks only. */
  binaryFiles: number;
  /** Files read only in part (past maxStreamBytes); each is also a not-scanned finding. */
  skippedLarge: number;
  skippedAllowlisted: number;
  /** Compressed streams and archives opened. */
  containersOpened: number;
  bytesInflated: number;
  /** FIFOs, sockets and device nodes: never opened. */
  specialFiles: number;
  /** Directories on another filesystem (a mount inside the root): not part of the image tree. */
  mountsSkipped: number;
  /** Hits waived because the package archive itself has the file byte for byte. */
  pristinePackageHits: number;
  directories: number;
  durationMs: number;
}

const SNIFF = 8192;
const FIRST_READ = 16384;
/** Containers inside containers (a jar in a war in a .tar.gz) are opened this deep. */
const MAX_DEPTH = 4;
/**
 * xz, zstd and bzip2 run as processes: a zip of ten thousand tiny .xz members must not cost ten
 * thousand process starts, nor a few slow streams the whole build. Past either, not-scanned findings.
 */
const MAX_EXTERNAL_RUNS = 2000;
const MAX_EXTERNAL_MS = 120_000;
/**
 * Heuristic rules a package archive may waive: a package's own file saying `password = x` is
 * public (openssl.cnf's demo `secret = pass:insta`). Keys and provider tokens are never waived.
 */
const WAIVABLE = new Set(['generic-password-assignment', 'url-credentials']);
/**
 * Prose and examples: manuals and changelogs say "password = foo" and user:pass@host all the time.
 * Keys, tokens and cloud credentials are reported there like anywhere else; the two heuristic
 * rules are not (on a Debian minbase they give 48 false findings in apt's and PAM's manuals).
 */
const DOC_TREE = /^\/usr\/share\/(?:doc|man|info|help|gtk-doc|locale)\//;
/** Account databases and the like are parsed whole up to this size (one read, then a string). */
const MAX_PARSED_BYTES = 64 * 1024 * 1024;

function readWhole(fd: number, size: number): string {
  const b = Buffer.allocUnsafe(size);
  let n = 0;
  while (n < size) {
    const r = readSync(fd, b, n, size - n, n);
    if (r <= 0) break;
    n += r;
  }
  return b.toString('latin1', 0, n);
}

function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** Scan a root filesystem for secrets; findings sorted by path, line, rule. */
export async function scanSecrets(rootDir: string, opts: ScanOptions = {}): Promise<SecretFinding[]> {
  return (await scanSecretsDetailed(rootDir, opts)).findings;
}

export async function scanSecretsDetailed(rootDir: string, opts: ScanOptions = {}): Promise<{ findings: SecretFinding[]; stats: ScanStats }> {
  const started = performance.now();
  const maxBytes = opts.maxFileBytes ?? 2 * 1024 * 1024;
  const maxStream = Math.max(opts.maxStreamBytes ?? 256 * 1024 * 1024, maxBytes);
  const maxCompressed = opts.maxCompressedBytes ?? 64 * 1024 * 1024;
  const maxInflatedTotal = opts.maxInflatedTotal ?? 1024 * 1024 * 1024;
  const limit = limiter(opts.concurrency ?? 16);
  const allow = opts.allowPaths ?? [];
  const findings: SecretFinding[] = [];
  const packageFiles = new PackageFiles(rootDir);
  /** Waivable hits in files the image says a package installed unchanged, for the archive to judge. */
  const deferred: Array<{ claim: PackageClaim; md5: string; path: string; hits: SecretFinding[] }> = [];
  const stats: ScanStats = {
    filesScanned: 0, bytesScanned: 0, binaryFiles: 0, skippedLarge: 0, skippedAllowlisted: 0, containersOpened: 0,
    bytesInflated: 0, specialFiles: 0, mountsSkipped: 0, pristinePackageHits: 0, directories: 0, durationMs: 0,
  };
  const notScanned = (path: string, why: string) =>
    findings.push({ path, rule: 'not-scanned', message: `not scanned: ${why}. A secret could hide there: remove the file or keep it out of the image` });
  const scratch = Buffer.allocUnsafe(Math.max(maxBytes, CHUNK));
  const external = { runs: 0, ms: 0 };

  /** Text or binary content, in memory (a whole small file, or a container's member). */
  function scanContent(path: string, data: Buffer, name: string, via: string | undefined): SecretFinding[] {
    stats.bytesScanned += data.length;
    const suffix = via ? ` (in ${via})` : '';
    if (data.subarray(0, SNIFF).includes(0)) {
      stats.binaryFiles++;
      return isObjectCode(data) ? [] : binaryKeyHits(data, path).map((h) => ({ ...h, message: h.message + suffix }));
    }
    stats.filesScanned++;
    // latin1 maps bytes 1:1, so odd encodings never throw and the ASCII rules still match.
    const text = data.toString('latin1');
    const codeFile = CODE_EXTENSIONS.has(extname(name).slice(1).toLowerCase()) || CODE_SHEBANG.test(text);
    const hits = scanText(text, path, codeFile);
    return (DOC_TREE.test(path) ? hits.filter((h) => !WAIVABLE.has(h.rule)) : hits).map((h) => ({ ...h, message: h.message + suffix }));
  }

  /** A blob that may be a container: opened (bounded) and its content scanned, recursively. */
  function scanBlob(path: string, data: Buffer, name: string, depth: number, via: string | undefined): void {
    const kind = depth < MAX_DEPTH ? sniffContainer(data) : undefined;
    if (!kind) {
      findings.push(...scanContent(path, data, name, via));
      return;
    }
    stats.containersOpened++;
    const remaining = maxInflatedTotal - stats.bytesInflated;
    const limits: Limits = { maxInflatedBytes: Math.min(opts.maxInflatedBytes ?? 64 * 1024 * 1024, Math.max(remaining, 0)), timeoutMs: opts.decompressTimeoutMs ?? 30_000 };
    if (isStreamKind(kind)) {
      if (remaining <= 0) return void notScanned(path, `${kind} data: the scan's budget of ${mib(maxInflatedTotal)} of decompressed data is spent`);
      if (kind !== 'gzip' && (external.runs >= (opts.maxDecompressorRuns ?? MAX_EXTERNAL_RUNS) || external.ms >= MAX_EXTERNAL_MS)) {
        return void notScanned(path, `${kind} data: the scan already ran ${external.runs} decompressors for ${Math.round(external.ms / 1000)} s, its limit`);
      }
      const t0 = performance.now();
      const r = inflate(kind, data, limits);
      if (kind !== 'gzip') external.runs++, (external.ms += performance.now() - t0);
      stats.bytesInflated += r.data ? r.data.length : /limit/.test(r.problem) ? limits.maxInflatedBytes : 0;
      if (r.problem) notScanned(path, `${kind} data ${r.problem}`);
      if (r.data) scanBlob(path, r.data, name.replace(/\.(gz|tgz|xz|txz|zst|bz2|tbz2?)$/i, (_m, e: string) => (e.startsWith('t') ? '.tar' : '')), depth + 1, `${kind}-compressed data`);
      return;
    }
    const members = kind === 'zip' ? zipMembers(data, path, limits, () => maxInflatedTotal - stats.bytesInflated) : tarMembers(data);
    for (const m of members) {
      const p = m.name ? `${path}!${m.name}` : path;
      stats.bytesInflated += m.inflated;
      if (m.problem) notScanned(p, `${kind} member ${m.problem}`);
      else if (m.data) scanBlob(p, m.data, m.name, depth + 1, `a ${kind} member`);
    }
  }

  function streamLarge(fd: number, size: number, imagePath: string, binary: boolean, codeFile: boolean): void {
    const doc = DOC_TREE.test(imagePath);
    const r = streamFile(fd, size, { imagePath, binary, codeFile, scratch, maxStream });
    stats.bytesScanned += r.bytesRead;
    for (const h of r.hits) if (!doc || !WAIVABLE.has(h.rule)) findings.push(h);
    if (r.gap) {
      stats.skippedLarge++;
      notScanned(imagePath, `a ${mib(size)} file: bytes ${r.gap.from} to ${r.gap.to} lie past the ${mib(maxStream)} read limit (its head and its last ${mib(TAIL)} were scanned)`);
    }
  }

  // File reads are synchronous on purpose: on a page-cached image (one just built) an open + read +
  // close costs a few µs in the calling thread but ~50 µs as hops through libuv's thread pool
  // (measured on the Debian minbase: 32-69 ms vs 250 ms). The walk stays async and yields between
  // directories, so the event loop is never held for long.
  function scanFile(imagePath: string): void {
    const o = openRegular(join(rootDir, imagePath));
    if (!o) return;
    if ('special' in o) {
      stats.specialFiles++;
      // /dev's nodes belong there; one elsewhere is a way to a host device (a disk) in the image.
      if (isDeviceNode(o.special) && !imagePath.startsWith('/dev/')) {
        findings.push({ path: imagePath, rule: 'device-node', message: `device node outside /dev (${o.special.isBlockDevice() ? 'block' : 'character'} ${o.special.rdev >> 8}:${o.special.rdev & 0xff}): whoever opens it in a VM reaches that device; remove it` });
      }
      return;
    }
    const { fd, st } = o;
    try {
      // A first small read decides: most files fit in it, and an ELF file is not read further.
      let first = readSync(fd, scratch, 0, Math.min(st.size, FIRST_READ), 0);
      if (first === FIRST_READ && isObjectCode(scratch)) {
        stats.binaryFiles++;
        for (const f of pathFindings(imagePath, st.size, () => undefined)) findings.push({ path: imagePath, ...f });
        return;
      }
      if (first < st.size && st.size <= maxBytes) first += readSync(fd, scratch, first, st.size - first, first);
      const head = scratch.subarray(0, first);
      const kind = sniffContainer(head);
      if (kind) {
        for (const f of pathFindings(imagePath, st.size, () => undefined)) findings.push({ path: imagePath, ...f });
        if (st.size > maxCompressed) return void notScanned(imagePath, `a ${kind} file of ${mib(st.size)} is larger than the ${mib(maxCompressed)} limit for compressed files`);
        let data = head;
        if (st.size > first) {
          data = Buffer.allocUnsafe(st.size);
          head.copy(data);
          const n = readSync(fd, data, first, st.size - first, first);
          data = data.subarray(0, first + n);
        } else data = Buffer.from(head);
        scanBlob(imagePath, data, imagePath, 0, undefined);
        return;
      }
      const binary = head.subarray(0, SNIFF).includes(0);
      if (st.size > first) {
        // Files parsed by their path rules (/etc/shadow padded past the limit, say) are read whole.
        const whole = () => (binary || st.size > MAX_PARSED_BYTES ? undefined : readWhole(fd, st.size));
        for (const f of pathFindings(imagePath, st.size, whole)) findings.push({ path: imagePath, ...f });
        if (binary) stats.binaryFiles++;
        else stats.filesScanned++;
        const codeFile = CODE_EXTENSIONS.has(extname(imagePath).slice(1).toLowerCase()) || CODE_SHEBANG.test(head.toString('latin1', 0, 128));
        streamLarge(fd, st.size, imagePath, binary, codeFile);
        return;
      }
      const text = binary ? undefined : head.toString('latin1');
      for (const f of pathFindings(imagePath, head.length, () => text)) findings.push({ path: imagePath, ...f });
      let hits = scanContent(imagePath, head, imagePath, undefined);
      // Generated keys are reported by their path rule alone.
      if (hits.length === 0 || SSH_HOST_KEY.test(imagePath) || imagePath === SNAKEOIL_KEY) return;
      const waivable = hits.filter((h) => WAIVABLE.has(h.rule));
      const claim = waivable.length && opts.packageArchive ? packageFiles.claim(imagePath) : undefined;
      if (claim) {
        const md5 = createHash('md5').update(head).digest('hex');
        // The image's own claim is only a filter: a file it says it changed is not worth asking about.
        if (md5 === claim.md5) {
          deferred.push({ claim, md5, path: imagePath, hits: waivable });
          hits = hits.filter((h) => !WAIVABLE.has(h.rule));
        }
      }
      findings.push(...hits);
      if (text !== undefined && hits.some((h) => KEY_RULES.has(h.rule)) && (st.mode & 0o027) !== 0) {
        // 0640 with a key group (Debian's ssl-cert convention) is fine; world access or group write is not.
        const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
        findings.push({ path: imagePath, rule: 'private-key-file-mode', message: `private key file ${imagePath} has mode ${mode}: others can read it or its group can write it (want 0600, or 0640 for a key group)` });
      }
    } catch (e) {
      // An I/O error (EIO) or a bug must not turn into a silent pass for this file.
      notScanned(imagePath, `it could not be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    } finally {
      closeSync(fd);
    }
  }

  let rootDev: number;
  async function walk(imageDir: string): Promise<void> {
    stats.directories++;
    const entries = await limit(() => readdir(join(rootDir, imageDir), { withFileTypes: true })).catch(() => []);
    const subdirs: Promise<void>[] = [];
    for (const e of entries) {
      const p = imageDir === '/' ? `/${e.name}` : `${imageDir}/${e.name}`;
      if (isAllowlisted(e.isDirectory() ? p + '/' : p, allow)) {
        stats.skippedAllowlisted++;
        continue;
      }
      // Symlinks are never followed: their targets inside the image are scanned where they live.
      if (e.isDirectory()) {
        // A mount inside the root (a /proc left mounted by a step) is not image content.
        let dev: number;
        try {
          dev = lstatSync(join(rootDir, p)).dev;
        } catch {
          continue;
        }
        if (dev !== rootDev) stats.mountsSkipped++;
        else subdirs.push(walk(p));
      } else if (!e.isSymbolicLink()) scanFile(p);
    }
    await Promise.all(subdirs);
  }

  const top = lstatSync(rootDir);
  if (top.isDirectory()) {
    rootDev = top.dev;
    await walk('/');
  }
  await settleDeferred();
  findings.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : (a.line ?? 0) - (b.line ?? 0) || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)));
  stats.durationMs = Math.round(performance.now() - started);
  return { findings, stats };

  /** Ask each package's archive once; a hit stands unless the archive has the same bytes. */
  async function settleDeferred(): Promise<void> {
    const byPkg = new Map<string, typeof deferred>();
    for (const d of deferred) {
      const k = `${d.claim.package.name}\n${d.claim.package.version}\n${d.claim.package.architecture}`;
      byPkg.set(k, [...(byPkg.get(k) ?? []), d]);
    }
    for (const list of byPkg.values()) {
      const digests = await opts.packageArchive!.fileDigests(list[0]!.claim.package).catch(() => undefined);
      for (const d of list) {
        if (digests?.get(d.path) === d.md5) stats.pristinePackageHits += d.hits.length;
        else findings.push(...d.hits);
      }
    }
  }
}
