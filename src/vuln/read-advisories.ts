/** Read advisories from a file, a directory or a zip dump; everything is validated before anything is returned. */
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { InputError, NotFoundError } from '../errors/index.js';
import { checkInputShape, DEFAULT_INPUT_LIMITS, INPUT_CODES, readInputFile, readInputText } from '../input/index.js';

/** One advisory file or archive read whole: the Debian tracker's JSON and OSV's all.zip are far smaller; V8 cannot hold a much longer string. */
const MAX_ADVISORY_BYTES = 256 * 2 ** 20;
import type { Advisory } from './advisory.js';
import { looksLikeDebianTracker, parseDebianTracker } from './debian-tracker.js';
import { parseOsvRecord } from './osv-record.js';
import { isZip, ZipReader } from './zip-reader.js';

export type AdvisoryFormat = 'auto' | 'osv' | 'debian-tracker';

export interface ReadResult {
  advisories: Advisory[];
  /** Files (or zip members) read. */
  files: number;
}

/** Parse one JSON document: an OSV record, an array of them, or the Debian tracker's JSON. */
export function advisoriesFromDocument(doc: unknown, file: string, format: AdvisoryFormat, now: Date): Advisory[] {
  if (format === 'debian-tracker' || (format === 'auto' && looksLikeDebianTracker(doc))) return parseDebianTracker(doc, file, now);
  const records = Array.isArray(doc) ? doc : [doc];
  return records.map((r, index) => parseOsvRecord(r, { file, index }));
}

function parseJson(text: string, file: string): unknown {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError('VULN_JSON_INVALID', `${file} is not valid JSON: ${(e as Error).message}`, { where: file });
  }
  // Records are stored whole (jsonb refuses NUL characters) and walked recursively: refuse what would break either.
  checkInputShape(doc, file, ADVISORY_LIMITS);
  return doc;
}

/** The tracker's JSON is one large document (every source package), but shallow with short strings. */
const ADVISORY_LIMITS = { ...DEFAULT_INPUT_LIMITS, maxDepth: 32 };

async function jsonFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.json')) out.push(join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
  }
  return out.sort();
}

export async function readAdvisories(path: string, opts: { format?: AdvisoryFormat; now?: Date } = {}): Promise<ReadResult> {
  const format = opts.format ?? 'auto';
  const now = opts.now ?? new Date();
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new NotFoundError('VULN_INPUT_NOT_FOUND', `${path} does not exist`, { where: path });
  const advisories: Advisory[] = [];
  let files = 0;
  if (st.isDirectory()) {
    for (const f of await jsonFilesUnder(path)) {
      advisories.push(...advisoriesFromDocument(parseJson(await readInputText(f, MAX_ADVISORY_BYTES), f), relative(process.cwd(), f) || f, format, now));
      files++;
    }
  } else {
    const buf = await readInputFile(path, MAX_ADVISORY_BYTES);
    if (isZip(buf)) {
      const zip = ZipReader.open(buf, path);
      for (const entry of zip.entries) {
        if (entry.name.endsWith('/') || !entry.name.endsWith('.json')) continue;
        const member = `${path}!${entry.name}`;
        // A few MB of zip can declare (and hold) gigabytes of one repeated byte: as text that is a
        // fatal V8 error (not catchable: exit 133) after eating the host's memory.
        if (entry.size > MAX_ADVISORY_BYTES) {
          throw new InputError(INPUT_CODES.tooLarge, `${member} expands to ${entry.size} bytes; one advisory file may be at most ${MAX_ADVISORY_BYTES}`, { where: member, data: { limit: MAX_ADVISORY_BYTES } });
        }
        advisories.push(...advisoriesFromDocument(parseJson(zip.read(entry).toString('utf8'), member), member, format, now));
        files++;
      }
    } else if (/\.zip$/i.test(path)) {
      throw new InputError('VULN_NOT_A_ZIP', `${basename(path)} is named .zip but is not a zip archive (no PK signature)`, { where: path });
    } else {
      advisories.push(...advisoriesFromDocument(parseJson(buf.toString('utf8'), path), path, format, now));
      files = 1;
    }
  }
  return { advisories: dedupe(advisories), files };
}

/** One record per id: a dump may carry the same advisory twice; the newest `modified` wins. */
function dedupe(list: Advisory[]): Advisory[] {
  const byId = new Map<string, Advisory>();
  for (const a of list) {
    const prev = byId.get(a.id);
    if (!prev || prev.modified <= a.modified) byId.set(a.id, a);
  }
  return [...byId.values()];
}
