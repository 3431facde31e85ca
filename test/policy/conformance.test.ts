import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGoldsmithError } from '../../src/errors/index.js';
import { compileDefinition, evaluate } from '../../src/policy/index.js';
import { definitionOf, loadCases } from './cases.js';

/** `want` matches `got` when every key in want is present in got with an equal value (recursively). */
function partialMatch(got: unknown, want: unknown, at = ''): void {
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(got) && got.length === want.length, `at ${at}: expected ${want.length} members, got ${JSON.stringify(got)}`);
    want.forEach((w, i) => partialMatch((got as unknown[])[i], w, `${at}[${i}]`));
  } else if (want !== null && typeof want === 'object') {
    for (const [k, v] of Object.entries(want)) partialMatch((got as Record<string, unknown> | undefined)?.[k], v, `${at}.${k}`);
  } else assert.deepEqual(got, want, `at ${at}`);
}

const cases = loadCases();

describe('policy conformance cases', () => {
  for (const { file, c } of cases) {
    it(`${file}: ${c.note}`, () => {
      let compiled;
      try {
        compiled = compileDefinition(definitionOf(c), c.parameters);
      } catch (e) {
        if (c.want.error && isGoldsmithError(e)) {
          assert.equal(e.code, c.want.error, e.message);
          return;
        }
        throw e;
      }
      assert.equal(c.want.error, undefined, `expected error ${c.want.error}, but the definition compiled`);
      const r = evaluate(compiled, c.resource, { now: '2026-06-01T00:00:00Z', ...c.context, related: c.related ?? c.context?.related });
      const got = { applicable: r.applicable, effect: r.effect, complianceState: r.complianceState };
      const want = { applicable: c.want.applicable, effect: c.want.effect, complianceState: c.want.complianceState };
      assert.deepEqual(got, want, `reasons: ${r.reasons.join(' | ')}`);
      if (c.want.modified !== undefined) partialMatch(r.modified, c.want.modified, 'modified');
      if (c.want.reason !== undefined) assert.ok(r.reasons.some((x) => x.includes(c.want.reason!)), `no reason mentions ${JSON.stringify(c.want.reason)}: ${r.reasons.join(' | ')}`);
    });
  }
});
