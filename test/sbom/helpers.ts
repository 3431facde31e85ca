/** Shared fixtures for SBOM tests: synthetic root filesystems and schema validators. */
import { existsSync } from 'node:fs';
import { after } from 'node:test';
import { mkdir, mkdtemp, writeFile, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { conformanceFile } from '../support/conformance.js';

/** The project root, from test/ (tsx) or dist/test/ (compiled): schemas are read from source, not dist. */
export const ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dir !== dirname(dir)) dir = dirname(dir);
  return dir;
})();
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const created: string[] = [];
// Registered at load: runs once after every test of the importing file.
after(async () => {
  await Promise.all(created.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A temp dir removed after the file's tests. */
export async function tempDir(prefix = 'goldsmith-sbom-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  created.push(d);
  return d;
}

/** Write `files` (path inside the rootfs → content, or {symlink: target}) under a fresh temp dir. */
export async function makeRootfs(files: Record<string, string | { symlink: string }>): Promise<string> {
  const root = await tempDir('goldsmith-rootfs-');
  for (const [p, content] of Object.entries(files)) {
    const full = join(root, p);
    await mkdir(dirname(full), { recursive: true });
    if (typeof content === 'string') await writeFile(full, content);
    else await symlink(content.symlink, full);
  }
  return root;
}

export const DEP5 = (license: string, extra = '') =>
  `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: x\n\nFiles: *\nCopyright: someone\nLicense: ${license}\n${extra}`;

export function stanza(f: Record<string, string>): string {
  return Object.entries(f).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n';
}

let spdx: ValidateFunction | undefined;
let cdx: ValidateFunction | undefined;

/**
 * The official SPDX 2.3 schema's validator, from the external conformance data (not vendored).
 * Undefined where that is missing: only the schema check is skipped (scripts/test.mjs says the
 * conformance data is missing), everything else the tests assert still runs.
 */
export async function spdxValidator(): Promise<ValidateFunction | undefined> {
  if (spdx) return spdx;
  const path = conformanceFile('schemas/spdx-2.3.schema.json');
  if (!existsSync(path)) return undefined;
  const schema = JSON.parse(await readFile(path, 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return (spdx = ajv.compile(schema));
}

export async function cycloneDxValidator(): Promise<ValidateFunction> {
  if (cdx) return cdx;
  const load = async (f: string) => JSON.parse(await readFile(join(ROOT, 'test/sbom/schemas', f), 'utf8'));
  // strict:false because the official schema uses annotation keywords ajv does not know (meta:enum).
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addFormat('iri-reference', true);
  ajv.addFormat('idn-email', true);
  ajv.addSchema(await load('spdx.schema.json'));
  ajv.addSchema(await load('jsf-0.82.schema.json'));
  return (cdx = ajv.compile(await load('bom-1.6.schema.json')));
}
