/** Index a published version's packages from its build run's SBOM inventory, when publish has not already. */
import type { Inventory } from '../sbom/index.js';
import { recordImagePackages } from './image-packages.js';
import type { BuildRunView, VulnDeps } from './ports.js';

export async function indexRunInventory(deps: VulnDeps<unknown>, run: BuildRunView, versionId: string, opts: { force?: boolean } = {}): Promise<number> {
  if (!opts.force) {
    const [row] = await deps.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM version_packages p JOIN gallery_versions v ON v.seq = p.version_seq WHERE v.id = $1`, [versionId]);
    if (row && row.n > 0) return row.n;
  }
  const digest = (run.outputs['sbom'] as { inventoryDigest?: string } | undefined)?.inventoryDigest;
  if (!digest) return 0;
  const inv = JSON.parse((await deps.artifacts.getBytes(deps.buildRegion, digest)).toString('utf8')) as Inventory;
  return deps.store.tx((tx) => recordImagePackages(tx, versionId, inv));
}
