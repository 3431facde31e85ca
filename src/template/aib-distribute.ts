import { parseGalleryImageId } from '../arm/index.js';
import { type Obj, type Report, isObj, dropUndefined, shown } from './aib-support.js';


export type ReadString = (v: unknown, ptr: string, what: string, required?: boolean) => string | undefined;

/** A SharedImage distributor as Goldsmith's distribute section; `map` collects pointer translations. */
export function distribute(
  d: Obj,
  ptr: string,
  resource: Obj,
  base: string,
  str: ReadString,
  invalid: Report,
  map: Array<[string, string]>,
): Obj | undefined {
  map.push(['/distribute', ptr]);
  const id = str(d.galleryImageId, `${ptr}/galleryImageId`, 'galleryImageId');
  if (id === undefined) return undefined;
  const g = parseGalleryImageId(id);
  if (!g) {
    invalid(`${ptr}/galleryImageId`, `galleryImageId "${id}" must look like /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{gallery}/images/{image}[/versions/{x.y.z}]`);
    return undefined;
  }
  const out: Obj = { gallery: g.gallery, image: g.image, osType: 'Linux' };
  map.push(['/distribute/gallery', `${ptr}/galleryImageId`], ['/distribute/image', `${ptr}/galleryImageId`]);

  if (d.targetRegions !== undefined && d.replicationRegions !== undefined) {
    invalid(ptr, 'give targetRegions or the older replicationRegions, not both');
  } else if (Array.isArray(d.targetRegions)) {
    out.targetRegions = d.targetRegions.map((r, j) => {
      const rp = `${ptr}/targetRegions/${j}`;
      map.push([`/distribute/targetRegions/${j}`, rp]);
      const region = isObj(r) ? r : {};
      return dropUndefined({ name: str(region.name, `${rp}/name`, 'target region name'), replicaCount: region.replicaCount ?? 1 });
    });
  } else if (Array.isArray(d.replicationRegions)) {
    out.targetRegions = d.replicationRegions.map((r, j) => {
      map.push([`/distribute/targetRegions/${j}`, `${ptr}/replicationRegions/${j}`]);
      return dropUndefined({ name: str(r, `${ptr}/replicationRegions/${j}`, 'replication region'), replicaCount: 1 });
    });
  } else if (typeof resource.location === 'string' && !resource.location.startsWith('[')) {
    // AIB's default: distribute to the image template's own location.
    out.targetRegions = [{ name: resource.location, replicaCount: 1 }];
    map.push(['/distribute/targetRegions', `${base}/location`]);
  } else {
    invalid(ptr, 'no targetRegions, and the resource has no literal location to default to');
  }
  if (typeof d.excludeFromLatest === 'boolean') out.excludeFromLatest = d.excludeFromLatest;

  const v = d.versioning;
  if (g.version !== undefined) {
    if (v !== undefined) invalid(`${ptr}/versioning`, 'galleryImageId names a version, so versioning must not be set as well');
    out.versioning = { scheme: 'explicit', version: g.version };
    map.push(['/distribute/versioning', `${ptr}/galleryImageId`]);
  } else if (isObj(v)) {
    map.push(['/distribute/versioning', `${ptr}/versioning`]);
    if (v.scheme === 'Latest') {
      const major = typeof v.major === 'number' && v.major >= 0 ? v.major : undefined; // -1 means unset in AIB
      out.versioning = major === undefined ? { scheme: 'latest' } : { scheme: 'latest', major };
    } else if (v.scheme === 'Source') out.versioning = { scheme: 'source' };
    else invalid(`${ptr}/versioning/scheme`, `versioning scheme ${shown(v.scheme)} must be Latest or Source`);
  } else out.versioning = { scheme: 'latest' };
  return out;
}
