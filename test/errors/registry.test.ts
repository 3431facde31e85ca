import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConflictError, ERROR_CODES, EXIT_CODES, errorArea, InputError, NotFoundError, type ErrorCode, type ErrorKind } from '../../src/errors/index.js';
import { REPO_ROOT } from '../support/cli.js';

interface DocRow {
  kind: string;
  exit: number;
  summary: string;
  area: string;
}

/** Cells of a markdown table row; `\|` inside a cell is a literal bar. */
function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/\\\|/g, '|'));
}

/** The code tables of docs/errors.md: every `| \`CODE\` | kind | exit | meaning |` row under its ### heading. */
function documentedCodes(md: string): Map<string, DocRow> {
  const rows = new Map<string, DocRow>();
  let area = '';
  for (const line of md.split('\n')) {
    if (line.startsWith('### ')) area = line.slice(4).trim();
    const c = line.startsWith('|') ? cells(line) : [];
    const code = /^`([A-Z][A-Z0-9_]*)`$/.exec(c[0] ?? '')?.[1];
    if (!code) continue;
    assert.ok(!rows.has(code), `${code} is listed twice in docs/errors.md`);
    rows.set(code, { kind: c[1]!, exit: Number(c[2]), summary: c[3]!, area });
  }
  return rows;
}

/** The kinds table: `| kind | exit | meaning |` rows whose first cell is a bare lowercase word. */
function documentedKinds(md: string): Map<string, number> {
  const kinds = new Map<string, number>();
  for (const line of md.split('\n')) {
    const c = line.startsWith('|') ? cells(line) : [];
    if (c.length === 3 && /^[a-z-]+$/.test(c[0]!) && /^\d+$/.test(c[1]!)) kinds.set(c[0]!, Number(c[1]));
  }
  return kinds;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? sourceFiles(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []));
}

const md = readFileSync(join(REPO_ROOT, 'docs/errors.md'), 'utf8');
const codes = Object.keys(ERROR_CODES) as ErrorCode[];

describe('error registry', () => {
  it('docs/errors.md lists exactly the registered codes, each with its kind, exit code, sentence and area', () => {
    const docs = documentedCodes(md);
    const hint = ' (run `npx tsc -p . && node scripts/errors-doc.mjs`)';
    assert.deepEqual(codes.filter((c) => !docs.has(c)), [], `registered but not in docs/errors.md${hint}`);
    assert.deepEqual([...docs.keys()].filter((c) => !(c in ERROR_CODES)), [], `in docs/errors.md but not registered${hint}`);
    for (const c of codes) {
      const { kind, summary } = ERROR_CODES[c];
      assert.deepEqual(docs.get(c), { kind, exit: EXIT_CODES[kind], summary, area: errorArea(c) }, `${c} in docs/errors.md differs from the registry${hint}`);
    }
  });

  it('docs/errors.md gives every kind its exit code', () => {
    assert.deepEqual(Object.fromEntries(documentedKinds(md)), EXIT_CODES);
  });

  it('every code has an area, a stable spelling and a one-sentence summary', () => {
    for (const c of codes) {
      assert.ok(errorArea(c), `${c}: its prefix has no area in ERROR_AREAS`);
      assert.match(c, /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      assert.match(ERROR_CODES[c].summary, /^[A-Z`].*[.)]$/s, `${c}: the summary should be a sentence`);
      assert.doesNotMatch(ERROR_CODES[c].summary, /\n/, `${c}: one line`);
    }
  });

  it('every registered code is used somewhere in src (dead codes are removed)', () => {
    const src = sourceFiles(join(REPO_ROOT, 'src'))
      .filter((f) => !f.endsWith(join('errors', 'registry.ts')))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    assert.deepEqual(codes.filter((c) => !new RegExp(`['"\`]${c}['"\`]`).test(src)), []);
  });

  it('the kind, and so the exit code, comes from the registry', () => {
    const e = new ConflictError('FLEET_DENIED_BY_POLICY', 'denied');
    assert.equal(e.kind, ERROR_CODES.FLEET_DENIED_BY_POLICY.kind);
    assert.equal(e.exitCode, EXIT_CODES.conflict);
    assert.equal(new NotFoundError('GALLERY_NOT_FOUND', 'x').exitCode, EXIT_CODES['not-found']);
    const kinds = new Set<ErrorKind>(codes.map((c) => ERROR_CODES[c].kind));
    assert.deepEqual([...kinds].sort(), Object.keys(EXIT_CODES).sort(), 'every kind has codes, every code a kind with an exit code');
  });
});

/** Never called: `tsc` fails the build if one of these compiles, so codes stay registered and kinds stay right. */
export function wrongCodesDoNotCompile(): unknown[] {
  return [
    // @ts-expect-error a not-found code thrown as input
    new InputError('GALLERY_NOT_FOUND', 'x'),
    // @ts-expect-error an unregistered code
    new InputError('NO_SUCH_CODE', 'x'),
  ];
}
