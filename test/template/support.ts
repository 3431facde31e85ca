import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { GoldsmithError } from '../../src/errors/index.js';
import { loadTemplate } from '../../src/template/index.js';

/** The project root, found from this file whether it runs from test/ (tsx) or dist/test/ (compiled). */
export const ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
})();

export const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

/** A scratch directory holding a template and the files it references. */
const scratchDirs: string[] = [];
after(() => Promise.all(scratchDirs.map((d) => rm(d, { recursive: true, force: true }))));

export async function scratch(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gs-template-'));
  scratchDirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

/** Load a template expecting it to fail; returns the error. */
export async function loadError(file: string): Promise<GoldsmithError> {
  try {
    await loadTemplate(file);
  } catch (e) {
    return e as GoldsmithError;
  }
  throw new Error(`expected ${file} to be rejected`);
}

export interface ProblemView {
  code: string;
  where: string;
  pointer: string;
  message: string;
  expected?: string;
  actual?: string;
}

export function problemsOf(e: GoldsmithError): ProblemView[] {
  return (e.data?.problems as ProblemView[] | undefined) ?? [];
}

/** A minimal valid template body (YAML); tests splice their own parts in. */
export const DISTRIBUTE_YAML = `distribute:
  gallery: contoso
  image: debian12
  targetRegions:
    - name: westeurope
`;
