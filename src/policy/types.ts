/** Shapes shared by every part of the policy engine. Resources are ARM-shaped JSON documents. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Resource {
  id?: string;
  name?: string;
  type?: string;
  location?: string;
  kind?: string;
  tags?: Record<string, string>;
  properties?: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * Goldsmith's own computed facts about a resource, read by the Goldsmith.* aliases. The fleet and
 * gallery services compute these (latest resolution, lifecycle) and pass them in; the engine never
 * looks anything up itself.
 */
export interface ImageFacts {
  /** The gallery image version id the VM runs, when it runs one. */
  versionId?: string;
  version?: string;
  /** The version `latest` resolves to today for the VM's image definition. */
  latestVersion?: string;
  isLatest?: boolean;
  isExcluded?: boolean;
  lifecycle?: 'active' | 'aged' | 'end-of-life';
  ageDays?: number;
  endOfLifeDate?: string;
  fromGallery?: boolean;
  galleryName?: string;
  /** Fields of the image's tattoo (build id, template, base image, build date…). */
  tattoo?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ComputedFacts {
  image?: ImageFacts;
  [key: string]: unknown;
}

/** What a policy() call returns: the assignment being evaluated. */
export interface PolicyInfo {
  assignmentId?: string;
  definitionId?: string;
  setDefinitionId?: string;
  definitionReferenceId?: string;
}

export interface EvaluationContext {
  /** The clock, injected so results are deterministic. Defaults to the real time. */
  now?: Date | string;
  /** Candidate related resources for auditIfNotExists / deployIfNotExists. */
  related?: Resource[];
  /** Goldsmith-computed facts (image lifecycle) for the Goldsmith.* aliases. */
  computed?: ComputedFacts;
  /** requestContext(): the API version of the request, and its action. */
  request?: { apiVersion?: string; action?: 'write' | 'delete' };
  policy?: PolicyInfo;
  /** resourceGroup() and subscription(); derived from the resource id when absent. */
  resourceGroup?: Record<string, unknown>;
  subscription?: Record<string, unknown>;
}
