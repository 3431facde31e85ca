/**
 * Goldsmith's built-in definitions, written in Azure's definition shape so they read like (and run
 * unchanged beside) Microsoft's own. The Goldsmith.* aliases read image facts the fleet supplies.
 */
const effectParam = (def: string, allowed: string[]) => ({
  type: 'String',
  defaultValue: def,
  allowedValues: allowed,
  metadata: { displayName: 'Effect', description: 'Enable or disable the execution of the policy' },
});

export const restrictImagesToGallery = {
  name: 'goldsmith-restrict-images-to-gallery',
  type: 'Microsoft.Authorization/policyDefinitions',
  properties: {
    displayName: 'Virtual machines must use images from the Goldsmith gallery',
    description: 'Only VMs and scale sets whose image reference points at a version in an allowed gallery may be created.',
    mode: 'Indexed',
    metadata: { category: 'Goldsmith', version: '1.0.0' },
    parameters: {
      galleryIds: {
        type: 'Array',
        defaultValue: ['/subscriptions/*/resourceGroups/*/providers/Microsoft.Compute/galleries/goldsmith'],
        metadata: { displayName: 'Allowed galleries', description: 'Gallery resource ids (may contain * wildcards).' },
      },
      effect: effectParam('Deny', ['Deny', 'Audit', 'Disabled']),
    },
    policyRule: {
      if: {
        allOf: [
          { field: 'type', in: ['Microsoft.Compute/virtualMachines', 'Microsoft.Compute/virtualMachineScaleSets'] },
          {
            count: {
              value: "[parameters('galleryIds')]",
              name: 'gallery',
              where: { field: 'Microsoft.Compute/imageId', like: "[concat(current('gallery'), '/images/*')]" },
            },
            equals: 0,
          },
        ],
      },
      then: { effect: "[parameters('effect')]" },
    },
  },
} as const;

export const cattleRunCurrentImage = {
  name: 'goldsmith-cattle-run-current-image',
  type: 'Microsoft.Authorization/policyDefinitions',
  properties: {
    displayName: 'Cattle VMs must run a current golden image',
    description: 'A VM tagged role=cattle must run a gallery image version that is active (within the refresh cadence) and not excluded from latest.',
    mode: 'Indexed',
    metadata: { category: 'Goldsmith', version: '1.0.0' },
    parameters: {
      requireLatest: { type: 'Boolean', defaultValue: false, metadata: { displayName: 'Require the latest version, not just a current one' } },
      effect: effectParam('Audit', ['Audit', 'Deny', 'Disabled']),
    },
    policyRule: {
      if: {
        allOf: [
          { field: 'type', equals: 'Microsoft.Compute/virtualMachines' },
          { field: "tags['role']", equals: 'cattle' },
          {
            anyOf: [
              { field: 'Goldsmith.Compute/virtualMachines/image.fromGallery', notEquals: true },
              { field: 'Goldsmith.Compute/virtualMachines/image.lifecycle', notEquals: 'active' },
              { field: 'Goldsmith.Compute/virtualMachines/image.isExcluded', equals: true },
              {
                allOf: [
                  { value: "[parameters('requireLatest')]", equals: true },
                  { field: 'Goldsmith.Compute/virtualMachines/image.isLatest', notEquals: true },
                ],
              },
            ],
          },
        ],
      },
      then: { effect: "[parameters('effect')]" },
    },
  },
} as const;

export const auditPetImageLifecycle = {
  name: 'goldsmith-audit-pet-image-lifecycle',
  type: 'Microsoft.Authorization/policyDefinitions',
  properties: {
    displayName: 'Pet VMs running aged, end-of-life or excluded images are audited',
    mode: 'Indexed',
    metadata: { category: 'Goldsmith', version: '1.0.0' },
    parameters: { effect: effectParam('Audit', ['Audit', 'Disabled']) },
    policyRule: {
      if: {
        allOf: [
          { field: 'type', equals: 'Microsoft.Compute/virtualMachines' },
          { field: "tags['role']", equals: 'pet' },
          { field: 'Goldsmith.Compute/virtualMachines/image.fromGallery', equals: true },
          {
            anyOf: [
              { field: 'Goldsmith.Compute/virtualMachines/image.lifecycle', in: ['aged', 'end-of-life'] },
              { field: 'Goldsmith.Compute/virtualMachines/image.isExcluded', equals: true },
            ],
          },
        ],
      },
      then: { effect: "[parameters('effect')]" },
    },
  },
} as const;

export const BUILTIN_DEFINITIONS = [restrictImagesToGallery, cattleRunCurrentImage, auditPetImageLifecycle] as const;
