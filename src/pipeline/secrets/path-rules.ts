/**
 * Rules keyed by where a file sits in the image rather than by a pattern in its text: account
 * databases, generated keys, shell history. Paths are image paths (/etc/shadow, not host paths).
 */
export interface PathFinding {
  rule: string;
  line?: number;
  message: string;
}

/** Generated per-machine keys: every VM cloned from the image would share them. */
export const SSH_HOST_KEY = /^\/etc\/ssh\/ssh_host_[a-z0-9]+_key$/;
export const SNAKEOIL_KEY = '/etc/ssl/private/ssl-cert-snakeoil.key';
const HISTORY = /^\/(?:root|home\/[^/]+)\/\.(?:bash|zsh|sh|ash|python|mysql|psql|sqlite|node_repl)_history$/;
const KEYSTORE = /\.(p12|pfx|jks|keystore)$/i;

/**
 * Locations where keys and credentials live. Files here are scanned whatever their size, and a
 * private key found here is expected to be mode 0600 or stricter.
 */
export function isKnownKeyLocation(p: string): boolean {
  return (
    /^\/(?:root|home\/[^/]+)\/\.(?:ssh|gnupg|aws|docker|kube|config\/gh)\//.test(p) ||
    p.startsWith('/etc/ssh/') ||
    p.startsWith('/etc/ssl/private/') ||
    /^\/etc\/g?shadow$/.test(p)
  );
}

/** Findings that do not depend on content, or parse a file whose format is known (shadow, passwd). */
export function pathFindings(p: string, size: number, text: () => string | undefined): PathFinding[] {
  if (SSH_HOST_KEY.test(p)) {
    return [{ rule: 'ssh-host-key', message: 'SSH host private key baked into the image: every VM built from it would share this host key. Delete /etc/ssh/ssh_host_* at the end of the build and regenerate them on first boot (ssh-keygen -A).' }];
  }
  if (p === SNAKEOIL_KEY) {
    return [{ rule: 'ssl-snakeoil-key', message: "ssl-cert's snakeoil private key was generated at build time and would be shared by every VM: regenerate it on first boot (make-ssl-cert generate-default-snakeoil --force-overwrite) or remove it." }];
  }
  if (HISTORY.test(p) && size > 0) {
    return [{ rule: 'shell-history', message: 'shell history left in the image (it often holds passwords typed on a command line): delete it at the end of the build' }];
  }
  if (KEYSTORE.test(p)) {
    return [{ rule: 'keystore-file', message: 'PKCS#12/Java keystore file (may hold private keys): provision it at deploy time instead' }];
  }
  if (p === '/etc/shadow' || p === '/etc/gshadow' || p === '/etc/passwd') {
    const t = text();
    return t === undefined ? [] : accountFindings(p, t);
  }
  if (p === '/var/cache/debconf/passwords.dat') {
    const t = text();
    if (t === undefined) return [];
    return t.split('\n').flatMap((l, i) =>
      /^Value:\s*\S/.test(l) ? [{ rule: 'debconf-password', line: i + 1, message: 'a password answer is stored in the debconf database: purge it after configuration' }] : [],
    );
  }
  if (/^\/(?:root|home\/[^/]+)\/\.netrc$/.test(p)) {
    const t = text();
    if (t === undefined) return [];
    return t.split('\n').flatMap((l, i) => (/\bpassword\s+\S/.test(l) ? [{ rule: 'netrc-password', line: i + 1, message: '.netrc holds a password' }] : []));
  }
  return [];
}

/**
 * Accounts with a usable password. A locked field ('*', '!', '!…') is fine: golden images should
 * ship without passwords. An empty field lets anyone log in without one.
 */
function accountFindings(p: string, text: string): PathFinding[] {
  const out: PathFinding[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const f = lines[i].split(':');
    if (f.length < 2 || lines[i].startsWith('#')) continue;
    const [name, pw] = f;
    if (p === '/etc/passwd') {
      if (pw !== 'x' && pw !== '*' && !pw.startsWith('!') && pw !== '') {
        out.push({ rule: 'passwd-password-hash', line: i + 1, message: `account '${name}' has a password hash in world-readable /etc/passwd` });
      }
      continue;
    }
    const what = p === '/etc/gshadow' ? 'group' : 'account';
    // An empty gshadow field only lets members newgrp, so only /etc/shadow's empty field is a hole.
    if (pw === '' && p === '/etc/shadow') {
      out.push({ rule: 'shadow-empty-password', line: i + 1, message: `${what} '${name}' has an empty password field: it accepts no password` });
    } else if (pw !== '' && !pw.startsWith('!') && !pw.startsWith('*')) {
      out.push({ rule: 'shadow-password-hash', line: i + 1, message: `${what} '${name}' has a password set in ${p}: lock it (passwd -l) and provision access at deploy time` });
    }
  }
  return out;
}
