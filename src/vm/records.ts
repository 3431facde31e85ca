/**
 * The guest's reports on the virtio-serial port. Everything here comes from the guest, which runs
 * the image under test: lines and totals are capped, JSON is validated field by field, records
 * without this boot's nonce are ignored, and the first record of each kind wins.
 */

export const MAX_LINE_BYTES = 64 * 1024;
export const MAX_CHANNEL_BYTES = 1024 * 1024;
const MAX_TEXT = 4096;

export interface GuestReport {
  ready?: { uptime: number | null; text: string };
  checks: Map<number, { rc: number | null; output: string }>;
  facts?: { secureBoot: number | null; tpmDevice: boolean; eventLogBytes: number; pcr7: string };
  done: boolean;
}

export function emptyReport(): GuestReport {
  return { checks: new Map(), done: false };
}

const decode = (v: unknown): string => {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/=]*$/.test(v)) return '';
  return Buffer.from(v.slice(0, MAX_TEXT * 2), 'base64').toString('utf8').slice(-MAX_TEXT);
};
const num = (v: unknown): number | null => (typeof v === 'string' && /^\d{1,12}(\.\d{1,6})?$/.test(v) ? Number(v) : null);

/** Apply one line to the report; returns false when the line was ignored. Never throws. */
export function applyRecord(report: GuestReport, line: string, nonce: string, checkCount: number): boolean {
  if (report.done || line.length > MAX_LINE_BYTES) return false;
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch {
    return false;
  }
  if (!r || typeof r !== 'object' || Array.isArray(r)) return false;
  const o = r as Record<string, unknown>;
  if (o.n !== nonce) return false;
  switch (o.t) {
    case 'ready':
      if (report.ready) return false;
      report.ready = { uptime: num(o.uptime), text: decode(o.b64) };
      return true;
    case 'check': {
      const i = o.i;
      if (!report.ready || typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= checkCount || report.checks.has(i)) return false;
      report.checks.set(i, { rc: num(o.rc), output: decode(o.b64) });
      return true;
    }
    case 'facts':
      if (!report.ready || report.facts) return false;
      report.facts = {
        secureBoot: num(o.sb),
        tpmDevice: o.tpm === '1',
        eventLogBytes: num(o.log) ?? 0,
        pcr7: typeof o.pcr7 === 'string' && /^[0-9A-Fa-f]{0,128}$/.test(o.pcr7) ? o.pcr7 : '',
      };
      return true;
    case 'done':
      if (!report.facts) return false;
      report.done = true;
      return true;
    default:
      return false;
  }
}

/**
 * Split a byte stream into lines with caps: an over-long line is dropped whole (up to its newline),
 * and past `maxTotal` bytes the stream is declared exhausted (the caller stops reading).
 */
export class LineSplitter {
  private buf = '';
  private skipping = false;
  private total = 0;
  constructor(private readonly onLine: (line: string) => void, private readonly maxTotal = MAX_CHANNEL_BYTES, private readonly maxLine = MAX_LINE_BYTES) {}

  /** Feed a chunk; returns false once the total cap is passed. */
  push(chunk: Buffer): boolean {
    this.total += chunk.length;
    if (this.total > this.maxTotal) return false;
    const parts = (this.buf + chunk.toString('latin1')).split('\n');
    this.buf = parts.pop() ?? '';
    for (const p of parts) {
      if (!this.skipping && p.length <= this.maxLine) this.onLine(Buffer.from(p, 'latin1').toString('utf8'));
      this.skipping = false;
    }
    if (this.buf.length > this.maxLine) {
      this.buf = '';
      this.skipping = true;
    }
    return true;
  }
}
