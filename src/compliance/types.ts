import type { AssignmentParameters } from '../policy/index.js';

/** Compliance states as Azure reports them (plus Protected, which denyAction resources get). */
export const COMPLIANCE_STATES = ['Compliant', 'NonCompliant', 'Exempt', 'Conflicting', 'Unknown', 'NotStarted', 'Protected'] as const;
export type ComplianceStateName = (typeof COMPLIANCE_STATES)[number];

export type EnforcementMode = 'Default' | 'DoNotEnforce';

/** A stored policy definition: Azure's envelope {id, name, type, properties}. */
export interface DefinitionRecord {
  id: string;
  name: string;
  scope: string;
  policyType: 'BuiltIn' | 'Custom';
  displayName?: string;
  mode?: string;
  doc: { id: string; name: string; type: string; properties: Record<string, unknown> };
}

export interface SetDefinitionReference {
  policyDefinitionId: string;
  policyDefinitionReferenceId: string;
  parameters?: AssignmentParameters;
  groupNames?: string[];
}

export interface SetDefinitionRecord {
  id: string;
  name: string;
  scope: string;
  policyType: 'BuiltIn' | 'Custom';
  displayName?: string;
  policyDefinitions: SetDefinitionReference[];
  parameters: Record<string, unknown>;
  policyDefinitionGroups: Array<{ name: string; displayName?: string; category?: string }>;
  metadata?: Record<string, unknown>;
}

export interface NonComplianceMessage {
  message: string;
  policyDefinitionReferenceId?: string;
}

/** Azure's resource selector: which resources within scope an assignment applies to. */
export interface ResourceSelector {
  name: string;
  selectors: Array<{ kind: 'resourceLocation' | 'resourceType' | 'resourceWithoutLocation'; in?: string[]; notIn?: string[] }>;
}

/** An override changes the effect for some definition references (kind policyEffect). */
export interface AssignmentOverride {
  kind: 'policyEffect';
  value: string;
  selectors?: Array<{ kind: 'policyDefinitionReferenceId'; in?: string[]; notIn?: string[] }>;
}

export interface AssignmentInput {
  name: string;
  scope: string;
  policyDefinitionId: string;
  displayName?: string;
  description?: string;
  notScopes?: string[];
  parameters?: AssignmentParameters;
  enforcementMode?: EnforcementMode;
  nonComplianceMessages?: NonComplianceMessage[];
  resourceSelectors?: ResourceSelector[];
  overrides?: AssignmentOverride[];
  /** Free-form; `remediationUrl` is shown beside every NonCompliant result. */
  metadata?: Record<string, unknown>;
}

export interface AssignmentRecord extends Required<Omit<AssignmentInput, 'displayName' | 'description'>> {
  id: string;
  displayName?: string;
  description?: string;
  isSet: boolean;
  createdAt: string;
  updatedAt: string;
}

export type ExemptionCategory = 'Waiver' | 'Mitigated';

export interface ExemptionInput {
  name: string;
  /** The resource, resource group or subscription exempted. */
  scope: string;
  policyAssignmentId: string;
  exemptionCategory: ExemptionCategory;
  expiresOn?: string | null;
  policyDefinitionReferenceIds?: string[];
  displayName?: string;
  description?: string;
}

export interface ExemptionRecord extends ExemptionInput {
  id: string;
  policyDefinitionReferenceIds: string[];
  expiresOn: string | null;
  createdAt: string;
}

/** One evaluated (assignment, definition reference, resource) result. */
export interface ComplianceResult {
  assignmentId: string;
  /** '' for an assignment of a single definition. */
  referenceId: string;
  resourceId: string;
  definitionId: string;
  setDefinitionId: string | null;
  resourceType: string;
  subscription: string | null;
  resourceGroup: string | null;
  team: string | null;
  application: string | null;
  imageVersion: string | null;
  role: string | null;
  state: ComplianceStateName;
  effect: string;
  enforcementMode: EnforcementMode;
  exemptionId: string | null;
  exemptionExpired: boolean;
  reasons: string[];
  trace: unknown;
  evaluatedAt: string;
  /** The assignment's non-compliance message and remediation guide (NonCompliant/Conflicting only). */
  message: string | null;
  remediationUrl: string | null;
  remediation?: { deployment?: unknown };
  /** On lazily evaluated results: what explain() turns into `reasons` and `trace` (a scan does so only for rows it writes). */
  pending?: { result: unknown; prefix: string[] };
}
