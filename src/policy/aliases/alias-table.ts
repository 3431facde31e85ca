/**
 * How an alias table is written. An alias maps, per resource type, to a property path in the ARM
 * document ("properties.storageProfile.osDisk.vhd.uri"; `[*]` marks array members). A path starting
 * with "@computed." reads Goldsmith's computed facts from the evaluation context instead.
 *
 * `open` entries stand for Azure's families of aliases that mirror ARM property names one to one:
 * "Microsoft.Compute/virtualMachines/securityProfile.uefiSettings.vTpmEnabled" is
 * properties.securityProfile.uefiSettings.vTpmEnabled. Only the listed roots are open, so a typo in
 * an alias name is still refused at parse time.
 */
export interface AliasEntry {
  name: string;
  /** Resource type (as Azure spells it) → property path. */
  paths: Record<string, string>;
  /** Whether the modify effect may write it (Azure's "Modifiable" alias attribute). */
  modifiable?: boolean;
}

export interface OpenAliasFamily {
  /** e.g. "Microsoft.Compute/virtualMachines/" */
  prefix: string;
  type: string;
  /** First property-path segment of the alias suffix → path prefix it maps to. */
  roots: Record<string, string>;
  modifiable?: boolean;
}

export interface AliasTable {
  aliases: AliasEntry[];
  open: OpenAliasFamily[];
}

/** Build an open family whose roots all live under `properties.` of the type. */
export function underProperties(prefix: string, type: string, roots: string[], modifiable = false): OpenAliasFamily {
  return { prefix, type, roots: Object.fromEntries(roots.map((r) => [r, `properties.${r}`])), modifiable };
}
