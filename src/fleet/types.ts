import type { Resource } from '../policy/index.js';

/** An ARM document as stored in `resources`: Azure's envelope, type-specific state under properties. */
export interface ArmResource extends Resource {
  id: string;
  name: string;
  type: string;
  location?: string;
  tags: Record<string, string>;
  properties: Record<string, unknown>;
}

export const VM_TYPE = 'Microsoft.Compute/virtualMachines';
export const VMSS_TYPE = 'Microsoft.Compute/virtualMachineScaleSets';
export const DISK_TYPE = 'Microsoft.Compute/disks';
export const VM_EXTENSION_TYPE = 'Microsoft.Compute/virtualMachines/extensions';
export const VMSS_EXTENSION_TYPE = 'Microsoft.Compute/virtualMachineScaleSets/extensions';
export const GUEST_ASSIGNMENT_TYPE = 'Microsoft.GuestConfiguration/guestConfigurationAssignments';

/** Types the fleet writes through putResource; galleries belong to the gallery service, scopes to their own calls. */
export const FLEET_TYPES = [VM_TYPE, VMSS_TYPE, DISK_TYPE, VM_EXTENSION_TYPE, VMSS_EXTENSION_TYPE, GUEST_ASSIGNMENT_TYPE] as const;

export const ROLES = ['pet', 'cattle'] as const;
export type Role = (typeof ROLES)[number];
export const VM_SECURITY_TYPES = ['TrustedLaunch', 'ConfidentialVM', 'Standard'] as const;
export type VmSecurityType = (typeof VM_SECURITY_TYPES)[number];

/** Azure's imageReference: a gallery image (id) or a marketplace image (publisher/offer/sku/version). */
export interface ImageReference {
  id?: string;
  publisher?: string;
  offer?: string;
  sku?: string;
  version?: string;
  /** Read-only in Azure: the version `latest` resolved to when the VM was created. */
  exactVersion?: string;
  sharedGalleryImageId?: string;
  communityGalleryImageId?: string;
}

export interface VmInput {
  name: string;
  resourceGroup?: string;
  subscription?: string;
  location?: string;
  size?: string;
  tags?: Record<string, string>;
  team?: string;
  application?: string;
  role?: string;
  /** gallery/image[/version|latest], publisher:offer:sku:version, a gallery version or definition id, or an imageReference. */
  image: string | ImageReference;
  securityType?: string;
  secureBoot?: boolean;
  vTpm?: boolean;
  disablePasswordAuthentication?: boolean;
  adminUsername?: string;
}

export interface VmUpdate {
  image?: string | ImageReference;
  size?: string;
  /** Set (or, with an undefined value, remove) tags. */
  tags?: Record<string, string | undefined>;
  team?: string;
  application?: string;
  role?: string;
  securityType?: string;
  secureBoot?: boolean;
  vTpm?: boolean;
}

export interface VmFilter {
  subscription?: string;
  resourceGroup?: string;
  team?: string;
  application?: string;
  role?: string;
  /** A gallery version id, a definition id, or gallery/image[/version]. */
  image?: string;
}

/** What admission (the compliance service) decides about a write or delete, before anything is stored. */
export interface AdmissionDenial {
  assignmentId: string;
  assignmentName?: string;
  policyDefinitionId?: string;
  message: string;
}
export interface AdmissionDecision {
  allowed: boolean;
  /** The resource to write: append/modify effects applied. */
  resource: Resource;
  denials: AdmissionDenial[];
}
export interface AdmissionReviewer {
  review(resource: Resource, opts: { action: 'write' | 'delete' }): Promise<AdmissionDecision>;
}

/** One problem in a document: a JSON pointer into the input and what is wrong there. */
export interface ShapeProblem {
  path: string;
  message: string;
}
