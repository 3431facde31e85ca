/** OS identity from os-release(5). Pure over file texts; the KEY=VALUE parsing is image/os-release's. */
import type { OsIdentity } from './inventory.js';
import { parseOsRelease as parseKeyValue } from '../image/os-release.js';

export function osIdentity(text: string): OsIdentity | undefined {
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
