/** OS identity from os-release(5) and Goldsmith's tattoo. Pure over file texts. */
import type { OsIdentity } from './inventory.js';
import { parseKeyValue } from './key-value.js';

export function parseOsRelease(text: string): OsIdentity | undefined {
  const kv = parseKeyValue(text);
  const id = (kv['ID'] ?? 'linux').toLowerCase();
  if (!kv['ID'] && !kv['PRETTY_NAME'] && !kv['NAME']) return undefined;
  return {
    id,
    ...(kv['VERSION_ID'] ? { versionId: kv['VERSION_ID'] } : {}),
    ...(kv['VERSION_CODENAME'] ? { versionCodename: kv['VERSION_CODENAME'] } : {}),
    ...(kv['PRETTY_NAME'] ? { prettyName: kv['PRETTY_NAME'] } : {}),
  };
}
