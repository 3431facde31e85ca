export {
  compareDebian,
  compareDebianParsed,
  compareDebianPart,
  debianVersionProblem,
  parseDebianVersion,
  splitDebianVersion,
  type DebianVersion,
} from './debian.js';
export { compareRpm, parseRpmEvr, rpmvercmp, type RpmEvr } from './rpm.js';
export { compareApk, isValidApkVersion } from './apk.js';
