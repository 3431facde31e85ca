import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { CHECK_TYPES, loadTemplate, STEP_TYPES, templateSchema, validateAgainstSchema } from '../../src/template/index.js';
import { ROOT } from './support.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('template schema', () => {
  it('is the published file, and a valid draft 2020-12 schema', async () => {
    const published = JSON.parse(await readFile(join(ROOT, 'schemas', 'template.schema.json'), 'utf8')) as Json;
    assert.deepEqual(templateSchema, published);
    assert.equal(published.$schema, 'https://json-schema.org/draft/2020-12/schema');
    const ajv = new Ajv2020({ strict: false });
    assert.equal(ajv.validateSchema(published), true, JSON.stringify(ajv.errors));
  });

  it('lists exactly the step and check types the loader handles', () => {
    const defs = (templateSchema as Json).$defs;
    assert.deepEqual([...defs.customizeStep.properties.type.enum].sort(), [...STEP_TYPES].sort());
    assert.deepEqual([...defs.check.properties.type.enum].sort(), [...CHECK_TYPES].sort());
    // every type has its own branch, so no type is accepted without its fields being checked
    const branches = (d: Json) => d.allOf.map((b: Json) => b.if.properties.type.const).sort();
    assert.deepEqual(branches(defs.customizeStep), [...STEP_TYPES].sort());
    assert.deepEqual(branches(defs.check), [...CHECK_TYPES].sort());
  });

  it('validates and loads every example template', async () => {
    const files = (await readdir(join(ROOT, 'examples'))).filter((f) => /\.(ya?ml|json)$/.test(f));
    assert.ok(files.includes('hardened-debian.yaml') && files.includes('aib-template.json'), files.join(','));
    for (const f of files) {
      const path = join(ROOT, 'examples', f);
      const loaded = await loadTemplate(path);
      if (loaded.format === 'goldsmith') {
        const doc = parse(await readFile(path, 'utf8')) as unknown;
        assert.deepEqual(validateAgainstSchema(doc), [], f);
      }
      // the normalised model itself is a valid template: types and schema describe the same shape
      assert.deepEqual(validateAgainstSchema(structuredClone(loaded.template)), [], `${f} (normalised)`);
    }
  });

  it('exercises every step and check type in the examples', async () => {
    const l = await loadTemplate(join(ROOT, 'examples', 'hardened-debian.yaml'));
    const steps = new Set([...l.template.customize, ...Object.values(l.template.repair).flat()].map((s) => s.type));
    assert.deepEqual([...steps].sort(), [...STEP_TYPES].sort());
    const checks = new Set(l.template.validate.checks.map((c) => c.type));
    assert.deepEqual(CHECK_TYPES.filter((t) => !checks.has(t)), []);
  });
});
