import { InputError } from '../errors/index.js';
import { SECURITY_TYPES, type ImageDefinition, type SecurityType } from './types.js';
import { parseDate } from './validate-input.js';

export interface ImageDefinitionInput {
  /** Gallery name or full Azure id. */
  gallery: string;
  name: string;
  identifier: { publisher: string; offer: string; sku: string };
  osType?: 'Linux' | 'Windows';
  osState?: 'Generalized' | 'Specialized';
  hyperVGeneration?: 'V1' | 'V2';
  /** One of SECURITY_TYPES, e.g. TrustedLaunchSupported; checked at run time since templates carry free text. */
  securityType?: string;
  architecture?: 'x64' | 'Arm64';
  endOfLifeDate?: string | Date;
  description?: string;
}

type Checked = Pick<ImageDefinition, 'identifier' | 'osType' | 'osState' | 'hyperVGeneration' | 'securityType' | 'architecture' | 'endOfLifeDate' | 'description'>;

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T, where: string): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) throw new InputError('GALLERY_BAD_IMAGE', `${where} "${value}" must be one of ${allowed.join(', ')}`, { where });
  return value as T;
}

const IDENT_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function checkImageInput(i: ImageDefinitionInput): Checked {
  const id = i.identifier ?? ({} as ImageDefinitionInput['identifier']);
  for (const k of ['publisher', 'offer', 'sku'] as const) {
    if (typeof id[k] !== 'string' || !IDENT_RE.test(id[k])) {
      throw new InputError('GALLERY_BAD_IMAGE', `identifier.${k} "${String(id[k] ?? '')}" must be 1-128 letters, digits, hyphens, underscores or periods`, { where: `identifier/${k}` });
    }
  }
  return {
    identifier: { publisher: id.publisher, offer: id.offer, sku: id.sku },
    osType: oneOf(i.osType, ['Linux', 'Windows'] as const, 'Linux', 'osType'),
    osState: oneOf(i.osState, ['Generalized', 'Specialized'] as const, 'Generalized', 'osState'),
    hyperVGeneration: oneOf(i.hyperVGeneration, ['V1', 'V2'] as const, 'V2', 'hyperVGeneration'),
    securityType: i.securityType === undefined ? undefined : oneOf<SecurityType>(i.securityType, SECURITY_TYPES, 'Standard', 'securityType'),
    architecture: oneOf(i.architecture, ['x64', 'Arm64'] as const, 'x64', 'architecture'),
    endOfLifeDate: i.endOfLifeDate === undefined ? undefined : parseDate(i.endOfLifeDate, 'endOfLifeDate'),
    description: i.description,
  };
}

/** Names of the fields where an existing definition differs from the requested one (empty: identical). */
export function sameDefinition(existing: ImageDefinition, want: Checked): string[] {
  const diff: string[] = [];
  const idEq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  const { identifier: a } = existing;
  const { identifier: b } = want;
  if (!idEq(a.publisher, b.publisher) || !idEq(a.offer, b.offer) || !idEq(a.sku, b.sku)) diff.push('identifier');
  for (const k of ['osType', 'osState', 'hyperVGeneration', 'securityType', 'architecture'] as const) {
    if ((existing[k] ?? null) !== (want[k] ?? null)) diff.push(k);
  }
  return diff;
}
