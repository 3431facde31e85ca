/** Progress events a run emits while it executes; the CLI renders them (human or NDJSON). */
export type PipelineEvent =
  | { type: 'run.start'; runId: string; template: string; resumed: boolean; from: string; at: string }
  | { type: 'step.start'; runId: string; step: string; description: string; at: string }
  | { type: 'step.output'; runId: string; step: string; line: string }
  | { type: 'step.end'; runId: string; step: string; status: 'succeeded' | 'failed' | 'needs-repair'; durationMs: number; at: string; error?: string }
  | { type: 'run.restore'; runId: string; from: string; reason: string; at: string }
  | { type: 'run.end'; runId: string; state: string; durationMs: number; at: string; error?: { code: string; message: string } };

export type PipelineListener = (e: PipelineEvent) => void;
