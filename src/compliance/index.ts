/**
 * Compliance: policy definitions, initiatives, assignments and exemptions in the store; results and
 * roll-ups over the resources table; triggers that re-evaluate what a change affects; request-time
 * admission and what-if. The policy engine (src/policy) does the evaluating; this is everything above it.
 */
export { ComplianceService, type ComplianceServiceOptions, type EvaluationPass, type ScanReport } from './compliance-service.js';
export { AdmissionService, type AdmissionDecision, type AdmissionDenial } from './admission.js';
export { cachesToInvalidate, ComplianceTriggers, vmsOnImages, type TriggerOptions, type TriggerStats } from './triggers.js';
export { invalidateOnFeed } from './feed-invalidation.js';
export { whatIf, type WhatIfReport } from './whatif.js';
export { summarize, listResults, resultsForResource, compliancePercentage, SUMMARY_BY, type ResultFilter, type Summary, type SummaryBy, type SummaryRow, type ListedResult } from './summary.js';
export { parseResultFilter } from './odata-filter.js';
export { DefinitionsRepo, definitionIdAt } from './definitions-repo.js';
export { AssignmentsRepo, assignmentIdAt, exemptionIdAt, normaliseAssignment } from './assignments-repo.js';
export { BUILTIN_DEFINITION_PREFIX, BUILTIN_SET_PREFIX, GOLDEN_IMAGE_INITIATIVE_NAME, REMEDIATION_DOCS, builtinDefinitions, goldenImageInitiative, trustedLaunchWhereSupported } from './golden-initiative.js';
export { galleryImageFacts, imageFactsFor, imageLabel, loadGalleryIndex, type GalleryIndex, type ImageFactsSource } from './image-facts.js';
export { parseScope, ScopeIndex, type ParsedScope } from './scopes.js';
export { complianceAliases } from './aliases.js';
export * from './types.js';
