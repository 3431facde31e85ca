/**
 * Rules that look at one line of a text file. Each names a stable rule id; the message says what
 * kind of secret it is and never quotes it. `accept` vets a match (placeholders, variables, docs
 * examples) so the scan stays quiet on a stock Debian image.
 */
export interface ContentRule {
  id: string;
  pattern: RegExp;
  message: string;
  /** Return false to discard a match that is not a real secret. */
  accept?: (m: RegExpExecArray, ctx: { next: string | undefined; codeFile: boolean }) => boolean;
  /** Rules not reported again for a line this one matched (they would name the same secret). */
  supersedes?: string[];
  /**
   * Not run on lines over 4 KiB: the pattern has no literal anchor and backtracks on a long run of
   * letters, and minified blobs hold no `key = value` lines. Rules anchored on a literal run on any line.
   */
  shortLinesOnly?: boolean;
}

/** Values that are references, templates or placeholders, not secrets. */
function looksLiteral(v: string): boolean {
  if (v.length < 5) return false;
  if (/^[$%{<(\[@&*]/.test(v) || /\$\{|\$\(|\{\{|%\(|<%/.test(v)) return false;
  if (/^(none|null|nil|true|false|yes|no|undef|undefined|define|empty|required|optional|string|password|passwd|secret|token|x+|\*+|\.+)$/i.test(v)) return false;
  return true;
}

/** Pull the assigned value out of the rest of a `key = value` line. Quoted values are taken whole. */
function assignedValue(rest: string): { value: string; quoted: boolean } {
  const q = rest[0];
  if (q === '"' || q === "'") {
    const end = rest.indexOf(q, 1);
    return { value: end < 0 ? rest.slice(1) : rest.slice(1, end), quoted: true };
  }
  return { value: /^[^\s;,#]*/.exec(rest)![0], quoted: false };
}

const BASE64_LINE = /^[A-Za-z0-9+/=]{16,}$/;
/** Key data after the marker on the same line, as in JSON strings ("-----BEGIN…-----\\nMIIE…"). */
const ESCAPED_KEY_DATA = /^(?:\\r)?\\n[A-Za-z0-9+/]{16}/;
const keyData = (m: RegExpExecArray, next: string | undefined) =>
  (next !== undefined && BASE64_LINE.test(next.trim())) || ESCAPED_KEY_DATA.test(m.input.slice(m.index + m[0].length));

export const CONTENT_RULES: ContentRule[] = [
  {
    // A service-account key file: the JSON's private_key holds a PEM key with escaped newlines,
    // all on one line, so the PEM rule's "key data on the next line" test alone never saw it.
    id: 'gcp-service-account-key',
    pattern: /"private_key"\s*:\s*"-----BEGIN (?:RSA )?PRIVATE KEY-----/,
    message: 'Google Cloud service-account key (JSON with a private key)',
    accept: (m) => ESCAPED_KEY_DATA.test(m.input.slice(m.index + m[0].length)),
    supersedes: ['private-key-pem'],
  },
  {
    id: 'openssh-private-key',
    pattern: /-----BEGIN OPENSSH PRIVATE KEY-----/,
    message: 'OpenSSH private key',
    accept: (m, { next }) => keyData(m, next),
  },
  {
    id: 'private-key-pem',
    pattern: /-----BEGIN ((?:RSA|DSA|EC|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----/,
    message: 'PEM private key',
    // A real key is followed by base64 or PEM headers; scripts that grep for the marker are not.
    accept: (m, { next }) => keyData(m, next) || (next !== undefined && /^(Proc-Type|Version|Comment):/.test(next.trim())),
  },
  {
    // Azure storage (AccountKey=) and Service Bus / Event Hubs (SharedAccessKey=) connection strings.
    id: 'azure-storage-key',
    pattern: /\b(?:AccountKey|SharedAccessKey)=([A-Za-z0-9+/]{40,}={0,2})/,
    message: 'Azure storage or Service Bus account key in a connection string',
    // devstoreaccount1 is the storage emulator's well-known public key.
    accept: (m) => !/AccountName=devstoreaccount1\b/.test(m.input),
    supersedes: ['generic-password-assignment'],
  },
  {
    id: 'aws-access-key',
    pattern: /\b((?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z2-7]{16})\b/,
    message: 'AWS access key id',
    accept: (m) => !m[1].endsWith('EXAMPLE'),
  },
  {
    id: 'aws-secret-key',
    pattern: /aws_?secret_?access_?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/i,
    message: 'AWS secret access key',
    accept: (m) => !m[1].endsWith('EXAMPLEKEY'),
  },
  { id: 'github-token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/, message: 'GitHub token' },
  { id: 'slack-token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/, message: 'Slack token' },
  {
    id: 'slack-webhook',
    pattern: /https:\/\/hooks\.slack\.com\/services\/T[A-Za-z0-9_]+\/B[A-Za-z0-9_]+\/[A-Za-z0-9_]+/,
    message: 'Slack incoming-webhook URL',
  },
  { id: 'google-api-key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/, message: 'Google API key' },
  { id: 'stripe-secret-key', pattern: /\b[sr]k_live_[0-9A-Za-z]{24,}\b/, message: 'Stripe live secret key' },
  { id: 'npm-token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/, message: 'npm access token' },
  {
    id: 'url-credentials',
    shortLinesOnly: true,
    pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/'"]+:([^\s@/'"]+)@[^\s/'"]+/i,
    message: 'URL with an embedded password',
    // Documentation-style URLs (user:password@example.com) and templated passwords are not secrets.
    accept: (m) =>
      m[1].length >= 3 &&
      !/^[$%{<*]/.test(m[1]) &&
      !/^(password|passwd|pass|secret|x+|\*+)$/i.test(m[1]) &&
      !/@(?:[^\s/'"]*\.)?(?:example\.(?:com|org|net)|localhost)\b/i.test(m[0]),
  },
  {
    id: 'generic-password-assignment',
    shortLinesOnly: true,
    // The keyword must end the key, so password_file= or token_url= do not count.
    pattern: /(?:^|[^A-Za-z0-9_])([A-Za-z0-9_.-]*?(?:password|passwd|passphrase|secret|secret_?key|api_?key|access_?key|auth_?token|token))["']?\s*([:=])\s*(\S.*)$/i,
    message: 'password or secret assigned in plain text',
    accept: (m, { codeFile }) => {
      // "passwd: files" (nsswitch.conf) and "passwd: tag" (lintian overrides) name the database or package.
      if (m[2] === ':' && /passwd$/i.test(m[1])) return false;
      const { value, quoted } = assignedValue(m[3]);
      // In program source an unquoted right-hand side is an expression, and a quoted one with
      // spaces is a message ("Token: " . $x), not a credential.
      if (codeFile && (!quoted || /\s/.test(value))) return false;
      return looksLiteral(value);
    },
  },
];

/**
 * A PEM block, base64-encoded (a Kubernetes Secret's tls.key, a CI variable, a service-account JSON
 * that holds one): "-----BEGIN " at each of the three byte alignments it can have in a blob, only
 * the characters fixed by the marker alone. All three contain "LS0t" (from "-----"), which is what
 * the whole-file prefilter looks for: one literal keeps that pass as fast as before.
 */
export const BASE64_NEEDLES = [0, 1, 2].map((k) => {
  const marker = '-----BEGIN ';
  const enc = Buffer.concat([Buffer.alloc(k), Buffer.from(marker)]).toString('base64');
  return enc.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + marker.length)) / 6));
});

/**
 * Cheap whole-file passes that find candidate lines; only those lines meet the rules. Split in
 * three because one case-insensitive alternation over everything is several times slower in V8
 * than a case-sensitive one for the fixed-case token prefixes, one for the keywords, and an
 * indexOf for '://' (measured on a Debian minbase: ~530 ms vs ~200 ms under load).
 */
export const PREFILTER_TOKENS = /PRIVATE KEY|AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|gh[pousr]_|github_pat_|xox[abposr]-|hooks\.slack|AIza|k_live_|npm_|AccountKey=|LS0t/g;
export const PREFILTER_WORDS = /pass(?:w|phrase)|secret|api_?key|access_?key|token/gi;

/** Interpreters whose scripts are program source even without an extension (#!/usr/bin/perl). */
export const CODE_SHEBANG = /^#!\s*\S*\/(?:env\s+)?(?:perl|python[0-9.]*|ruby|node|php|lua|tclsh)\b/;

/** Extensions of program source, where `x = y` assigns an expression. */
export const CODE_EXTENSIONS = new Set([
  'py', 'pl', 'pm', 'rb', 'js', 'mjs', 'cjs', 'ts', 'php', 'lua', 'tcl', 'c', 'h', 'cc', 'cpp', 'go', 'java', 'rs', 'awk', 'sed', 'el', 'scm', 'vim',
]);
