/** Advisories as Goldsmith stores and matches them, whatever format they came in. Pure data. */
export type AdvisorySource = 'osv' | 'debian-tracker';

export type RangeEvent = { introduced: string } | { fixed: string } | { last_affected: string } | { limit: string };

export interface AffectedRange {
  /** OSV range type; only ECOSYSTEM ranges are evaluated against distribution packages. */
  type: 'ECOSYSTEM' | 'SEMVER' | 'GIT';
  events: RangeEvent[];
}

export interface AffectedPackage {
  /** OSV ecosystem with release, e.g. "Debian:12", "Alpine:v3.19". */
  ecosystem: string;
  /** Debian and Alpine: the SOURCE package; RPM distributions: the binary package. */
  package: string;
  ranges: AffectedRange[];
  /** Explicitly listed affected versions. */
  versions: string[];
}

export interface Advisory {
  id: string;
  aliases: string[];
  source: AdvisorySource;
  /** ISO-8601. */
  modified: string;
  published?: string;
  summary?: string;
  affected: AffectedPackage[];
  /** The document as received (one OSV record, or one tracker CVE entry per source package). */
  raw: unknown;
}

/** Where an advisory came from, for error messages: file, record index, JSON pointer. */
export interface RecordOrigin {
  file: string;
  index: number;
}

export const isCveId = (s: string): boolean => /^CVE-\d{4}-\d{4,}$/.test(s);
