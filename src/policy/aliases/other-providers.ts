import { underProperties, type AliasTable } from './alias-table.js';

const GCA = 'Microsoft.GuestConfiguration/guestConfigurationAssignments';
const ARC = 'Microsoft.HybridCompute/machines';
const VSPHERE = 'Microsoft.ConnectedVMwarevSphere/virtualMachines';

/** Guest configuration results, and the Arc / vSphere machine types Microsoft's guest-config built-ins mention. */
export const otherProviderAliases: AliasTable = {
  aliases: [
    // Arc machines report "linux"/"windows" as osName, which is what the built-ins' `like "linux*"` tests.
    { name: 'Microsoft.HybridCompute/imageOffer', paths: { [ARC]: 'properties.osName' } },
  ],
  open: [
    underProperties(`${GCA}/`, GCA, [
      'complianceStatus', 'parameterHash', 'assignmentHash', 'lastComplianceStatusChecked', 'latestReportId',
      'provisioningState', 'guestConfiguration', 'context', 'vmssVMList', 'resourceType', 'latestAssignmentReport',
    ]),
    underProperties(`${ARC}/`, ARC, ['osName', 'osType', 'osSku', 'osVersion', 'osProfile', 'status', 'agentVersion', 'provisioningState', 'licenseProfile']),
    underProperties(`${VSPHERE}/`, VSPHERE, ['osProfile', 'hardwareProfile', 'storageProfile', 'networkProfile', 'securityProfile', 'provisioningState']),
  ],
};
