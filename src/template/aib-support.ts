/** Reading Azure VM Image Builder JSON: finding the resource, ARM expression values, local URIs, names. */
import { fileURLToPath } from 'node:url';

export const AIB_RESOURCE_TYPE = 'Microsoft.VirtualMachineImages/imageTemplates';

export type Obj = Record<string, unknown>;
export type Report = (pointer: string, message: string) => void;

/** The image template resource and where it sits in the file. */
export function findResource(value: unknown, unsupported: Report): { resource: Obj; base: string; deployment?: Obj } | undefined {
  if (!isObj(value)) return undefined;
  if (sameType(value.type)) return { resource: value, base: '' };
  if (!Array.isArray(value.resources)) return undefined;
  const hits = value.resources.map((r, i) => [r, i] as const).filter(([r]) => isObj(r) && sameType(r.type));
  hits.slice(1).forEach(([, i]) => unsupported(`/resources/${i}`, 'only one image template per file is supported'));
  const first = hits[0];
  return first ? { resource: first[0] as Obj, base: `/resources/${first[1]}`, deployment: value } : undefined;
}

/** ARM template expressions: only whole-string parameters('x') / variables('x') with literal values are evaluated. */
export class ArmValues {
  constructor(
    private readonly deployment: Obj | undefined,
    private readonly unsupported: Report,
  ) {}
  resolve(v: string, ptr: string): string | undefined {
    if (v.startsWith('[[')) return v.slice(1);
    if (!v.startsWith('[')) return v;
    const r = this.tryResolve(v);
    if (r === undefined) this.unsupported(ptr, `ARM expression ${v} cannot be evaluated; only [parameters('x')] with a defaultValue and [variables('x')] with a literal value are`);
    return r;
  }
  tryResolve(v: string): string | undefined {
    if (v.startsWith('[[')) return v.slice(1);
    if (!v.startsWith('[')) return v;
    const m = /^\[\s*(parameters|variables)\(\s*'([^']+)'\s*\)\s*\]$/.exec(v);
    if (!m || !this.deployment) return undefined;
    const bag = this.deployment[m[1]!];
    const entry = isObj(bag) ? bag[m[2]!] : undefined;
    const lit = m[1] === 'parameters' ? (isObj(entry) ? entry.defaultValue : undefined) : entry;
    return typeof lit === 'string' && !lit.startsWith('[') ? lit : undefined;
  }
}

export function localPath(uri: string, ptr: string, unsupported: Report): string | undefined {
  if (/^https?:\/\//i.test(uri)) {
    unsupported(ptr, `${uri} is a remote URL; Goldsmith builds offline: download it next to the template and reference it as a relative path or file:// URI with its sha256Checksum`);
    return undefined;
  }
  if (/^file:/i.test(uri)) {
    try {
      return fileURLToPath(uri);
    } catch (e) {
      unsupported(ptr, `${uri} is not a usable file URI: ${(e as Error).message}`);
      return undefined;
    }
  }
  if (/^[a-z][a-z0-9+.-]+:/i.test(uri)) {
    unsupported(ptr, `${uri}: only local paths and file:// URIs are supported`);
    return undefined;
  }
  return uri;
}

/** AIB runs customizers as a sudo-capable user; Goldsmith runs them as root, where minimal images have no sudo. */
export function withoutSudo(line: string): string {
  return line.replace(/^(\s*)sudo\s+(?!-)/, '$1');
}

export function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').replace(/-+$/, '').slice(0, 80);
}

export function isDisabled(v: unknown): boolean {
  return isObj(v) && v.state === 'Disabled';
}

export function sameType(t: unknown): boolean {
  return typeof t === 'string' && t.toLowerCase() === AIB_RESOURCE_TYPE.toLowerCase();
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function dropUndefined(o: Obj): Obj {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/**
 * A user's value in a message: quoted JSON. Not String(v): an object with a "toString" key that is not
 * a function makes String() throw a TypeError.
 */
export function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? s.slice(0, 77) + '...' : s;
}
