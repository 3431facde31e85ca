import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CliContext } from '../../src/cli/context.js';
import { buildProgram } from '../../src/cli/program.js';
import { cachedMinbase } from '../support/base-image.js';

// The CLI edge over an embedded store: parsing, URNs, --json output and error codes.
const home = mkdtempSync(join(tmpdir(), 'gs-mpcli-'));
const ctx = new CliContext({ home });
after(async () => {
  await ctx.close();
  rmSync(home, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<string> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  // Only the command's text: the test runner itself reports through stdout with binary frames.
  process.stdout.write = ((c: string | Uint8Array, ...rest: never[]) =>
    typeof c === 'string' ? (chunks.push(c), true) : write(c, ...rest)) as typeof process.stdout.write;
  try {
    await buildProgram(ctx).parseAsync(['node', 'goldsmith', 'marketplace', ...args]);
  } finally {
    process.stdout.write = write;
  }
  return chunks.join('');
}

test('marketplace add / adopt / list / show / build through the CLI', async () => {
  const added = JSON.parse(await run('add', 'Debian:debian-12:12-minbase:12.0.3', '--suite', 'bookworm', '--mirror', 'http://deb.debian.org/debian', '--json'));
  assert.equal(added.recipe.variant, 'minbase');
  await run('add', '--publisher', 'Debian', '--offer', 'debian-12', '--sku', '12-minbase', '--suite', 'bookworm', '--json').then(
    () => assert.fail('missing --version must be refused'),
    (e: { code: string }) => assert.equal(e.code, 'CLI_BAD_OPTION'),
  );
  await run('adopt', 'Debian:debian-12:12-minbase:12.0.3', await cachedMinbase());
  const listed = JSON.parse(await run('list', '--json'));
  assert.deepEqual(listed.map((e: { version: string }) => e.version), ['12.0.3']);
  assert.match(await run('list'), /Debian:debian-12:12-minbase:12\.0\.3\s+mmdebstrap\s+bookworm\/minbase\s+Debian GNU\/Linux 12/);
  const shown = JSON.parse(await run('show', 'Debian:debian-12:12-minbase:latest', '--json'));
  assert.equal(shown.os.versionId, '12');
  const built = JSON.parse(await run('build', 'Debian:debian-12:12-minbase:latest', '--json'));
  assert.equal(built.cached, true);
  assert.equal(built.digest, shown.artifact.digest);
  await assert.rejects(run('show', 'Debian:debian-12:nope:latest'), { code: 'CATALOG_NOT_FOUND' });
  await assert.rejects(run('show', 'Debian:debian-12'), { code: 'CATALOG_BAD_REF' });
});

test('marketplace add --bootable: show says whether a base boots, for people and in --json', async () => {
  const added = JSON.parse(await run('add', 'Debian:debian-12:12-gen2:12.0.3', '--suite', 'bookworm', '--mirror', 'http://deb.debian.org/debian', '--bootable', '--kernel', 'generic', '--json'));
  assert.equal(added.bootable, true);
  assert.deepEqual([added.recipe.bootable, added.recipe.kernel], [true, 'generic']);
  assert.equal(JSON.parse(await run('show', 'Debian:debian-12:12-gen2:latest', '--json')).bootable, true);
  assert.match(await run('show', 'Debian:debian-12:12-gen2:latest'), /^bootable:\s+yes \(recipe: generic kernel, systemd, shim, signed GRUB\)$/m);
  await run('add', 'Debian:debian-12:12-minbase:12.0.4', '--suite', 'bookworm', '--mirror', 'http://deb.debian.org/debian');
  assert.equal(JSON.parse(await run('show', 'Debian:debian-12:12-minbase:12.0.4', '--json')).bootable, false);
  assert.match(await run('show', 'Debian:debian-12:12-minbase:12.0.4'), /^bootable:\s+no \(root filesystem only/m);
  assert.match(await run('list'), /12-gen2:12\.0\.3\s+mmdebstrap\s+bookworm\/minbase\s+\S*\s*yes/);
  await assert.rejects(run('add', 'Debian:debian-12:12-gen2:12.0.5', '--suite', 'bookworm', '--kernel', 'generic'), { code: 'CATALOG_BAD_RECIPE', where: 'recipe.kernel' });
});
