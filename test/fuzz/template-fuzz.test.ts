import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { loadTemplateText } from '../../src/template/index.js';
import { ROOT } from '../template/support.js';
import { fuzz, label, SCALE, summarize, type FuzzCase } from './harness.js';
import { aliasBomb, mutateText, mutateValue, toJsonText, toYamlText } from './mutate.js';
import { REGEX_BOMBS } from './payloads.js';
import { Rng } from './prng.js';

const SEEDS = ['examples/hardened-debian.yaml', 'examples/demo/golden-debian12.yaml', 'examples/aib-template.json'].map((f) => ({
  file: join(ROOT, f),
  text: readFileSync(join(ROOT, f), 'utf8'),
}));

/** Values a template field could plausibly be turned into by a hostile author. */
const TEMPLATE_EXTRAS = [...REGEX_BOMBS, { type: 'file-contains', name: 'x', path: '/etc/x', pattern: '(a+)+$' }, 'latest', '1.0.0', { '<<': 1 }];

function* templateCases(n: number): Iterable<FuzzCase> {
  const rng = new Rng(0x7e4a1a7e);
  for (let i = 0; i < n; i++) {
    const seed = rng.pick(SEEDS);
    const json = seed.file.endsWith('.json');
    const how = rng.int(4);
    let text: string;
    let name = seed.file;
    if (how === 0) text = mutateText(seed.text, rng);
    else {
      const v = mutateValue(json ? JSON.parse(seed.text) : parseYaml(seed.text), rng, TEMPLATE_EXTRAS);
      const asJson = json || how === 3;
      text = asJson ? toJsonText(v) : toYamlText(v);
      if (asJson && !json) name = seed.file.replace(/\.ya?ml$/, '.json');
    }
    yield { label: label(`#${i} ${how} ${name.split('/').pop()}`, text), run: () => loadTemplateText(text, name) };
  }
}

test('fuzz: template YAML, JSON and AIB documents are loaded or refused with a typed error, never crash or hang', async () => {
  const r = await fuzz('template', templateCases(400 * SCALE));
  console.log(summarize(r));
  assert.deepEqual(r.findings, []);
  assert.ok(r.refused > 0 && r.ok > 0, 'the corpus both passes and fails validation, so mutations reach past the parser');
});

test('fuzz: a YAML alias bomb is a TEMPLATE_PARSE input error, quickly', async () => {
  const t0 = performance.now();
  await assert.rejects(loadTemplateText(aliasBomb(12), 'bomb.yaml'), (e: Error & { code?: string; kind?: string }) => {
    assert.equal(e.kind, 'input');
    assert.match(e.code ?? '', /TEMPLATE_PARSE/);
    assert.match(e.message, /alias/i);
    return true;
  });
  assert.ok(performance.now() - t0 < 1000);
});

test('fuzz: found at FUZZ_SCALE=8 - an AIB customizer type that is an object with a "toString" key is reported, not a TypeError', async () => {
  const aib = JSON.parse(SEEDS[2]!.text) as { resources: Array<{ properties: { customize: Array<Record<string, unknown>> } }> };
  aib.resources[0]!.properties.customize[0]!.type = { toString: 'x', valueOf: [] };
  await assert.rejects(loadTemplateText(JSON.stringify(aib), SEEDS[2]!.file), (e: Error & { kind?: string }) => {
    assert.equal(e.kind, 'input');
    assert.match(e.message, /customizer type \{"toString":"x","valueOf":\[\]\} is not supported/);
    return true;
  });
});

test('fuzz: YAML tags and __proto__ keys are refused as not plain data, naming the field', async () => {
  for (const [yaml, field] of [['a: !!set {x, y}\n', /\ba\b/], ['b: !!binary AAAA\n', /\bb\b/], ['__proto__: {polluted: 1}\n', /__proto__/]] as const) {
    await assert.rejects(loadTemplateText(yaml, '/tmp/t.yaml'), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'TEMPLATE_LIMIT');
      assert.match(e.message, field);
      return true;
    });
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
