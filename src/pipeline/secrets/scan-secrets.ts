import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { isAllowlisted } from './allowlist.js';
import { PackageFiles } from './package-files.js';
import { CODE_EXTENSIONS, CODE_SHEBANG } from './content-rules.js';
import { isKnownKeyLocation, pathFindings, SNAKEOIL_KEY, SSH_HOST_KEY } from './path-rules.js';
import { scanText } from './scan-text.js';

/** One problem found. Never carries the secret: only where it is and what kind it is. */
export interface SecretFinding {
  /** Path inside the image, e.g. /root/.ssh/id_ed25519. */
  path: string;
  /** Stable rule id, e.g. 'openssh-private-key'. */
  rule: string;
  line?: number;
  message: string;
}

export interface ScanOptions {
  /** Extra image paths (files or directory prefixes) to skip, e.g. from a template's allowlist. */
  allowPaths?: string[];
  /** Files larger than this are skipped unless they sit in a known key location. Default 2 MiB. */
  maxFileBytes?: number;
  /** Directories read in parallel. Default 16. */
  concurrency?: number;
}

export interface ScanStats {
  filesScanned: number;
  bytesScanned: number;
  skippedBinary: number;
  skippedLarge: number;
  skippedAllowlisted: number;
  /** Candidate lines dropped because the file is byte-identical to what its Debian package shipped. */
  pristinePackageHits: number;
  directories: number;
  durationMs: number;
}

const SNIFF = 8192;
const FIRST_READ = 16384;
const KEY_RULES = new Set(['openssh-private-key', 'private-key-pem']);

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
  const limit = limiter(opts.concurrency ?? 16);
  const allow = opts.allowPaths ?? [];
  const findings: SecretFinding[] = [];
  const packageFiles = new PackageFiles(rootDir);
  const stats: ScanStats = { filesScanned: 0, bytesScanned: 0, skippedBinary: 0, skippedLarge: 0, skippedAllowlisted: 0, pristinePackageHits: 0, directories: 0, durationMs: 0 };

  // File reads are synchronous on purpose: on a page-cached image (one just built) an open + read +
  // close costs ~7 µs in the calling thread but ~50 µs as three hops through libuv's thread pool
  // (measured on the Debian minbase, 4,854 files: 32-69 ms vs 250 ms). The walk stays async and
  // yields between directories, so the event loop is never held for long.
  function scanFile(imagePath: string, buf: Buffer): void {
    let fd: number;
    try {
      // O_NOFOLLOW: the walker saw a regular file; if it was swapped for a link since, refuse it.
      fd = openSync(join(rootDir, imagePath), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch {
      return;
    }
    try {
      // Most files fit in the first read, so a typical file costs open + read + close, no stat.
      const bytesRead = readSync(fd, buf, 0, FIRST_READ, 0);
      let data = buf.subarray(0, bytesRead);
      const binary = data.subarray(0, SNIFF).includes(0);
      let st: Stats | undefined;
      if (!binary && bytesRead === FIRST_READ) {
        st = fstatSync(fd);
        if (st.size > maxBytes && !isKnownKeyLocation(imagePath)) {
          stats.skippedLarge++;
          // Name-based rules still apply: a huge keystore is still a keystore.
          for (const f of pathFindings(imagePath, st.size, () => undefined)) findings.push({ path: imagePath, ...f });
          return;
        }
        if (st.size > bytesRead) {
          const rest = Buffer.allocUnsafe(st.size - bytesRead);
          const n = readSync(fd, rest, 0, rest.length, bytesRead);
          data = Buffer.concat([data, rest.subarray(0, n)]);
        }
      }
      // latin1 maps bytes 1:1, so odd encodings never throw and the ASCII rules still match.
      const text = binary ? undefined : data.toString('latin1');
      for (const f of pathFindings(imagePath, data.length, () => text)) findings.push({ path: imagePath, ...f });
      if (text === undefined) {
        stats.skippedBinary++;
        return;
      }
      stats.filesScanned++;
      stats.bytesScanned += data.length;
      const generatedKey = SSH_HOST_KEY.test(imagePath) || imagePath === SNAKEOIL_KEY;
      const codeFile = CODE_EXTENSIONS.has(extname(imagePath).slice(1).toLowerCase()) || CODE_SHEBANG.test(text);
      const hits = scanText(text, imagePath, codeFile);
      if (hits.length === 0 || generatedKey || packageFiles.isPristine(imagePath, data)) {
        if (hits.length) stats.pristinePackageHits += hits.length;
        return; // generated keys are reported by their path rule alone
      }
      findings.push(...hits);
      if (hits.some((h) => KEY_RULES.has(h.rule))) {
        st ??= fstatSync(fd);
        // 0640 with a key group (Debian's ssl-cert convention) is fine; world access or group write is not.
        if ((st.mode & 0o027) !== 0) {
          const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
          findings.push({ path: imagePath, rule: 'private-key-file-mode', message: `private key file ${imagePath} has mode ${mode}: others can read it or its group can write it (want 0600, or 0640 for a key group)` });
        }
      }
    } catch {
      // unreadable (EIO, vanished): nothing to report from it
    } finally {
      closeSync(fd);
    }
  }

  const buf = Buffer.allocUnsafe(FIRST_READ);
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
      if (e.isDirectory()) subdirs.push(walk(p));
      else if (e.isFile()) scanFile(p, buf);
    }
    await Promise.all(subdirs);
  }

  if ((await lstat(rootDir)).isDirectory()) await walk('/');
  findings.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : (a.line ?? 0) - (b.line ?? 0) || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)));
  stats.durationMs = Math.round(performance.now() - started);
  return { findings, stats };
}
