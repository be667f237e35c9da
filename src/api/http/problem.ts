// Errors of the native API as RFC 9457 problem+json, with the stable code of
// src/core/errors.ts. Fastify's own errors (bad JSON, validation, size) are
// mapped onto the same catalogue so no client mistake becomes a 500.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PbxError, ERRORS, isStoreUnavailable, type ErrorCode, type ErrorDetail } from '../../core/errors.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  errors?: ErrorDetail[];
  requestId?: string;
}

export function toPbxError(err: unknown): PbxError {
  if (err instanceof PbxError) return err;
  // The database being down is ours to fix, not the client's, and not a bug: 503, retry later.
  if (isStoreUnavailable(err)) return new PbxError('SB_STORE_UNAVAILABLE');
  const e = err as FastifyError & { validation?: { instancePath?: string; message?: string; params?: Record<string, unknown> }[]; validationContext?: string };
  if (e.validation) {
    const details = e.validation.map((v) => {
      const extra = v.params?.additionalProperty !== undefined ? ` (${String(v.params.additionalProperty)})` : '';
      const path = `${e.validationContext ?? 'body'}${v.instancePath ?? ''}`;
      return { path, message: `${path} ${v.message ?? 'is invalid'}${extra}` };
    });
    return new PbxError('SB_VALIDATION', details.map((d) => d.message).join('; '), details);
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PbxError('SB_PAYLOAD_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new PbxError('SB_UNSUPPORTED_MEDIA_TYPE', e.message);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new PbxError('SB_VALIDATION', e.message);
  }
  if (e instanceof SyntaxError || (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500)) {
    const status = e.statusCode ?? 400;
    const code = (Object.keys(ERRORS) as ErrorCode[]).find((c) => ERRORS[c].status === status) ?? 'SB_VALIDATION';
    return new PbxError(code, e.message);
  }
  return new PbxError('SB_INTERNAL');
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, err: PbxError): FastifyReply {
  const body: Problem = {
    type: `https://switchboard.dev/errors/${err.code}`,
    title: err.title,
    status: err.status,
    code: err.code,
    detail: err.message,
    ...(err.details.length > 0 ? { errors: err.details } : {}),
    requestId: request.id,
  };
  // RFC 9110 §10.2.3: how long to wait before retrying a 503.
  if (err.code === 'SB_STORE_UNAVAILABLE') reply.header('retry-after', '5');
  return reply.code(err.status).type('application/problem+json').send(body);
}
