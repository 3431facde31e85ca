import type { AliasEntry, AliasTable } from './alias-table.js';

const VM = 'Microsoft.Compute/virtualMachines';
const VMSS = 'Microsoft.Compute/virtualMachineScaleSets';

/**
 * Goldsmith's own aliases: facts about the golden image a VM runs, computed by the fleet/gallery
 * services and handed to evaluate() as context.computed.image. They make lifecycle rules one line.
 */
export const GOLDSMITH_IMAGE_FIELDS: Record<string, string> = {
  isLatest: 'true when the VM runs the version `latest` resolves to for its image definition',
  isExcluded: 'true when that version is excluded from latest',
  lifecycle: "'active', 'aged' (older than the refresh cadence) or 'end-of-life'",
  ageDays: 'whole days since the version was published',
  fromGallery: 'true when the image reference points into the Goldsmith gallery',
  version: 'the version the VM runs (x.y.z)',
  latestVersion: 'the version latest resolves to today',
  versionId: 'the gallery image version resource id',
  endOfLifeDate: 'the version end-of-life date (ISO 8601), if set',
  galleryName: 'the gallery the image comes from',
  tattoo: 'the image tattoo object; tattoo.<field> reads one field (buildId, template, baseImage, builtAt…)',
};

function entries(type: string, short: string): AliasEntry[] {
  return Object.keys(GOLDSMITH_IMAGE_FIELDS).map((f) => ({
    name: `Goldsmith.Compute/${short}/image.${f}`,
    paths: { [type]: `@computed.image.${f}` },
  }));
}

export const goldsmithAliases: AliasTable = {
  aliases: [...entries(VM, 'virtualMachines'), ...entries(VMSS, 'virtualMachineScaleSets')],
  open: [
    { prefix: 'Goldsmith.Compute/virtualMachines/', type: VM, roots: { 'image.tattoo': '@computed.image.tattoo' } },
    { prefix: 'Goldsmith.Compute/virtualMachineScaleSets/', type: VMSS, roots: { 'image.tattoo': '@computed.image.tattoo' } },
  ],
};
