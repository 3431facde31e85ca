/** Checks look paths up inside the image root through the image module's confined resolver. */
export { describeStat, readFileInRoot, resolveInRoot, type RootPath } from '../../image/root-fs.js';
