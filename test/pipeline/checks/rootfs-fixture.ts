import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A synthetic root filesystem in a temp dir, described as data. No chroot is needed for it. */
export interface Fixture {
  /** The rootfs directory. */
  root: string;
  /** A sibling directory outside the rootfs, standing in for the host. */
  host: string;
  file(imagePath: string, content: string | Buffer, mode?: number): string;
  link(imagePath: string, target: string): void;
  dir(imagePath: string, mode?: number): void;
  cleanup(): void;
}

export function makeRootfs(prefix = 'gs-rootfs-'): Fixture {
  const base = mkdtempSync(join(tmpdir(), prefix));
  const root = join(base, 'root');
  const host = join(base, 'host');
  mkdirSync(root);
  mkdirSync(host);
  const f: Fixture = {
    root,
    host,
    file(p, content, mode = 0o644) {
      const h = join(root, p);
      mkdirSync(dirname(h), { recursive: true });
      writeFileSync(h, content);
      chmodSync(h, mode);
      return h;
    },
    link(p, target) {
      const h = join(root, p);
      mkdirSync(dirname(h), { recursive: true });
      if (existsSync(h)) rmSync(h);
      symlinkSync(target, h);
    },
    dir(p, mode = 0o755) {
      mkdirSync(join(root, p), { recursive: true });
      chmodSync(join(root, p), mode);
    },
    cleanup() {
      rmSync(base, { recursive: true, force: true });
    },
  };
  return f;
}

/** Debian bookworm's layout for os-release: the /etc name is a relative link into /usr/lib. */
export const DEBIAN_OS_RELEASE = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
`;
