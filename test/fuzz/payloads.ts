/**
 * Hostile values the fuzzers splice into real inputs: each names a way some parser has broken
 * (deep nesting, huge strings, NUL, odd unicode, numbers JSON cannot round-trip, prototype keys,
 * long expression chains, patterns that backtrack). Built iteratively so building them cannot
 * overflow the stack the parsers are being tested for.
 */

/**
 * Text that JSON.stringify cannot write (1e309, -0) or would overflow the stack writing (20,000 levels
 * of nesting) is smuggled through the document as a marker string and put back as raw JSON text,
 * which is also valid YAML flow syntax.
 */
const rawTable: string[] = [];
export function raw(text: string): string {
  rawTable.push(text);
  return `@@raw:${rawTable.length - 1}@@`;
}
export const RAW_NUMBER = raw;
export const unraw = (text: string) => text.replace(/(["']?)@@raw:(\d+)@@\1/g, (_m, _q, i: string) => rawTable[Number(i)]!);

export const DEEP = 20_000;
export const HUGE = 2 * 1024 * 1024 + 7;

/** `depth` nested arrays around a leaf, as raw JSON text (see raw()). */
export function deepArray(depth: number, leafJson = '1'): string {
  return raw('['.repeat(depth) + leafJson + ']'.repeat(depth));
}

export function deepObject(depth: number, key = 'a', leafJson = '1'): string {
  return raw(`{${JSON.stringify(key)}:`.repeat(depth) + leafJson + '}'.repeat(depth));
}

/** `[f(f(f(…'a'…)))]`: a chain of nested calls of one function. */
export function callChain(fn: string, depth: number, inner = "'a'"): string {
  return `[${`${fn}(`.repeat(depth)}${inner}${')'.repeat(depth)}]`;
}

export const PROTO_KEYS_JSON = [
  '{"__proto__": {"polluted": true, "type": "x"}}',
  '{"constructor": {"prototype": {"polluted": true}}}',
  '{"__proto__": null}',
  '{"prototype": {"polluted": true}, "hasOwnProperty": 1, "toString": "x", "valueOf": []}',
];

/** `like` patterns whose translation to a backtracking regex takes polynomial (or worse) time. */
export const LIKE_BOMBS = ['*a'.repeat(40) + 'b', '*'.repeat(5000) + 'b', '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c', 'a*'.repeat(200) + '!'];

/** Regular expressions with catastrophic backtracking on the strings in REGEX_VICTIMS. */
export const REGEX_BOMBS = ['(a+)+$', '^(a|a)*$', '(a*)*b', '^(\\w+\\s?)*$', '(.*a){25}', '^(a|aa)+$', '(x+x+)+y', '^(([a-z])+.)+[A-Z]([a-z])+$'];
export const REGEX_VICTIMS = ['a'.repeat(40) + '!', 'a'.repeat(5000) + '!', 'x'.repeat(40)];

/** Hostile leaves: every one must be refused or handled, never crash. */
export function hostileLeaves(): unknown[] {
  return [
    'x'.repeat(HUGE),
    'nul\u0000byte',
    '\u0000',
    '\uD800 lone surrogate',
    '\u202Eevil rtl',
    '\uFEFFbom',
    '😀'.repeat(1000),
    'İıſK',
    '',
    ' ',
    '../../../../etc/passwd',
    '${jndi:x}',
    '[[escaped',
    '[',
    ']',
    '[]',
    "[concat('a', ",
    callChain('concat', 5_000),
    callChain('concat', 60),
    `[field('name')${'.a'.repeat(20_000)}]`,
    `[createArray(${'1,'.repeat(5000)}1)]`,
    "[padLeft('a', 1000000000)]",
    "[padLeft('a', 300000000, 'bc')]",
    `[${"replace(".repeat(12)}'aaaa'${", '', 'aaaaaaaa')".repeat(12)}]`,
    "[range(0, 10000)]",
    "[json('[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]')]",
    `[json('${'['.repeat(DEEP)}${']'.repeat(DEEP)}')]`,
    "[base64ToString('////')]",
    "[substring('abc', 1, 99999999999)]",
    "[dateTimeAdd('2020-01-01', 'P99999999999Y')]",
    "[addDays('2020-01-01', 1e308)]",
    "[uri('http://x', '%')]",
    "[ipRangeContains('10.0.0.0/99', '::1')]",
    "[int('99999999999999999999999999')]",
    "[utcNow('yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy')]",
    "[format('{0}{99999999999}', 'a')]",
    ...LIKE_BOMBS,
    ...REGEX_BOMBS,
    0,
    -1,
    RAW_NUMBER('-0'),
    RAW_NUMBER('1e309'),
    RAW_NUMBER('-1e309'),
    RAW_NUMBER('1e-400'),
    9007199254740993,
    2 ** 53,
    1.5,
    true,
    false,
    null,
    [],
    {},
    new Array(200_000).fill(0),
    new Array(3000).fill('x'.repeat(1000)),
    deepArray(DEEP),
    deepObject(DEEP),
    deepArray(70),
    deepObject(70, 'allOf'),
    deepObject(70, 'not', '{"field": "name", "equals": "x"}'),
    ...PROTO_KEYS_JSON.map((j) => JSON.parse(j) as unknown),
  ];
}
