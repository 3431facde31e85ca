import { InputError } from '../../errors/index.js';
import { parseOsRelease } from '../../image/os-release.js';
import { formatKeyValue } from './key-value.js';

/** The OS version string a tattoo records: PRETTY_NAME, else NAME VERSION_ID, else NAME or ID. */
export function osVersionOf(osReleaseText: string): string {
  const r = parseOsRelease(osReleaseText);
  if (r.PRETTY_NAME) return r.PRETTY_NAME;
  if (r.NAME && r.VERSION_ID) return `${r.NAME} ${r.VERSION_ID}`;
  return r.NAME ?? r.ID ?? 'Linux';
}

/**
 * IMAGE_ID allows only 0-9, a-z, '.', '_' and '-' (os-release(5)); gallery definition names may
 * carry capitals and other characters, so map them rather than fail a build over case.
 */
export function toOsReleaseImageId(name: string): string {
  const id = name.toLowerCase().replace(/[^0-9a-z._-]+/g, '-').replace(/^-+|-+$/g, '');
  return id || 'image';
}

/**
 * Set IMAGE_ID and IMAGE_VERSION in os-release text: the first existing line of each is replaced
 * in place, later duplicates dropped, missing keys appended. Everything else is kept byte for byte.
 */
export function applyOsRelease(osReleaseText: string, v: { imageId: string; imageVersion: string }): string {
  if (!/^[0-9a-z._-]+$/.test(v.imageId)) {
    throw new InputError('TATTOO_BAD_IMAGE_ID', `IMAGE_ID ${JSON.stringify(v.imageId)} may only contain 0-9, a-z, '.', '_' and '-' (os-release(5))`, { where: 'IMAGE_ID' });
  }
  if (!/^[0-9A-Za-z._-]+$/.test(v.imageVersion)) {
    throw new InputError('TATTOO_BAD_IMAGE_VERSION', `IMAGE_VERSION ${JSON.stringify(v.imageVersion)} may only contain 0-9, a-z, A-Z, '.', '_' and '-' (os-release(5))`, { where: 'IMAGE_VERSION' });
  }
  const wanted: Record<string, string> = {
    IMAGE_ID: formatKeyValue('IMAGE_ID', v.imageId),
    IMAGE_VERSION: formatKeyValue('IMAGE_VERSION', v.imageVersion),
  };
  const seen = new Set<string>();
  const lines = osReleaseText === '' ? [] : osReleaseText.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  for (const line of lines) {
    const m = /^\s*(IMAGE_ID|IMAGE_VERSION)\s*=/.exec(line);
    if (!m) {
      out.push(line);
    } else if (!seen.has(m[1])) {
      seen.add(m[1]);
      out.push(wanted[m[1]]);
    }
  }
  for (const k of ['IMAGE_ID', 'IMAGE_VERSION']) if (!seen.has(k)) out.push(wanted[k]);
  return out.join('\n') + '\n';
}
