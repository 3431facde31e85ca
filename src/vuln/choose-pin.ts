/** Which version to pin for an affected binary package, given what the image's mirror offers. Pure. */
import type { Comparator } from './ecosystems.js';
import type { AffectedPackageHit } from './match-candidates.js';

export type PinChoice = { ok: true; pin: string; version: string } | { ok: false; reason: string };

export function choosePin(hit: AffectedPackageHit, offered: readonly string[], cmp: Comparator): PinChoice {
  // The advisory's fix is a SOURCE version; binaries rebuilt without source change carry +bN and still
  // compare above it, so "≥ fixed" on the binary version is the right test.
  const floor = hit.fixed ?? hit.lastAffected;
  if (!floor) return { ok: false, reason: `no fixed version of ${hit.source} is published for this release yet` };
  const good = offered.filter((v) => (hit.fixed ? cmp(v, floor) >= 0 : cmp(v, floor) > 0));
  if (!good.length) {
    const need = hit.fixed ? `≥ ${hit.fixed}` : `> ${hit.lastAffected}`;
    const has = offered.length ? `offers ${[...offered].sort(cmp).join(', ')}` : 'does not offer it';
    return { ok: false, reason: `${hit.name} ${need} is not in the image's mirror (it ${has})` };
  }
  // The exact fixed version when the mirror has it (the smallest change), else the newest that qualifies.
  const version = hit.fixed && good.includes(hit.fixed) ? hit.fixed : good.reduce((a, b) => (cmp(a, b) >= 0 ? a : b));
  return { ok: true, pin: `${hit.name}=${version}`, version };
}
