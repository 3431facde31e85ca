/**
 * Errors as the API answers them: Azure's shape `{"error":{"code","message","target","details"}}`
 * with the HTTP status of the error's kind. The status depends only on the kind, never on a code,
 * so a new code needs no change here. Nothing internal (stack, cause, SQL) ever reaches the body.
 */
import { isGoldsmithError, type ErrorKind } from '../errors/index.js';

export interface ApiErrorBody {
  error: { code: string; message: string; target?: string; details?: Array<{ code: string; message: string; target?: string }> };
}

/** The status of each kind. `locked` is 409: the resource is busy, retry later (Azure uses 409 for that). */
export const STATUS_OF_KIND: Readonly<Record<string, number>> = {
  usage: 400,
  input: 400,
  'not-found': 404,
  conflict: 409,
  integrity: 422,
  locked: 409,
  permission: 403,
  'needs-repair': 409,
  failed: 500,
  internal: 500,
} satisfies Record<ErrorKind, number>;

/** An error only the HTTP edge raises (authentication, authorization, protocol), with its status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
    readonly details?: ApiErrorBody['error']['details'],
  ) {
    super(message);
  }
}

export const unauthenticated = () => new ApiError(401, 'API_UNAUTHENTICATED', 'a valid token is required: send Authorization: Bearer <token>');
export const forbidden = (reason: string, target?: string) => new ApiError(403, 'API_FORBIDDEN', `not allowed: ${reason}`, target);

interface AjvIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

/** Fastify's own client errors, by their code: what the API calls them. */
const FASTIFY_CODES: Record<string, [number, string, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'API_UNSUPPORTED_MEDIA_TYPE', 'request bodies must be application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'API_BAD_CONTENT_LENGTH', 'the Content-Length header does not match the body'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'API_BODY_TOO_LARGE', 'the request body is over the size limit'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'API_MALFORMED_JSON', 'the request body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'API_MALFORMED_JSON', 'the request body is empty but says it is JSON'],
};

/** Map anything thrown while handling a request to a status and an Azure error body. */
export function toApiError(e: unknown): { status: number; body: ApiErrorBody; internal: boolean } {
  if (e instanceof ApiError) return { status: e.status, body: { error: { code: e.code, message: e.message, ...(e.target ? { target: e.target } : {}), ...(e.details ? { details: e.details } : {}) } }, internal: false };
  if (isGoldsmithError(e)) {
    const status = STATUS_OF_KIND[e.kind] ?? 500;
    const details = Array.isArray(e.data?.problems) ? (e.data.problems as Array<{ path?: string; message?: string }>).slice(0, 50).map((p) => ({ code: e.code, message: String(p.message ?? ''), ...(p.path ? { target: String(p.path) } : {}) })) : undefined;
    return { status, body: { error: { code: e.code, message: e.message, ...(e.where ? { target: e.where } : {}), ...(details ? { details } : {}) } }, internal: status >= 500 };
  }
  const fe = e as { code?: string; validation?: AjvIssue[]; validationContext?: string; statusCode?: number };
  if (fe.validation) {
    const where = fe.validationContext ?? 'body';
    const details = fe.validation.slice(0, 50).map((v) => ({ code: 'API_INVALID_REQUEST', message: issueText(v), target: `${where}${v.instancePath ?? ''}${v.keyword === 'additionalProperties' ? `/${String(v.params?.additionalProperty)}` : ''}` }));
    return { status: 400, body: { error: { code: 'API_INVALID_REQUEST', message: `the request ${where} is invalid: ${details[0]?.message ?? 'does not match the schema'}`, target: details[0]?.target, details } }, internal: false };
  }
  const known = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (known) return { status: known[0], body: { error: { code: known[1], message: known[2] } }, internal: false };
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return { status: fe.statusCode, body: { error: { code: 'API_BAD_REQUEST', message: 'the request cannot be handled as sent' } }, internal: false };
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error; the server log has the details' } }, internal: true };
}

function issueText(v: AjvIssue): string {
  if (v.keyword === 'additionalProperties') return `unknown field ${JSON.stringify(v.params?.additionalProperty)}`;
  return v.message ?? 'invalid';
}
