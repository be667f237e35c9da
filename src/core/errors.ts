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
  SB_VALIDATION: { status: 400, title: 'Invalid request' },
  SB_BAD_REFERENCE: { status: 422, title: 'Refers to something that does not exist' },
  SB_UNPROCESSABLE: { status: 422, title: 'Request cannot be carried out' },
  SB_DESTINATION_FAILED: { status: 424, title: 'The destination could not be reached' },
  SB_NOT_READY: { status: 503, title: 'Not ready' },
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
