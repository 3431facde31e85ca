import { distribute } from './aib-distribute.js';
import { AIB_RESOURCE_TYPE, ArmValues, dropUndefined, findResource, isDisabled, isObj, localPath, sameType, shown, slug, withoutSudo, type Obj, type Report } from './aib-support.js';
import { pointerOf, problem, TEMPLATE_CODES as C, type Problem } from './problems.js';

export { AIB_RESOURCE_TYPE };

export interface AibTranslation {
  /** A Goldsmith template document, not yet schema-validated. */
  doc: Obj;
  /** Everything that cannot be translated, with pointers into the AIB file. */
  problems: Problem[];
  /** Map a pointer into the translated template back to the AIB field it came from. */
  sourcePointer(pointer: string): string;
}

/** Is this JSON an image template resource, or an ARM deployment that contains one? */
export function isAibDocument(value: unknown): boolean {
  if (!isObj(value)) return false;
  if (sameType(value.type)) return true;
  return Array.isArray(value.resources) && value.resources.some((r) => isObj(r) && sameType(r.type));
}

const IGNORED_PROPERTIES = new Set([
  // Azure-side build plumbing with no meaning for a local build.
  'buildTimeoutInMinutes', 'stagingResourceGroup', 'exactStagingResourceGroup', 'managedResourceTags', 'autoRun',
  'errorHandling', 'provisioningState', 'provisioningError', 'lastRunStatus',
  'source', 'customize', 'validate', 'distribute', 'vmProfile', 'optimize', 'additionalDataDisks',
]);

/**
 * Translate an Azure VM Image Builder template into a Goldsmith template document. Supported:
 * PlatformImage source, Shell and File customizers, Shell in-VM validations, one SharedImage
 * distributor. Everything else that changes what gets built or published is reported, never
 * silently dropped; Azure-only plumbing (identity, timeouts, staging groups, VM size) is ignored.
 */
export function translateAib(value: unknown, fallbackName: string): AibTranslation {
  const problems: Problem[] = [];
  const map: Array<[string, string]> = [];
  const doc: Obj = {};
  const sourcePointer = (p: string): string => {
    let best: [string, string] | undefined;
    for (const e of map) if ((p === e[0] || p.startsWith(e[0] + '/')) && (!best || e[0].length > best[0].length)) best = e;
    return best ? best[1] : '';
  };
  const result = { doc, problems, sourcePointer };
  const unsupported = (ptr: string, msg: string) => problems.push(problem(C.aibUnsupported, ptr, msg));
  const invalid = (ptr: string, msg: string) => problems.push(problem(C.aibInvalid, ptr, msg));

  const found = findResource(value, unsupported);
  if (!found) {
    invalid('', `no ${AIB_RESOURCE_TYPE} resource found`);
    return result;
  }
  const { resource, base, deployment } = found;
  const expr = new ArmValues(deployment, unsupported);
  const P = (...s: Array<string | number>) => base + pointerOf(s);
  const str = (v: unknown, ptr: string, what: string, required = true): string | undefined => {
    if (v === undefined || v === null) {
      if (required) invalid(ptr, `${what} is required`);
      return undefined;
    }
    if (typeof v !== 'string') {
      invalid(ptr, `${what} must be a string`);
      return undefined;
    }
    return expr.resolve(v, ptr);
  };
  const props = resource.properties;
  if (!isObj(props)) {
    invalid(P('properties'), 'the image template has no properties object');
    return result;
  }

  const rawName = typeof resource.name === 'string' ? expr.tryResolve(resource.name) : undefined;
  doc.name = slug(rawName ?? '') || slug(fallbackName) || 'aib-template';
  doc.description = 'Translated from an Azure VM Image Builder template';
  map.push(['/name', P('name')], ['/description', base]);

  for (const key of Object.keys(props)) {
    if (!IGNORED_PROPERTIES.has(key)) unsupported(P('properties', key), `properties.${key} is not supported by Goldsmith`);
  }
  vmProfile(props.vmProfile, P('properties', 'vmProfile'), unsupported);
  if (isObj(props.optimize) && (props.optimize as Obj).vmBoot !== undefined && !isDisabled((props.optimize as Obj).vmBoot)) {
    unsupported(P('properties', 'optimize'), 'optimize.vmBoot needs an Azure VM; remove it or set its state to Disabled');
  }
  if (Array.isArray(props.additionalDataDisks) && props.additionalDataDisks.length > 0) {
    unsupported(P('properties', 'additionalDataDisks'), 'additional data disks are not supported; Goldsmith builds the OS root filesystem only');
  }

  // source
  const src = props.source;
  const srcPtr = P('properties', 'source');
  map.push(['/source', srcPtr]);
  if (!isObj(src)) invalid(srcPtr, 'properties.source is required');
  else if (src.type !== 'PlatformImage') {
    unsupported(P('properties', 'source', 'type'), `source type ${shown(src.type)} is not supported; only PlatformImage (a catalog entry publisher/offer/sku/version) is`);
  } else {
    const ref: Obj = {};
    for (const k of ['publisher', 'offer', 'sku', 'version'] as const) {
      const v = str(src[k], `${srcPtr}/${k}`, `source.${k}`, k !== 'version');
      if (v !== undefined) ref[k] = v;
      map.push([`/source/${k}`, `${srcPtr}/${k}`]);
    }
    doc.source = ref;
  }

  // customize
  const customize: Obj[] = [];
  const cz = props.customize;
  if (cz !== undefined && !Array.isArray(cz)) invalid(P('properties', 'customize'), 'properties.customize must be an array');
  (Array.isArray(cz) ? cz : []).forEach((c, i) => {
    const cp = P('properties', 'customize', i);
    const out = `/customize/${customize.length}`;
    if (!isObj(c)) return invalid(cp, 'a customizer must be an object');
    const step: Obj = {};
    const name = typeof c.name === 'string' ? slug(expr.tryResolve(c.name) ?? '') : '';
    if (c.type === 'Shell') {
      step.type = 'shell';
      if (name) step.name = name;
      if (c.inline !== undefined && c.scriptUri !== undefined) return invalid(cp, 'a Shell customizer takes inline or scriptUri, not both');
      if (Array.isArray(c.inline)) {
        step.inline = c.inline.map((line, j) => withoutSudo(str(line, `${cp}/inline/${j}`, 'inline command') ?? ''));
      } else {
        const uri = str(c.scriptUri, `${cp}/scriptUri`, 'Shell customizer scriptUri (or inline)');
        if (uri !== undefined) step.script = localPath(uri, `${cp}/scriptUri`, unsupported);
        if (c.sha256Checksum === undefined) unsupported(cp, 'a scriptUri without sha256Checksum is not supported: Goldsmith pins every script it runs');
        else step.sha256 = str(c.sha256Checksum, `${cp}/sha256Checksum`, 'sha256Checksum');
        map.push([`${out}/script`, `${cp}/scriptUri`], [`${out}/sha256`, `${cp}/sha256Checksum`]);
      }
    } else if (c.type === 'File') {
      step.type = 'file';
      if (name) step.name = name;
      const uri = str(c.sourceUri, `${cp}/sourceUri`, 'File customizer sourceUri');
      if (uri !== undefined) step.source = localPath(uri, `${cp}/sourceUri`, unsupported);
      step.destination = str(c.destination, `${cp}/destination`, 'File customizer destination');
      if (c.sha256Checksum === undefined) unsupported(cp, 'a File customizer without sha256Checksum is not supported: Goldsmith pins every file it copies');
      else step.sha256 = str(c.sha256Checksum, `${cp}/sha256Checksum`, 'sha256Checksum');
      map.push([`${out}/source`, `${cp}/sourceUri`], [`${out}/sha256`, `${cp}/sha256Checksum`], [`${out}/destination`, `${cp}/destination`]);
    } else {
      return unsupported(P('properties', 'customize', i, 'type'), `customizer type ${shown(c.type)} is not supported; Goldsmith builds Linux images and translates Shell and File customizers`);
    }
    map.push([out, cp]);
    customize.push(dropUndefined(step));
  });
  doc.customize = customize;

  // validate
  const checks: Obj[] = [];
  const val = props.validate;
  if (isObj(val)) {
    const vp = P('properties', 'validate');
    if (val.continueDistributeOnFailure === true) unsupported(`${vp}/continueDistributeOnFailure`, 'continueDistributeOnFailure: Goldsmith never publishes an image that failed validation');
    if (val.sourceValidationOnly === true) unsupported(`${vp}/sourceValidationOnly`, 'sourceValidationOnly is not supported; validations run on the customized image');
    const list = Array.isArray(val.inVMValidations) ? val.inVMValidations : [];
    list.forEach((v, i) => {
      const ip = `${vp}/inVMValidations/${i}`;
      if (!isObj(v) || v.type !== 'Shell') return unsupported(`${ip}/type`, `in-VM validation type ${shown(isObj(v) ? v.type : v)} is not supported; only Shell is`);
      if (!Array.isArray(v.inline)) return unsupported(ip, 'a Shell validation with scriptUri is not supported; use inline commands (they become a command check)');
      const lines = v.inline.map((line, j) => withoutSudo(str(line, `${ip}/inline/${j}`, 'inline command') ?? ''));
      const check: Obj = { type: 'command', run: ['set -e', ...lines].join('\n') };
      const name = typeof v.name === 'string' ? slug(expr.tryResolve(v.name) ?? '') : '';
      if (name) check.name = name;
      map.push([`/validate/checks/${checks.length}`, ip]);
      checks.push(check);
    });
  }
  doc.validate = { checks };
  map.push(['/validate', P('properties', 'validate')]);

  // distribute
  const dist = props.distribute;
  const dp = P('properties', 'distribute');
  if (!Array.isArray(dist) || dist.length === 0) invalid(dp, 'properties.distribute must list a SharedImage distributor');
  let shared: { d: Obj; ptr: string } | undefined;
  (Array.isArray(dist) ? dist : []).forEach((d, i) => {
    const ptr = `${dp}/${i}`;
    if (!isObj(d) || d.type !== 'SharedImage') {
      return unsupported(`${ptr}/type`, `distributor type ${shown(isObj(d) ? d.type : d)} is not supported; Goldsmith publishes to its gallery (SharedImage)`);
    }
    if (shared) return unsupported(ptr, 'only one SharedImage distributor per template is supported');
    shared = { d, ptr };
  });
  if (shared) doc.distribute = distribute(shared.d, shared.ptr, resource, base, str, invalid, map);
  return result;
}

function vmProfile(v: unknown, ptr: string, unsupported: Report): void {
  if (!isObj(v)) return;
  for (const [k, val] of Object.entries(v)) {
    if (k === 'vmSize' || k === 'osDiskSizeGB') continue; // sizing of Azure's build VM: no local meaning
    if (k === 'userAssignedIdentities' && Array.isArray(val) && val.length === 0) continue;
    unsupported(`${ptr}/${k}`, `vmProfile.${k} is not supported: customize steps run offline in a chroot, without Azure identities or networks`);
  }
}
