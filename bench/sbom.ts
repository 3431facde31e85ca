/**
 * SBOM and version-comparison benchmarks. `benchSbom()` prints figures and returns them.
 * Rootfs: GOLDSMITH_BENCH_ROOTFS, else the host's own "/" (its dpkg database stands in for a built image).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { catalogRootfs, serialiseSbom, toCycloneDx, toSpdx } from '../src/sbom/index.js';
import { compareApk, compareDebian, compareRpm } from '../src/vuln/version/index.js';
import { genDebianPairs } from '../test/vuln/version/gen-debian.js';
import { median } from './_timing.js';

export interface SbomBenchResult {
  rootfs: { path: string; packages: number; medianMs: number; cpuMs: number; catalogMs: number };
  synthetic: { packages: number; medianMs: number; cpuMs: number };
  comparisonsPerSecond: { debian: number; rpm: number; apk: number };
}

const OPTS = { name: 'bench', digest: 'sha256:' + '0'.repeat(64), created: '2024-01-01T00:00:00Z' };

/** Wall and CPU time: the CPU figure stays meaningful when other work shares the machine's cores. */
async function sbomOnce(dir: string): Promise<{ total: number; cpu: number; catalog: number; packages: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const inv = await catalogRootfs(dir);
  const t1 = performance.now();
  serialiseSbom(toSpdx(inv, OPTS));
  serialiseSbom(toCycloneDx(inv, OPTS));
  const c = process.cpuUsage(c0);
  return { total: performance.now() - t0, cpu: (c.user + c.system) / 1000, catalog: t1 - t0, packages: inv.packages.length };
}

async function timeSbom(dir: string, runs: number) {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await sbomOnce(dir));
  return {
    medianMs: median(results.map((r) => r.total)),
    cpuMs: median(results.map((r) => r.cpu)),
    catalogMs: median(results.map((r) => r.catalog)),
    packages: results[0]!.packages,
  };
}

/** A rootfs with `n` packages in one status file, each with a DEP-5 copyright file. */
async function syntheticRootfs(n: number): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'goldsmith-bench-sbom-'));
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
  const stanzas: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `pkg${i}-lib`;
    stanzas.push(
      `Package: ${name}\nStatus: install ok installed\nPriority: optional\nSection: libs\nInstalled-Size: ${100 + i}\n` +
        `Maintainer: Debian Maintainers <maint@example.org>\nArchitecture: amd64\nMulti-Arch: same\nSource: src${i % 500} (${i % 7}.${i % 13}-${1 + (i % 3)})\n` +
        `Version: ${i % 7}.${i % 13}-${1 + (i % 3)}+deb12u${i % 5}\nDepends: libc6 (>= 2.36)\nDescription: synthetic package ${i}\n This is a long\n description.\n`,
    );
    const doc = join(root, 'usr/share/doc', name);
    await mkdir(doc, { recursive: true });
    await writeFile(
      join(doc, 'copyright'),
      'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: x\n\n' +
        `Files: *\nCopyright: 2020 Someone\nLicense: ${['GPL-2+', 'LGPL-2.1+', 'Expat', 'BSD-3-clause', 'GPL-2+ or Artistic'][i % 5]}\n\n` +
        'License: GPL-2+\n' + ' This program is free software...\n'.repeat(40),
    );
  }
  await mkdir(join(root, 'var/lib/dpkg'), { recursive: true });
  await writeFile(join(root, 'var/lib/dpkg/status'), stanzas.join('\n'));
  return root;
}

/** Comparisons per second of CPU time. */
function perSecond(pairs: Array<[string, string]>, cmp: (a: string, b: string) => number): number {
  let sink = 0;
  const rounds = 20;
  const c0 = process.cpuUsage();
  for (let r = 0; r < rounds; r++) for (const [a, b] of pairs) sink += cmp(a, b);
  const c = process.cpuUsage(c0);
  const ms = (c.user + c.system) / 1000;
  if (sink === Number.MIN_SAFE_INTEGER) console.log(sink); // keep the loop observable
  return Math.round((pairs.length * rounds) / (ms / 1000));
}

export async function benchSbom(): Promise<SbomBenchResult> {
  const path = process.env['GOLDSMITH_BENCH_ROOTFS'] ?? '/';
  await sbomOnce(path); // warm the page cache and the JIT
  const real = await timeSbom(path, 7);
  console.log(
    `sbom: rootfs ${path} (${real.packages} packages): ${real.medianMs.toFixed(1)} ms median wall, ${real.cpuMs.toFixed(1)} ms CPU ` +
      `(catalog ${real.catalogMs.toFixed(1)} ms wall), target < 200 ms for minbase`,
  );

  const synthDir = await syntheticRootfs(1500);
  try {
    await sbomOnce(synthDir);
    const synth = await timeSbom(synthDir, 7);
    console.log(
      `sbom: synthetic status file (${synth.packages} packages with copyright files): ${synth.medianMs.toFixed(1)} ms median wall, ${synth.cpuMs.toFixed(1)} ms CPU`,
    );

    const debPairs = genDebianPairs(7, 20000);
    const rpmPairs: Array<[string, string]> = debPairs.map(([a, b]) => [a.replace(/\+/g, '.'), b.replace(/\+/g, '.')]);
    const apkPairs: Array<[string, string]> = Array.from({ length: 20000 }, (_, i) => [
      `${i % 9}.${i % 17}.${i % 5}_rc${i % 3}-r${i % 4}`,
      `${i % 9}.${(i * 7) % 17}.${i % 5}_p${i % 2}-r${(i + 1) % 4}`,
    ]);
    const comparisonsPerSecond = {
      debian: perSecond(debPairs, compareDebian),
      rpm: perSecond(rpmPairs, compareRpm),
      apk: perSecond(apkPairs, compareApk),
    };
    const fmt = (n: number) => `${(n / 1e6).toFixed(2)} M/s`;
    console.log(
      `version comparisons (per CPU second): dpkg ${fmt(comparisonsPerSecond.debian)}, rpm ${fmt(comparisonsPerSecond.rpm)}, apk ${fmt(comparisonsPerSecond.apk)}`,
    );
    return {
      rootfs: { path, packages: real.packages, medianMs: real.medianMs, cpuMs: real.cpuMs, catalogMs: real.catalogMs },
      synthetic: { packages: synth.packages, medianMs: synth.medianMs, cpuMs: synth.cpuMs },
      comparisonsPerSecond,
    };
  } finally {
    await rm(synthDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*\/bench\//, '/bench/'))) {
  await benchSbom();
}
