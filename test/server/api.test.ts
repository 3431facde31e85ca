import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertTransport, ensureOwnerToken, failureDelay, FailureThrottle, isLoopback, parseListen, routesOf, type RouteSpec } from '../../src/server/index.js';
import { describeEachBackend } from '../support/stores.js';
import { OTHER_RG, RG, serverFixture, SUB, VM_URL, type ServerFixture } from './support.js';

/** Concrete values for every path parameter the routes use: all name things that exist. */
const PARAM_VALUES: Record<string, string> = {
  subscriptionId: SUB,
  resourceGroupName: 'goldsmith',
  vmName: 'web1',
  assignmentName: 'gc1',
  galleryName: 'g1',
  imageName: 'ubuntu',
  version: '1.0.0',
  name: 'x',
  managementGroupId: 'root',
  runId: 'run-x',
  advisoryId: 'CVE-2024-6387',
  tokenId: '0123456789abcdef',
};
const urlOf = (r: RouteSpec) => r.url.replace(/:([A-Za-z]+)/g, (_, p: string) => PARAM_VALUES[p] ?? assert.fail(`no value for :${p} in ${r.url}`));
const examplesOf = (r: RouteSpec) => ((r.schema.body as { examples?: unknown[] } | undefined)?.examples ?? []) as Array<Record<string, unknown>>;

it('listen addresses: loopback only without TLS', () => {
  assert.deepEqual(parseListen('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseListen(':9000'), { host: '127.0.0.1', port: 9000 });
  assert.throws(() => parseListen('0.0.0.0'), { code: 'SERVE_BAD_LISTEN' });
  assert.throws(() => parseListen('host:99999'), { code: 'SERVE_BAD_LISTEN' });
  for (const h of ['127.0.0.1', '127.9.9.9', '::1', 'localhost']) assert.ok(isLoopback(h), h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com']) assert.ok(!isLoopback(h), h);
  assert.throws(() => assertTransport(parseListen('0.0.0.0:8080'), false), { code: 'SERVE_TLS_REQUIRED' });
  assertTransport(parseListen('0.0.0.0:8080'), true);
});

it('failed authentication waits longer each time, up to a cap', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 10, 100].map((n) => failureDelay(n, 100, 1000)), [0, 100, 200, 400, 800, 1000, 1000]);
});

it('parallel attempts from a failing address wait one after another', async () => {
  const t = new FailureThrottle({ baseMs: 40, capMs: 1000 });
  t.fail('a');
  const start = Date.now();
  await Promise.all([t.wait('a'), t.wait('a'), t.wait('a'), t.wait('b')]);
  assert.ok(Date.now() - start >= 115, `took ${Date.now() - start} ms`);
  assert.equal(t.delayFor('b'), 0, 'another address is not slowed');
});

describeEachBackend('server API', (b) => {
  let f: ServerFixture;
  let owner: string;
  before(async () => {
    f = await serverFixture(b);
    owner = (await f.auth('owner', '/')).authorization;
  });
  after(async () => f.close());

  it('answers /healthz without a token and nothing else', async () => {
    assert.deepEqual((await f.server.inject({ url: '/healthz' })).json(), { status: 'ok' });
    for (const r of routesOf(f.server).filter((r) => !r.public)) {
      const res = await f.server.inject({ method: r.method, url: urlOf(r) });
      assert.equal(res.statusCode, 401, `${r.method} ${r.url}`);
      assert.equal(res.json().error.code, 'API_UNAUTHENTICATED');
    }
    assert.equal((await f.server.inject({ url: '/no/such/route' })).statusCode, 401, 'unknown routes are not revealed without a token');
  });

  it('refuses missing, malformed, wrong, expired and revoked tokens alike, and audits refused writes', async () => {
    const good = await f.auth('owner', '/');
    const expired = await f.auth('owner', '/', { expiresAt: new Date(Date.now() + 300) });
    const revoked = await f.auth('owner', '/');
    await f.app.tokens.revoke(revoked.id);
    const wrongSecret = good.authorization.slice(0, -4) + (good.authorization.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await sleep(350);
    const before = await f.snapshot();
    for (const authorization of ['', 'Bearer', 'Bearer x', `Basic ${good.authorization.slice(7)}`, wrongSecret, expired.authorization, revoked.authorization]) {
      const r = await f.server.inject({ method: 'PATCH', url: VM_URL, headers: { authorization }, payload: { tags: { x: '1' } } });
      assert.equal(r.statusCode, 401, authorization);
      assert.deepEqual(Object.keys(r.json().error).sort(), ['code', 'message']);
    }
    assert.equal(await f.snapshot(), before);
    assert.equal((await f.server.inject({ method: 'GET', url: VM_URL, headers: { authorization: good.authorization } })).statusCode, 200);
    const audit = (await f.server.inject({ url: '/audit?limit=7', headers: { authorization: owner } })).json().value as Array<{ outcome: string; status: number; tokenId: string | null }>;
    assert.deepEqual(audit.map((a) => [a.outcome, a.status, a.tokenId]), Array(7).fill(['refused', 401, null]));
  });

  it('slows down repeated failures from one address', async () => {
    const throttle = new FailureThrottle({ baseMs: 60, capMs: 1000 });
    const slow = await serverFixture(b, { throttle });
    try {
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t = Date.now();
        assert.equal((await slow.server.inject({ url: '/audit', headers: { authorization: 'Bearer nope' } })).statusCode, 401);
        times.push(Date.now() - t);
      }
      // Lower bounds only: a loaded machine makes requests slower, never faster.
      assert.ok(times[1]! >= 55 && times[2]! >= 115, `delays ${times}`);
      assert.equal(throttle.delayFor('127.0.0.1'), 240);
      const t = Date.now();
      assert.equal((await slow.server.inject({ url: '/audit', headers: await slow.auth('reader', '/') })).statusCode, 200, 'a valid token still gets in (after the wait)');
      assert.ok(Date.now() - t >= 235);
      assert.equal(throttle.delayFor('127.0.0.1'), 0, 'a success clears the address');
    } finally {
      await slow.close();
    }
  });

  it('refuses bad input to every route and changes nothing', async () => {
    const elsewhere = (await f.auth('owner', OTHER_RG)).authorization;
    const before = await f.snapshot();
    for (const r of routesOf(f.server).filter((r) => !r.public)) {
      const url = urlOf(r);
      const what = `${r.method} ${r.url}`;
      const q = await f.server.inject({ method: r.method, url: `${url}?zzUnknown=1`, headers: { authorization: owner } });
      assert.equal(q.statusCode, 400, `unknown query parameter: ${what}`);
      assert.equal(q.json().error.code, 'API_INVALID_REQUEST');
      const [example] = examplesOf(r);
      const body = example ? { payload: example } : {};
      // /openapi.json is for anyone with a token; /events streams to any scope, filtered to what it may read (events.test.ts).
      if (r.url !== '/openapi.json' && r.url !== '/events') assert.equal((await f.server.inject({ method: r.method, url, headers: { authorization: elsewhere }, ...body })).statusCode, 403, `outside the token's scope: ${what}`);
      if (!r.schema.body) continue;
      assert.ok(example, `${what} has an example body`);
      const send = (payload: string, type = 'application/json') => f.server.inject({ method: r.method, url, headers: { authorization: owner, 'content-type': type }, payload });
      const cases: Array<[string, Promise<{ statusCode: number; json(): any }>, number, string]> = [
        ['malformed JSON', send('{"properties": {'), 400, 'API_MALFORMED_JSON'],
        ['wrong content type', send(JSON.stringify(example), 'text/plain'), 415, 'API_UNSUPPORTED_MEDIA_TYPE'],
        ['over the body limit', send(JSON.stringify({ ...example, pad: 'x'.repeat(1024 * 1024) })), 413, 'API_BODY_TOO_LARGE'],
        ['unknown field', send(JSON.stringify({ ...example, zzUnknown: 1 })), 400, 'API_INVALID_REQUEST'],
        ['prototype pollution', send('{"__proto__": {"x": 1}, "properties": {}}'), 400, 'API_MALFORMED_JSON'],
      ];
      for (const [label, p, status, code] of cases) {
        const res = await p;
        assert.equal(res.statusCode, status, `${label}: ${what}`);
        assert.equal(res.json().error.code, code, `${label}: ${what}`);
      }
    }
    assert.equal(await f.snapshot(), before);
  });

  it('a bug answers 500 INTERNAL without its message or stack', async () => {
    const getVm = f.app.fleet.getVm;
    f.app.fleet.getVm = async () => {
      throw new Error('password=hunter2 at /srv/secret.ts:1');
    };
    try {
      const r = await f.server.inject({ url: VM_URL, headers: { authorization: owner } });
      assert.equal(r.statusCode, 500);
      assert.equal(r.json().error.code, 'INTERNAL');
      assert.ok(!/hunter2|secret\.ts|at /.test(r.body), r.body);
    } finally {
      f.app.fleet.getVm = getVm;
    }
  });

  it('PUT, PATCH and DELETE a VM at its ARM path, with admission, audit digests and the path as identity', async () => {
    const url = `${RG}/providers/Microsoft.Compute/virtualMachines/api1`;
    const doc = { location: 'westeurope', tags: { team: 'api' }, properties: { hardwareProfile: { vmSize: 'Standard_D2s_v5' } } };
    const put = await f.server.inject({ method: 'PUT', url, headers: { authorization: owner }, payload: doc });
    assert.equal(put.statusCode, 201, put.body);
    assert.equal(put.json().id, url);
    assert.equal((await f.server.inject({ method: 'PUT', url, headers: { authorization: owner }, payload: doc })).statusCode, 200, 'replacing is 200');
    const other = await f.server.inject({ method: 'PUT', url, headers: { authorization: owner }, payload: { ...doc, name: 'api2' } });
    assert.equal(other.json().error.code, 'API_PATH_MISMATCH');
    const patched = await f.server.inject({ method: 'PATCH', url, headers: { authorization: owner }, payload: { tags: { team: null, owner: 'me' } } });
    assert.deepEqual(patched.json().tags, { owner: 'me' });
    const list = await f.server.inject({ url: `${RG}/providers/Microsoft.Compute/virtualMachines?api-version=2024-03-01`, headers: { authorization: owner } });
    assert.ok(list.json().value.some((v: { id: string }) => v.id === url));
    const del = await f.server.inject({ method: 'DELETE', url, headers: { authorization: owner } });
    assert.deepEqual(del.json().deleted, [url]);
    assert.equal((await f.server.inject({ url, headers: { authorization: owner } })).json().error.code, 'FLEET_VM_NOT_FOUND');
    const audit = (await f.server.inject({ url: `/audit?resourceId=${encodeURIComponent(url)}`, headers: { authorization: owner } })).json().value as Array<{ method: string; status: number; beforeDigest: string | null; afterDigest: string | null }>;
    assert.deepEqual(audit.map((a) => [a.method, a.status]), [['DELETE', 200], ['PATCH', 200], ['PUT', 400], ['PUT', 200], ['PUT', 201]]);
    const [d, p, , r, c] = audit;
    assert.equal(c!.beforeDigest, null);
    assert.equal(r!.beforeDigest, c!.afterDigest, 'the replace saw what the create wrote');
    assert.equal(p!.beforeDigest, r!.afterDigest);
    assert.notEqual(p!.afterDigest, p!.beforeDigest);
    assert.equal(d!.beforeDigest, p!.afterDigest);
  });

  it('policy definitions, assignments and exemptions at their ARM paths; a VM PUT passes admission', async () => {
    const h = { authorization: owner };
    const def = `/subscriptions/${SUB}/providers/Microsoft.Authorization/policyDefinitions/only-westeurope`;
    const rule = { properties: { displayName: 'Only westeurope', mode: 'Indexed', policyRule: { if: { not: { field: 'location', in: ['westeurope'] } }, then: { effect: 'deny' } } } };
    const d = await f.server.inject({ method: 'PUT', url: def, headers: h, payload: rule });
    assert.equal(d.statusCode, 201, d.body);
    assert.equal(d.json().id, def);
    const listed = (await f.server.inject({ url: `${RG}/providers/Microsoft.Authorization/policyDefinitions`.replace(`/resourceGroups/goldsmith`, ''), headers: h })).json().value as Array<{ id: string }>;
    assert.ok(listed.some((x) => x.id === def), 'a subscription lists its own definitions (and built-ins)');
    const asg = `${RG}/providers/Microsoft.Authorization/policyAssignments/westeurope-only`;
    assert.equal((await f.server.inject({ method: 'PUT', url: asg, headers: h, payload: { properties: { policyDefinitionId: def } } })).statusCode, 200);
    const before = await f.snapshot();
    const vm = `${RG}/providers/Microsoft.Compute/virtualMachines/east1`;
    const denied = await f.server.inject({ method: 'PUT', url: vm, headers: h, payload: { location: 'eastus', properties: { hardwareProfile: { vmSize: 'Standard_D2s_v5' } } } });
    assert.equal(denied.statusCode, 409, denied.body);
    assert.equal(denied.json().error.code, 'FLEET_DENIED_BY_POLICY');
    assert.equal(await f.snapshot(), before, 'a denied PUT stores nothing');
    const ex = `${RG}/providers/Microsoft.Authorization/policyExemptions/east-waiver`;
    const e = await f.server.inject({ method: 'PUT', url: ex, headers: h, payload: { properties: { policyAssignmentId: asg, exemptionCategory: 'Waiver' } } });
    assert.equal(e.statusCode, 201, e.body);
    assert.ok((await f.server.inject({ url: `${RG}/providers/Microsoft.Authorization/policyExemptions`, headers: h })).json().value.some((x: { name: string }) => x.name === 'east-waiver'));
    assert.equal((await f.server.inject({ method: 'DELETE', url: ex, headers: h })).statusCode, 200);
    assert.equal((await f.server.inject({ method: 'DELETE', url: def, headers: h })).json().error.code, 'COMPLIANCE_DEFINITION_IN_USE');
    assert.equal((await f.server.inject({ method: 'DELETE', url: asg, headers: h })).statusCode, 200);
    assert.equal((await f.server.inject({ method: 'DELETE', url: def, headers: h })).statusCode, 200);
    assert.equal((await f.server.inject({ method: 'PUT', url: vm, headers: h, payload: { location: 'eastus', properties: { hardwareProfile: { vmSize: 'Standard_D2s_v5' } } } })).statusCode, 201, 'allowed once the assignment is gone');
  });

  it('queries compliance in Azure shapes with $filter, $top and $skiptoken', async () => {
    const golden = '/providers/Microsoft.Authorization/policySetDefinitions/goldsmith-golden-image-compliance';
    const a = await f.server.inject({ method: 'PUT', url: `${RG}/providers/Microsoft.Authorization/policyAssignments/golden`, headers: { authorization: owner }, payload: { properties: { policyDefinitionId: golden, parameters: { galleryEffect: { value: 'Audit' } } } } });
    assert.equal(a.statusCode, 200, a.body);
    await f.app.compliance.scan(RG);
    const base = `${RG}/providers/Microsoft.PolicyInsights/policyStates/latest`;
    const all = (await f.server.inject({ method: 'POST', url: `${base}/queryResults`, headers: { authorization: owner } })).json();
    assert.ok(all.value.length >= 2, JSON.stringify(all).slice(0, 300));
    const pages: unknown[] = [];
    let next: string | undefined = `${base}/queryResults?$top=1`;
    while (next) {
      const page: { value: unknown[]; '@odata.nextLink'?: string } = (await f.server.inject({ method: 'POST', url: next, headers: { authorization: owner } })).json();
      assert.ok(page.value.length <= 1);
      pages.push(...page.value);
      next = page['@odata.nextLink'];
    }
    assert.deepEqual(pages, all.value, 'paging one at a time yields the same results in the same order');
    const state = (all.value as Array<{ complianceState: string }>)[0]!.complianceState;
    const filtered = (await f.server.inject({ method: 'POST', url: `${base}/queryResults?$filter=${encodeURIComponent(`complianceState eq '${state}'`)}`, headers: { authorization: owner } })).json();
    assert.ok(filtered.value.length > 0 && filtered.value.every((v: { complianceState: string }) => v.complianceState === state));
    const bad = await f.server.inject({ method: 'POST', url: `${base}/queryResults?$filter=${encodeURIComponent('location ne 1')}`, headers: { authorization: owner } });
    assert.equal(bad.json().error.code, 'COMPLIANCE_INPUT_INVALID');
    const escape = await f.server.inject({ method: 'POST', url: `${base}/queryResults?$filter=${encodeURIComponent(`resourceId eq '${OTHER_RG}/x'`)}`, headers: { authorization: owner } });
    assert.equal(escape.statusCode, 400, 'a filter cannot reach outside the path scope');
    const sum = (await f.server.inject({ method: 'POST', url: `${base}/summarize`, headers: { authorization: owner } })).json();
    const details = sum.value[0].results.resourceDetails as Array<{ count: number }>;
    assert.equal(details.reduce((n, d) => n + d.count, 0), all.value.length);
  });

  it('a build POST answers 202 with the run URL at once; the run records how it ended', async () => {
    const template = { name: 'api-build', source: { publisher: 'Nobody', offer: 'nothing', sku: 'none', version: 'latest' }, customize: [], distribute: { gallery: 'g1', image: 'ubuntu', targetRegions: [{ name: 'westeurope' }] } };
    const r = await f.server.inject({ method: 'POST', url: '/goldsmith/builds', headers: { authorization: owner }, payload: { template } });
    assert.equal(r.statusCode, 202, r.body);
    assert.equal(r.headers.location, r.json().url);
    let run: { state: string; steps: unknown[] } | undefined;
    for (let i = 0; i < 100; i++) {
      run = (await f.server.inject({ url: r.json().url, headers: { authorization: owner } })).json();
      if (!['queued', 'running', 'pending'].includes(run!.state)) break;
      await sleep(100);
    }
    assert.equal(run!.state, 'failed', JSON.stringify(run).slice(0, 400));
    const bad = await f.server.inject({ method: 'POST', url: '/goldsmith/builds', headers: { authorization: owner }, payload: { template: { name: 'x' } } });
    assert.equal(bad.json().error.code, 'TEMPLATE_PROBLEMS');
    assert.ok(!bad.body.includes(f.home), 'errors do not show where the server keeps submitted templates');
    const logs = (await f.server.inject({ url: `${r.json().url}/logs`, headers: { authorization: owner } })).json();
    assert.ok(Array.isArray(logs.value));
    assert.equal((await f.server.inject({ url: '/goldsmith/runs/run-nope', headers: { authorization: owner } })).statusCode, 404);
  });

  it('serves SBOMs and verification under the version path, with the service codes', async () => {
    const version = `${RG}/providers/Microsoft.Compute/galleries/g1/images/ubuntu/versions/1.0.0`;
    const sbom = await f.server.inject({ url: `${version}/goldsmith/sbom`, headers: { authorization: owner } });
    assert.equal(sbom.statusCode, 404);
    assert.equal(sbom.json().error.code, 'SBOM_NOT_FOUND');
    const v = (await f.server.inject({ url: `${version}/goldsmith/verify`, headers: { authorization: owner } })).json();
    assert.equal(v.ok, false, 'a version without signed statements does not verify');
    assert.ok(v.problems.length > 0);
    const missing = await f.server.inject({ url: version.replace('1.0.0', '9.9.9') + '/goldsmith/verify', headers: { authorization: owner } });
    assert.equal(missing.statusCode, 404);
    assert.deepEqual((await f.server.inject({ url: '/goldsmith/advisories', headers: { authorization: owner } })).json(), { value: [] });
  });

  it('manages tokens over the API: created at most at the creator\'s scope, shown once, revoked at once', async () => {
    const scoped = await f.auth('owner', RG);
    const wide = await f.server.inject({ method: 'POST', url: '/goldsmith/tokens', headers: scoped, payload: { name: 'wider', role: 'reader', scope: '/' } });
    assert.equal(wide.statusCode, 403, 'a scoped owner cannot mint a token for more than its scope');
    const made = await f.server.inject({ method: 'POST', url: '/goldsmith/tokens', headers: scoped, payload: { name: 'vm-agent', role: 'machine', scope: VM_URL } });
    assert.equal(made.statusCode, 201, made.body);
    const agent = { authorization: `Bearer ${made.json().token}` };
    const gc = `${VM_URL}/providers/Microsoft.GuestConfiguration/guestConfigurationAssignments/ssh`;
    const report = { properties: { guestConfiguration: { name: 'AuditSecureShell' }, complianceStatus: 'NonCompliant' } };
    assert.equal((await f.server.inject({ method: 'PUT', url: gc, headers: agent, payload: report })).statusCode, 201);
    assert.equal((await f.server.inject({ method: 'PUT', url: gc.replace('web1', 'other'), headers: agent, payload: report })).statusCode, 403, 'only its own VM');
    const listed = (await f.server.inject({ url: '/goldsmith/tokens', headers: { authorization: owner } })).json().value as Array<{ id: string; token?: string }>;
    assert.ok(listed.some((t) => t.id === made.json().id) && listed.every((t) => t.token === undefined));
    assert.equal((await f.server.inject({ method: 'DELETE', url: `/goldsmith/tokens/${made.json().id}`, headers: { authorization: owner } })).statusCode, 200);
    assert.equal((await f.server.inject({ method: 'PUT', url: gc, headers: agent, payload: report })).statusCode, 401, 'revoked at once');
  });

  it('creates the first owner token once, private to the user', async () => {
    const tokens = f.app.tokens;
    assert.equal(await ensureOwnerToken(tokens, f.home), undefined, 'tokens exist already');
    const fresh = await serverFixture(b);
    try {
      const file = await ensureOwnerToken(fresh.app.tokens, fresh.home);
      assert.equal(file, join(fresh.home, 'owner-token'));
      assert.equal(statSync(file!).mode & 0o777, 0o600);
      const { readFileSync } = await import('node:fs');
      const token = readFileSync(file!, 'utf8').trim();
      assert.equal((await fresh.server.inject({ url: '/audit', headers: { authorization: `Bearer ${token}` } })).statusCode, 200);
      const rows = await fresh.store.query<{ secret_hash: Uint8Array }>(`SELECT secret_hash FROM api_tokens`);
      assert.equal(rows.length, 1);
      assert.ok(!JSON.stringify(await fresh.store.query(`SELECT * FROM api_tokens`)).includes(token.slice('gst_0123456789abcdef_'.length)), 'the secret is not stored');
      assert.equal(await ensureOwnerToken(fresh.app.tokens, fresh.home), undefined);
    } finally {
      await fresh.close();
    }
  });
});
