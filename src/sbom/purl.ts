/**
 * Package URLs (purl spec): `pkg:type/namespace/name@version?qualifiers#subpath`. Formatting
 * percent-encodes every octet outside A-Z a-z 0-9 . - _ ~ (':' is left as is: it is unambiguous
 * everywhere after the scheme), sorts qualifier keys and drops empty values. Parsing decodes and
 * applies the type's case rules, so two spellings of one package compare equal after
 * `normalizePurl`. Compare purls parsed, never as raw strings.
 */
import { InputError } from '../errors/index.js';

export interface Purl {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
  qualifiers?: Record<string, string>;
  subpath?: string;
}

/** Types whose namespace and name are case-insensitive (lowercased on normalisation). */
const LOWER_NAME = new Set(['deb', 'apk', 'alpm', 'bitbucket', 'github', 'pypi', 'composer', 'npm']);
const LOWER_NAMESPACE = new Set([...LOWER_NAME, 'rpm']);

function enc(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()).replace(/%3A/g, ':');
}

function dec(s: string, purl: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new InputError('SBOM_PURL_INVALID', `invalid percent-encoding in purl '${purl}'`, { where: purl });
  }
}

export function formatPurl(p: Purl): string {
  let out = 'pkg:' + p.type.toLowerCase() + '/';
  if (p.namespace) out += p.namespace.split('/').filter(Boolean).map(enc).join('/') + '/';
  out += enc(p.name);
  if (p.version) out += '@' + enc(p.version);
  const q = Object.entries(p.qualifiers ?? {})
    .filter(([, v]) => v !== '' && v !== undefined)
    .map(([k, v]) => [k.toLowerCase(), v] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (q.length) out += '?' + q.map(([k, v]) => `${k}=${enc(v)}`).join('&');
  if (p.subpath) {
    const segs = p.subpath.split('/').filter((s) => s && s !== '.' && s !== '..');
    if (segs.length) out += '#' + segs.map(enc).join('/');
  }
  return out;
}

export function parsePurl(s: string, where?: string): Purl {
  const fail = (why: string): never => {
    throw new InputError('SBOM_PURL_INVALID', `invalid purl '${s}': ${why}`, { where: where ?? s });
  };
  if (!/^pkg:/i.test(s)) fail('must start with "pkg:"');
  let rest = s.slice(4).replace(/^\/+/, '');
  let subpath: string | undefined;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    subpath = rest.slice(hash + 1).split('/').filter((x) => x && x !== '.' && x !== '..').map((x) => dec(x, s)).join('/') || undefined;
    rest = rest.slice(0, hash);
  }
  let qualifiers: Record<string, string> | undefined;
  const qm = rest.indexOf('?');
  if (qm >= 0) {
    for (const pair of rest.slice(qm + 1).split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      if (eq <= 0) fail(`qualifier '${pair}' is not key=value`);
      const key = pair.slice(0, eq).toLowerCase();
      if (!/^[a-z0-9._-]+$/.test(key)) fail(`qualifier key '${key}' has invalid characters`);
      const value = dec(pair.slice(eq + 1), s);
      if (value !== '') (qualifiers ??= {})[key] = value;
    }
    rest = rest.slice(0, qm);
  }
  const slash = rest.indexOf('/');
  if (slash <= 0) fail('missing type or name');
  const type = rest.slice(0, slash).toLowerCase();
  if (!/^[a-z.+-][a-z0-9.+-]*$/.test(type)) fail(`type '${type}' has invalid characters`);
  rest = rest.slice(slash + 1).replace(/\/+$/, '');
  let version: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    version = dec(rest.slice(at + 1), s) || undefined;
    rest = rest.slice(0, at);
  }
  const segs = rest.split('/').filter(Boolean).map((x) => dec(x, s));
  const name = segs.pop();
  if (!name) fail('missing name');
  const namespace = segs.length ? segs.join('/') : undefined;
  return {
    type,
    ...(namespace !== undefined ? { namespace: LOWER_NAMESPACE.has(type) ? namespace.toLowerCase() : namespace } : {}),
    name: LOWER_NAME.has(type) ? name!.toLowerCase() : name!,
    ...(version !== undefined ? { version } : {}),
    ...(qualifiers ? { qualifiers } : {}),
    ...(subpath ? { subpath } : {}),
  };
}

/** The canonical string for a purl: parse, apply type rules, format. Use this to compare. */
export function normalizePurl(s: string): string {
  return formatPurl(parsePurl(s));
}

export function purlEquals(a: string, b: string): boolean {
  return normalizePurl(a) === normalizePurl(b);
}
