import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareApk, isValidApkVersion } from '../../../src/vuln/version/index.js';

/** apk's documented ordering rules, one or more pairs per rule: [a, op, b]. */
const CASES: Array<[string, '<' | '=' | '>', string]> = [
  ['1.0', '<', '1.1'],
  ['1.2.1', '>', '1.2'],
  ['1.9', '<', '1.10'],
  ['1.0.4-r3', '<', '1.0.4-r4'],
  ['1.2.2-r1', '>', '1.2.2'],
  ['1.05-r18', '<', '1.05-r19'],
  ['0.1.0_alpha', '<', '0.1.0_alpha2'],
  ['1.1_alpha1', '<', '1.1'],
  ['1.3_alpha3', '<', '1.3_beta1'],
  ['0.13_beta5', '<', '0.13_pre1'],
  ['1.0_pre1', '<', '1.0_rc1'],
  ['1.0_rc1', '<', '1.0'],
  ['3.1_p16', '<', '3.1_p17'],
  ['1.8.5', '<', '1.8.5_p2'],
  ['1.0_p10-r0', '>', '1.0_p9-r0'],
  ['1.0_git1', '<', '1.0_p1'],
  ['1.0_cvs1', '<', '1.0_svn1'],
  ['2.3.0b-r1', '<', '2.3.0b-r2'],
  ['1.7', '<', '1.7b'],
  ['2.5.1-r8', '<', '2.5.1a-r1'],
  ['0.9.8c-r1', '<', '0.9.8d'],
  ['006', '>', '1.0.0'], // the first component is a plain number
  ['1.02', '<', '1.1'], // later components with leading zeros sort low
  ['1.002', '<', '1.02'],
  ['1.00', '<', '1.0'],
  ['1.2.07.8', '<', '1.2.12.04'],
  ['4.01', '<', '4.20'],
  ['3.0.20060720', '<', '20060720'],
  ['0.1.0_alpha_pre2', '<', '0.1.0_alpha'],
  ['1.3_pre1-r1', '<', '1.3.2'],
  ['1.0.0_pre20191002222144-r0', '<', '1.0.0_pre20210530193627-r0'],
  ['2.16.1-r3', '=', '2.16.1-r3'],
  ['1.2.3~abc123-r1', '=', '1.2.3~def456-r1'], // the commit hash does not order
  ['3.3.0-r0', '<', '3.3.1-r0'],
  ['1.36.1-r5', '<', '1.36.1-r15'],
];

test('compareApk follows apk’s version rules (both directions)', () => {
  const want = { '<': -1, '=': 0, '>': 1 } as const;
  for (const [a, op, b] of CASES) {
    assert.equal(compareApk(a, b), want[op], `${a} ${op} ${b}`);
    assert.equal(compareApk(b, a), 0 - want[op] || 0, `${b} reversed ${a}`);
  }
});

test('isValidApkVersion accepts apk grammar and rejects the rest', () => {
  for (const v of ['1.0', '1.2.3-r4', '1.0_alpha2_p3-r1', '2.3.0b-r1', '1.2.3~abc-r1']) assert.ok(isValidApkVersion(v), v);
  for (const v of ['', 'v1.0', '1.0-1', '1.0_foo', '1..0bc']) assert.ok(!isValidApkVersion(v), v);
});
