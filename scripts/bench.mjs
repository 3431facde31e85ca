// Runs every benchmark module under dist/bench (compiled from bench/) and prints their figures.
// `npm run bench -- gallery policy` runs only the named ones. Figures are printed, not asserted.
import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
const only = process.argv.slice(2);

// How fast this machine is right now, so figures from different machines (or a throttled VM) can be
// compared: a fixed amount of plain JS work, timed. The sum is printed so the loop cannot be skipped.
{
  const t0 = performance.now();
  let sum = 0;
  for (let i = 0; i < 1e8; i++) sum += i & 7;
  console.log(`calibration: 10^8 loop iterations in ${(performance.now() - t0).toFixed(0)} ms (sum ${sum}); ${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores`);
}
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
