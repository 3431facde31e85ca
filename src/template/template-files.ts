import { constants, readlinkSync, realpathSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { delimiter, isAbsolute, relative, resolve, sep } from 'node:path';
import { InputError } from '../errors/index.js';

/**
 * Where a template may take files from: its own directory, plus the directories the operator
 * lists in GOLDSMITH_TEMPLATE_FILE_DIRS (colon-separated). A template is untrusted input: it may
 * not name a host path outside these ('..', an absolute path elsewhere, or a symlink that leads
 * out), so it can neither copy a host secret into an image nor learn a host file's digest.
 */
export function templateFileRoots(baseDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const extra = (env.GOLDSMITH_TEMPLATE_FILE_DIRS ?? '').split(delimiter).filter((d) => d.trim() !== '');
  return [baseDir, ...extra].map((d) => resolve(d));
}

function inside(root: string, p: string): boolean {
  const r = relative(root, p);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

function real(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/** Why a reference is refused, or undefined when it is allowed. Missing files are allowed here (reported as missing elsewhere). */
export function templateFileProblem(baseDir: string, ref: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (ref.includes('\0')) return 'the path contains a NUL character';
  if (ref.split(/[\\/]/).includes('..')) return `"${ref}" contains "..": template files must be inside the template's directory`;
  const roots = templateFileRoots(baseDir, env);
  const lexical = isAbsolute(ref) ? resolve(ref) : resolve(baseDir, ref);
  if (!roots.some((r) => inside(r, lexical))) {
    return `"${ref}" is outside the template's directory${roots.length > 1 ? ' and GOLDSMITH_TEMPLATE_FILE_DIRS' : ' (an operator can allow more directories with GOLDSMITH_TEMPLATE_FILE_DIRS)'}`;
  }
  const target = real(lexical);
  if (target !== undefined) {
    const realRoots = roots.map((r) => real(r) ?? r);
    if (!realRoots.some((r) => inside(r, target))) return `"${ref}" is a symlink that leads outside the template's directory (to ${target.split(sep).slice(0, 3).join(sep)}…)`;
  }
  return undefined;
}

/** The host path of a template file reference, or an InputError naming where it was referenced. */
export function resolveTemplateFile(baseDir: string, ref: string, where: string, env: NodeJS.ProcessEnv = process.env): string {
  const problem = templateFileProblem(baseDir, ref, env);
  if (problem) throw new InputError('TEMPLATE_FILE_OUTSIDE', problem, { where });
  const lexical = isAbsolute(ref) ? resolve(ref) : resolve(baseDir, ref);
  return real(lexical) ?? lexical;
}

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * Open a template file for reading, checked on the open file itself: what the kernel opened must be
 * a regular file inside the allowed directories (its path read back from /proc/self/fd). A check on
 * the path alone races: whoever can write the template's directory could swap a checked file for a
 * symlink to a host file before it is read. O_NOFOLLOW and O_NONBLOCK: a link at the name is not
 * followed and a FIFO does not block the build. Undefined when nothing (or no regular file) is there.
 */
export async function openTemplateFile(baseDir: string, ref: string, where: string, env: NodeJS.ProcessEnv = process.env): Promise<FileHandle | undefined> {
  const path = resolveTemplateFile(baseDir, ref, where, env);
  let fh: FileHandle;
  try {
    fh = await open(path, OPEN_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP') throw new InputError('TEMPLATE_FILE_OUTSIDE', `"${ref}" changed into a symlink while it was being opened`, { where });
    throw e;
  }
  try {
    let opened: string;
    try {
      opened = readlinkSync(`/proc/self/fd/${fh.fd}`);
    } catch {
      opened = path; // no /proc: the path check above stands
    }
    const realRoots = templateFileRoots(baseDir, env).map((r) => real(r) ?? r);
    if (!realRoots.some((r) => inside(r, opened))) {
      throw new InputError('TEMPLATE_FILE_OUTSIDE', `"${ref}" leads outside the template's directory (it changed while it was being opened)`, { where });
    }
    if (!(await fh.stat()).isFile()) {
      await fh.close();
      return undefined;
    }
    return fh;
  } catch (e) {
    await fh.close();
    throw e;
  }
}
