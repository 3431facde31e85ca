import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metrics, metricsText } from '../../src/metrics/index.js';

/** Every line of the text format: HELP/TYPE comments or `name{labels} value`. */
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\\\|\\"|\\n)*",?)*\})? (-?[0-9.e+]+|NaN|\+Inf|-Inf)$/;

test('metricsText writes HELP, TYPE and one line per series, escaping label values', () => {
  const m = new Metrics();
  m.describe('goldsmith_trigger_failures_total', 'counter', 'Trigger batches that failed,\nby error kind.');
  m.inc('goldsmith_trigger_failures_total', { kind: 'input' });
  m.inc('goldsmith_trigger_failures_total', { kind: 'input' });
  m.inc('goldsmith_trigger_failures_total', { kind: 'a"b\\c\nd' });
  m.gauge('goldsmith_feed_subscribers', 'Open subscriptions.', () => [{ value: 3 }]);
  m.set('goldsmith_feed_lag_seconds', 0.25);
  const text = metricsText(m);
  assert.ok(text.endsWith('\n'));
  const lines = text.trimEnd().split('\n');
  for (const l of lines) assert.ok(l.startsWith('# HELP ') || l.startsWith('# TYPE ') || SAMPLE.test(l), `not exposition format: ${l}`);
  assert.ok(lines.includes('# HELP goldsmith_trigger_failures_total Trigger batches that failed,\\nby error kind.'));
  assert.ok(lines.includes('# TYPE goldsmith_trigger_failures_total counter'));
  assert.ok(lines.includes('goldsmith_trigger_failures_total{kind="input"} 2'));
  assert.ok(lines.includes('goldsmith_trigger_failures_total{kind="a\\"b\\\\c\\nd"} 1'));
  assert.ok(lines.includes('goldsmith_feed_subscribers 3'));
  assert.ok(lines.includes('# TYPE goldsmith_feed_lag_seconds gauge'));
  assert.ok(lines.includes('goldsmith_feed_lag_seconds 0.25'));
  // Each family's TYPE comes once, before its samples.
  assert.equal(lines.filter((l) => l === '# TYPE goldsmith_trigger_failures_total counter').length, 1);
});

test('counters refuse to go down, names and labels are checked, kinds cannot change', () => {
  const m = new Metrics();
  assert.throws(() => m.inc('x_total', {}, -1), /cannot decrease/);
  assert.throws(() => m.inc('bad-name'), /bad metric name/);
  assert.throws(() => m.inc('x_total', { 'bad-label': 'v' }), /bad label/);
  m.inc('x_total');
  assert.throws(() => m.set('x_total', 1), /is a counter/);
  assert.equal(metricsText(new Metrics()), '');
});
