import { NotFoundError } from '../errors/index.js';
import { formatCatalogRef } from './ref.js';
import type { CatalogRef } from './types.js';
import { compareCatalogVersions } from './version.js';

type Key = Omit<CatalogRef, 'version'> & { version: string };
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * A CATALOG_NOT_FOUND error that names the first part of the reference that matches nothing and
 * what does exist at that level, so a typo is a one-look fix.
 */
export function catalogNotFound(ref: CatalogRef, keys: readonly Key[]): NotFoundError {
  const where = formatCatalogRef(ref);
  const uniq = (xs: string[]) => [...new Set(xs)].sort();
  const show = (xs: string[]) => (xs.length ? xs.join(', ') : '(none)');
  const pubs = keys.filter((k) => same(k.publisher, ref.publisher));
  if (!pubs.length) {
    const all = uniq(keys.map((k) => k.publisher));
    return new NotFoundError('CATALOG_NOT_FOUND', `no catalog publisher "${ref.publisher}"; publishers: ${show(all)}`, {
      where,
      data: { publishers: all },
    });
  }
  const offers = pubs.filter((k) => same(k.offer, ref.offer));
  if (!offers.length) {
    const all = uniq(pubs.map((k) => k.offer));
    return new NotFoundError('CATALOG_NOT_FOUND', `publisher "${ref.publisher}" has no offer "${ref.offer}"; offers: ${show(all)}`, {
      where,
      data: { offers: all },
    });
  }
  const skus = offers.filter((k) => same(k.sku, ref.sku));
  if (!skus.length) {
    const all = uniq(offers.map((k) => k.sku));
    return new NotFoundError('CATALOG_NOT_FOUND', `offer ${ref.publisher}:${ref.offer} has no sku "${ref.sku}"; skus: ${show(all)}`, {
      where,
      data: { skus: all },
    });
  }
  const versions = skus.map((k) => k.version).sort(compareCatalogVersions);
  return new NotFoundError(
    'CATALOG_NOT_FOUND',
    `${ref.publisher}:${ref.offer}:${ref.sku} has no version "${ref.version}"; versions: ${show(versions)}`,
    { where, data: { versions } },
  );
}
