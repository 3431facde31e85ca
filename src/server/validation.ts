/**
 * Request validation: JSON Schema 2020-12 (what OpenAPI 3.1 speaks) with Ajv. Bodies are taken as
 * sent: no type coercion (null stays null, "1" stays a string) and no field dropped, so unknown
 * fields are refused. Path and query strings are text by nature and are coerced to the types the
 * schema names ("10" → 10).
 */
import type { FastifySchemaCompiler } from 'fastify';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: under NodeNext its default export arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => void;

function ajv(coerceTypes: boolean | 'array'): Ajv2020 {
  const a = new Ajv2020({ coerceTypes, removeAdditional: false, useDefaults: true, allErrors: false, strictTypes: false });
  addFormats(a);
  return a;
}

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const body = ajv(false);
  const text = ajv('array');
  return ({ schema, httpPart }) => (httpPart === 'body' ? body : text).compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
}
