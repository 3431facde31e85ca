import { createHash } from 'node:crypto';
import { basename, dirname, extname, resolve } from 'node:path';
import { isGoldsmithError, NotFoundError } from '../errors/index.js';
import { cannotRead, readInputText } from '../input/index.js';
import { isAibDocument, translateAib } from './aib-translate.js';
import { templateDigest } from './digest.js';
import { normalizeTemplate } from './normalize.js';
import { firstProblems, templateError, type LocatedProblem, type Problem } from './problems.js';
import { stepFileRef } from './registry.js';
import { validateAgainstSchema } from './schema.js';
import { semanticProblems, type FileDigest } from './semantic-checks.js';
import { openTemplateFile, templateFileProblem } from './template-files.js';
import { parseSourceText, type Position } from './source-text.js';
import type { LoadedTemplate, Template } from './types.js';

export interface LoadOptions {
  /** Directory relative file references resolve against; default: the template file's directory. */
  baseDir?: string;
  /** "yaml" or "json"; default: from the extension, else sniffed. */
  format?: 'yaml' | 'json';
}

/**
 * Read, parse, validate and normalise a template (Goldsmith YAML/JSON or an Azure VM Image Builder
 * JSON template). Changes nothing. Throws one error listing every problem found, each located as
 * `file:line:col (/json/pointer)`.
 */
export async function loadTemplate(file: string, opts: LoadOptions = {}): Promise<LoadedTemplate> {
  let text: string;
  try {
    text = await readInputText(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError('TEMPLATE_NOT_FOUND', `template file ${file} does not exist`, { where: file });
    throw cannotRead(file, e, 'TEMPLATE_UNREADABLE', 'template file');
  }
  return loadTemplateText(text, file, opts);
}

/** As loadTemplate, for text already in memory; `file` names it in errors and anchors relative paths. */
export async function loadTemplateText(text: string, file: string, opts: LoadOptions = {}): Promise<LoadedTemplate> {
  const format = opts.format ?? sniffFormat(file, text);
  const baseDir = resolve(opts.baseDir ?? dirname(file));
  const parsed = parseSourceText(text, format);
  const at = (pos: Partial<Position> | undefined) => (pos?.line ? `${file}:${pos.line}:${pos.col}` : file);
  if (!parsed.ok) throw templateError(parsed.problems.map((p) => ({ ...p, where: p.pointer ? `${at(p)} (${p.pointer})` : at(p) })));
  const src = parsed.source;

  let doc: unknown = structuredClone(src.value);
  let toSource = (pointer: string) => pointer;
  let kind: LoadedTemplate['format'] = 'goldsmith';
  if (isAibDocument(src.value)) {
    const t = translateAib(src.value, basename(file, extname(file)));
    const located = (ps: Problem[]) => firstProblems(ps).map((p) => locateProblem(p, p.pointer));
    if (t.problems.length > 0) throw templateError(located(t.problems));
    doc = t.doc;
    toSource = t.sourcePointer;
    kind = 'azure-image-builder';
  }
  function locateProblem(p: Problem, sourcePointer: string): LocatedProblem {
    const pos = src.locate(sourcePointer);
    return { ...p, pointer: sourcePointer, where: `${at(pos)} (${sourcePointer || '/'})`, ...(pos ?? {}) };
  }
  const fail = (ps: Problem[]) => templateError(firstProblems(ps).map((p) => locateProblem(p, toSource(p.pointer))));

  const schemaProblems = validateAgainstSchema(doc);
  if (schemaProblems.length > 0) throw fail(schemaProblems);
  const template = normalizeTemplate(doc as Record<string, unknown>);

  const digests = await referencedFileDigests(template, baseDir);
  const problems = semanticProblems(template, digests);
  if (problems.length > 0) throw fail(problems);

  const present = new Map([...digests].filter((e): e is [string, string] => typeof e[1] === 'string'));
  return { template, digest: templateDigest(template, present), baseDir, file: resolve(file), format: kind };
}

/** Every file a template reads (scripts, file sources, CA certificates), with its sha256, null when
 * missing, or why it is refused (outside the template's directory: never opened, never hashed). */
export async function referencedFileDigests(template: Template, baseDir: string): Promise<Map<string, FileDigest>> {
  const paths = new Set<string>();
  for (const step of [...template.customize, ...Object.values(template.repair).flat()]) {
    const ref = stepFileRef(step);
    if (ref) paths.add(ref.path);
  }
  const out = new Map<string, FileDigest>();
  for (const p of [...paths].sort()) {
    const refused = templateFileProblem(baseDir, p);
    out.set(p, refused ? { refused } : await sha256OfFile(baseDir, p));
  }
  return out;
}

/** Hash a template file through the open, verified handle (see openTemplateFile); null when it is not a regular file. */
async function sha256OfFile(baseDir: string, ref: string): Promise<FileDigest> {
  let fh;
  try {
    fh = await openTemplateFile(baseDir, ref, ref);
  } catch (e) {
    if (isGoldsmithError(e) && e.code === 'TEMPLATE_FILE_OUTSIDE') return { refused: e.message };
    return null;
  }
  if (!fh) return null;
  try {
    const h = createHash('sha256');
    for await (const chunk of fh.createReadStream({ autoClose: false })) h.update(chunk as Buffer);
    return h.digest('hex');
  } finally {
    await fh.close();
  }
}

function sniffFormat(file: string, text: string): 'yaml' | 'json' {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  return text.trimStart().startsWith('{') ? 'json' : 'yaml';
}
