/**
 * Which versions of a package an image's own apt sources offer ("the image's mirror"): the image's
 * rootfs archive is unpacked into a throwaway directory and asked with apt-cache madison, isolated
 * from the host like every other command Goldsmith runs in an image.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailedError } from '../errors/index.js';
import { unpackRootfs } from '../image/index.js';
import { runInRoot, shellQuote } from '../sandbox/index.js';

export interface MirrorProbe {
  /** Every version of each binary package the archive's apt sources offer (unsorted; missing = none). */
  available(rootfsArchive: string, packages: readonly string[]): Promise<Record<string, string[]>>;
}

/** Parse `apt-cache madison` lines: " tzdata | 2024a-0+deb12u1 | http://… bookworm/main amd64 Packages". */
export function parseMadison(output: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of output.split('\n')) {
    const m = /^\s*(\S+)\s*\|\s*(\S+)\s*\|\s*(.*)$/.exec(line);
    if (!m || / Sources\s*$/.test(m[3]!)) continue;
    const list = (out[m[1]!] ??= []);
    if (!list.includes(m[2]!)) list.push(m[2]!);
  }
  return out;
}

export class AptMirrorProbe implements MirrorProbe {
  constructor(private onOutput?: (line: string) => void) {}

  async available(rootfsArchive: string, packages: readonly string[]): Promise<Record<string, string[]>> {
    if (!packages.length) return {};
    const dir = await mkdtemp(join(tmpdir(), 'goldsmith-mirror-'));
    try {
      await unpackRootfs(rootfsArchive, dir);
      // A mirror mid-sync or a dropped connection fails one update now and then: try three times,
      // and on the last failure show apt's own words.
      const update = 'for i in 1 2 3; do apt-get -q update > /tmp/apt-update.log 2>&1 && break; if [ $i = 3 ]; then tail -5 /tmp/apt-update.log >&2; exit 90; fi; sleep 2; done';
      const script = `${update}\napt-cache madison ${packages.map(shellQuote).join(' ')}`;
      const r = await runInRoot(dir, script, { onOutput: this.onOutput });
      if (r.exitCode !== 0) {
        throw new FailedError('VULN_MIRROR_UNREACHABLE', `apt in the image could not read its mirror (exit ${r.exitCode})`, { where: rootfsArchive, data: { tail: r.output.slice(-2000) } });
      }
      return parseMadison(r.output);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
