/**
 * Paths the scan skips. Nothing by default: documentation, man pages, test directories, /dev, /proc
 * and /run of an image tree are plain directories that can hold a planted key like any other (each
 * was an evasion of the first scanner). Mounts inside the root are skipped by the walker instead,
 * and packages' legitimate files are vouched for by their archive, not by their path.
 * A template that deliberately ships a secret-looking file names it in `allowPaths`.
 */
export function isAllowlisted(imagePath: string, extra: readonly string[] = []): boolean {
  for (const p of extra) {
    if (imagePath === p || imagePath.startsWith(p.endsWith('/') ? p : p + '/')) return true;
  }
  return false;
}
