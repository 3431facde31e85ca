import { parseId } from '../arm/index.js';
import {
  DISK_TYPE,
  FLEET_TYPES,
  GUEST_ASSIGNMENT_TYPE,
  ROLES,
  VM_EXTENSION_TYPE,
  VM_SECURITY_TYPES,
  VM_TYPE,
  VMSS_EXTENSION_TYPE,
  VMSS_TYPE,
  type ArmResource,
  type ShapeProblem,
} from './types.js';

/** Keys ARM keeps at the top level of a resource; everything else belongs under properties. */
const ENVELOPE = new Set([
  'id', 'name', 'type', 'location', 'tags', 'kind', 'sku', 'zones', 'identity', 'plan', 'extendedLocation',
  'managedBy', 'etag', 'properties', 'resources', 'systemData',
]);
const TRACKED = new Set([VM_TYPE, VMSS_TYPE, DISK_TYPE].map((t) => t.toLowerCase()));
const FLEET = new Map(FLEET_TYPES.map((t) => [t.toLowerCase(), t]));

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface ShapeResult {
  doc?: ArmResource;
  problems: ShapeProblem[];
}

/**
 * Turn an ARM document, or one as `az … list` prints it (the CLI flattens `properties` into the top
 * level and adds `resourceGroup`), into the ARM shape, and check it. Pure. Problems carry JSON
 * pointers into the INPUT (so a flattened key is reported where the user wrote it), prefixed by `at`.
 */
export function normalizeArmDocument(raw: unknown, at = ''): ShapeResult {
  if (!isObj(raw)) return { problems: [{ path: at || '/', message: 'must be a JSON object (an ARM resource document)' }] };
  const problems: ShapeProblem[] = [];
  const flattened = new Set<string>();
  const top: Obj = {};
  const props: Obj = isObj(raw.properties) ? { ...raw.properties } : {};
  if (raw.properties !== undefined && raw.properties !== null && !isObj(raw.properties)) problems.push({ path: `${at}/properties`, message: 'must be an object' });
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'properties') continue;
    if (ENVELOPE.has(k)) {
      if (v !== null) top[k] = v;
    } else if (k === 'resourceGroup') {
      continue; // az adds it; checked against the id below
    } else if (v === null || v === undefined) {
      continue;
    } else if (k in props) {
      problems.push({ path: `${at}/${k}`, message: `appears both at the top level and under properties` });
    } else {
      props[k] = v;
      flattened.add(k);
    }
  }
  // az style (no properties object): report every property path where az would have printed it.
  const flatStyle = !isObj(raw.properties);
  const pathOf = (p: string) => {
    const m = /^\/properties\/([^/]+)/.exec(p);
    return at + (m && (flatStyle || flattened.has(m[1]!)) ? p.slice('/properties'.length) : p);
  };
  const local: ShapeProblem[] = [];
  const bad = (path: string, message: string) => local.push({ path, message });

  const parsed = typeof top.id === 'string' ? parseId(top.id) : undefined;
  if (typeof top.id !== 'string') bad('/id', 'is required: the resource id, /subscriptions/{sub}/resourceGroups/{rg}/providers/{type}/{name}');
  else if (!parsed || parsed.kind !== 'resource') bad('/id', `${JSON.stringify(top.id)} is not a resource id (/subscriptions/{sub}/resourceGroups/{rg}/providers/{namespace}/{type}/{name})`);
  if (typeof top.type !== 'string') bad('/type', 'is required, e.g. Microsoft.Compute/virtualMachines');
  else if (!FLEET.has(top.type.toLowerCase())) bad('/type', `${top.type} is not a fleet resource type; supported: ${FLEET_TYPES.join(', ')}`);
  else if (parsed && parsed.kind === 'resource' && parsed.type.toLowerCase() !== top.type.toLowerCase()) bad('/type', `${top.type} does not match the id, which names a ${parsed.type}`);
  if (typeof top.name !== 'string') bad('/name', 'is required');
  else if (parsed && parsed.kind === 'resource' && parsed.name.toLowerCase() !== top.name.toLowerCase()) bad('/name', `${JSON.stringify(top.name)} does not match the id, which names ${JSON.stringify(parsed.name)}`);
  if (typeof raw.resourceGroup === 'string' && parsed?.resourceGroup && raw.resourceGroup.toLowerCase() !== parsed.resourceGroup.toLowerCase()) {
    bad('/resourceGroup', `${JSON.stringify(raw.resourceGroup)} does not match the id's resource group ${JSON.stringify(parsed.resourceGroup)}`);
  }
  const type = typeof top.type === 'string' ? FLEET.get(top.type.toLowerCase()) : undefined;
  if (top.location !== undefined && (typeof top.location !== 'string' || top.location.trim() === '')) bad('/location', 'must be a region name, e.g. westeurope');
  else if (top.location === undefined && type && TRACKED.has(type.toLowerCase())) bad('/location', 'is required for this resource type');
  const tags = checkTags(top.tags, bad);
  if (top.sku !== undefined && !isObj(top.sku)) bad('/sku', 'must be an object, e.g. {"name": "Premium_LRS"}');
  if (top.zones !== undefined && !(Array.isArray(top.zones) && top.zones.every((z) => typeof z === 'string'))) bad('/zones', 'must be an array of strings');
  if (top.kind !== undefined && typeof top.kind !== 'string') bad('/kind', 'must be a string');
  if (type) checkProperties(type, props, tags, top, bad);

  for (const p of local) problems.push({ path: pathOf(p.path), message: p.message });
  if (problems.length) return { problems };
  const doc: ArmResource = {
    ...top,
    id: parsed!.id,
    name: top.name as string,
    type: type!,
    tags,
    properties: props,
  } as ArmResource;
  if (typeof top.location === 'string') doc.location = top.location;
  return { doc, problems };
}

function checkTags(tags: unknown, bad: (p: string, m: string) => void): Record<string, string> {
  if (tags === undefined) return {};
  if (!isObj(tags)) {
    bad('/tags', 'must be an object of string values');
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) {
    if (typeof v !== 'string') bad(`/tags/${pointer(k)}`, `must be a string, got ${v === null ? 'null' : typeof v}`);
    else out[k] = v;
  }
  const role = Object.entries(out).find(([k]) => k.toLowerCase() === 'role');
  if (role && !(ROLES as readonly string[]).includes(role[1].toLowerCase())) bad(`/tags/${pointer(role[0])}`, `must be one of ${ROLES.join(', ')}, got ${JSON.stringify(role[1])}`);
  return out;
}

function checkProperties(type: string, p: Obj, _tags: Record<string, string>, top: Obj, bad: (path: string, m: string) => void): void {
  const str = (path: string, v: unknown, required = false) => {
    if (v === undefined || v === null) {
      if (required) bad(path, 'is required');
    } else if (typeof v !== 'string' || v === '') bad(path, 'must be a non-empty string');
  };
  const obj = (path: string, v: unknown): Obj | undefined => {
    if (v === undefined || v === null) return undefined;
    if (!isObj(v)) {
      bad(path, 'must be an object');
      return undefined;
    }
    return v;
  };
  const bool = (path: string, v: unknown) => {
    if (v !== undefined && v !== null && typeof v !== 'boolean') bad(path, 'must be true or false');
  };
  if (type === VM_TYPE || type === VMSS_TYPE) {
    const base = type === VM_TYPE ? '/properties' : '/properties/virtualMachineProfile';
    const root = type === VM_TYPE ? p : obj(base, p.virtualMachineProfile);
    if (type === VM_TYPE) {
      const hw = obj('/properties/hardwareProfile', p.hardwareProfile);
      if (!hw) bad('/properties/hardwareProfile/vmSize', 'is required: the VM size, e.g. Standard_D2s_v5');
      else str('/properties/hardwareProfile/vmSize', hw.vmSize, true);
    } else if (isObj(top.sku) && top.sku.capacity !== undefined && !(Number.isInteger(top.sku.capacity) && (top.sku.capacity as number) >= 0)) {
      bad('/sku/capacity', 'must be a whole number of instances');
    }
    if (!root) return;
    const storage = obj(`${base}/storageProfile`, root.storageProfile);
    const ref = storage ? obj(`${base}/storageProfile/imageReference`, storage.imageReference) : undefined;
    if (ref) {
      for (const k of ['id', 'publisher', 'offer', 'sku', 'version', 'exactVersion', 'sharedGalleryImageId', 'communityGalleryImageId']) str(`${base}/storageProfile/imageReference/${k}`, ref[k]);
      const market = ['publisher', 'offer', 'sku'].filter((k) => ref[k] !== undefined && ref[k] !== null);
      if (market.length > 0 && market.length < 3) bad(`${base}/storageProfile/imageReference`, 'a marketplace image needs publisher, offer and sku together');
      if (typeof ref.id === 'string' && !parseId(ref.id)) bad(`${base}/storageProfile/imageReference/id`, `${JSON.stringify(ref.id)} is not a resource id`);
    }
    const sec = obj(`${base}/securityProfile`, root.securityProfile);
    if (sec) {
      if (sec.securityType !== undefined && sec.securityType !== null && !(VM_SECURITY_TYPES as readonly unknown[]).includes(sec.securityType)) {
        bad(`${base}/securityProfile/securityType`, `must be one of ${VM_SECURITY_TYPES.join(', ')}, got ${JSON.stringify(sec.securityType)}`);
      }
      const uefi = obj(`${base}/securityProfile/uefiSettings`, sec.uefiSettings);
      if (uefi) for (const k of ['secureBootEnabled', 'vTpmEnabled']) bool(`${base}/securityProfile/uefiSettings/${k}`, uefi[k]);
      bool(`${base}/securityProfile/encryptionAtHost`, sec.encryptionAtHost);
    }
    const os = obj(`${base}/osProfile`, root.osProfile);
    const linux = os ? obj(`${base}/osProfile/linuxConfiguration`, os.linuxConfiguration) : undefined;
    if (linux) bool(`${base}/osProfile/linuxConfiguration/disablePasswordAuthentication`, linux.disablePasswordAuthentication);
  } else if (type === DISK_TYPE) {
    if (p.diskSizeGB !== undefined && p.diskSizeGB !== null && !(Number.isInteger(p.diskSizeGB) && (p.diskSizeGB as number) > 0)) bad('/properties/diskSizeGB', 'must be a positive whole number');
    obj('/properties/creationData', p.creationData);
  } else if (type === VM_EXTENSION_TYPE || type === VMSS_EXTENSION_TYPE) {
    str('/properties/publisher', p.publisher, true);
    str('/properties/type', p.type, true);
    str('/properties/typeHandlerVersion', p.typeHandlerVersion);
  } else if (type === GUEST_ASSIGNMENT_TYPE) {
    const gc = obj('/properties/guestConfiguration', p.guestConfiguration);
    if (!gc) bad('/properties/guestConfiguration', 'is required: {"name": …} of the machine configuration');
    else str('/properties/guestConfiguration/name', gc.name, true);
  }
}

/** JSON pointer escaping for a key. */
export function pointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
