/**
 * JSON Schemas shared by routes: ARM path segments, `api-version`, the ARM document envelope. Each
 * route states its own params, query and body with these; Ajv validates them and /openapi.json shows them.
 */
export const SUB = { type: 'string', minLength: 1, maxLength: 90, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' } as const;
export const RG = { type: 'string', minLength: 1, maxLength: 90, pattern: '^[\\w().-]*[\\w()-]$' } as const;
/** A resource name segment: never a slash, ?, # or control character. */
export const NAME = { type: 'string', minLength: 1, maxLength: 260, pattern: '^[^/?#\\s][^/?#\\u0000-\\u001f]*$' } as const;
export const API_VERSION = { type: 'string', maxLength: 40, description: 'Accepted for Azure client compatibility; Goldsmith has one version.' } as const;

export const obj = (properties: Record<string, unknown>, required: string[] = [], extra: Record<string, unknown> = {}) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
  ...extra,
});

export const queryApiVersion = obj({ 'api-version': API_VERSION });

/** Any JSON object (a document whose inner shape the service checks, with problems naming their paths). */
export const ANY_OBJECT = { type: 'object', additionalProperties: true } as const;

export const TAGS = { type: 'object', additionalProperties: { type: 'string', maxLength: 256 }, maxProperties: 50 } as const;

/** The ARM envelope of a PUT: the path names the resource; the service checks properties in depth. */
export const armPutBody = (example: Record<string, unknown>) =>
  obj(
    {
      id: { type: 'string', maxLength: 4096 },
      name: { type: 'string', maxLength: 260 },
      type: { type: 'string', maxLength: 200 },
      location: { type: 'string', maxLength: 80 },
      tags: TAGS,
      zones: { type: 'array', items: { type: 'string', maxLength: 10 }, maxItems: 3 },
      identity: ANY_OBJECT,
      plan: ANY_OBJECT,
      properties: ANY_OBJECT,
    },
    ['properties'],
    { examples: [example] },
  );

export const listOf = (item: Record<string, unknown> = ANY_OBJECT) => ({ type: 'object', properties: { value: { type: 'array', items: item }, nextLink: { type: 'string' } }, required: ['value'] });

export const ERROR_RESPONSE = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, target: { type: 'string' }, details: { type: 'array', items: ANY_OBJECT } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;
