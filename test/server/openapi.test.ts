import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { routesOf } from '../../src/server/index.js';
import { backends } from '../support/stores.js';
import { serverFixture, type ServerFixture } from './support.js';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => void;

type Operation = { requestBody?: { content: Record<string, { schema: object; example?: unknown; examples?: Record<string, { value: unknown }> }> }; parameters?: Array<{ in: string; name: string; schema: object }>; security?: unknown[] };

// The document does not depend on the store: one backend is enough.
let f: ServerFixture;
let doc: { openapi: string; paths: Record<string, Record<string, Operation>> };
before(async () => {
  f = await serverFixture(backends[0]!);
  const owner = await f.auth('reader', '/');
  const r = await f.server.inject({ url: '/openapi.json', headers: owner });
  assert.equal(r.statusCode, 200);
  doc = r.json();
});
after(async () => f.close());

const key = (method: string, url: string) => `${method.toUpperCase()} ${url.replace(/:([A-Za-z]+)/g, '{$1}')}`;

it('is OpenAPI 3.1 and documents exactly the routes the server has', () => {
  assert.equal(doc.openapi, '3.1.0');
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => key(m, path))).sort();
  const served = routesOf(f.server).map((r) => key(r.method, r.url)).sort();
  assert.deepEqual(documented, served);
  for (const r of routesOf(f.server)) {
    const method = r.method.toLowerCase();
    assert.ok(f.server.hasRoute({ method: r.method, url: r.url }), `${r.method} ${r.url} is served`);
    const op = doc.paths[r.url.replace(/:([A-Za-z]+)/g, '{$1}')]![method]!;
    assert.equal(op.security !== undefined && op.security.length === 0, !!r.public, `${r.method} ${r.url}: only public routes waive the bearer token`);
  }
});

it('every request body has an example, and every example validates against its schema', () => {
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  let checked = 0;
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const body = op.requestBody?.content['application/json'];
      if (!body) continue;
      const examples = Object.values(body.examples ?? {}).map((e) => e.value);
      const inline = (body.schema as { examples?: unknown[] }).examples ?? [];
      const all = [...(body.example !== undefined ? [body.example] : []), ...examples, ...inline];
      assert.ok(all.length > 0, `${method} ${path} has no example`);
      const validate = ajv.compile(body.schema);
      for (const ex of all) {
        assert.ok(validate(ex), `${method} ${path}: ${JSON.stringify(validate.errors)}`);
        // The same example with a field too many is refused: the schema is closed.
        assert.equal(validate({ ...(ex as object), zzUnknown: 1 }), false, `${method} ${path} accepts unknown fields`);
        checked++;
      }
    }
  }
  assert.ok(checked >= 10, `only ${checked} examples`);
});
