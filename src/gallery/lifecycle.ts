/**
 * Lifecycle of a gallery image version, computed from stored facts and a clock:
 *   active → aged (a newer version was published) → end-of-life (its own or its definition's
 *   endOfLifeDate has passed). A soft-deleted version is `deleted` whatever else is true.
 */
export type LifecycleState = 'active' | 'aged' | 'end-of-life' | 'deleted';

export interface LifecycleFacts {
  agedAt?: string | null;
  deletedAt?: string | null;
  endOfLifeDate?: string | null;
  /** The image definition's endOfLifeDate applies to every version under it. */
  definitionEndOfLifeDate?: string | null;
}

export function isPast(date: string | null | undefined, now: Date): boolean {
  return !!date && Date.parse(date) <= now.getTime();
}

export function lifecycleState(f: LifecycleFacts, now: Date): LifecycleState {
  if (f.deletedAt) return 'deleted';
  if (isPast(f.endOfLifeDate, now) || isPast(f.definitionEndOfLifeDate, now)) return 'end-of-life';
  if (f.agedAt && Date.parse(f.agedAt) <= now.getTime()) return 'aged';
  return 'active';
}
