/**
 * The Goldsmith image template, as the rest of the system sees it after parsing and validation.
 * The JSON Schema in schemas/template.schema.json describes the same shape for users and editors.
 */
export interface ImageRef {
  publisher: string;
  offer: string;
  sku: string;
  /** Exact version or "latest". */
  version: string;
}

export type CustomizeStep =
  | { type: 'shell'; name: string; inline?: string[]; script?: string; sha256?: string }
  | { type: 'file'; name: string; source: string; destination: string; sha256: string; mode?: string; owner?: string }
  | { type: 'packages'; name: string; install: string[]; allowUnpinned?: boolean; update?: boolean }
  | { type: 'ca-certificate'; name: string; source: string; sha256: string };

export type Check =
  | { type: 'file-exists'; name: string; path: string; repair?: string[] }
  | { type: 'file-absent'; name: string; path: string; repair?: string[] }
  | { type: 'file-contains'; name: string; path: string; pattern: string; repair?: string[] }
  | { type: 'file-mode'; name: string; path: string; mode: string; repair?: string[] }
  | { type: 'package-installed'; name: string; package: string; version?: string; repair?: string[] }
  | { type: 'command'; name: string; run: string; repair?: string[] }
  | { type: 'service-enabled'; name: string; service: string; repair?: string[] }
  | { type: 'tattoo-complete'; name: string; repair?: string[] };

/** A check run inside the booted guest (boot validation). */
export type GuestCheck =
  | { type: 'service-active'; name: string; service: string }
  | { type: 'port-listening'; name: string; port: number; proto?: 'tcp' | 'udp' }
  | { type: 'command'; name: string; run: string }
  | { type: 'sshd-option'; name: string; option: string; value: string };

/** Boot validation: the disk image booted as a local VM and tested (validate.boot). */
export interface BootValidation {
  /** Budget from power-on to multi-user.target. */
  maxSeconds: number;
  /** Undefined: decided by the definition's security type. */
  secureBoot?: boolean;
  tpm?: boolean;
  memoryMiB: number;
  checks: GuestCheck[];
  repair?: string[];
}

export interface TargetRegion {
  name: string;
  replicaCount: number;
  excludeFromLatest?: boolean;
}

export interface Distribute {
  gallery: string;
  /** Gallery image definition name. */
  image: string;
  /** Identifier of the definition, created on first publish if missing. */
  identifier?: { publisher: string; offer: string; sku: string };
  osType?: 'Linux' | 'Windows';
  hyperVGeneration?: 'V1' | 'V2';
  securityType?: string;
  targetRegions: TargetRegion[];
  excludeFromLatest?: boolean;
  /** ISO date; the version's end of life. */
  endOfLifeDate?: string;
  /** Versioning: "latest" scheme (optionally within a major) or an explicit version. */
  versioning: { scheme: 'latest'; major?: number } | { scheme: 'source' } | { scheme: 'explicit'; version: string };
  outputs?: Array<'raw' | 'qcow2' | 'vhd'>;
}

export interface Template {
  name: string;
  description?: string;
  source: ImageRef;
  customize: CustomizeStep[];
  /** boot: false turns boot validation off; undefined boots a bootable base with the defaults. */
  validate: { checks: Check[]; maxRepairAttempts: number; boot?: BootValidation | false };
  /** Named repair steps; checks bind to them by name. */
  repair: Record<string, CustomizeStep[]>;
  distribute: Distribute;
  schedule?: { cron?: string; onCve?: boolean };
}

/** A template loaded from disk: the model, its canonical digest, and where files it names are resolved from. */
export interface LoadedTemplate {
  template: Template;
  /** sha256 of the canonical JSON of the template plus the digests of files it references. */
  digest: string;
  /** Directory relative paths (script, file sources) are resolved against. */
  baseDir: string;
  /** The file it came from. */
  file: string;
  /** "goldsmith" or "azure-image-builder" when translated. */
  format: 'goldsmith' | 'azure-image-builder';
}
