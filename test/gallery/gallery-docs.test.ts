import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { CliContext } from '../../src/cli/context.js';
import { registerGallery } from '../../src/cli/gallery.js';

const root = fileURLToPath(new URL(/\/dist\//.test(import.meta.url) ? '../../../' : '../../', import.meta.url));

/** Every command and option docs/gallery.md shows must exist in the CLI, so the page cannot drift. */
test('docs/gallery.md command reference matches the CLI', () => {
  const program = new Command('goldsmith');
  registerGallery(program, new CliContext({ home: '/nonexistent' }));
  const find = (path: string[]): Command | undefined =>
    path.reduce<Command | undefined>((c, name) => c?.commands.find((x) => x.name() === name), program);

  const doc = readFileSync(join(root, 'docs/gallery.md'), 'utf8');
  const lines = doc.replace(/\\\n\s*/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l.startsWith('goldsmith gallery'));
  assert.ok(lines.length >= 10, 'the page lists the commands');
  let checked = 0;
  for (const line of lines) {
    const alternatives = line.replace(/^goldsmith /, '').split(' | ');
    // The command path is the leading run of plain words, before any <arg>, [option] or --flag.
    const words = (s: string) => {
      const out: string[] = [];
      for (const w of s.split(' ')) {
        if (!/^[a-z][a-z|-]*$/.test(w)) break;
        out.push(w);
      }
      return out;
    };
    const first = words(alternatives[0]!);
    const parent = first.slice(0, -1);
    const paths = [first, ...alternatives.slice(1).map((a) => [...parent, words(a)[0]!])].flatMap((p) =>
      p.at(-1)!.split('|').map((leaf) => [...p.slice(0, -1), leaf]),
    );
    const commands = paths.map((p) => {
      const c = find(p);
      assert.ok(c, `docs mention "goldsmith ${p.join(' ')}" which the CLI does not have`);
      return c;
    });
    for (const opt of line.match(/--[a-z-]+/g) ?? []) {
      assert.ok(
        commands.some((c) => c.options.some((o) => o.long === opt)),
        `docs show ${opt} on "${line}" but no such option exists`,
      );
    }
    checked += commands.length;
  }
  assert.ok(checked >= 15);
});
