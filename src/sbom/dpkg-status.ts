/** Parser for dpkg's status database (deb822 stanzas), shared by SBOM, checks and CVE matching. Pure. */
export interface DpkgPackage {
  package: string;
  version: string;
  architecture: string;
  status: string;
  /** Source package name; defaults to the binary name. */
  source: string;
  /** Source version; a `Source:` field without "(version)" means the binary's version. */
  sourceVersion: string;
  fields: Record<string, string>;
}

/** Parse deb822 stanzas into field maps (continuation lines joined with "\n"). */
export function parseDeb822(text: string): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  let cur: Record<string, string> = {};
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (Object.keys(cur).length) out.push(cur);
      cur = {};
      last = undefined;
    } else if ((line[0] === ' ' || line[0] === '\t') && last) {
      cur[last] += '\n' + line.slice(1);
    } else {
      const i = line.indexOf(':');
      if (i <= 0) continue;
      last = line.slice(0, i);
      cur[last] = line.slice(i + 1).trim();
    }
  }
  if (Object.keys(cur).length) out.push(cur);
  return out;
}

/** Installed packages only (Status "... installed"), sorted by name then architecture. */
export function parseDpkgStatus(text: string): DpkgPackage[] {
  const pkgs: DpkgPackage[] = [];
  for (const f of parseDeb822(text)) {
    const status = f['Status'] ?? 'install ok installed';
    if (!f['Package'] || !f['Version'] || !/\binstalled$/.test(status)) continue;
    const m = /^(\S+)(?:\s*\((.+)\))?$/.exec(f['Source'] ?? '');
    pkgs.push({
      package: f['Package'],
      version: f['Version'],
      architecture: f['Architecture'] ?? 'all',
      status,
      source: m?.[1] ?? f['Package'],
      sourceVersion: m?.[2]?.trim() ?? f['Version'],
      fields: f,
    });
  }
  return pkgs.sort((a, b) => (a.package < b.package ? -1 : a.package > b.package ? 1 : a.architecture < b.architecture ? -1 : 1));
}
