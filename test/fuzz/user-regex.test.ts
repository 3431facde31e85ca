import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { execWithBudget, userRegexProblem } from '../../src/input/index.js';
import { fileContains } from '../../src/pipeline/checks/file-checks.js';
import { loadTemplateText } from '../../src/template/index.js';
import { ROOT } from '../template/support.js';
import { REGEX_BOMBS, REGEX_VICTIMS } from './payloads.js';

const scratch = mkdtempSync(join(tmpdir(), 'gs-fuzz-regex-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('user regexes: every catastrophic shape in the corpus is refused up front, with the reason', () => {
  for (const p of REGEX_BOMBS) {
    const why = userRegexProblem(p, 'm');
    assert.ok(why, `${p} should be refused`);
    assert.match(why, /exponential|backtrack/);
  }
  assert.match(userRegexProblem('(a)\\1', 'm') ?? '', /backreference/);
  assert.match(userRegexProblem('x'.repeat(1001), 'm') ?? '', /limit is 1000/);
  assert.match(userRegexProblem('(', 'm') ?? '', /not a valid regular expression/);
});

test('user regexes: the patterns real checks use are accepted', () => {
  for (const p of ['^PermitRootLogin no$', '^\\s*PasswordAuthentication\\s+no\\s*$', 'max_log_file\\s*=\\s*\\d+', '^(?:a|b)c$', '^(ab)?c$', '(ab){2}', '[(+*)]+', '\\(a+\\)+', 'a{2,5}b*c+']) {
    assert.equal(userRegexProblem(p, 'm'), undefined, p);
  }
});

test('user regexes: a (a+)+$ payload the lint is bypassed for is stopped by the match budget, not hung', () => {
  const t0 = performance.now();
  const r = execWithBudget(/(a+)+$/m, 'a'.repeat(40) + '!', 300);
  assert.deepEqual(r, { ok: false, timedOut: true });
  assert.ok(performance.now() - t0 < 2000);
  const m = execWithBudget(/b$/m, 'x'.repeat(1_000_000) + 'b', 2000);
  assert.ok(m.ok && m.match?.index === 1_000_000);
  // Every victim string against every bomb, through the same bounded path: all finish.
  for (const p of REGEX_BOMBS) for (const v of REGEX_VICTIMS) assert.ok('ok' in execWithBudget(new RegExp(p, 'm'), v, 50));
});

test('user regexes: a file-contains check with (a+)+$ is a broken check, and a template with it does not validate', async () => {
  const root = join(scratch, 'root');
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/x'), 'a'.repeat(40) + '!\n');
  const t0 = performance.now();
  const out = await fileContains(root, '/etc/x', '(a+)+$');
  assert.equal(out.status, 'error');
  assert.match(out.message, /exponential/);
  assert.ok(performance.now() - t0 < 2000);
  const ok = await fileContains(root, '/etc/x', '^a+!$');
  assert.equal(ok.status, 'passed');

  const example = join(ROOT, 'examples/hardened-debian.yaml');
  const template = readFileSync(example, 'utf8').replace("pattern: '^PermitRootLogin no$'", () => "pattern: '(a+)+$'");
  assert.ok(template.includes('(a+)+$'));
  await assert.rejects(loadTemplateText(template, example), (e: Error & { code?: string; kind?: string; message: string }) => {
    assert.equal(e.kind, 'input');
    assert.match(e.message, /pattern repeats a group/);
    return true;
  });
});
