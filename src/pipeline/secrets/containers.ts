/**
 * Compressed files and archives inside an image, opened so the scan can read what they hold, with
 * every expansion bounded. Containers are recognised by their magic bytes, never by their name.
 *
 * gzip is inflated in-process (node:zlib with maxOutputLength). xz, zstd and bzip2 go through
 * Debian's own `xz`, `zstd` and `bzip2` programs (no dependency in node_modules): their stdout is
 * capped (the child is killed past the cap), they get a timeout and a decoder memory limit, and they
 * only ever see bytes on stdin, never a path in the image. zip members are read with the vuln
 * module's bounds-checked zip reader after their declared size is checked against the cap (the
 * reader refuses a member whose real size differs), and tar members are slices of the buffer.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { sandboxedCommand } from '../../sandbox/index.js';
import { gunzipSync } from 'node:zlib';
import { ZipReader } from '../../vuln/zip-reader.js';

export type ContainerKind = 'gzip' | 'xz' | 'zstd' | 'bzip2' | 'zip' | 'tar';

export function sniffContainer(b: Buffer): ContainerKind | undefined {
  if (b.length >= 3 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 0x08) return 'gzip';
  if (b.length >= 6 && b.readUInt32BE(0) === 0xfd377a58 && b[4] === 0x5a && b[5] === 0x00) return 'xz';
  if (b.length >= 4 && b.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (b.length >= 4 && b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68 && b[3]! >= 0x31 && b[3]! <= 0x39) return 'bzip2';
  if (b.length >= 4 && (b.readUInt32LE(0) === 0x04034b50 || b.readUInt32LE(0) === 0x06054b50)) return 'zip';
  if (b.length >= 512 && b.toString('latin1', 257, 262) === 'ustar') return 'tar';
  return undefined;
}

export type StreamKind = 'gzip' | 'xz' | 'zstd' | 'bzip2';
export const isStreamKind = (k: ContainerKind): k is StreamKind => k !== 'zip' && k !== 'tar';

export interface Limits {
  /** Cap on the bytes one compressed stream or archive member may expand to. */
  maxInflatedBytes: number;
  /** Wall-clock limit for one external decompressor. */
  timeoutMs: number;
}

export type Inflated = { data: Buffer; problem?: string } | { data?: undefined; problem: string };

export const mib = (n: number) => (n >= 1024 * 1024 ? `${+(n / (1024 * 1024)).toFixed(1)} MiB` : `${n} bytes`);

const TOOLS: Record<Exclude<StreamKind, 'gzip'>, string[]> = {
  xz: ['xz', '-dc', '-q', '--memlimit-decompress=256MiB'],
  zstd: ['zstd', '-dc', '-q', '--memory=128MB'],
  bzip2: ['bzip2', '-dc', '-q'],
};

/** Decompress one gzip/xz/zstd/bzip2 stream. Output past the cap is refused, not kept. */
export function inflate(kind: StreamKind, input: Buffer, limits: Limits): Inflated {
  const tooBig = `expands past the ${mib(limits.maxInflatedBytes)} limit for decompressed data`;
  if (kind === 'gzip') {
    try {
      return { data: gunzipSync(input, { maxOutputLength: limits.maxInflatedBytes }) };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return { problem: code === 'ERR_BUFFER_TOO_LARGE' ? tooBig : `is not valid gzip data (${(e as Error).message})` };
    }
  }
  const [cmd, ...args] = TOOLS[kind];
  // The decompressor parses hostile bytes: it runs in a tool sandbox, never as the host's root.
  // No cgroup on this synchronous path: memory is bounded per process (1 GiB) and the processes a
  // decompressor may start (it needs none; bubblewrap needs two) by RLIMIT_NPROC in its own user namespace.
  const sandboxed = sandboxedCommand([cmd!, ...args], { timeoutMs: limits.timeoutMs, memoryBytes: 1024 * 2 ** 20, processes: 16 });
  let r: SpawnSyncReturns<Buffer>;
  try {
    r = spawnSync(sandboxed.cmd, sandboxed.args, {
      input,
      maxBuffer: limits.maxInflatedBytes,
      timeout: limits.timeoutMs,
      killSignal: 'SIGKILL',
      stdio: ['pipe', 'pipe', 'ignore', ...sandboxed.fds],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
    });
  } finally {
    sandboxed.close();
  }
  const err = r.error as NodeJS.ErrnoException | undefined;
  if (err?.code === 'ENOENT' || r.status === 127) return { problem: `cannot be decompressed: ${cmd} (or the sandbox) is not installed on the build host` };
  if (err?.code === 'ENOBUFS') return { problem: tooBig };
  if (err?.code === 'ETIMEDOUT') return { problem: `took longer than ${limits.timeoutMs} ms to decompress` };
  const data = r.stdout ?? Buffer.alloc(0);
  if (err || r.status !== 0) return { data, problem: `is not valid ${kind} data (${cmd} exited ${err ? err.message : r.status ?? r.signal}); only what decoded before the error was scanned` };
  return { data };
}

/** Member names come from the archive: no control characters in a finding, and a bounded length. */
const printable = (name: string) => name.replace(/[\x00-\x1f\x7f]/g, '?').slice(0, 1024);

export interface Member {
  name: string;
  data?: Buffer;
  /** Why the member was not read. */
  problem?: string;
  /** Bytes that had to be inflated to read it (stored and tar members cost nothing). */
  inflated: number;
}

/** zip members (files only), each read only if its declared size is within the cap. */
export function zipMembers(buf: Buffer, where: string, limits: Limits, budget: () => number): Member[] {
  let zip: ZipReader;
  try {
    zip = ZipReader.open(buf, where);
  } catch (e) {
    return [{ name: '', problem: `is not a readable zip archive (${(e as Error).message})`, inflated: 0 }];
  }
  const out: Member[] = [];
  for (const e of zip.entries) {
    if (e.name.endsWith('/')) continue;
    const name = printable(e.name);
    const cap = Math.min(limits.maxInflatedBytes, e.method === 0 ? Infinity : budget());
    if (e.size > cap) {
      out.push({ name, problem: `expands past the ${mib(cap)} limit for decompressed data`, inflated: 0 });
      continue;
    }
    try {
      out.push({ name, data: zip.read(e), inflated: e.method === 0 ? 0 : e.size });
    } catch (err) {
      out.push({ name, problem: `cannot be read (${(err as Error).message.replace(/[\x00-\x1f\x7f]/g, '?')})`, inflated: 0 });
    }
  }
  return out;
}

/** Octal (or GNU base-256) numeric tar header field. */
function tarNumber(h: Buffer, off: number, len: number): number {
  if (h[off]! & 0x80) {
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + h[i]!;
    return v;
  }
  const s = h.toString('latin1', off, off + len).replace(/\0.*$/s, '').trim();
  return s ? parseInt(s, 8) : 0;
}

/** Regular-file members of a tar (ustar, GNU long names, pax path records), as slices of the buffer. */
export function tarMembers(buf: Buffer): Member[] {
  const out: Member[] = [];
  let longName: string | undefined;
  for (let o = 0; o + 512 <= buf.length; ) {
    const h = buf.subarray(o, o + 512);
    if (h.every((x) => x === 0)) break;
    const size = tarNumber(h, 124, 12);
    if (!Number.isSafeInteger(size) || size < 0) break;
    const type = String.fromCharCode(h[156]!);
    const dataStart = o + 512;
    const body = buf.subarray(dataStart, Math.min(buf.length, dataStart + size));
    const cstr = (off: number, len: number) => h.toString('utf8', off, off + len).replace(/\0.*$/s, '');
    let name = cstr(0, 100);
    const prefix = h.toString('latin1', 257, 262) === 'ustar' ? cstr(345, 155) : '';
    if (prefix) name = `${prefix}/${name}`;
    if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '');
    else if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      if (m) longName = m[1];
    } else {
      if (type === '0' || type === '\0' || type === '7') out.push({ name: printable((longName ?? name).replace(/^\.\//, '')), data: body, inflated: 0 });
      longName = undefined;
    }
    o = dataStart + Math.ceil(size / 512) * 512;
  }
  return out;
}
