/**
 * Paths the scan skips, each with the reason. Kept small on purpose: everything here is shipped
 * by Debian packages identically on every install, so nothing in it is a secret of this image.
 */
export const SKIPPED_TREES: ReadonlyArray<{ prefix: string; why: string }> = [
  { prefix: '/proc/', why: 'kernel pseudo-filesystem, only present while a chroot runs' },
  { prefix: '/sys/', why: 'kernel pseudo-filesystem' },
  { prefix: '/dev/', why: 'device nodes' },
  { prefix: '/run/', why: 'runtime tmpfs, empty in an image' },
  { prefix: '/usr/share/doc/', why: 'package documentation: examples use dummy keys (AWS AKIA…EXAMPLE, sample PEM blocks)' },
  { prefix: '/usr/share/man/', why: 'manual pages' },
  { prefix: '/usr/share/info/', why: 'info manuals' },
  { prefix: '/usr/share/locale/', why: 'message catalogs that translate prompts such as "Password:"' },
];

/**
 * Test fixtures shipped by packages (python3's test suite ships keycert.pem, for example): public,
 * identical in every Debian install. Only under package-owned /usr/lib and /usr/share, never /usr/local.
 */
const PACKAGE_TEST_FIXTURE = /^\/usr\/(?:lib|share)\/.+\/(?:tests?|testdata|testsuite)\//;

export function isAllowlisted(imagePath: string, extra: readonly string[] = []): boolean {
  for (const { prefix } of SKIPPED_TREES) if (imagePath.startsWith(prefix) || imagePath + '/' === prefix) return true;
  if (PACKAGE_TEST_FIXTURE.test(imagePath)) return true;
  for (const p of extra) {
    if (imagePath === p || imagePath.startsWith(p.endsWith('/') ? p : p + '/')) return true;
  }
  return false;
}
