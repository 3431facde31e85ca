import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Command } from 'commander';
import { CliContext } from '../../src/cli/context.js';
import { buildProgram } from '../../src/cli/program.js';
import { ERROR_CODES, EXIT_CODES } from '../../src/errors/index.js';
import { cliFor, REPO_ROOT } from '../support/cli.js';

const home = mkdtempSync(join(tmpdir(), 'gs-json-'));
after(() => rmSync(home, { recursive: true, force: true }));
const cli = cliFor(home);

/** Every command a user can run: the leaves of the program tree, by their full name. */
function leaves(c: Command, path: string[] = []): Array<{ name: string; command: Command }> {
  if (c.commands.length === 0) return [{ name: path.join(' '), command: c }];
  return c.commands.flatMap((s) => leaves(s, [...path, s.name()]));
}

/** One JSON document and nothing else, or the assertion says what stdout held. */
function oneDocument(stdout: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch (e) {
    assert.fail(`stdout is not one JSON document (${(e as Error).message}):\n${stdout.slice(0, 500)}`);
  }
}

describe('--json on every command', () => {
  it('every leaf command of the program accepts --json', () => {
    const all = leaves(buildProgram(new CliContext({ home })));
    assert.ok(all.length > 50, `found only ${all.length} commands`);
    assert.deepEqual(all.filter((l) => !l.command.options.some((o) => o.long === '--json')).map((l) => l.name), []);
  });

  it('writes print one parseable JSON document with --json', () => {
    const def = join(home, 'def.json');
    writeFileSync(def, JSON.stringify({ name: 'deny-x', properties: { mode: 'All', policyRule: { if: { field: 'type', equals: 'x' }, then: { effect: 'deny' } } } }));
    const template = join(REPO_ROOT, 'examples/hardened-debian.yaml');
    const writes: Array<[string[], (doc: any) => void]> = [
      [['gallery', 'create', 'g1'], (d) => assert.equal(d.name, 'g1')],
      [['fleet', 'group', 'create', 'rg1'], (d) => assert.match(d.id, /\/resourceGroups\/rg1$/)],
      [['policy', 'definition', 'create', '--file', def], (d) => assert.equal(d.name, 'deny-x')],
      [['policy', 'definition', 'delete', 'deny-x'], (d) => assert.equal(d.deleted, 'deny-x')],
      [['schedule', 'add', template], (d) => assert.equal(d.templateFile, template)],
      [['schedule', 'remove', template], (d) => assert.equal(d.removed, template)],
    ];
    for (const [args, check] of writes) {
      const r = cli(...args, '--json');
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      check(oneDocument(r.stdout));
    }
  });
});

describe('usage errors', () => {
  it('print the error document with a registered usage code under --json, wherever --json is, and exit 64', () => {
    const cases: Array<[string[], string, string]> = [
      [['vm', 'list', '--json', '--bogus'], 'USAGE_UNKNOWN_OPTION', '--bogus'],
      [['--json', 'nosuch'], 'USAGE_UNKNOWN_OPTION', '--json'], // the root has no --json: still one error document
      [['nosuch', '--json'], 'USAGE_UNKNOWN_COMMAND', 'nosuch'],
      [['vm', 'show', '--json'], 'USAGE_MISSING_ARGUMENT', 'vm'],
      [['vm', 'create', 'x', '--json'], 'USAGE_MISSING_OPTION', '--image <image>'],
      [['gallery', 'version', 'update', 'g', 'i', '1.0.0', '--exclude-from-latest', 'maybe', '--json'], 'USAGE_INVALID_ARGUMENT', '--exclude-from-latest <bool>'],
    ];
    for (const [args, code, where] of cases) {
      const r = cli(...args);
      assert.equal(r.code, EXIT_CODES.usage, `${args.join(' ')}: ${r.stderr}`);
      const { error } = oneDocument(r.stdout) as { error: Record<string, unknown> };
      assert.equal(error.code, code, args.join(' '));
      assert.equal(error.kind, ERROR_CODES[code as keyof typeof ERROR_CODES].kind);
      assert.equal(typeof error.message, 'string');
      assert.equal(error.where, where);
      assert.match(r.stderr, /error: /, 'commander still explains it on stderr');
    }
  });

  it('keep stdout empty without --json', () => {
    const r = cli('vm', 'list', '--bogus');
    assert.equal(r.code, EXIT_CODES.usage);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /unknown option '--bogus'/);
  });

  it('other errors use the same document', () => {
    const r = cli('vm', 'show', 'nope', '--json');
    assert.equal(r.code, EXIT_CODES['not-found']);
    assert.deepEqual(oneDocument(r.stdout), { error: { code: 'FLEET_VM_NOT_FOUND', kind: 'not-found', message: 'VM nope does not exist', where: 'nope' } });
  });
});

/** Run goldsmith with its stdout already closed by the reader, as `goldsmith … | head -1` ends up. */
function withClosedStdout(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/goldsmith.js'), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, GOLDSMITH_HOME: home, GOLDSMITH_DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('a reader that closes the pipe early', () => {
  it('ends goldsmith quietly: no stack trace, no internal error', async () => {
    for (const args of [['template', 'schema'], ['gallery', 'list', '--json'], ['--help']]) {
      const r = await withClosedStdout(...args);
      assert.equal(r.stderr, '', args.join(' '));
      assert.equal(r.code, 0, args.join(' '));
    }
  });

  it('keeps the exit code of an error it was reporting', async () => {
    const r = await withClosedStdout('vm', 'show', 'nope', '--json');
    assert.equal(r.code, EXIT_CODES['not-found']);
    assert.doesNotMatch(r.stderr, /internal error|EPIPE/);
  });
});
