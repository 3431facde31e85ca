/** Packages added, removed and changed between two inventories (keyed by ecosystem, name, arch). Pure. */
import { packageKey, type Inventory, type InventoryPackage } from './inventory.js';

export interface PackageChange {
  ecosystem: InventoryPackage['ecosystem'];
  name: string;
  arch: string;
  from: string;
  to: string;
}

export interface InventoryDiff {
  added: InventoryPackage[];
  removed: InventoryPackage[];
  changed: PackageChange[];
}

export function diffInventories(a: Inventory, b: Inventory): InventoryDiff {
  const before = new Map(a.packages.map((p) => [packageKey(p), p]));
  const after = new Map(b.packages.map((p) => [packageKey(p), p]));
  const added: InventoryPackage[] = [];
  const removed: InventoryPackage[] = [];
  const changed: PackageChange[] = [];
  for (const [k, p] of after) {
    const old = before.get(k);
    if (!old) added.push(p);
    else if (old.version !== p.version) changed.push({ ecosystem: p.ecosystem, name: p.name, arch: p.arch, from: old.version, to: p.version });
  }
  for (const [k, p] of before) if (!after.has(k)) removed.push(p);
  const byKey = (x: { ecosystem: string; name: string; arch: string }, y: typeof x) => {
    const kx = packageKey(x as InventoryPackage);
    const ky = packageKey(y as InventoryPackage);
    return kx < ky ? -1 : kx > ky ? 1 : 0;
  };
  return { added: added.sort(byKey), removed: removed.sort(byKey), changed: changed.sort(byKey) };
}
