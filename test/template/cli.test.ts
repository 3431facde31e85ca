import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { CliContext } from '../../src/cli/context.js';
import { registerTemplate } from '../../src/cli/template.js';
import { ROOT, scratch } from './support.js';

/** Run `goldsmith template ...` in-process and capture what it prints. */
async function run(...args: string[]): Promise<string> {
  const program = new Command('goldsmith').exitOverride();
  const ctx = new CliContext({ home: join(ROOT, '.no-such-home') });
  registerTemplate(program, ctx);
  let out = '';
  const write = process.stdout.write;
  // Only string chunks are ours: under `node --test` the runner itself streams binary reports on stdout.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk !== 'string') return (write as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'goldsmith', 'template', ...args]);
  } finally {
    process.stdout.write = write;
    await ctx.close();
  }
  return out;
}

describe('goldsmith template', () => {
  it('validate prints a summary of a valid template', async () => {
    const out = await run('validate', join(ROOT, 'examples', 'hardened-debian.yaml'));
    assert.match(out, /valid template "hardened-debian"/);
    assert.match(out, /digest +sha256:[0-9a-f]{64}/);
    assert.match(out, /westeurope×2, northeurope×1/);
  });

  it('validate --json prints the normalised template', async () => {
    const out = JSON.parse(await run('validate', join(ROOT, 'examples', 'aib-template.json'), '--json'));
    assert.equal(out.valid, true);
    assert.equal(out.format, 'azure-image-builder');
    assert.equal(out.template.distribute.gallery, 'contoso');
  });

  it('validate throws the typed error for the CLI to map to an exit code', async () => {
    const dir = await scratch({ 't.yaml': 'name: t\n' });
    await assert.rejects(run('validate', join(dir, 't.yaml')), (e: { code: string; exitCode: number }) => e.code === 'TEMPLATE_PROBLEMS' && e.exitCode === 65);
  });

  it('schema prints the published schema', async () => {
    const out = JSON.parse(await run('schema'));
    assert.deepEqual(out, JSON.parse(await readFile(join(ROOT, 'schemas', 'template.schema.json'), 'utf8')));
  });
});
