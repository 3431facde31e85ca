export { applyOsRelease, osVersionOf, toOsReleaseImageId } from './os-release.js';
export { formatTattoo, parseTattoo, tattooFromRecord, tattooToRecord, TATTOO_KEYS, TATTOO_PATH } from './tattoo.js';
export type { Tattoo, TattooKey } from './tattoo.js';
export { requiredTattooKeys, tattooProblems } from './tattoo-problems.js';
export type { TattooProblem } from './tattoo-problems.js';
export { readOsRelease, readOsVersion, writeTattoo } from './write-tattoo.js';
export type { WrittenTattoo } from './write-tattoo.js';
