import { AppError, type ErrorCode } from '@cunzhang/core';
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/** The one table from domain error codes to HTTP statuses. */
export const STATUS_OF: Record<ErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHENTICATED: 401,
  TOTP_REQUIRED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  ILLEGAL_TRANSITION: 409,
  RULE_VIOLATION: 422,
  ACCOUNT_LOCKED: 423,
  TOO_LARGE: 413,
};

export interface ErrorBody {
  error: { code: string; message: string; field?: string; details?: Record<string, unknown> };
}

const body = (code: string, message: string, field?: string, details?: Record<string, unknown>): ErrorBody => ({
  error: { code, message, ...(field ? { field } : {}), ...(details ? { details } : {}) },
});

/** Fastify's own errors for bad requests, by their code. */
const FASTIFY_ERRORS: Record<string, [number, string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'PAYLOAD_TOO_LARGE', 'the request body is larger than the limit'],
  FST_REQ_FILE_TOO_LARGE: [413, 'PAYLOAD_TOO_LARGE', 'the uploaded file is larger than the limit'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'VALIDATION', 'the JSON body is empty'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'VALIDATION', 'the body is not valid JSON'],
  FST_INVALID_MULTIPART_CONTENT_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE', 'send the file as multipart/form-data'],
  FST_FILES_LIMIT: [413, 'PAYLOAD_TOO_LARGE', 'too many files in the upload'],
  FST_FIELDS_LIMIT: [413, 'PAYLOAD_TOO_LARGE', 'too many form fields in the upload'],
  FST_PARTS_LIMIT: [413, 'PAYLOAD_TOO_LARGE', 'too many parts in the upload'],
  FST_ERR_VALIDATION: [400, 'VALIDATION', 'the request is not valid'],
};

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof AppError) {
      return reply.status(STATUS_OF[err.code]).send(body(err.code, err.message, err.field, err.details));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const first = err.validation[0]!;
      const where = err.validationContext === 'querystring' ? 'query' : err.validationContext === 'params' ? 'path' : 'body';
      const keys = (first.params as { keys?: string[] }).keys;
      const path = first.instancePath.replace(/^\//, '').replace(/\//g, '.');
      if (first.keyword === 'unrecognized_keys' && keys?.length) {
        const field = [path, keys[0]].filter(Boolean).join('.');
        return reply.status(400).send(body('VALIDATION', `unknown field ${field} in ${where}`, field));
      }
      const field = path || undefined;
      return reply.status(400).send(body('VALIDATION', `${field ? `${field}: ` : `${where}: `}${first.message}`, field));
    }
    // PostgreSQL's data exceptions (SQLSTATE class 22: a number out of its column's range, text
    // it cannot store) come from a value in the request, not from a fault of the server.
    const sqlState = (err as { code?: unknown; severity?: unknown }).severity ? String(err.code) : '';
    if (/^22[0-9A-Z]{3}$/.test(sqlState)) {
      return reply.status(400).send(body('VALIDATION', 'a value in the request is out of range or cannot be stored'));
    }
    if (err.statusCode === 429) return reply.status(429).send(body('RATE_LIMITED', err.message));
    const known = err.code ? FASTIFY_ERRORS[err.code] : undefined;
    if (known) return reply.status(known[0]).send(body(known[1], known[2]));
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send(body('BAD_REQUEST', err.message));
    }
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send(body('INTERNAL', 'an internal error occurred; it has been logged'));
  });
}

export const notFoundBody = (method: string, url: string): ErrorBody => body('NOT_FOUND', `no route ${method} ${url.split('?')[0]}`);
