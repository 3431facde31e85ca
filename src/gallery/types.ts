import type { LifecycleState } from './lifecycle.js';

export const DEFAULT_SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
export const DEFAULT_RESOURCE_GROUP = 'goldsmith';
export const DEFAULT_LOCATION = 'local';
export const DEFAULT_SOFT_DELETE_RETENTION_DAYS = 7;

export interface Gallery {
  id: string;
  subscription: string;
  resourceGroup: string;
  name: string;
  location: string;
  description?: string;
  softDeleteRetentionDays: number;
  createdAt: string;
}

export type OsType = 'Linux' | 'Windows';
export type OsState = 'Generalized' | 'Specialized';
export type HyperVGeneration = 'V1' | 'V2';
export const SECURITY_TYPES = [
  'Standard',
  'TrustedLaunch',
  'TrustedLaunchSupported',
  'ConfidentialVM',
  'ConfidentialVmSupported',
  'TrustedLaunchAndConfidentialVmSupported',
] as const;
export type SecurityType = (typeof SECURITY_TYPES)[number];

export interface ImageIdentifier {
  publisher: string;
  offer: string;
  sku: string;
}

export interface ImageDefinition {
  id: string;
  galleryId: string;
  gallery: string;
  name: string;
  identifier: ImageIdentifier;
  osType: OsType;
  osState: OsState;
  hyperVGeneration: HyperVGeneration;
  securityType?: SecurityType;
  architecture: 'x64' | 'Arm64';
  endOfLifeDate?: string;
  description?: string;
  createdAt: string;
}

export interface TargetRegion {
  name: string;
  replicaCount: number;
  excludeFromLatest?: boolean;
  storageAccountType?: StorageAccountType;
}
export type StorageAccountType = 'Standard_LRS' | 'Standard_ZRS' | 'Premium_LRS';

export type ReplicationState = 'Completed' | 'Failed';
export interface RegionReplicationStatus {
  region: string;
  state: ReplicationState;
  details?: string;
}

export type ArtifactKind = 'rootfs' | 'raw' | 'qcow2' | 'vhd' | 'sbom-spdx' | 'sbom-cyclonedx' | 'attestation' | 'log';
export const ARTIFACT_KINDS: readonly ArtifactKind[] = ['rootfs', 'raw', 'qcow2', 'vhd', 'sbom-spdx', 'sbom-cyclonedx', 'attestation', 'log'];
export interface ArtifactRef {
  kind: ArtifactKind;
  digest: string;
  size: number;
}

export interface SafetyProfile {
  blockDeletionBeforeEndOfLife: boolean;
  allowDeletionOfReplicatedLocations: boolean;
}

export interface GalleryVersion {
  id: string;
  imageId: string;
  gallery: string;
  image: string;
  name: string;
  /** Source region: where the artifacts were produced. */
  location: string;
  targetRegions: TargetRegion[];
  replicationStatus: RegionReplicationStatus[];
  excludeFromLatest: boolean;
  replicaCount: number;
  storageAccountType: StorageAccountType;
  endOfLifeDate?: string;
  publishedDate: string;
  artifacts: ArtifactRef[];
  tattoo: Record<string, string>;
  buildRunId?: string;
  safetyProfile: SafetyProfile;
  metadata: Record<string, unknown>;
  agedAt?: string;
  deletedAt?: string;
  purgeAfter?: string;
}

/** A version as queries return it: stored facts plus what is computed from them and the clock. */
export interface GalleryVersionView extends GalleryVersion {
  lifecycle: LifecycleState;
  /** Latest when no region is given (global exclusion and soft delete only). */
  isLatest: boolean;
  /** Regions in which this version is what `latest` resolves to. */
  latestIn: string[];
}

/** Result of copying artifacts into one region's store. */
export interface RegionReplicationResult extends RegionReplicationStatus {
  replicaCount: number;
  copied: number;
}

export interface ReplicationProgress {
  region: string;
  digest: string;
  done: number;
  total: number;
}
