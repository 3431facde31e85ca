import { CONTENT_RULES, PREFILTER_TOKENS, PREFILTER_WORDS } from './content-rules.js';
import type { SecretFinding } from './scan-secrets.js';

const GENERIC_RULE = 'generic-password-assignment';

/** Start offsets of the lines that hold a candidate, ascending. */
function candidateLines(text: string): number[] {
  const starts = new Set<number>();
  for (const re of [PREFILTER_TOKENS, PREFILTER_WORDS]) {
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

/**
 * Content rules, applied only to the lines the prefilters hit: most text files in an image contain
 * no candidate at all, and those that do have a handful of candidate lines among thousands.
 */
export function scanText(text: string, imagePath: string, codeFile: boolean): SecretFinding[] {
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
    if (line.length > 4096 && !line.includes('PRIVATE KEY')) continue; // minified blobs hold no key=value lines
    const nextEnd = text.indexOf('\n', end + 1);
    const next = end < text.length ? text.slice(end + 1, nextEnd < 0 ? text.length : nextEnd) : undefined;
    let specific = false;
    for (const rule of CONTENT_RULES) {
      // The generic heuristic is last; a line a specific rule already named is not reported twice.
      if (specific && rule.id === GENERIC_RULE) continue;
      const r = rule.pattern.exec(line);
      if (!r || (rule.accept && !rule.accept(r, { next, codeFile }))) continue;
      specific = true;
      out.push({ path: imagePath, rule: rule.id, line: lineNo, message: rule.message });
    }
  }
  return out;
}
