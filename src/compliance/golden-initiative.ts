import { auditPetImageLifecycle, BUILTIN_DEFINITIONS, cattleRunCurrentImage, restrictImagesToGallery } from '../policy/index.js';

/** Where built-in definitions and initiatives live, as in Azure (tenant level). */
export const BUILTIN_DEFINITION_PREFIX = '/providers/Microsoft.Authorization/policyDefinitions/';
export const BUILTIN_SET_PREFIX = '/providers/Microsoft.Authorization/policySetDefinitions/';

/** Remediation guides shipped in the repository (docs/remediation/*.md), linked from metadata. */
export const REMEDIATION_DOCS = {
  galleryOnly: 'docs/remediation/gallery-only-images.md',
  cattleCurrent: 'docs/remediation/cattle-current-image.md',
  petLifecycle: 'docs/remediation/pet-image-lifecycle.md',
  trustedLaunch: 'docs/remediation/trusted-launch.md',
} as const;

/** Trusted Launch, but only where the VM's image definition declares support for it. */
export const trustedLaunchWhereSupported = {
  name: 'goldsmith-trusted-launch-where-supported',
  type: 'Microsoft.Authorization/policyDefinitions',
  properties: {
    displayName: 'VMs on images that support Trusted Launch must enable it',
    description: 'When the image definition declares the TrustedLaunch or TrustedLaunchSupported security type, the VM must run with securityType TrustedLaunch, secure boot and vTPM.',
    mode: 'Indexed',
    metadata: { category: 'Goldsmith', version: '1.0.0', remediationUrl: REMEDIATION_DOCS.trustedLaunch },
    parameters: {
      effect: { type: 'String', defaultValue: 'Audit', allowedValues: ['Audit', 'Disabled'], metadata: { displayName: 'Effect' } },
    },
    policyRule: {
      if: {
        allOf: [
          { field: 'type', equals: 'Microsoft.Compute/virtualMachines' },
          { field: 'Goldsmith.Compute/virtualMachines/image.supportsTrustedLaunch', equals: true },
          {
            anyOf: [
              { field: 'Microsoft.Compute/virtualMachines/securityProfile.securityType', notEquals: 'TrustedLaunch' },
              { field: 'Microsoft.Compute/virtualMachines/securityProfile.uefiSettings.secureBootEnabled', notEquals: true },
              { field: 'Microsoft.Compute/virtualMachines/securityProfile.uefiSettings.vTpmEnabled', notEquals: true },
            ],
          },
        ],
      },
      then: { effect: "[parameters('effect')]" },
    },
  },
};

const remediationFor: Record<string, string> = {
  [restrictImagesToGallery.name]: REMEDIATION_DOCS.galleryOnly,
  [cattleRunCurrentImage.name]: REMEDIATION_DOCS.cattleCurrent,
  [auditPetImageLifecycle.name]: REMEDIATION_DOCS.petLifecycle,
};

/** The engine's built-ins plus compliance's own, each with its remediation guide in metadata. */
export function builtinDefinitions(): Array<{ name: string; properties: Record<string, unknown> }> {
  const fromEngine = BUILTIN_DEFINITIONS.map((d) => {
    const props = JSON.parse(JSON.stringify(d.properties)) as Record<string, unknown>;
    const url = remediationFor[d.name];
    props.metadata = { ...(props.metadata as Record<string, unknown>), ...(url ? { remediationUrl: url } : {}) };
    return { name: d.name, properties: props };
  });
  return [...fromEngine, { name: trustedLaunchWhereSupported.name, properties: trustedLaunchWhereSupported.properties as unknown as Record<string, unknown> }];
}

export const GOLDEN_IMAGE_INITIATIVE_NAME = 'goldsmith-golden-image-compliance';

/** The built-in initiative "Golden image compliance": the seed's approach in one assignment. */
export function goldenImageInitiative() {
  const ref = (name: string) => BUILTIN_DEFINITION_PREFIX + name;
  return {
    name: GOLDEN_IMAGE_INITIATIVE_NAME,
    properties: {
      displayName: 'Golden image compliance',
      description: 'Gallery-only images; cattle run a current, non-excluded golden image; pets on aged, end-of-life or excluded images are audited; Trusted Launch where the image supports it.',
      metadata: { category: 'Goldsmith', version: '1.0.0' },
      parameters: {
        galleryIds: { type: 'Array', defaultValue: ['/subscriptions/*/resourceGroups/*/providers/Microsoft.Compute/galleries/*'], metadata: { displayName: 'Allowed galleries' } },
        galleryEffect: { type: 'String', defaultValue: 'Deny', allowedValues: ['Deny', 'Audit', 'Disabled'] },
        requireLatest: { type: 'Boolean', defaultValue: false },
      },
      policyDefinitionGroups: [
        { name: 'image-source', displayName: 'Image source' },
        { name: 'image-freshness', displayName: 'Image freshness' },
        { name: 'platform-security', displayName: 'Platform security' },
      ],
      policyDefinitions: [
        {
          policyDefinitionId: ref(restrictImagesToGallery.name),
          policyDefinitionReferenceId: 'galleryOnlyImages',
          parameters: { galleryIds: { value: "[parameters('galleryIds')]" }, effect: { value: "[parameters('galleryEffect')]" } },
          groupNames: ['image-source'],
        },
        {
          policyDefinitionId: ref(cattleRunCurrentImage.name),
          policyDefinitionReferenceId: 'cattleCurrentImage',
          parameters: { requireLatest: { value: "[parameters('requireLatest')]" } },
          groupNames: ['image-freshness'],
        },
        { policyDefinitionId: ref(auditPetImageLifecycle.name), policyDefinitionReferenceId: 'petImageLifecycle', parameters: {}, groupNames: ['image-freshness'] },
        { policyDefinitionId: ref(trustedLaunchWhereSupported.name), policyDefinitionReferenceId: 'trustedLaunch', parameters: {}, groupNames: ['platform-security'] },
      ],
    },
  };
}
