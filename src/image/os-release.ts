import { readFileInRoot } from './root-fs.js';

/** os-release files are a few hundred bytes; anything past this is not one. */
export const MAX_OS_RELEASE_BYTES = 64 * 1024;

/** The fields of os-release(5) Goldsmith reads; all other keys are kept in `fields`. */
export interface OsRelease {
  id: string;
  prettyName: string;
  versionId?: string;
  fields: Record<string, string>;
}

/** Parse os-release(5) text: KEY=value lines, values optionally quoted with shell-style escapes. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!;
    const q = v[0];
    if ((q === '"' || q === "'") && v.endsWith(q) && v.length >= 2) {
      v = v.slice(1, -1);
      if (q === '"') v = v.replace(/\\(["\\$`])/g, '$1');
    }
    out[m[1]!] = v;
  }
  return out;
}

export function osReleaseFromFields(fields: Record<string, string>): OsRelease {
  const id = fields.ID ?? 'linux'; // the spec's default
  return { id, prettyName: fields.PRETTY_NAME ?? fields.NAME ?? id, ...(fields.VERSION_ID ? { versionId: fields.VERSION_ID } : {}), fields };
}

/**
 * Read a rootfs's os-release: etc/os-release, else usr/lib/os-release (the spec's fallback).
 * Returns undefined when neither exists, which callers take to mean "not a root filesystem".
 * Links resolve inside the root (etc/os-release -> /etc/passwd reads the image's passwd, never the
 * host's); a FIFO, device or oversized file is refused with an error naming the path.
 */
export async function readOsRelease(rootfs: string): Promise<OsRelease | undefined> {
  for (const p of ['/etc/os-release', '/usr/lib/os-release']) {
    // A dangling link (etc/os-release -> ../usr/lib/os-release) reads as absent: try the next one.
    const f = await readFileInRoot(rootfs, p, { maxBytes: MAX_OS_RELEASE_BYTES });
    if (f) return osReleaseFromFields(parseOsRelease(f.text));
  }
  return undefined;
}
