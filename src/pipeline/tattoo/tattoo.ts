import { InputError } from '../../errors/index.js';
import { formatKeyValue, parseKeyValues } from './key-value.js';

/** What a built image says about itself in /etc/goldsmith/tattoo; the gallery keeps the same record. */
export interface Tattoo {
  sourcePublisher: string;
  sourceOffer: string;
  sourceSku: string;
  /** The exact base version the build resolved (never "latest"). */
  sourceVersion: string;
  /** PRETTY_NAME (or NAME VERSION_ID) of the image's os-release. */
  osVersion: string;
  /** Gallery image definition name. */
  imageName: string;
  /** Gallery image version, Major.Minor.Patch. */
  imageVersion: string;
  /** ISO-8601 UTC, e.g. 2026-11-23T18:00:00Z. */
  publishDate: string;
  buildId: string;
  templateDigest: string;
  gallery: string;
  /** Emergency (out-of-band) build: then patchDate, and cveIds or advisoryIds, are required. */
  oob?: boolean;
  cveIds?: string[];
  /** The advisories (DSA-…, GHSA-…) an emergency build answers: all of them, and the only record when none has a CVE id. */
  advisoryIds?: string[];
  /** ISO date (or date-time, UTC) of the patch the OOB build ships. */
  patchDate?: string;
  /** Keys this version of Goldsmith does not know, kept so a tattoo round-trips. */
  extra?: Record<string, string>;
}

type StringField = Exclude<keyof Tattoo, 'oob' | 'cveIds' | 'advisoryIds' | 'extra'>;

/** File order; also the order of requiredTattooKeys. */
export const TATTOO_KEYS = [
  ['SOURCE_PUBLISHER', 'sourcePublisher'],
  ['SOURCE_OFFER', 'sourceOffer'],
  ['SOURCE_SKU', 'sourceSku'],
  ['SOURCE_VERSION', 'sourceVersion'],
  ['OS_VERSION', 'osVersion'],
  ['IMAGE_NAME', 'imageName'],
  ['IMAGE_VERSION', 'imageVersion'],
  ['PUBLISH_DATE', 'publishDate'],
  ['BUILD_ID', 'buildId'],
  ['TEMPLATE_DIGEST', 'templateDigest'],
  ['GALLERY', 'gallery'],
  ['OOB', 'oob'],
  ['CVE_IDS', 'cveIds'],
  ['ADVISORY_IDS', 'advisoryIds'],
  ['PATCH_DATE', 'patchDate'],
] as const satisfies ReadonlyArray<readonly [string, keyof Tattoo]>;

export type TattooKey = (typeof TATTOO_KEYS)[number][0];

export const TATTOO_PATH = '/etc/goldsmith/tattoo';

const HEADER = [
  '# Goldsmith image tattoo: how this image was built. Written by the build; do not edit.',
  '# KEY=VALUE lines, os-release(5) quoting; safe to source from sh.',
];

/** The tattoo as KEY → VALUE strings (the file's content and the gallery version's metadata). */
export function tattooToRecord(t: Partial<Tattoo>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, field] of TATTOO_KEYS) {
    const v = t[field];
    if (v === undefined) continue;
    if (field === 'oob') out[key] = v ? 'true' : 'false';
    else if (field === 'cveIds' || field === 'advisoryIds') out[key] = (v as string[]).join(',');
    else out[key] = v as string;
  }
  for (const k of Object.keys(t.extra ?? {}).sort()) out[k] = t.extra![k];
  return out;
}

/** Inverse of tattooToRecord. Fields absent from the record stay absent (tattooProblems reports them). */
export function tattooFromRecord(rec: Record<string, string>, where = 'tattoo'): Partial<Tattoo> {
  const t: Partial<Tattoo> = {};
  const known = new Map<string, keyof Tattoo>(TATTOO_KEYS);
  for (const [key, value] of Object.entries(rec)) {
    const field = known.get(key);
    if (field === 'oob') {
      if (value !== 'true' && value !== 'false') {
        throw new InputError('TATTOO_PARSE', `${where}: OOB must be true or false, got ${JSON.stringify(value)}`, { where });
      }
      t.oob = value === 'true';
    } else if (field === 'cveIds' || field === 'advisoryIds') {
      t[field] = value === '' ? [] : value.split(',').map((s) => s.trim());
    } else if (field) {
      t[field as StringField] = value;
    } else {
      (t.extra ??= {})[key] = value;
    }
  }
  return t;
}

/** Deterministic file text: header, then keys in TATTOO_KEYS order, then unknown keys sorted. */
export function formatTattoo(t: Partial<Tattoo>): string {
  const rec = tattooToRecord(t);
  return [...HEADER, ...Object.entries(rec).map(([k, v]) => formatKeyValue(k, v))].join('\n') + '\n';
}

/** Parse tattoo text; a malformed or duplicated line is an InputError naming the line. */
export function parseTattoo(text: string, source = TATTOO_PATH): Partial<Tattoo> {
  const rec: Record<string, string> = {};
  for (const { key, value, line } of parseKeyValues(text, source)) {
    if (key in rec) {
      throw new InputError('TATTOO_PARSE', `${source}:${line}: duplicate key ${key}`, { where: `${source}:${line}` });
    }
    rec[key] = value;
  }
  return tattooFromRecord(rec, source);
}
