import type { Tattoo } from '../../../src/pipeline/tattoo/index.js';

/** A complete, valid regular-build tattoo; override fields per test. */
export const sample = (over: Partial<Tattoo> = {}): Tattoo => ({
  sourcePublisher: 'goldsmith',
  sourceOffer: 'debian',
  sourceSku: '12-minbase',
  sourceVersion: '2026.11.23',
  osVersion: 'Debian GNU/Linux 12 (bookworm)',
  imageName: 'Hardened-Web',
  imageVersion: '1.2.3',
  publishDate: '2026-11-23T18:00:00Z',
  buildId: 'run-0042',
  templateDigest: 'a'.repeat(64),
  gallery: 'corp',
  ...over,
});
