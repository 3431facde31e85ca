import { GALLERY_TYPE, IMAGE_TYPE, VERSION_TYPE } from '../arm/index.js';
import type { Gallery, GalleryVersion, ImageDefinition } from './types.js';

/**
 * ARM-shaped documents for the core `resources` table, with Azure's property names, so the policy
 * and compliance engines read gallery resources exactly as they would read Azure's. Goldsmith-only
 * facts live under properties.goldsmith.
 */
export interface ArmDocument {
  id: string;
  name: string;
  type: string;
  location: string;
  tags: Record<string, string>;
  properties: Record<string, unknown>;
}


export function galleryDocument(g: Gallery): ArmDocument {
  return {
    id: g.id,
    name: g.name,
    type: GALLERY_TYPE,
    location: g.location,
    tags: {},
    properties: {
      description: g.description,
      identifier: { uniqueName: `${g.subscription}-${g.name.toUpperCase()}` },
      softDeletePolicy: { isSoftDeleteEnabled: true },
      provisioningState: 'Succeeded',
      goldsmith: { softDeleteRetentionDays: g.softDeleteRetentionDays },
    },
  };
}

export function imageDocument(d: ImageDefinition, location: string): ArmDocument {
  const features = d.securityType ? [{ name: 'SecurityType', value: d.securityType }] : [];
  return {
    id: d.id,
    name: d.name,
    type: IMAGE_TYPE,
    location,
    tags: {},
    properties: {
      description: d.description,
      identifier: { ...d.identifier },
      osType: d.osType,
      osState: d.osState,
      hyperVGeneration: d.hyperVGeneration,
      architecture: d.architecture,
      features,
      endOfLifeDate: d.endOfLifeDate,
      provisioningState: 'Succeeded',
    },
  };
}

const GIB = 1024 ** 3;
const DISK_KINDS = ['vhd', 'raw', 'qcow2', 'rootfs'] as const;

export function versionDocument(v: GalleryVersion): ArmDocument {
  const disk = DISK_KINDS.map((k) => v.artifacts.find((a) => a.kind === k)).find((a) => a !== undefined);
  const failed = v.replicationStatus.some((r) => r.state === 'Failed');
  return {
    id: v.id,
    name: v.name,
    type: VERSION_TYPE,
    location: v.location,
    tags: {},
    properties: {
      publishingProfile: {
        targetRegions: v.targetRegions.map((r) => ({
          name: r.name,
          regionalReplicaCount: r.replicaCount,
          storageAccountType: r.storageAccountType ?? v.storageAccountType,
          excludeFromLatest: r.excludeFromLatest ?? false,
        })),
        replicaCount: v.replicaCount,
        excludeFromLatest: v.excludeFromLatest,
        publishedDate: v.publishedDate,
        endOfLifeDate: v.endOfLifeDate,
        storageAccountType: v.storageAccountType,
      },
      storageProfile: {
        osDiskImage: disk
          ? { sizeInGB: Math.max(1, Math.ceil(disk.size / GIB)), hostCaching: 'ReadWrite', source: { uri: `goldsmith:artifact/${disk.digest}` } }
          : undefined,
      },
      safetyProfile: {
        allowDeletionOfReplicatedLocations: v.safetyProfile.allowDeletionOfReplicatedLocations,
        blockDeletionBeforeEndOfLife: v.safetyProfile.blockDeletionBeforeEndOfLife,
        reportedForPolicyViolation: false,
      },
      provisioningState: 'Succeeded',
      replicationStatus: {
        aggregatedState: failed ? 'Failed' : 'Completed',
        summary: v.replicationStatus.map((r) => ({ region: r.region, state: r.state, details: r.details, progress: r.state === 'Completed' ? 100 : 0 })),
      },
      goldsmith: {
        // Stored lifecycle only knows about aging; end-of-life is a function of the clock and endOfLifeDate.
        lifecycle: v.agedAt ? 'aged' : 'active',
        agedAt: v.agedAt,
        tattoo: v.tattoo,
        artifacts: v.artifacts,
        buildRunId: v.buildRunId,
        metadata: v.metadata,
      },
    },
  };
}
