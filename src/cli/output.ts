/** Output helpers shared by every command group: `--json` prints one JSON document, otherwise a table or text. */
export interface OutputOptions {
  json?: boolean;
  quiet?: boolean;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A plain aligned table; cells are stringified, null/undefined shown as "-". */
export function table(rows: Array<Record<string, unknown>>, columns?: string[]): string {
  if (rows.length === 0) return '(none)';
  const cols = columns ?? Object.keys(rows[0]!);
  const cell = (v: unknown) => (v === null || v === undefined || v === '' ? '-' : Array.isArray(v) ? v.join(',') : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(cols.map((c) => c.toUpperCase())), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n');
}

/** Print `value` as JSON with --json, else the human rendering. */
export function emit(opts: OutputOptions, value: unknown, human: () => string): void {
  if (opts.json) printJson(value);
  else if (!opts.quiet) process.stdout.write(human() + '\n');
}
