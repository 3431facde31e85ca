/**
 * The fleet: VMs, scale sets, disks, extensions and guest configuration assignments as ARM documents
 * in Azure's hierarchy (management groups → subscriptions → resource groups → resources), admission
 * through policy on every write, `az vm list` import, and the image facts policies read.
 */
import type { GalleryService } from '../gallery/index.js';
import type { Store } from '../store/index.js';
import { FleetService } from './fleet-service.js';
import type { AdmissionReviewer } from './types.js';

export { FleetService, normalizeLocation, type FleetServiceOptions, type ImportResult } from './fleet-service.js';
export { ScopeAdmin, type ScopeRow } from './scope-admin.js';
export {
  DEFAULT_SCOPES,
  EMPTY_HIERARCHY,
  ROOT_MANAGEMENT_GROUP,
  loadHierarchy,
  parseScope,
  resolveScope,
  scopeContains,
  scopeMatcher,
  type ResolvedScope,
  type ScopeHierarchy,
} from './scopes.js';
export {
  MANAGEMENT_GROUP_TYPE,
  RESOURCE_GROUP_TYPE,
  SUBSCRIPTION_TYPE,
  idKey,
  managementGroupId,
  parseId,
  resourceGroupId,
  resourceId,
  subscriptionId,
  type ParsedId,
  type ScopeKind,
} from '../arm/index.js';
export { normalizeArmDocument, type ShapeResult } from './arm-shape.js';
export { defaultScopeDocuments, managementGroupDocument, resourceGroupDocument, subscriptionDocument } from './scope-documents.js';
export { buildGalleryIndex, loadGalleryIndex, type GalleryIndex, type IndexedDefinition, type IndexedVersion } from './gallery-index.js';
export { imageFactsFor, imageReferenceOf, outdatedReasons, type OutdatedReason } from './image-facts.js';
export {
  imageUsage,
  loadVmSummaries,
  outdatedVms,
  roleSummary,
  tagValue,
  USAGE_GROUPS,
  type OutdatedVm,
  type RoleSummary,
  type UsageGroupBy,
  type UsageRow,
  type VmSummary,
} from './fleet-queries.js';
export { parseImport } from './vm-import.js';
export { parseImageSpec, vmDocument, type ImageSpec } from './vm-document.js';
export { insertResources, insertResourcesIfAbsent, upsertResources } from '../arm/index.js';
export * from './types.js';

/**
 * The fleet over an app's store and gallery. The composition root (src/app) owns wiring; until it
 * carries `fleet`, the CLI builds one here. `admission` comes from the compliance service when wired.
 */
export function createFleet(app: { store: Store; gallery: GalleryService; clock?: () => Date; admission?: AdmissionReviewer }): FleetService {
  return new FleetService(app.store, app.gallery, { clock: app.clock, admission: app.admission });
}
