import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lifecycleState } from '../../src/gallery/index.js';

const at = (s: string) => new Date(s);

test('active → aged → end-of-life, driven by data and the injected clock', () => {
  const facts = { agedAt: '2026-03-01T00:00:00Z', endOfLifeDate: '2026-12-31T00:00:00Z' };
  assert.equal(lifecycleState(facts, at('2026-02-01T00:00:00Z')), 'active');
  assert.equal(lifecycleState(facts, at('2026-06-01T00:00:00Z')), 'aged');
  assert.equal(lifecycleState(facts, at('2027-01-01T00:00:00Z')), 'end-of-life');
});

test("the definition's end of life applies to its versions", () => {
  const facts = { definitionEndOfLifeDate: '2026-05-01T00:00:00Z' };
  assert.equal(lifecycleState(facts, at('2026-04-30T23:59:59Z')), 'active');
  assert.equal(lifecycleState(facts, at('2026-05-01T00:00:00Z')), 'end-of-life');
});

test('end of life does not need aging first, and deleted wins over everything', () => {
  assert.equal(lifecycleState({ endOfLifeDate: '2026-01-01T00:00:00Z' }, at('2026-02-01T00:00:00Z')), 'end-of-life');
  assert.equal(lifecycleState({ deletedAt: '2026-01-05T00:00:00Z', endOfLifeDate: '2026-01-01T00:00:00Z' }, at('2026-02-01T00:00:00Z')), 'deleted');
});
