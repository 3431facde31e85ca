import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailedError } from '../errors/index.js';
import { unpackRootfs } from '../image/index.js';
import { runInRoot } from './executor.js';

/**
 * Ask a base image's apt sources which version of each package they offer today, so a template can
 * pin exact versions (`name=version`) without guessing. Runs in a throwaway copy of the base.
 */
export async function candidateVersions(baseArchive: string, packages: string[], onOutput?: (l: string) => void): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'goldsmith-pins-'));
  try {
    await unpackRootfs(baseArchive, dir);
    const script = `apt-get -q update >/dev/null\nfor p in ${packages.map((p) => `'${p.replace(/'/g, '')}'`).join(' ')}; do printf '%s %s\\n' "$p" "$(apt-cache policy "$p" | sed -n 's/^ *Candidate: //p')"; done`;
    const r = await runInRoot(dir, script, { onOutput });
    if (r.exitCode !== 0) throw new FailedError('PINS_APT_FAILED', `apt in the base image failed (exit ${r.exitCode})`, { data: { tail: r.output.slice(-2000) } });
    const out: Record<string, string> = {};
    for (const line of r.output.split('\n')) {
      const [name, version] = line.trim().split(' ');
      if (name && packages.includes(name)) {
        if (!version || version === '(none)') throw new FailedError('PINS_NOT_AVAILABLE', `package ${name} is not available from the base image's apt sources`);
        out[name] = version;
      }
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
