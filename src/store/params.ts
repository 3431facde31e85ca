/** Plain objects become JSON text (for jsonb columns); everything else passes through. Arrays are
 * left to the driver (PostgreSQL arrays): stringify a JSON array yourself when the column is jsonb. */
export function toParams(params: readonly unknown[]): unknown[] {
  return params.map((p) =>
    p !== null && typeof p === 'object' && !Array.isArray(p) && !(p instanceof Date) && !(p instanceof Uint8Array)
      ? JSON.stringify(p)
      : p,
  );
}
