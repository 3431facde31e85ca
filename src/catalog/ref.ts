import { InputError } from '../errors/index.js';
import type { CatalogRef } from './types.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function assertCatalogName(value: unknown, field: 'publisher' | 'offer' | 'sku'): asserts value is string {
  if (typeof value !== 'string' || !NAME_RE.test(value)) {
    throw new InputError(
      'CATALOG_BAD_NAME',
      `${field} must be 1-64 letters, digits, '.', '_' or '-' starting with a letter or digit, got ${JSON.stringify(value)}`,
      { where: field },
    );
  }
}

/** Parse "publisher:offer:sku:version" (an `az vm image` URN); version may be "latest". */
export function parseCatalogRef(text: string): CatalogRef {
  const parts = text.split(':');
  if (parts.length !== 4 || parts.some((p) => p === '')) {
    throw new InputError('CATALOG_BAD_REF', `a catalog reference is publisher:offer:sku:version (version may be "latest"), got "${text}"`, {
      where: text,
    });
  }
  const [publisher, offer, sku, version] = parts as [string, string, string, string];
  return { publisher, offer, sku, version };
}

export function formatCatalogRef(ref: CatalogRef): string {
  return `${ref.publisher}:${ref.offer}:${ref.sku}:${ref.version}`;
}
