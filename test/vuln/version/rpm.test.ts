import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRpm, parseRpmEvr, rpmvercmp } from '../../../src/vuln/version/index.js';
import { InputError } from '../../../src/errors/index.js';

/**
 * No rpm binary or python rpm module on a Debian host, so these are rpmvercmp's documented
 * expectations (rpm's own test suite covers the same rules): [a, b, want].
 */
const CASES: Array<[string, string, number]> = [
  ['1.0', '1.0', 0],
  ['1.0', '2.0', -1],
  ['2.0.1', '2.0', 1],
  ['2.0.1a', '2.0.1', 1],
  ['5.5p1', '5.5p2', -1],
  ['5.5p1', '5.5p10', -1],
  ['10xyz', '10.1xyz', -1],
  ['xyz10', 'xyz10.1', -1],
  ['xyz.4', '8', -1], // a digit segment beats a letter segment
  ['xyz.4', '2', -1],
  ['5.6p1', '6.5p1', -1],
  ['6.0.rc1', '6.0', 1], // no pre-release notion without '~'
  ['10b2', '10a1', 1],
  ['1.0a', '1.0aa', -1],
  ['10.0001', '10.1', 0], // leading zeros ignored
  ['10.0001', '10.0039', -1],
  ['4.999.9', '5.0', -1],
  ['20101121', '20101122', -1],
  ['2_0', '2.0', 0], // separators are all alike
  ['a+', 'a_', 0],
  ['+a', '_a', 0],
  ['+_', '_+', 0],
  ['1.0~rc1', '1.0', -1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~rc1~git123', '1.0~rc1', -1],
  ['1.0^', '1.0', 1],
  ['1.0^git1', '1.0', 1],
  ['1.0^git1', '1.0^git2', -1],
  ['1.0^git1', '1.01', -1],
  ['1.0^20160101', '1.0.1', -1],
  ['1.0^20160102', '1.0^20160101^git1', 1],
  ['1.0~rc1^git1', '1.0~rc1', 1],
  ['1.0^git1~pre', '1.0^git1', -1],
  ['1b.fc17', '1.fc17', -1],
  ['1g.fc17', '1.fc17', 1],
  ['2a', '2.0', -1],
  ['1.0', '1.fc4', 1],
  ['3.0.0_fc', '3.0.0.fc', 0],
  ['1.1.α', '1.1.β', 0], // non-ASCII letters are separators to rpm
  ['1.1.αα', '1.1.ββ', 0],
  ['99999999999999999999', '99999999999999999998', 1], // longer than any integer type
];

test('rpmvercmp matches rpm’s documented ordering (both directions)', () => {
  for (const [a, b, want] of CASES) {
    assert.equal(rpmvercmp(a, b), want, `rpmvercmp(${a}, ${b})`);
    assert.equal(rpmvercmp(b, a), 0 - want || 0, `rpmvercmp(${b}, ${a})`);
  }
});

test('compareRpm: epoch, then version, then release only when both have one', () => {
  assert.equal(compareRpm('1:1.0-1', '2.0-1'), 1);
  assert.equal(compareRpm('0:1.0-1', '1.0-1'), 0);
  assert.equal(compareRpm('1.0-1.el9', '1.0-2.el9'), -1);
  assert.equal(compareRpm('1.0', '1.0-5.el9'), 0);
  assert.equal(compareRpm('3.0.7-24.el9', '3.0.7-27.el9'), -1);
  assert.equal(compareRpm('1:3.0.7-24.el9', '3.0.7-27.el9'), 1);
  assert.equal(compareRpm('2.34-100.el9_4.2', '2.34-100.el9_4.10'), -1);
  assert.deepEqual(parseRpmEvr('2:1.2-3-4'), { epoch: '2', version: '1.2-3', release: '4' });
  assert.deepEqual(parseRpmEvr(':1.2'), { epoch: '0', version: '1.2', release: undefined });
  assert.throws(() => parseRpmEvr('', '/x'), (e: unknown) => e instanceof InputError && e.code === 'VULN_VERSION_INVALID' && e.where === '/x');
  assert.throws(() => parseRpmEvr('1:-3'), /version part is empty/);
});
