/** Shared type parsing so both backends return identical rows. Keys are PostgreSQL type OIDs. */
const iso = (v: string) => new Date(v.includes('T') || /[+-]\d\d(:?\d\d)?$/.test(v) ? v : v.replace(' ', 'T') + 'Z').toISOString();

export const TYPE_PARSERS: Record<number, (v: string) => unknown> = {
  20: (v) => Number(v), // int8
  1700: (v) => Number(v), // numeric
  1114: (v) => iso(v), // timestamp
  1184: (v) => iso(v), // timestamptz
};
