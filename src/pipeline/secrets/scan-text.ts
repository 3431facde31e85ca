import { BASE64_NEEDLES, CONTENT_RULES, PREFILTER_TOKENS, PREFILTER_WORDS } from './content-rules.js';
import { isDerPrivateKey } from './der-key.js';
import type { SecretFinding } from './scan-secrets.js';

const GENERIC_RULE = 'generic-password-assignment';
/** A base64 run long enough to be a DER private key (an Ed25519 PKCS#8 key is 48 bytes, 64 chars). */
const DER_CANDIDATE = /\bM[A-Za-z0-9+/]{63}/g;
const BASE64_RUN = /[A-Za-z0-9+/]{20,}={0,2}/g;
/** Encoded text is decoded and scanned again, but not an encoding of an encoding of an encoding. */
const MAX_BASE64_DEPTH = 2;

/** Start offsets of the lines that hold a candidate, ascending. */
function candidateLines(text: string): number[] {
  const starts = new Set<number>();
  for (const re of [PREFILTER_TOKENS, PREFILTER_WORDS, DER_CANDIDATE]) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      starts.add(text.lastIndexOf('\n', m.index) + 1);
      const end = text.indexOf('\n', m.index);
      if (end < 0) break;
      re.lastIndex = end; // one visit per line
    }
  }
  for (let i = text.indexOf('://'); i >= 0; i = text.indexOf('://', i + 3)) starts.add(text.lastIndexOf('\n', i) + 1);
  return [...starts].sort((a, b) => a - b);
}

/** True when one of the three lines above `start` opens a PEM block (its body is not a bare DER key). */
function insidePem(text: string, start: number): boolean {
  let from = start;
  for (let i = 0; i < 4 && from > 0; i++) from = text.lastIndexOf('\n', from - 2) + 1;
  return text.slice(from, start).includes('-----BEGIN');
}

/** Base64 runs of the line that hold an encoded marker, decoded. */
function encodedPayloads(line: string): string[] {
  if (!BASE64_NEEDLES.some((n) => line.includes(n))) return [];
  const out: string[] = [];
  BASE64_RUN.lastIndex = 0;
  for (let m = BASE64_RUN.exec(line); m; m = BASE64_RUN.exec(line)) {
    if (BASE64_NEEDLES.some((n) => m![0].includes(n))) out.push(Buffer.from(m[0], 'base64').toString('latin1'));
  }
  return out;
}

/**
 * Content rules, applied only to the lines the prefilters hit: most text files in an image contain
 * no candidate at all, and those that do have a handful of candidate lines among thousands.
 * Base64 runs that encode a marker (a PEM block in a Kubernetes Secret, say) are decoded and
 * scanned as text; a finding there is reported on the line of the run.
 */
export function scanText(text: string, imagePath: string, codeFile: boolean, depth = 0): SecretFinding[] {
  const out: SecretFinding[] = [];
  let lineNo = 1;
  let counted = 0;
  for (const start of candidateLines(text)) {
    for (let i = text.indexOf('\n', counted); i >= 0 && i < start; i = text.indexOf('\n', i + 1)) {
      lineNo++;
      counted = i + 1;
    }
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    const long = line.length > 4096;
    const nextEnd = text.indexOf('\n', end + 1);
    const next = end < text.length ? text.slice(end + 1, nextEnd < 0 ? text.length : nextEnd) : undefined;
    const rules = new Set<string>();
    const skip = new Set<string>();
    for (const rule of CONTENT_RULES) {
      // The generic heuristic is last; a line a specific rule already named is not reported twice.
      if (skip.has(rule.id) || (rules.size && rule.id === GENERIC_RULE) || (long && rule.shortLinesOnly)) continue;
      const r = rule.pattern.exec(line);
      if (!r || (rule.accept && !rule.accept(r, { next, codeFile }))) continue;
      rules.add(rule.id);
      for (const s of rule.supersedes ?? []) skip.add(s);
      out.push({ path: imagePath, rule: rule.id, line: lineNo, message: rule.message });
    }
    if (depth < MAX_BASE64_DEPTH) {
      for (const decoded of encodedPayloads(line)) {
        for (const f of scanText(decoded, imagePath, false, depth + 1)) {
          if (rules.has(f.rule)) continue;
          rules.add(f.rule);
          out.push({ path: imagePath, rule: f.rule, line: lineNo, message: `${f.message.replace(/ \(base64-encoded\)$/, '')} (base64-encoded)` });
        }
      }
    }
    DER_CANDIDATE.lastIndex = 0;
    for (let m = DER_CANDIDATE.exec(line); m && !rules.has('private-key-der'); m = DER_CANDIDATE.exec(line)) {
      if (isDerPrivateKey(Buffer.from(m[0].slice(0, 44), 'base64')) && !insidePem(text, start)) {
        rules.add('private-key-der');
        out.push({ path: imagePath, rule: 'private-key-der', line: lineNo, message: 'private key in DER form, base64-encoded without PEM armor' });
      }
    }
  }
  return out;
}
