import { DIGEST_RE } from '../artifacts/index.js';

/**
 * The image-version statement: one signed record binding a gallery version's identity (gallery,
 * image definition, version number), its tattoo, every artifact it is made of (by kind, name and
 * digest; also the statement's subjects) and the inputs it was built from. Without it a database
 * row could point a version at another version's signed bytes, or carry a tattoo nobody signed.
 */
export const VERSION_PREDICATE_TYPE = 'https://goldsmith.dev/attestations/image-version/v1';

export interface VersionArtifact {
  kind: string;
  name: string;
  digest: string;
  size: number;
}

export interface VersionInputs {
  buildRunId: string;
  template: { name: string; digest: string };
  base: { name: string; uri: string; digest: string };
  mirror?: string;
}

/**
 * What booting the version's disk proved (the pipeline's boot step): signed with the version, so
 * "Trusted Launch verified" in the gallery is as trustworthy as its digests.
 */
export interface BootRecord {
  ok: boolean;
  /** 'kvm' or 'tcg' (emulation): boot seconds under TCG are not comparable to hardware. */
  accelerator: string;
  /** Power-on to systemd's multi-user.target, measured by the host; null when it never got there. */
  bootSeconds: number | null;
  maxSeconds: number;
  secureBoot: { enforced: boolean; verified: boolean };
  tpm: { attached: boolean; present: boolean; eventLog: boolean; pcr7: boolean };
  checks: Array<{ name: string; ok: boolean }>;
  /** The disk that booted (the published raw disk; qcow2 and VHD are conversions of it). */
  disk: { kind: string; digest: string };
  /** Why it failed (no-ready, timeout, emergency-mode, secure-boot-rejected, too-slow, checks). */
  reason?: string;
}

/** A boot that proves Trusted Launch: booted with Secure Boot enforced and seen enabled, a TPM seen and measured boot recorded. */
export function bootProvesTrustedLaunch(b: BootRecord | undefined): boolean {
  return Boolean(b && b.ok && b.secureBoot.enforced && b.secureBoot.verified && b.tpm.present && (b.tpm.eventLog || b.tpm.pcr7));
}

export interface VersionPredicate {
  gallery: string;
  imageDefinition: string;
  version: string;
  tattoo: Record<string, string>;
  artifacts: VersionArtifact[];
  inputs: VersionInputs;
  /** Present when the version's disk was booted and tested. */
  boot?: BootRecord;
}

/** The artifact kinds a version statement binds; the attestation bundle itself cannot be (it holds the signatures). */
export const BOUND_ARTIFACT_KINDS = ['rootfs', 'raw', 'qcow2', 'vhd', 'sbom-spdx', 'sbom-cyclonedx'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';

export function versionPredicateProblems(p: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of ['gallery', 'imageDefinition', 'version']) if (!isText(p[k])) out.push(`image-version predicate ${k} is missing`);
  if (!isObject(p.tattoo) || Object.values(p.tattoo).some((v) => typeof v !== 'string')) out.push('image-version predicate tattoo must map keys to strings');
  if (!Array.isArray(p.artifacts) || p.artifacts.length === 0) out.push('image-version predicate artifacts must be a non-empty array');
  else {
    const kinds = new Set<string>();
    p.artifacts.forEach((a: unknown, i) => {
      if (!isObject(a) || !isText(a.kind) || !isText(a.name) || typeof a.digest !== 'string' || !DIGEST_RE.test(a.digest) || typeof a.size !== 'number') {
        out.push(`image-version predicate artifacts[${i}] needs kind, name, digest (sha256:<hex>) and size`);
      } else if (kinds.has(a.kind)) out.push(`image-version predicate artifacts[${i}]: kind ${a.kind} appears twice`);
      else kinds.add(a.kind);
    });
    if (!kinds.has('rootfs')) out.push('image-version predicate has no rootfs artifact');
  }
  const i = p.inputs;
  if (!isObject(i) || !isText(i.buildRunId) || !isObject(i.template) || !isObject(i.base)) out.push('image-version predicate inputs needs buildRunId, template and base');
  const b = p.boot;
  if (b !== undefined) {
    if (!isObject(b) || typeof b.ok !== 'boolean' || (typeof b.bootSeconds !== 'number' && b.bootSeconds !== null) || !isObject(b.secureBoot) || !isObject(b.tpm) || !Array.isArray(b.checks) || !isObject(b.disk)) {
      out.push('image-version predicate boot needs ok, bootSeconds, secureBoot, tpm, checks and disk');
    }
  }
  return out;
}

/** The subjects of a version statement: every bound artifact, by name and digest. */
export function versionSubjects(p: VersionPredicate): Array<{ name: string; digest: string }> {
  return p.artifacts.map((a) => ({ name: a.name, digest: a.digest }));
}
