import { InputError, NotFoundError } from '../errors/index.js';
import type { Queryable } from '../store/index.js';
import { IMAGE_SELECT, loadVersions, toGallery, toImage } from './gallery-rows.js';
import { galleryId, parseVersionId, versionId } from './resource-ids.js';
import type { Gallery, GalleryVersion, ImageDefinition } from './types.js';
import { formatVersion, parseVersion } from './version-number.js';

/** Names a version either by its Azure id or by gallery/image/version. */
export type VersionRef = string | { gallery: string; image: string; version: string };

/** A gallery by full Azure id or by name; a bare name must be unambiguous across resource groups. */
export async function findGallery(q: Queryable, ref: string): Promise<Gallery> {
  const rows = ref.startsWith('/')
    ? await q.query(`SELECT * FROM gallery_galleries WHERE id_lower = lower($1)`, [ref])
    : await q.query(`SELECT * FROM gallery_galleries WHERE lower(name) = lower($1) ORDER BY id`, [ref]);
  if (rows.length === 0) throw new NotFoundError('GALLERY_NOT_FOUND', `gallery ${ref} does not exist`, { where: ref });
  if (rows.length > 1) {
    throw new InputError('GALLERY_AMBIGUOUS', `gallery name ${ref} exists in several resource groups; use its full id`, {
      where: ref,
      data: { ids: rows.map((r) => r.id) },
    });
  }
  return toGallery(rows[0]!);
}

export async function findImage(q: Queryable, gallery: Gallery, name: string): Promise<ImageDefinition> {
  const rows = await q.query(`${IMAGE_SELECT} WHERE i.gallery_id = $1 AND lower(i.name) = lower($2)`, [gallery.id, name]);
  if (rows.length === 0) {
    throw new NotFoundError('GALLERY_IMAGE_NOT_FOUND', `image definition ${name} does not exist in gallery ${gallery.name}`, {
      where: `${gallery.id}/images/${name}`,
    });
  }
  return toImage(rows[0]!);
}

export async function findImageById(q: Queryable, id: string): Promise<ImageDefinition> {
  const rows = await q.query(`${IMAGE_SELECT} WHERE i.id = $1`, [id]);
  if (rows.length === 0) throw new NotFoundError('GALLERY_IMAGE_NOT_FOUND', `image definition ${id} does not exist`, { where: id });
  return toImage(rows[0]!);
}

/** The version and its definition; includes soft-deleted versions (callers decide what that means). */
export async function findVersion(q: Queryable, ref: VersionRef): Promise<{ version: GalleryVersion; image: ImageDefinition }> {
  let image: ImageDefinition;
  let name: string;
  if (typeof ref === 'string') {
    const p = parseVersionId(ref);
    const gallery = await findGallery(q, galleryId(p.subscription, p.resourceGroup, p.gallery));
    image = await findImage(q, gallery, p.image);
    name = p.version;
  } else {
    image = await findImage(q, await findGallery(q, ref.gallery), ref.image);
    name = ref.version;
  }
  const canonical = formatVersion(parseVersion(name, 'version'));
  const [version] = await loadVersions(q, `v.id = $1`, [versionId(image.id, canonical)]);
  if (!version) {
    throw new NotFoundError('GALLERY_VERSION_NOT_FOUND', `version ${canonical} of ${image.gallery}/${image.name} does not exist`, {
      where: versionId(image.id, canonical),
    });
  }
  return { version, image };
}
