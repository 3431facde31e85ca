/**
 * Process metrics in Prometheus's text exposition format (version 0.0.4), for the server's
 * `/metrics`. Counters and gauges only, with a small fixed set of labels: no histogram library is
 * worth a dependency for the handful of figures Goldsmith exposes.
 */
export type Labels = Record<string, string>;
type Kind = 'counter' | 'gauge';

interface Family {
  kind: Kind;
  help: string;
  values: Map<string, { labels: Labels; value: number }>;
  /** Gauges read at scrape time (subscriber counts, lag) instead of being set on every change. */
  read?: () => Array<{ labels?: Labels; value: number }>;
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export class Metrics {
  private readonly families = new Map<string, Family>();

  /** Add `by` (default 1) to a counter. Counters only go up. */
  inc(name: string, labels: Labels = {}, by = 1): void {
    if (by < 0) throw new RangeError(`counter ${name} cannot decrease`);
    const f = this.family(name, 'counter');
    const v = this.series(f, labels);
    v.value += by;
  }

  set(name: string, value: number, labels: Labels = {}): void {
    this.series(this.family(name, 'gauge'), labels).value = value;
  }

  /** Declare a metric with its help text (once; later calls keep the first). */
  describe(name: string, kind: Kind, help: string): void {
    if (!NAME_RE.test(name)) throw new RangeError(`bad metric name ${JSON.stringify(name)}`);
    const f = this.families.get(name);
    if (f && f.kind !== kind) throw new RangeError(`metric ${name} is a ${f.kind}, not a ${kind}`);
    if (!f) this.families.set(name, { kind, help, values: new Map() });
  }

  /** A gauge computed when scraped. */
  gauge(name: string, help: string, read: () => Array<{ labels?: Labels; value: number }>): void {
    this.describe(name, 'gauge', help);
    this.families.get(name)!.read = read;
  }

  /** The current value of one series (tests, diagnostics). */
  value(name: string, labels: Labels = {}): number {
    const f = this.families.get(name);
    if (!f) return 0;
    if (f.read) return f.read().find((s) => seriesKey(s.labels ?? {}) === seriesKey(labels))?.value ?? 0;
    return f.values.get(seriesKey(labels))?.value ?? 0;
  }

  snapshot(): Array<{ name: string; kind: Kind; help: string; series: Array<{ labels: Labels; value: number }> }> {
    return [...this.families].map(([name, f]) => ({
      name,
      kind: f.kind,
      help: f.help,
      series: f.read ? f.read().map((s) => ({ labels: s.labels ?? {}, value: s.value })) : [...f.values.values()],
    }));
  }

  private family(name: string, kind: Kind): Family {
    this.describe(name, kind, name.replace(/_/g, ' '));
    return this.families.get(name)!;
  }

  private series(f: Family, labels: Labels): { labels: Labels; value: number } {
    for (const k of Object.keys(labels)) if (!LABEL_RE.test(k) || k.startsWith('__')) throw new RangeError(`bad label name ${JSON.stringify(k)}`);
    const key = seriesKey(labels);
    let v = f.values.get(key);
    if (!v) f.values.set(key, (v = { labels: { ...labels }, value: 0 }));
    return v;
  }
}

const seriesKey = (labels: Labels) =>
  JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );

/** Label values escape backslash, double quote and newline; HELP text escapes backslash and newline. */
const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function formatLabels(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.length ? `{${keys.map((k) => `${k}="${escapeLabel(labels[k]!)}"`).join(',')}}` : '';
}

/** Every metric as Prometheus text: `# HELP`, `# TYPE`, then one line per series; ends with a newline. */
export function metricsText(metrics: Metrics): string {
  const lines: string[] = [];
  for (const f of metrics.snapshot().sort((a, b) => a.name.localeCompare(b.name))) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.kind}`);
    for (const s of f.series) lines.push(`${f.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** The content type `/metrics` answers with. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
