/** Child process for the concurrent first-use test: says it is ready, waits for a start signal, then asks for the active key. */
import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Keyring } from '../../src/attest/index.js';

const [dir, go] = process.argv.slice(2) as [string, string];
writeFileSync(`${go}.ready-${process.pid}`, '');
while (!existsSync(go)) await sleep(2);
const key = await new Keyring(dir).active();
process.stdout.write(key.keyid + '\n');
