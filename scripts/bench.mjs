// Runs every benchmark module under dist/bench (compiled from bench/) and prints their figures.
// `npm run bench -- gallery policy` runs only the named ones. Figures are printed, not asserted.
import { readdirSync } from 'node:fs';
const only = process.argv.slice(2);
const files = readdirSync('dist/bench').filter((f) => f.endsWith('.js') && !f.startsWith('_')).sort();
for (const f of files) {
  const name = f.replace(/\.js$/, '');
  if (only.length && !only.includes(name)) continue;
  const mod = await import(new URL(`../dist/bench/${f}`, import.meta.url).href);
  for (const [k, fn] of Object.entries(mod)) {
    if (k.startsWith('bench') && typeof fn === 'function') {
      console.log(`\n## ${name}: ${k}`);
      const t0 = performance.now();
      await fn();
      console.log(`(${k} took ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
  }
}
