import { underProperties, type AliasEntry, type AliasTable } from './alias-table.js';

const VM = 'Microsoft.Compute/virtualMachines';
const VMSS = 'Microsoft.Compute/virtualMachineScaleSets';
const DISK = 'Microsoft.Compute/disks';
const EXT = 'Microsoft.Compute/virtualMachines/extensions';
const VMSS_EXT = 'Microsoft.Compute/virtualMachineScaleSets/extensions';
const GALLERY = 'Microsoft.Compute/galleries';
const IMAGE = 'Microsoft.Compute/galleries/images';
const VERSION = 'Microsoft.Compute/galleries/images/versions';

const VM_IMAGE = 'properties.storageProfile.imageReference';
const VMSS_IMAGE = 'properties.virtualMachineProfile.storageProfile.imageReference';

/** Namespace-level image aliases: one name, a path per type (Azure's Microsoft.Compute/imagePublisher…). */
const imageAliases: AliasEntry[] = (
  [
    ['imagePublisher', 'publisher'],
    ['imageOffer', 'offer'],
    ['imageSku', 'sku'],
    ['imageVersion', 'version'],
    ['imageId', 'id'],
  ] as const
).flatMap(([alias, prop]): AliasEntry[] => [
  { name: `Microsoft.Compute/${alias}`, paths: { [VM]: `${VM_IMAGE}.${prop}`, [VMSS]: `${VMSS_IMAGE}.${prop}` } },
  { name: `${VM}/${alias}`, paths: { [VM]: `${VM_IMAGE}.${prop}` } },
  { name: `${VMSS}/${alias}`, paths: { [VMSS]: `${VMSS_IMAGE}.${prop}` } },
]);

const aliases: AliasEntry[] = [
  ...imageAliases,
  { name: 'Microsoft.Compute/licenseType', paths: { [VM]: 'properties.licenseType', [VMSS]: 'properties.virtualMachineProfile.licenseType' }, modifiable: true },
  // Azure maps a VM's "sku.name" to its size, not to a top-level sku.
  { name: `${VM}/sku.name`, paths: { [VM]: 'properties.hardwareProfile.vmSize' } },
  { name: `${VM}/osDisk.uri`, paths: { [VM]: 'properties.storageProfile.osDisk.vhd.uri' } },
  { name: `${VM}/osDisk.vhd.uri`, paths: { [VM]: 'properties.storageProfile.osDisk.vhd.uri' } },
  { name: `${VM}/imageReference`, paths: { [VM]: VM_IMAGE } },
  { name: `${VM}/networkInterfaces[*]`, paths: { [VM]: 'properties.networkProfile.networkInterfaces[*]' } },
  { name: `${VM}/networkInterfaces[*].id`, paths: { [VM]: 'properties.networkProfile.networkInterfaces[*].id' } },
  { name: `${VM}/zones`, paths: { [VM]: 'zones' } },
  { name: `${VM}/zones[*]`, paths: { [VM]: 'zones[*]' } },
  { name: `${VM}/plan.name`, paths: { [VM]: 'plan.name' } },
  { name: `${VM}/plan.publisher`, paths: { [VM]: 'plan.publisher' } },
  { name: `${VM}/plan.product`, paths: { [VM]: 'plan.product' } },
  { name: `${VMSS}/sku.name`, paths: { [VMSS]: 'sku.name' } },
  { name: `${VMSS}/sku.tier`, paths: { [VMSS]: 'sku.tier' } },
  { name: `${VMSS}/sku.capacity`, paths: { [VMSS]: 'sku.capacity' } },
  { name: `${VMSS}/osDisk.vhdContainers`, paths: { [VMSS]: 'properties.virtualMachineProfile.storageProfile.osDisk.vhdContainers' } },
  { name: `${VMSS}/osDisk.vhdContainers[*]`, paths: { [VMSS]: 'properties.virtualMachineProfile.storageProfile.osDisk.vhdContainers[*]' } },
  { name: `${VMSS}/osdisk.imageUrl`, paths: { [VMSS]: 'properties.virtualMachineProfile.storageProfile.osDisk.image.uri' } },
  { name: `${VMSS}/zones`, paths: { [VMSS]: 'zones' } },
  { name: `${DISK}/sku.name`, paths: { [DISK]: 'sku.name' } },
  { name: `${DISK}/sku.tier`, paths: { [DISK]: 'sku.tier' } },
  { name: `${DISK}/managedBy`, paths: { [DISK]: 'managedBy' } },
  { name: `${DISK}/zones`, paths: { [DISK]: 'zones' } },
];

const VM_ROOTS = [
  'storageProfile', 'osProfile', 'securityProfile', 'hardwareProfile', 'networkProfile', 'diagnosticsProfile',
  'availabilitySet', 'additionalCapabilities', 'billingProfile', 'priority', 'evictionPolicy', 'licenseType',
  'provisioningState', 'host', 'hostGroup', 'proximityPlacementGroup', 'virtualMachineScaleSet', 'userData',
  'scheduledEventsProfile', 'applicationProfile', 'capacityReservation', 'extensionsTimeBudget', 'platformFaultDomain', 'vmId', 'timeCreated',
];
const VMSS_ROOTS = [
  'virtualMachineProfile', 'upgradePolicy', 'automaticRepairsPolicy', 'orchestrationMode', 'overprovision',
  'singlePlacementGroup', 'zoneBalance', 'platformFaultDomainCount', 'scaleInPolicy', 'additionalCapabilities',
  'proximityPlacementGroup', 'provisioningState', 'doNotRunExtensionsOnOverprovisionedVMs', 'spotRestorePolicy',
  'priorityMixPolicy', 'resiliencyPolicy', 'uniqueId',
];
const DISK_ROOTS = [
  'creationData', 'diskSizeGB', 'diskIOPSReadWrite', 'diskMBpsReadWrite', 'encryption', 'encryptionSettingsCollection',
  'osType', 'hyperVGeneration', 'networkAccessPolicy', 'publicNetworkAccess', 'diskAccessId', 'diskState',
  'securityProfile', 'supportedCapabilities', 'dataAccessAuthMode', 'supportsHibernation', 'burstingEnabled',
  'provisioningState', 'timeCreated', 'uniqueId', 'tier', 'optimizedForFrequentAttach', 'completionPercent',
];
const EXT_ROOTS = [
  'publisher', 'type', 'typeHandlerVersion', 'autoUpgradeMinorVersion', 'enableAutomaticUpgrade', 'settings',
  'provisioningState', 'suppressFailures', 'forceUpdateTag', 'provisionAfterExtensions', 'instanceView',
];

export const computeAliases: AliasTable = {
  aliases,
  open: [
    underProperties(`${VERSION}/`, VERSION, ['publishingProfile', 'storageProfile', 'safetyProfile', 'securityProfile', 'replicationStatus', 'provisioningState']),
    underProperties(`${IMAGE}/`, IMAGE, [
      'description', 'eula', 'privacyStatementUri', 'releaseNoteUri', 'osType', 'osState', 'hyperVGeneration', 'endOfLifeDate',
      'identifier', 'recommended', 'disallowed', 'purchasePlan', 'features', 'architecture', 'provisioningState',
    ]),
    underProperties(`${GALLERY}/`, GALLERY, ['description', 'identifier', 'sharingProfile', 'softDeletePolicy', 'provisioningState', 'sharingStatus']),
    underProperties(`${EXT}/`, EXT, EXT_ROOTS),
    underProperties(`${VMSS_EXT}/`, VMSS_EXT, EXT_ROOTS),
    underProperties(`${VM}/`, VM, VM_ROOTS, true),
    underProperties(`${VMSS}/`, VMSS, VMSS_ROOTS, true),
    underProperties(`${DISK}/`, DISK, DISK_ROOTS, true),
  ],
};
