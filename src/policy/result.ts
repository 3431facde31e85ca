import type { EffectName } from './ast.js';
import type { AppliedOperation } from './apply-effects.js';
import type { CompiledPolicy } from './compile.js';
import { makeEnv } from './runtime.js';
import { decisiveLeaves, describeLeaf, type TraceNode } from './trace.js';
import type { EvaluationContext, PolicyInfo, Resource } from './types.js';

export type ComplianceState = 'Compliant' | 'NonCompliant' | 'Protected' | 'Unknown' | (string & {});

export interface RelatedCheck {
  type: string;
  name?: string;
  candidates: Array<{ id?: string; name?: string; satisfied: boolean; trace: TraceNode[] }>;
}

export interface PolicyResultData {
  /** Did the `if` condition match the resource. */
  applicable: boolean;
  effect: EffectName;
  /** Compliant / NonCompliant; Protected for denyAction, the manual default state, null when disabled. */
  complianceState: ComplianceState | null;
  /** Human-readable reasons, derived from the trace. */
  readonly reasons: string[];
  /** The condition tree as evaluated (computed on first access, then kept). */
  readonly trace: TraceNode[];
  error?: { message: string; where?: string };
  modified?: Resource;
  operations?: AppliedOperation[];
  conflicts?: string[];
  /** With conflicts: deny means a create/update request is refused (append always; modify by conflictEffect). */
  conflictEffect?: 'audit' | 'deny' | 'disabled';
  related?: RelatedCheck;
  remediation?: { targetResourceId?: string; deployment?: unknown; roleDefinitionIds?: unknown; existenceScope: string; resourceGroupName?: string };
  actionNames?: string[];
}

/**
 * The trace and reasons are computed on first access by re-running the condition with recording
 * on: a full scan pays nothing for explanations it never reads. toJSON includes them.
 */
export class Result implements PolicyResultData {
  applicable = false;
  complianceState: ComplianceState | null = null;
  // Declared, not initialised: most results never carry these, and smaller objects scan faster.
  declare error?: PolicyResultData['error'];
  declare modified?: Resource;
  declare operations?: AppliedOperation[];
  declare conflicts?: string[];
  declare conflictEffect?: PolicyResultData['conflictEffect'];
  declare related?: RelatedCheck;
  declare remediation?: PolicyResultData['remediation'];
  declare actionNames?: string[];
  /** The effect-level reason; the condition-level ones come from the trace. */
  declare note?: string;
  // True private fields: inputs kept for the lazy trace stay out of Object.keys and spreads.
  #trace?: TraceNode[];
  readonly #policy: CompiledPolicy;
  readonly #resource: Resource;
  readonly #context: EvaluationContext;
  readonly #info: PolicyInfo | undefined;
  constructor(
    public effect: EffectName,
    policy: CompiledPolicy,
    resource: Resource,
    context: EvaluationContext,
    info: PolicyInfo | undefined = context.policy,
  ) {
    this.#policy = policy;
    this.#resource = resource;
    this.#context = context;
    this.#info = info;
  }
  get trace(): TraceNode[] {
    this.#trace ??= traceOf(this.#policy, this.#resource, this.#context, this.#info);
    return this.#trace;
  }
  get reasons(): string[] {
    const leaves = decisiveLeaves(this.trace).map(describeLeaf);
    return this.note === undefined ? leaves : [this.note, ...leaves];
  }
  toJSON(): Record<string, unknown> {
    const { note: _n, ...rest } = this as unknown as Record<string, unknown>;
    return { ...rest, reasons: this.reasons, trace: this.trace };
  }
}

export type PolicyResult = PolicyResultData;

/** The related resources considered; their existenceCondition traces are computed on first access. */
export class RelatedInfo implements RelatedCheck {
  private cache?: RelatedCheck['candidates'];
  constructor(
    readonly type: string,
    readonly name: string | undefined,
    private readonly compute: () => RelatedCheck['candidates'],
  ) {}
  get candidates(): RelatedCheck['candidates'] {
    this.cache ??= this.compute();
    return this.cache;
  }
  toJSON(): RelatedCheck {
    return { type: this.type, name: this.name, candidates: this.candidates };
  }
}

function traceOf(p: CompiledPolicy, resource: Resource, ctx: EvaluationContext, info: PolicyInfo | undefined): TraceNode[] {
  const env = makeEnv(resource, ctx, info);
  const t: TraceNode[] = [];
  try {
    p.condition(env, t);
  } catch {
    // the failing leaf carries its error in the trace
  }
  return t;
}

