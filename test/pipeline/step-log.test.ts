import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STEP_LOG_HEAD_BYTES, STEP_LOG_TAIL_BYTES, StepLog } from '../../src/pipeline/step-log.js';

test('a small step log is kept whole', () => {
  const log = new StepLog();
  for (const l of ['a', '', 'b c']) log.push(l);
  assert.equal(log.text(), 'a\n\nb c');
});

test('a flood keeps its head and tail within the bounds, and says what it elided', () => {
  // Red team: each sandbox run is capped at 32 MiB, but a step runs every customize step of a
  // template; 17 of them flooding passed V8's largest string when the whole log was joined.
  const log = new StepLog();
  const line = 'x'.repeat(63);
  const n = 1_500_000; // 96 MB of output
  const t0 = Date.now();
  log.push('first line');
  for (let i = 0; i < n; i++) log.push(line);
  log.push('last line');
  const text = log.text();
  assert.ok(text.length <= STEP_LOG_HEAD_BYTES + STEP_LOG_TAIL_BYTES + 200, `${text.length}`);
  assert.ok(text.startsWith('first line\n'));
  assert.ok(text.endsWith('\nlast line'));
  const m = /… (\d+) lines \((\d+) bytes\) of output elided …/.exec(text);
  assert.ok(m, 'the elision is stated');
  const kept = text.split('\n').length - 1;
  assert.equal(Number(m[1]) + kept, n + 2);
  assert.ok(Date.now() - t0 < 10_000, 'linear time');
});

test('one enormous line is cut, not kept whole', () => {
  const log = new StepLog(1024, 1024);
  log.push('y'.repeat(10_000_000));
  assert.ok(log.text().length < 1100);
  assert.match(log.text(), /\(10000000 characters\)$/);
});
