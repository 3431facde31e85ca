/** Base image catalog ("marketplace"): entries, recipes, imports and cached base artifacts. */
export { CatalogService, type CatalogServiceOptions } from './catalog-service.js';
export { parseCatalogRef, formatCatalogRef, assertCatalogName } from './ref.js';
export { compareCatalogVersions, highestVersion, assertCatalogVersion } from './version.js';
export { normalizeRecipe, recipeDigest, canonicalJson, DEFAULT_SOURCE_DATE_EPOCH, DEFAULT_MIRROR, MMDEBSTRAP_VARIANTS, type RecipeDefaults } from './recipe.js';
export { readAptSources, parseDeb822Sources, parseSourcesList, mirrorForSuite, type AptSource } from './apt-sources.js';
export { buildMmdebstrapBase, mmdebstrapArgs } from './mmdebstrap.js';
export type { BootKernel, CatalogRef, CatalogEntry, MmdebstrapRecipe, NormalizedRecipe, AddEntryInput, BaseOs, EnsuredArtifact } from './types.js';
