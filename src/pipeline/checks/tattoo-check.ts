import { isGoldsmithError } from '../../errors/index.js';
import { MAX_OS_RELEASE_BYTES, parseOsRelease } from '../../image/os-release.js';
import { parseTattoo, tattooToRecord, TATTOO_PATH, type Tattoo } from '../tattoo/tattoo.js';
import { tattooProblems } from '../tattoo/tattoo-problems.js';
import { fail, pass, type CheckOutcome } from './check-result.js';
import { readFileInRoot } from './root-path.js';

/**
 * The image carries a complete, parseable tattoo and its os-release agrees with it. With
 * `expected` (the run's own tattoo) every field must also match what the build meant to write.
 */
export async function tattooComplete(root: string, expected?: Partial<Tattoo>): Promise<CheckOutcome> {
  const f = await readFileInRoot(root, TATTOO_PATH, { maxBytes: MAX_OS_RELEASE_BYTES });
  if (!f) return fail(`expected a tattoo at ${TATTOO_PATH}; found none`);
  let t: Partial<Tattoo>;
  try {
    t = parseTattoo(f.text, TATTOO_PATH);
  } catch (e) {
    if (isGoldsmithError(e)) return fail(`${TATTOO_PATH} does not parse: ${e.message}`);
    throw e;
  }
  const problems = tattooProblems(t);
  if (problems.length) return fail(`${TATTOO_PATH} is incomplete: ${problems.map((p) => p.message).join('; ')}`);

  const osr = (await readFileInRoot(root, '/etc/os-release', { maxBytes: MAX_OS_RELEASE_BYTES })) ?? (await readFileInRoot(root, '/usr/lib/os-release', { maxBytes: MAX_OS_RELEASE_BYTES }));
  if (!osr) return fail('expected /etc/os-release with IMAGE_VERSION; found no os-release file');
  const os = parseOsRelease(osr.text);
  if (os.IMAGE_VERSION !== t.imageVersion) {
    return fail(`expected IMAGE_VERSION=${t.imageVersion} in ${osr.resolved.imagePath} (from the tattoo); found ${os.IMAGE_VERSION === undefined ? 'no IMAGE_VERSION' : `IMAGE_VERSION=${os.IMAGE_VERSION}`}`);
  }
  if (!os.IMAGE_ID) return fail(`expected IMAGE_ID in ${osr.resolved.imagePath}; found none`);

  if (expected) {
    const want = tattooToRecord(expected);
    const got = tattooToRecord(t);
    const diff = Object.keys(want).filter((k) => want[k] !== got[k]);
    if (diff.length) {
      return fail(`tattoo differs from this build's: ${diff.map((k) => `${k} expected ${JSON.stringify(want[k])}, found ${got[k] === undefined ? 'nothing' : JSON.stringify(got[k])}`).join('; ')}`);
    }
  }
  return pass(`${TATTOO_PATH} is complete (${Object.keys(tattooToRecord(t)).length} keys, image ${t.imageName} ${t.imageVersion}${t.oob ? `, OOB for ${[...(t.cveIds ?? []), ...(t.advisoryIds ?? [])].join(',')}` : ''}); os-release IMAGE_VERSION matches`);
}
