/**
 * The Azure-Policy-compatible engine: parse(definition) → AST, compile(AST, parameters) → closures,
 * evaluate(compiled, resource, context) → result with explanation. Pure: no I/O anywhere in here.
 */
export type { ConditionNode, EffectName, OperandNode, ParameterDefinition, PolicyDefinitionAst, ValueNode } from './ast.js';
export { EFFECTS } from './ast.js';
export { parseDefinition, canonicalEffect, type ParseOptions } from './parse.js';
export { checkResourceDocument } from './resource-input.js';
export { compile, compileDefinition, type CompiledPolicy, type CompileOptions } from './compile.js';
export { evaluate, evaluateAll, PreparedResource, type ComplianceState, type PolicyResult, type RelatedCheck } from './evaluate.js';
export { decide, combinedComplianceState, mostRestrictiveEffect, EFFECT_ORDER, EFFECT_RESTRICTIVENESS, type Decision } from './combine.js';
export { resolveParameters, checkParameterValue, type AssignmentParameters } from './parameters.js';
export { OPERATORS, type OperatorName } from './operators.js';
export { functionNames } from './expression/functions.js';
export { AliasRegistry, DEFAULT_ALIAS_TABLES, defaultAliases, GOLDSMITH_IMAGE_FIELDS, type AliasTable, type ResolvedField } from './aliases/index.js';
export type { TraceNode, ConditionTrace } from './trace.js';
export type { ComputedFacts, EvaluationContext, ImageFacts, PolicyInfo, Resource } from './types.js';
export { BUILTIN_DEFINITIONS, auditPetImageLifecycle, cattleRunCurrentImage, restrictImagesToGallery } from './builtins/index.js';
