import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One `deb` source the machine's apt uses. */
export interface AptSource {
  uri: string;
  suites: string[];
  components: string[];
  /** The file it came from, for error messages. */
  file: string;
}

/** Parse one-line-style sources.list text: `deb [opts] uri suite [component...]`. */
export function parseSourcesList(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line.startsWith('deb ') && !line.startsWith('deb\t')) continue;
    const rest = line.slice(3).trim().replace(/^\[[^\]]*\]\s*/, '');
    const [uri, suite, ...components] = rest.split(/\s+/);
    if (uri && suite) out.push({ uri, suites: [suite], components, file });
  }
  return out;
}

/** Parse deb822 `.sources` text: stanzas separated by blank lines with Types/URIs/Suites/Components fields. */
export function parseDeb822Sources(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    let last: string | undefined;
    for (const raw of stanza.split('\n')) {
      if (raw.startsWith('#')) continue;
      if (/^\s/.test(raw) && last) {
        fields[last] += ' ' + raw.trim(); // continuation line
        continue;
      }
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(raw);
      if (m) fields[(last = m[1]!.toLowerCase())] = m[2]!.trim();
    }
    const words = (k: string) => (fields[k] ?? '').split(/\s+/).filter(Boolean);
    if (!words('types').includes('deb') || fields.enabled?.toLowerCase() === 'no') continue;
    for (const uri of words('uris')) out.push({ uri, suites: words('suites'), components: words('components'), file });
  }
  return out;
}

/** Every `deb` source in /etc/apt/sources.list and /etc/apt/sources.list.d/{*.list,*.sources}. */
export async function readAptSources(aptDir = '/etc/apt'): Promise<AptSource[]> {
  const out: AptSource[] = [];
  const main = join(aptDir, 'sources.list');
  const text = await readFile(main, 'utf8').catch(() => '');
  out.push(...parseSourcesList(text, main));
  const dir = join(aptDir, 'sources.list.d');
  const names = (await readdir(dir).catch(() => [] as string[])).sort();
  for (const name of names) {
    const file = join(dir, name);
    if (name.endsWith('.list')) out.push(...parseSourcesList(await readFile(file, 'utf8').catch(() => ''), file));
    else if (name.endsWith('.sources')) out.push(...parseDeb822Sources(await readFile(file, 'utf8').catch(() => ''), file));
  }
  return out;
}

/**
 * The mirror to bootstrap `suite` from: the first source that lists exactly that suite (so
 * bookworm picks .../debian, not .../debian-security which lists bookworm-security).
 */
export function mirrorForSuite(sources: readonly AptSource[], suite: string): string | undefined {
  return sources.find((s) => s.suites.includes(suite))?.uri;
}
