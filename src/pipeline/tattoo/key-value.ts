import { InputError } from '../../errors/index.js';

/**
 * The KEY=VALUE syntax shared by /etc/goldsmith/tattoo and /etc/os-release (os-release(5)): a
 * value is either bare (only characters no shell treats specially) or in double quotes where
 * backslash escapes ", \, $ and `. Such files can be sourced by sh and read by os-release parsers.
 */
const BARE = /^[A-Za-z0-9._:+,\/@%=-]+$/;
const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function quoteValue(value: string, where: string): string {
  if (/[\n\r\0]/.test(value)) {
    throw new InputError('TATTOO_BAD_VALUE', `${where}: value contains a newline, carriage return or NUL byte`, { where });
  }
  if (BARE.test(value)) return value;
  return `"${value.replace(/[\\"$`]/g, (c) => '\\' + c)}"`;
}

export function formatKeyValue(key: string, value: string): string {
  if (!KEY.test(key)) throw new InputError('TATTOO_BAD_KEY', `invalid key ${JSON.stringify(key)}: use letters, digits and _`, { where: key });
  return `${key}=${quoteValue(value, key)}`;
}

export interface KeyValueLine {
  key: string;
  value: string;
  line: number;
}

/**
 * Parse KEY=VALUE lines. Comments and blank lines are skipped. `source` names the file in errors,
 * which carry the line number both in the message and in `where`.
 */
export function parseKeyValues(text: string, source: string): KeyValueLine[] {
  const out: KeyValueLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const where = `${source}:${i + 1}`;
    const fail = (why: string): never => {
      throw new InputError('TATTOO_PARSE', `${where}: ${why}`, { where });
    };
    const eq = line.indexOf('=');
    if (eq <= 0) fail('expected KEY=VALUE');
    const key = line.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) fail(`invalid key ${JSON.stringify(key)}`);
    out.push({ key, value: unquote(line.slice(eq + 1), fail), line: i + 1 });
  }
  return out;
}

function unquote(v: string, fail: (why: string) => never): string {
  if (v.startsWith('"')) {
    let out = '';
    for (let i = 1; i < v.length; i++) {
      const c = v[i];
      if (c === '\\' && i + 1 < v.length) {
        const n = v[i + 1];
        // Inside double quotes a backslash only escapes these four; elsewhere it is literal (sh rules).
        out += '\\"$`'.includes(n) ? n : c + n;
        i++;
      } else if (c === '"') {
        if (i !== v.length - 1) fail('text after closing quote');
        return out;
      } else {
        out += c;
      }
    }
    return fail('unterminated double quote');
  }
  if (v.startsWith("'")) {
    if (v.length < 2 || !v.endsWith("'") || v.slice(1, -1).includes("'")) fail('unterminated or nested single quote');
    return v.slice(1, -1);
  }
  if (/[\s"'`$\\;&|<>()]/.test(v)) fail('unquoted value contains a space or shell metacharacter');
  return v;
}
