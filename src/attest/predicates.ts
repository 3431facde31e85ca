import { toDigestSet, type ResourceDescriptor } from './statement.js';
import { VERSION_PREDICATE_TYPE, versionPredicateProblems } from './version-statement.js';

/** Predicate types Goldsmith signs for every image version. */
export const PREDICATE_TYPES = {
  sbom: 'https://spdx.dev/Document/v2.3',
  provenance: 'https://slsa.dev/provenance/v1',
  tattoo: 'https://goldsmith.dev/attestations/tattoo/v1',
  version: VERSION_PREDICATE_TYPE,
} as const;
export type PredicateKind = keyof typeof PREDICATE_TYPES;

/** The SLSA buildType of a Goldsmith image build: how to read externalParameters below. */
export const GOLDSMITH_BUILD_TYPE = 'https://goldsmith.dev/buildtypes/image/v1';
export const DEFAULT_BUILDER_ID = 'https://goldsmith.dev/builders/local/v1';

/** SLSA Provenance v1 predicate (https://slsa.dev/spec/v1.0/provenance). */
export interface SlsaProvenance {
  buildDefinition: {
    buildType: string;
    externalParameters: Record<string, unknown>;
    internalParameters?: Record<string, unknown>;
    resolvedDependencies?: ResourceDescriptor[];
  };
  runDetails: {
    builder: { id: string; version?: Record<string, string> };
    metadata?: { invocationId?: string; startedOn?: string; finishedOn?: string };
    byproducts?: ResourceDescriptor[];
  };
}

export interface ProvenanceInput {
  builderId?: string;
  builderVersion?: Record<string, string>;
  /** The build run id. */
  runId: string;
  startedOn: Date | string;
  finishedOn: Date | string;
  template: { name: string; digest: string };
  /** The base image as the template asked for it, e.g. "Debian:debian-12:minbase:latest". */
  requestedBase: string;
  /** Version parameters (gallery, image, version, versioning scheme…), exactly as requested. */
  versionParams?: Record<string, unknown>;
  internalParameters?: Record<string, unknown>;
  /** The base image actually used: its artifact digest and where it came from. */
  base: { uri: string; digest: string; name?: string };
  /** The package mirror the build installed from. */
  mirror?: string;
  extraDependencies?: ResourceDescriptor[];
}

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());

export function slsaProvenance(p: ProvenanceInput): SlsaProvenance {
  const deps: ResourceDescriptor[] = [{ name: p.base.name ?? 'base-image', uri: p.base.uri, digest: toDigestSet(p.base.digest, '/base/digest') }];
  if (p.mirror) deps.push({ name: 'mirror', uri: p.mirror });
  deps.push(...(p.extraDependencies ?? []));
  return {
    buildDefinition: {
      buildType: GOLDSMITH_BUILD_TYPE,
      externalParameters: {
        template: { name: p.template.name, digest: toDigestSet(p.template.digest, '/template/digest') },
        requestedBase: p.requestedBase,
        ...(p.versionParams ? { version: p.versionParams } : {}),
      },
      ...(p.internalParameters ? { internalParameters: p.internalParameters } : {}),
      resolvedDependencies: deps,
    },
    runDetails: {
      builder: { id: p.builderId ?? DEFAULT_BUILDER_ID, ...(p.builderVersion ? { version: p.builderVersion } : {}) },
      metadata: { invocationId: p.runId, startedOn: iso(p.startedOn), finishedOn: iso(p.finishedOn) },
    },
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Shape checks of the predicates Goldsmith knows; other predicate types are only required to be objects. */
export function predicateProblems(predicateType: string, predicate: unknown): string[] {
  if (!isObject(predicate)) return ['predicate is not an object'];
  if (predicateType === PREDICATE_TYPES.sbom) {
    return predicate.spdxVersion === 'SPDX-2.3' ? [] : [`SBOM predicate spdxVersion is ${JSON.stringify(predicate.spdxVersion)}, expected "SPDX-2.3"`];
  }
  if (predicateType === PREDICATE_TYPES.tattoo) {
    return Object.entries(predicate).filter(([, v]) => typeof v !== 'string').map(([k]) => `tattoo predicate field ${k} is not a string`);
  }
  if (predicateType === PREDICATE_TYPES.version) return versionPredicateProblems(predicate);
  if (predicateType !== PREDICATE_TYPES.provenance) return [];
  const out: string[] = [];
  const bd = predicate.buildDefinition;
  const rd = predicate.runDetails;
  if (!isObject(bd)) out.push('provenance buildDefinition is missing');
  else {
    if (typeof bd.buildType !== 'string' || bd.buildType === '') out.push('provenance buildDefinition.buildType is missing');
    if (!isObject(bd.externalParameters)) out.push('provenance buildDefinition.externalParameters is missing');
    if (bd.resolvedDependencies !== undefined) {
      if (!Array.isArray(bd.resolvedDependencies)) out.push('provenance resolvedDependencies is not an array');
      else
        bd.resolvedDependencies.forEach((d: unknown, i) => {
          if (!isObject(d) || (d.uri === undefined && d.digest === undefined && d.content === undefined)) out.push(`provenance resolvedDependencies[${i}] needs uri, digest or content`);
        });
    }
  }
  if (!isObject(rd)) out.push('provenance runDetails is missing');
  else {
    if (!isObject(rd.builder) || typeof rd.builder.id !== 'string' || rd.builder.id === '') out.push('provenance runDetails.builder.id is missing');
    if (rd.metadata !== undefined) {
      if (!isObject(rd.metadata)) out.push('provenance runDetails.metadata is not an object');
      else
        for (const k of ['startedOn', 'finishedOn'])
          if (rd.metadata[k] !== undefined && !RFC3339_RE.test(String(rd.metadata[k]))) out.push(`provenance runDetails.metadata.${k} is not an RFC 3339 timestamp`);
    }
  }
  return out;
}
