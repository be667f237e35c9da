// One catalogue of errors, in the manner of Fastify's lib/errors.js: each has a
// stable code, an HTTP status and a message template. Engine and store throw
// PbxError; every API dialect renders it in its own wire format.

export const ERRORS = {
  SB_UNAUTHORIZED: { status: 401, title: 'Missing or invalid credentials' },
  SB_FORBIDDEN: { status: 403, title: 'This key may not do that' },
  SB_NOT_FOUND: { status: 404, title: 'No such resource' },
  SB_ROUTE_NOT_FOUND: { status: 404, title: 'No such route' },
  SB_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  SB_CONFLICT: { status: 409, title: 'Already exists' },
  SB_IN_USE: { status: 409, title: 'Still referenced' },
  SB_PAYLOAD_TOO_LARGE: { status: 413, title: 'Request body too large' },
  SB_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported content type' },
  SB_RANGE_NOT_SATISFIABLE: { status: 416, title: 'Range not satisfiable' },
  SB_VALIDATION: { status: 400, title: 'Invalid request' },
  SB_BAD_REFERENCE: { status: 422, title: 'Refers to something that does not exist' },
  SB_UNPROCESSABLE: { status: 422, title: 'Request cannot be carried out' },
  SB_DESTINATION_FAILED: { status: 424, title: 'The destination could not be reached' },
  SB_NOT_READY: { status: 503, title: 'Not ready' },
  SB_STORE_UNAVAILABLE: { status: 503, title: 'The database is unreachable; retry shortly' },
  SB_INTERNAL: { status: 500, title: 'Internal error' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorDetail {
  /** JSON pointer or parameter name the detail is about, e.g. "/agents/2". */
  path?: string;
  message: string;
}

export class PbxError extends Error {
  readonly status: number;
  readonly title: string;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message ?? ERRORS[code].title);
    this.name = 'PbxError';
    this.status = ERRORS[code].status;
    this.title = ERRORS[code].title;
  }
}

export const notFound = (what: string, id: string | number): PbxError => new PbxError('SB_NOT_FOUND', `${what} ${String(id)} does not exist`);
export const conflict = (what: string, id: string | number): PbxError => new PbxError('SB_CONFLICT', `${what} ${String(id)} already exists`);
export const badReference = (path: string, message: string): PbxError => new PbxError('SB_BAD_REFERENCE', message, [{ path, message }]);
export const invalid = (path: string, message: string): PbxError => new PbxError('SB_VALIDATION', message, [{ path, message }]);

/**
 * The database cannot be reached right now (PostgreSQL down, restarting, its
 * backends terminated, the network between cut): worth retrying, and never
 * the client's fault. SQLSTATE class 08 is "connection exception", 57P01–03
 * "admin/crash shutdown, cannot connect now" (PostgreSQL, Appendix A).
 */
export function isStoreUnavailable(err: unknown): boolean {
  if (err instanceof PbxError) return err.code === 'SB_STORE_UNAVAILABLE';
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e === null || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (/^08/.test(code) || code === '57P01' || code === '57P02' || code === '57P03') return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'].includes(code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  // node-postgres reports a dropped socket and a pool that cannot connect in words, without a code.
  return /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|Client was closed and is not queryable/i.test(message);
}
