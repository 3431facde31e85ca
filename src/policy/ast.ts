import type { ExprNode } from './expression/ast.js';
import type { OperatorName } from './operators.js';

/**
 * The typed AST of a policy definition. Every node carries `path`, the JSON pointer of the JSON it
 * came from, so compile-time and evaluation errors and explanations point into the user's file.
 */
export type ValueNode =
  | { kind: 'literal'; path: string; value: unknown }
  | { kind: 'expression'; path: string; source: string; expr: ExprNode };

export type ConditionNode =
  | { kind: 'allOf'; path: string; children: ConditionNode[] }
  | { kind: 'anyOf'; path: string; children: ConditionNode[] }
  | { kind: 'not'; path: string; child: ConditionNode }
  | { kind: 'condition'; path: string; operand: OperandNode; operator: OperatorName; expected: ValueNode };

export type OperandNode =
  | { kind: 'field'; path: string; field: ValueNode }
  | { kind: 'value'; path: string; value: ValueNode }
  | { kind: 'fieldCount'; path: string; field: string; where?: ConditionNode }
  | { kind: 'valueCount'; path: string; value: ValueNode; name?: string; where?: ConditionNode };

export const PARAMETER_TYPES = ['String', 'Array', 'Object', 'Boolean', 'Integer', 'Float', 'DateTime'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

export interface ParameterDefinition {
  name: string;
  type: ParameterType;
  defaultValue?: unknown;
  allowedValues?: unknown[];
  metadata?: Record<string, unknown>;
  path: string;
}

export const EFFECTS = [
  'disabled', 'append', 'modify', 'deny', 'audit', 'auditIfNotExists', 'deployIfNotExists', 'denyAction', 'manual',
] as const;
export type EffectName = (typeof EFFECTS)[number];

export interface ThenNode {
  path: string;
  effect: ValueNode;
  /** The raw `details` JSON (expressions inside are compiled against the matched resource). */
  details?: unknown;
  detailsPath: string;
  existenceCondition?: ConditionNode;
}

export interface PolicyDefinitionAst {
  kind: 'policyDefinition';
  name?: string;
  id?: string;
  displayName?: string;
  description?: string;
  mode?: string;
  metadata?: Record<string, unknown>;
  parameters: Record<string, ParameterDefinition>;
  if: ConditionNode;
  then: ThenNode;
  /** Pointer of the policy rule inside the source ("/properties/policyRule" or ""). */
  rulePath: string;
}
