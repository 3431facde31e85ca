import { AliasRegistry, defaultAliases, type ResolvedField } from '../policy/index.js';

const VM = 'Microsoft.Compute/virtualMachines';

/**
 * Image facts beyond the engine's Goldsmith.* table: the security type the image definition declares
 * (its SecurityType feature, from the fleet's gallery index), so "Trusted Launch where the image
 * supports it" is one condition. Everything else resolves through the engine's default registry.
 */
const EXTRA_FIELDS = ['securityType', 'supportsTrustedLaunch'];

class ComplianceAliasRegistry extends AliasRegistry {
  constructor() {
    super([{ aliases: EXTRA_FIELDS.map((f) => ({ name: `Goldsmith.Compute/virtualMachines/image.${f}`, paths: { [VM]: `@computed.image.${f}` } })), open: [] }]);
  }
  override resolve(name: string): ResolvedField | undefined {
    return super.resolve(name) ?? defaultAliases.resolve(name);
  }
  override aliasNames(): string[] {
    return [...defaultAliases.aliasNames(), ...super.aliasNames()];
  }
  override openFamilies() {
    return defaultAliases.openFamilies();
  }
}

/** The registry every definition stored in Goldsmith is parsed and compiled with. */
export const complianceAliases: AliasRegistry = new ComplianceAliasRegistry();
