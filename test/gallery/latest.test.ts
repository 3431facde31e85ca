import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latestByRegion, resolveLatest, type LatestCandidate } from '../../src/gallery/index.js';
import { candidatesOf, latestCases } from './latest-cases.js';

type C = LatestCandidate & { published: string };
const v = (version: string, published: string, more: Partial<C> = {}): C => ({
  version,
  published,
  excludeFromLatest: false,
  deleted: false,
  regions: [
    { name: 'westeurope', state: 'Completed' },
    { name: 'eastus', state: 'Completed' },
  ],
  ...more,
});

test('latest is the highest version number, not the most recently published', () => {
  const all = [v('1.10.0', '2026-01-01'), v('1.9.0', '2026-06-01'), v('1.2.0', '2026-09-01')];
  assert.equal(resolveLatest(all)?.version, '1.10.0');
  assert.equal(resolveLatest(all, 'westeurope')?.version, '1.10.0');
});

test('global excludeFromLatest removes a version from latest everywhere', () => {
  const all = [v('2.0.0', 'x', { excludeFromLatest: true }), v('1.0.0', 'x')];
  assert.equal(resolveLatest(all)?.version, '1.0.0');
  assert.equal(resolveLatest(all, 'eastus')?.version, '1.0.0');
});

test('per-region exclusion only affects that region', () => {
  const all = [
    v('2.0.0', 'x', { regions: [{ name: 'westeurope', state: 'Completed', excludeFromLatest: true }, { name: 'eastus', state: 'Completed' }] }),
    v('1.0.0', 'x'),
  ];
  assert.equal(resolveLatest(all, 'westeurope')?.version, '1.0.0');
  assert.equal(resolveLatest(all, 'eastus')?.version, '2.0.0');
  assert.equal(resolveLatest(all)?.version, '2.0.0', 'no region: only global exclusion applies');
  const byRegion = latestByRegion(all);
  assert.equal(byRegion.get('westeurope')?.version, '1.0.0');
  assert.equal(byRegion.get('eastus')?.version, '2.0.0');
});

test('soft-deleted versions are never latest', () => {
  const all = [v('3.0.0', 'x', { deleted: true }), v('2.0.0', 'x')];
  assert.equal(resolveLatest(all)?.version, '2.0.0');
  assert.equal(resolveLatest(all, 'westeurope')?.version, '2.0.0');
});

test('a region is only served by versions replicated there (Completed)', () => {
  const all = [
    v('2.0.0', 'x', { regions: [{ name: 'westeurope', state: 'Completed' }, { name: 'eastus', state: 'Failed' }] }),
    v('1.0.0', 'x'),
  ];
  assert.equal(resolveLatest(all, 'eastus')?.version, '1.0.0');
  assert.equal(resolveLatest(all, 'northeurope'), undefined, 'no version targets it');
});

test('nothing eligible resolves to undefined', () => {
  assert.equal(resolveLatest([v('1.0.0', 'x', { excludeFromLatest: true })]), undefined);
  assert.equal(resolveLatest([]), undefined);
});

test('conformance cases (test/gallery/cases/latest.json) on the pure resolver', () => {
  for (const c of latestCases) {
    for (const [region, want] of Object.entries(c.want)) {
      const got = resolveLatest(candidatesOf(c), region === '*' ? undefined : region);
      assert.equal(got?.version ?? null, want, `${c.note} [${region}]`);
    }
  }
});
