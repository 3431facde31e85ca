/**
 * What a rootfs archive would create, read before anything is extracted: GNU tar's verbose listing,
 * parsed line by line while tar decompresses. The listing is where expansion limits are enforced
 * (a 1 MB archive of zeros can expand to gigabytes in a RAM-backed scratch directory) and where
 * import finds device nodes, setuid/setgid and world-writable files. Sizes are apparent sizes, so a
 * sparse 4 GiB file counts as 4 GiB: that is what later readers (packing, disk images) would see.
 */
import { open, stat } from 'node:fs/promises';
import { FailedError, InputError } from '../errors/index.js';
import { captureSandboxed, DEFAULT_LIMITS, runSandboxed } from '../sandbox/index.js';

/** tar cannot detect compression on a pipe: pick the decompressor from the magic bytes. */
export function compressionArgs(head: Buffer): string[] {
  if (head[0] === 0x1f && head[1] === 0x8b) return ['--gzip'];
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return ['--xz'];
  if (head.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return ['--zstd'];
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return ['--bzip2'];
  return [];
}

export interface ArchiveEntry {
  /** tar's type letter: '-' file, 'h' hard link, 'l' symlink, 'd' directory, 'c'/'b' device, 'p' FIFO, 's' socket. */
  type: string;
  /** Permission bits including setuid (0o4000), setgid (0o2000) and sticky (0o1000). */
  mode: number;
  uid: number;
  gid: number;
  /** Apparent size in bytes (0 for links, directories and devices). */
  size: number;
  device?: { major: number; minor: number };
  /** Path inside the image, without a leading "./" or "/" and without a trailing "/" ("" for the root). */
  path: string;
  /** The name exactly as stored in the archive (to name it to tar again). */
  raw: string;
  /** Symlink target, or the entry a hard link points at (normalised like path). */
  target?: string;
  /** Modification time, seconds since the epoch (UTC). */
  mtime: number;
}

export interface ArchiveLimits {
  /** Largest total apparent size an archive may expand to. */
  maxBytes: number;
  /** Largest expanded/compressed ratio, enforced once the expanded size passes ratioFloorBytes. */
  maxRatio: number;
  /** Expansion below this many bytes is never refused for its ratio (small test tarballs compress well). */
  ratioFloorBytes: number;
  /** Most entries an archive may hold (each costs an inode). */
  maxEntries: number;
}

const GiB = 1024 ** 3;

/** Defaults: room for a large server image, far below a RAM-backed scratch directory of a build host. */
export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxBytes: 16 * GiB, maxRatio: 100, ratioFloorBytes: 256 * 1024 ** 2, maxEntries: 5_000_000 };

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new InputError('IMAGE_BAD_ARCHIVE_LIMIT', `${name} must be a positive number, got ${JSON.stringify(raw)}`, { where: name });
  return n;
}

/** The limits, with GOLDSMITH_ARCHIVE_MAX_BYTES / _MAX_RATIO / _MAX_ENTRIES overriding the defaults. */
export function archiveLimits(env: NodeJS.ProcessEnv = process.env): ArchiveLimits {
  return {
    maxBytes: positive(env, 'GOLDSMITH_ARCHIVE_MAX_BYTES', DEFAULT_ARCHIVE_LIMITS.maxBytes),
    maxRatio: positive(env, 'GOLDSMITH_ARCHIVE_MAX_RATIO', DEFAULT_ARCHIVE_LIMITS.maxRatio),
    ratioFloorBytes: DEFAULT_ARCHIVE_LIMITS.ratioFloorBytes,
    maxEntries: positive(env, 'GOLDSMITH_ARCHIVE_MAX_ENTRIES', DEFAULT_ARCHIVE_LIMITS.maxEntries),
  };
}

/** Largest expansion allowed for an archive of `compressed` bytes. */
export function allowedExpansion(compressed: number, limits: ArchiveLimits): number {
  return Math.min(limits.maxBytes, Math.max(limits.ratioFloorBytes, limits.maxRatio * compressed));
}

/** ls-style mode string ("-rwsr-xr-x", "drwxrwxrwt") to permission bits. */
export function parseModeString(s: string): number {
  const bit = (i: number, v: number) => (s[i] && s[i] !== '-' ? v : 0);
  let mode = bit(1, 0o400) | bit(2, 0o200) | bit(4, 0o040) | bit(5, 0o020) | bit(7, 0o004) | bit(8, 0o002);
  const x = (c: string | undefined, special: number, exec: number) => {
    if (c === 'x') mode |= exec;
    else if (c === 's' || c === 't') mode |= special | exec;
    else if (c === 'S' || c === 'T') mode |= special;
  };
  x(s[3], 0o4000, 0o100);
  x(s[6], 0o2000, 0o010);
  x(s[9], 0o1000, 0o001);
  return mode;
}

/** Read one C-quoted string (tar --quoting-style=c) starting at the opening quote; returns it and the index after it. */
function cString(line: string, at: number): { value: string; end: number } | undefined {
  if (line[at] !== '"') return undefined;
  const bytes: number[] = [];
  const esc: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, '"': 34, '?': 63 };
  let i = at + 1;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '"') return { value: Buffer.from(bytes).toString('utf8'), end: i + 1 };
    if (c === '\\') {
      const n = line[i + 1];
      if (n !== undefined && /[0-7]/.test(n)) {
        const m = /^[0-7]{1,3}/.exec(line.slice(i + 1))![0];
        bytes.push(parseInt(m, 8) & 0xff);
        i += 1 + m.length;
        continue;
      }
      if (n === undefined || esc[n] === undefined) return undefined;
      bytes.push(esc[n]);
      i += 2;
      continue;
    }
    bytes.push(c.charCodeAt(0) & 0xff); // the line was decoded as latin1: one char per byte
    i++;
  }
  return undefined;
}

/** "./usr/bin/" → "usr/bin"; "/" and "./" → "". */
export function normaliseArchivePath(p: string): string {
  return p
    .split('/')
    .filter((c) => c !== '' && c !== '.')
    .join('/');
}

/**
 * One line of `tar --list --verbose --numeric-owner --quoting-style=c`:
 *   -rwsr-xr-x 0/0   68248 2024-01-01 00:00 "./usr/bin/passwd"
 *   crw-rw-rw- 0/0     1,3 2024-01-01 00:00 "./dev/null"
 *   lrwxrwxrwx 0/0       0 2024-01-01 00:00 "./bin" -> "usr/bin"
 *   hrwxr-xr-x 0/0       0 2024-01-01 00:00 "./bin/ash" link to "./bin/busybox"
 * Undefined for a line that is not an entry.
 */
export function parseListLine(line: string): ArchiveEntry | undefined {
  const m = /^(\S)(\S{9})\S*\s+(\d+)\/(\d+)\s+(\d+)(?:,\s*(\d+))?\s/.exec(line);
  if (!m) return undefined;
  const q = line.indexOf('"', m[0].length);
  const name = q < 0 ? undefined : cString(line, q);
  if (!name) return undefined;
  const type = m[1]!;
  const when = /(\d{4}-\d\d-\d\d) (\d\d:\d\d(?::\d\d)?)/.exec(line.slice(m[0].length, q));
  const entry: ArchiveEntry = {
    mtime: when ? Math.floor(Date.parse(`${when[1]}T${when[2]!.length === 5 ? when[2] + ':00' : when[2]}Z`) / 1000) || 0 : 0,
    type,
    mode: parseModeString(m[1]! + m[2]!),
    uid: Number(m[3]),
    gid: Number(m[4]),
    size: m[6] === undefined ? Number(m[5]) : 0,
    path: normaliseArchivePath(name.value),
    raw: name.value,
  };
  if (m[6] !== undefined) entry.device = { major: Number(m[5]), minor: Number(m[6]) };
  const rest = line.slice(name.end);
  const link = /^ (->|link to) /.exec(rest);
  if (link) {
    const t = cString(rest, link[0].length);
    if (!t) return undefined;
    entry.target = type === 'l' ? t.value : normaliseArchivePath(t.value);
  }
  return entry;
}

export interface ArchiveListing {
  entries: ArchiveEntry[];
  /** Sum of the apparent sizes of everything the archive would write. */
  expandedBytes: number;
  /** Size of the archive file. */
  compressedBytes: number;
}

function tooLarge(file: string, why: string, data: Record<string, unknown>): InputError {
  return new InputError('IMAGE_ARCHIVE_TOO_LARGE', `${file} ${why}; nothing was extracted (raise GOLDSMITH_ARCHIVE_MAX_BYTES / GOLDSMITH_ARCHIVE_MAX_RATIO if it is genuine)`, {
    where: file,
    data,
  });
}

/**
 * List an archive (any compression tar detects) and enforce the limits while tar runs: tar is killed
 * as soon as the running total passes them, so a bomb costs a header's worth of decompression.
 */
export async function listArchive(file: string, limits: ArchiveLimits = archiveLimits(), label = file): Promise<ArchiveListing> {
  const compressedBytes = (await stat(file)).size;
  const allowed = allowedExpansion(compressedBytes, limits);
  const entries: ArchiveEntry[] = [];
  let expandedBytes = 0;
  let refused: Error | undefined;
  const abort = new AbortController();
  const stop = (e: Error) => {
    refused ??= e;
    abort.abort();
  };
  let partial = '';
  const stderr: string[] = [];
  const onStdout = (chunk: Buffer) => {
    if (refused) return;
    const lines = (partial + chunk.toString('latin1')).split('\n');
    partial = lines.pop() ?? '';
    for (const raw of lines) {
      // latin1 keeps every byte; the C quoting means names are ASCII anyway.
      const e = parseListLine(raw);
      if (!e) return stop(new InputError('IMAGE_ARCHIVE_UNREADABLE', `${label}: cannot parse tar's listing line ${JSON.stringify(raw.slice(0, 200))}`, { where: label }));
      entries.push(e);
      if (e.type !== 'h' && e.type !== 'l' && e.type !== 'd') expandedBytes += e.size;
      if (entries.length > limits.maxEntries) {
        return stop(tooLarge(label, `holds more than ${limits.maxEntries} entries`, { entries: entries.length, maxEntries: limits.maxEntries }));
      }
      if (expandedBytes > allowed) {
        const ratio = limits.maxRatio * compressedBytes;
        return stop(
          tooLarge(
            label,
            `expands to more than ${allowed} bytes (reached at /${e.path}, ${e.size} bytes): at most ${limits.maxBytes} bytes` +
              (allowed < limits.maxBytes ? `, and at most ${limits.maxRatio}× its ${compressedBytes} compressed bytes (${ratio})` : ''),
            { path: '/' + e.path, expandedBytes, allowed, compressedBytes, ...limits },
          ),
        );
      }
    }
  };
  // tar (and the decompressor it runs) parse hostile bytes: they do it in the sandbox, with the
  // archive on stdin and nothing of the host in reach, never as the host's root.
  const fh = await open(file, 'r');
  let code: number;
  try {
    const head = Buffer.alloc(6);
    await fh.read(head, 0, 6, 0);
    const r = await runSandboxed(
      {
        argv: ['tar', '--list', '--verbose', '--full-time', '--numeric-owner', '--quoting-style=c', '--file=-', ...compressionArgs(head)],
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', TZ: 'UTC' },
        mounts: [],
        network: { kind: 'none' },
        limits: { ...DEFAULT_LIMITS, timeoutMs: 10 * 60_000 },
        hostname: 'goldsmith-tool',
      },
      { stdinFd: fh.fd, onStdout, onOutput: (l) => stderr.push(l), signal: abort.signal },
    );
    code = r.exitCode;
    if (!refused && partial) onStdout(Buffer.from('\n'));
  } finally {
    await fh.close();
  }
  if (refused) throw refused;
  if (code !== 0) {
    const tail = stderr.join('\n').trim().split('\n').slice(-5).join(' | ');
    throw new FailedError('IMAGE_TOOL_FAILED', `tar exited with ${code}: ${tail}`, { where: `tar --list --file=${label}`, data: { exitCode: code } });
  }
  return { entries, expandedBytes, compressedBytes };
}

/**
 * Print archive members to stdout (tar --extract --to-stdout), in the sandbox like the listing:
 * the archive on stdin, output capped at `maxBytes` (IMAGE_TOOL_OUTPUT_TOO_LARGE past it).
 */
export async function printArchiveMembers(file: string, members: string[], opts: { maxBytes: number; occurrence?: number }): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(6);
    await fh.read(head, 0, 6, 0);
    const argv = ['tar', '--extract', '--to-stdout', '--file=-', ...compressionArgs(head), '--no-wildcards'];
    if (opts.occurrence !== undefined) argv.push(`--occurrence=${opts.occurrence}`);
    const out = await captureSandboxed([...argv, '--', ...members], { stdinFd: fh.fd, maxBytes: opts.maxBytes, timeoutMs: 10 * 60_000 });
    return out.toString('utf8');
  } finally {
    await fh.close();
  }
}
