/**
 * Debian copyright-format 1.0 (DEP-5) `License:` short names to SPDX license expressions. Only
 * names that map cleanly become SPDX ids; anything else becomes LicenseRef-<name> (declared in
 * the SPDX document's extracted licensing info), and a non-DEP-5 file gives NOASSERTION. Pure.
 */

/** DEP-5 short name (lowercased, without a trailing "+") → SPDX id stem; `+` adds "-or-later". */
const VERSIONED: Record<string, string> = {
  'gpl-1': 'GPL-1.0', 'gpl-2': 'GPL-2.0', 'gpl-3': 'GPL-3.0',
  'lgpl-2': 'LGPL-2.0', 'lgpl-2.0': 'LGPL-2.0', 'lgpl-2.1': 'LGPL-2.1', 'lgpl-3': 'LGPL-3.0',
  'agpl-3': 'AGPL-3.0', 'gfdl-1.1': 'GFDL-1.1', 'gfdl-1.2': 'GFDL-1.2', 'gfdl-1.3': 'GFDL-1.3',
  'gpl-2.0': 'GPL-2.0', 'gpl-3.0': 'GPL-3.0', 'lgpl-3.0': 'LGPL-3.0',
  'gfdl-niv-1.2': 'GFDL-1.2-no-invariants', 'gfdl-niv-1.3': 'GFDL-1.3-no-invariants',
};

/** Names that map to exactly one SPDX id. */
const PLAIN: Record<string, string> = {
  'apache-2.0': 'Apache-2.0', 'apache-2': 'Apache-2.0', 'apache-1.1': 'Apache-1.1',
  'artistic': 'Artistic-1.0-Perl', 'artistic-1.0': 'Artistic-1.0', 'artistic-2.0': 'Artistic-2.0',
  'bsd-2-clause': 'BSD-2-Clause', 'bsd-3-clause': 'BSD-3-Clause', 'bsd-4-clause': 'BSD-4-Clause',
  'expat': 'MIT', 'mit': 'MIT', 'isc': 'ISC', 'zlib': 'Zlib', 'x11': 'X11', 'curl': 'curl',
  'mpl-1.1': 'MPL-1.1', 'mpl-2.0': 'MPL-2.0', 'cc0-1.0': 'CC0-1.0', 'cc0': 'CC0-1.0',
  'cc-by-3.0': 'CC-BY-3.0', 'cc-by-4.0': 'CC-BY-4.0', 'cc-by-sa-3.0': 'CC-BY-SA-3.0', 'cc-by-sa-4.0': 'CC-BY-SA-4.0',
  'psf-2': 'PSF-2.0', 'python-2.0': 'Python-2.0', 'openssl': 'OpenSSL', 'ssleay': 'SSLeay',
  'bsl-1.0': 'BSL-1.0', 'unlicense': 'Unlicense', 'wtfpl': 'WTFPL', '0bsd': '0BSD', 'sleepycat': 'Sleepycat',
  'fsfap': 'FSFAP', 'fsful': 'FSFUL', 'fsfullr': 'FSFULLR', 'unicode-dfs-2016': 'Unicode-DFS-2016',
  'ofl-1.1': 'OFL-1.1', 'epl-1.0': 'EPL-1.0', 'epl-2.0': 'EPL-2.0', 'tcl': 'TCL', 'ncsa': 'NCSA',
  'bsd-1-clause': 'BSD-1-Clause', 'bsd-4-clause-uc': 'BSD-4-Clause-UC', 'latex2e': 'Latex2e', 'ms-pl': 'MS-PL', 'cc0-1.0+': 'CC0-1.0', 'openldap-2.8': 'OLDAP-2.8',
  'beerware': 'Beerware', 'libpng': 'Libpng', 'ijg': 'IJG', 'ftl': 'FTL', 'bzip2-1.0.6': 'bzip2-1.0.6',
};

/** "with X exception" → SPDX exception id (by the GPL family's major version where it matters). */
const EXCEPTIONS: Record<string, string> = {
  'autoconf-3': 'Autoconf-exception-3.0', 'autoconf-2': 'Autoconf-exception-2.0',
  'bison-2': 'Bison-exception-2.2', 'bison-3': 'Bison-exception-2.2',
  'gcc-3': 'GCC-exception-3.1', 'libtool-2': 'Libtool-exception', 'libtool-3': 'Libtool-exception',
  'texinfo-2': 'Texinfo-exception', 'texinfo-3': 'Texinfo-exception', 'bison-2.2-2': 'Bison-exception-2.2', 'bison-2.2-3': 'Bison-exception-2.2',
  'classpath-2': 'Classpath-exception-2.0', 'linux-syscall-note-2': 'Linux-syscall-note', 'font-2': 'Font-exception-2.0', 'font-3': 'Font-exception-2.0',
};

export function licenseRef(name: string): string {
  return 'LicenseRef-' + (name.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '') || 'unknown');
}

/** One DEP-5 term (no "or"/"and") → an SPDX expression term. */
function mapTerm(term: string): string {
  const t = term.trim();
  const m = /^(\S+?)(\+)?(?:\s+with\s+(.+?)\s+exception)?$/i.exec(t);
  if (m) {
    const base = m[1]!.toLowerCase();
    const plus = m[2] === '+' || /-or-later$/.test(base);
    const stem = VERSIONED[base.replace(/-(only|or-later)$/, '')];
    const exceptionName = m[3]?.toLowerCase().replace(/\s+/g, '-');
    if (stem) {
      const id = stem + (plus ? '-or-later' : '-only');
      if (!exceptionName) return id;
      const major = /-(\d)/.exec(stem)?.[1] ?? '';
      const exc = EXCEPTIONS[`${exceptionName}-${major}`];
      if (exc) return `${id} WITH ${exc}`;
    } else if (!m[3] && PLAIN[base + (m[2] ?? '')]) {
      return PLAIN[base + (m[2] ?? '')]!;
    } else if (!m[3] && !m[2] && PLAIN[base]) {
      return PLAIN[base]!;
    }
  }
  return licenseRef(t);
}

/** "A or B and C" with DEP-5 precedence: "and" binds tighter than "or". */
function mapGroup(group: string): string {
  const alternatives = group.split(/\s+or\s+/i).filter(Boolean);
  const mapped = alternatives.map((alt) => {
    const all = alt.split(/\s+and\s+/i).filter(Boolean).map(mapTerm);
    return all.length > 1 ? all.join(' AND ') : all[0]!;
  });
  if (mapped.length === 1) return mapped[0]!;
  return mapped.map((x) => (x.includes(' AND ') ? `(${x})` : x)).join(' OR ');
}

const wrap = (x: string) => (/ (OR|AND) /.test(x) ? `(${x})` : x);

/**
 * A DEP-5 License short line → SPDX expression. Per copyright-format 1.0, "and" binds tighter
 * than "or", and a comma before "and"/"or" ends a group: "GPL-1+ or Artistic, and BSD-3-clause"
 * is (GPL-1+ OR Artistic) AND BSD-3-clause.
 */
export function dep5ToSpdx(short: string): string {
  const parts = short.split(/\s*,\s*(?=(?:and|or)\s)/i);
  let expr = mapGroup(parts[0]!);
  for (const part of parts.slice(1)) {
    const m = /^(and|or)\s+(.*)$/is.exec(part)!;
    expr = `${wrap(expr)} ${m[1]!.toUpperCase()} ${wrap(mapGroup(m[2]!))}`;
  }
  return expr;
}

const FORMAT = /^Format:\s*https?:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\/1\.0\/?/m;

/**
 * All distinct licenses a DEP-5 copyright file declares for its files, combined with AND;
 * NOASSERTION if not DEP-5. Copyright files can be megabytes (boost), so this scans bytes with
 * native indexOf for three markers and decodes only the License lines. A paragraph's License
 * counts when it has Files or is the header; standalone License paragraphs only hold texts.
 */
export function licenseFromCopyright(input: string | Buffer): string {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  if (!FORMAT.test(buf.subarray(0, 400).toString('latin1'))) return 'NOASSERTION';
  const found = new Set<string>();
  const at = (needle: string, from: number) => {
    if (from === 0 && buf.indexOf(needle.slice(1)) === 0) return 0; // marker on the very first line
    const k = buf.indexOf(needle, from);
    return k < 0 ? Infinity : k + 1;
  };
  let nextFiles = at('\nFiles:', 0);
  let nextLicense = at('\nLicense:', 0);
  let nextBlank = at('\n\n', 0);
  const headerEnd = nextBlank;
  let hasFiles = false;
  let license: { name: string; pos: number } | undefined;
  const flush = () => {
    if (license && (hasFiles || license.pos < headerEnd)) found.add(license.name);
    hasFiles = false;
    license = undefined;
  };
  for (;;) {
    const next = Math.min(nextFiles, nextLicense, nextBlank);
    if (next === Infinity) break;
    if (next === nextBlank) {
      flush();
      nextBlank = at('\n\n', next);
    } else if (next === nextFiles) {
      hasFiles = true;
      nextFiles = at('\nFiles:', next);
    } else {
      const eol = buf.indexOf(10, next);
      const name = buf.toString('utf8', next + 8, eol < 0 ? buf.length : eol).trim();
      license = name ? { name, pos: next } : undefined;
      nextLicense = at('\nLicense:', next);
    }
  }
  flush();
  if (found.size === 0) return 'NOASSERTION';
  // Conjunctions flatten into the top-level AND, so "GPL-3+ and ISC" adds two terms, not a group.
  const terms = new Set<string>();
  for (const e of [...found].map(dep5ToSpdx)) {
    if (/ OR /.test(e)) terms.add(e);
    else for (const t of e.split(' AND ')) terms.add(t.replace(/^\(|\)$/g, ''));
  }
  const exprs = [...terms].sort();
  if (exprs.length === 1) return exprs[0]!;
  return exprs.map(wrap).join(' AND ');
}

const SPDX_TOKEN = /^(?:\(|\)|AND|OR|WITH|LicenseRef-[A-Za-z0-9.-]+|DocumentRef-[A-Za-z0-9.-]+:LicenseRef-[A-Za-z0-9.-]+|[A-Za-z0-9.-]+\+?)$/;

/** A loose syntactic check of an SPDX expression (used for apk's L: field, which is usually SPDX already). */
export function isSpdxExpression(s: string): boolean {
  const tokens = s.replace(/([()])/g, ' $1 ').trim().split(/\s+/);
  if (tokens.length === 0 || tokens[0] === '') return false;
  let depth = 0;
  let expectTerm = true;
  for (const t of tokens) {
    if (!SPDX_TOKEN.test(t)) return false;
    if (t === '(') {
      if (!expectTerm) return false;
      depth++;
    } else if (t === ')') {
      if (expectTerm || --depth < 0) return false;
    } else if (t === 'AND' || t === 'OR' || t === 'WITH') {
      if (expectTerm) return false;
      expectTerm = true;
    } else {
      if (!expectTerm) return false;
      expectTerm = false;
    }
  }
  return depth === 0 && !expectTerm;
}

/** An apk / rpm license field → SPDX expression (as is when it already is one, else a LicenseRef). */
export function normaliseDeclaredLicense(s: string | undefined): string {
  const t = (s ?? '').trim();
  if (!t) return 'NOASSERTION';
  if (isSpdxExpression(t)) return t;
  return licenseRef(t);
}
