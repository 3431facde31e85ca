/** Seeded generator of realistic Debian version pairs (shared by the dpkg conformance test and the bench). */
import { debianVersionProblem } from '../../../src/vuln/version/index.js';

/** mulberry32: tiny deterministic PRNG so failures reproduce from the seed. */
export function rng(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let x = Math.imul(t ^ (t >>> 15), 1 | t);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const NUMS = ['0', '1', '2', '9', '10', '00', '01', '36', '099', '2024', '20240101', '9p1', '3a', '1b'];
const SEPS = ['.', '.', '.', '+', '~', '-', ':', ''];
const TAILS = ['', '', '~rc1', '~beta2', '+dfsg', '+ds1', '+really1.0', '+b1', 'a', 'z', '~~', '~', '+git20240101.abc', '.1'];
const REVS = ['', '', '1', '2', '9', '10', '9+deb12u4', '9+deb12u6', '2+deb12u3', '0ubuntu1', '1~bpo12+1', '1+b1', '3.1', '1~', 'ubuntu0.1'];
const BASES = ['2.36', '1:9.2p1', '1.2.13.dfsg', '3.0.11', '252.22', '7.88.1', '2.2.40', '1:2.38.1', '5.2.15'];

/** One valid version string (starts with a digit; ':' only after an epoch; '-' only with a revision). */
export function genDebianVersion(r: () => number): string {
  if (r() < 0.25) {
    // Near-misses of real versions, the pairs that matter for advisories.
    return pick(r, BASES) + pick(r, TAILS) + (r() < 0.8 ? '-' + (pick(r, REVS) || '1') : '');
  }
  const parts = 1 + Math.floor(r() * 4);
  let up = pick(r, NUMS);
  for (let k = 1; k < parts; k++) {
    const sep = pick(r, SEPS);
    // ':' and '-' are only legal inside upstream when an epoch / a revision is present; avoid them here.
    up += (sep === ':' || sep === '-' ? '.' : sep) + pick(r, NUMS);
  }
  up += pick(r, TAILS);
  const epoch = r() < 0.2 ? String(Math.floor(r() * 3)) + ':' : '';
  if (epoch && r() < 0.2) up += ':' + pick(r, NUMS);
  const rev = pick(r, REVS);
  if (rev && r() < 0.3) up += '-' + pick(r, NUMS);
  return epoch + up + (rev ? '-' + rev : '');
}

/** Up to n valid pairs, biased towards near-equal versions (a mutated copy) so ties and tildes get exercised. */
export function genDebianPairs(seed: number, n: number): Array<[string, string]> {
  const r = rng(seed);
  const out: Array<[string, string]> = [];
  for (let k = 0; k < n; k++) {
    const a = genDebianVersion(r);
    let b: string;
    const mode = r();
    if (mode < 0.4) b = genDebianVersion(r);
    else if (mode < 0.55) b = a;
    else if (mode < 0.75) b = a.replace(/\d+(?!.*\d)/, (d) => String(Number(d) + (r() < 0.5 ? 1 : 0)) + (r() < 0.3 ? '~' : ''));
    else if (mode < 0.9) b = a + pick(r, ['~', '~1', '+1', '.0', 'a', '0']);
    else b = a.replace(/^(\d+:)?/, (e) => (e ? '' : '0:'));
    // Mutations can break syntax (dropping an epoch exposes a later ':'): keep valid pairs only.
    if (!debianVersionProblem(a) && !debianVersionProblem(b)) out.push([a, b]);
  }
  return out;
}
