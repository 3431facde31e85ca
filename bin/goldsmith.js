#!/usr/bin/env node
// Thin launcher: the CLI is compiled from src/ by `npm install` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';
const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('goldsmith: not built yet; run `npm install` or `npm run build` in the repository\n');
  process.exit(70);
}
await import(entry.href);
