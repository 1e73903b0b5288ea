/**
 * Typed application errors. Services throw `new AppError(code, message, details)`; the one HTTP
 * error handler maps the code to a status through ERROR_STATUS and answers
 * `{ code, message, details }`.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  MALFORMED_BODY: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  SESSION_EXPIRED: 401,
  FORBIDDEN: 403,
  CSRF_TOKEN_INVALID: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  STALE_VERSION: 409,
  INVALID_TRANSITION: 409,
  ALREADY_EXISTS: 409,
  AGREEMENT_OVERLAP: 409,
  STATEMENT_CHANGED_SINCE_CLOSE: 409,
  WINDOW_OUT_OF_ORDER: 409,
  NO_PAYABLE_PERIOD: 409,
  CONCURRENT_CHANGE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE: 422,
  REQUEST_TIMEOUT: 408,
  HEADERS_TOO_LARGE: 431,
  RATE_LIMITED: 429,
  CONCURRENCY_LIMITED: 429,
  INTERNAL: 500,
  DATABASE_UNAVAILABLE: 503,
  DATABASE_TIMEOUT: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** One problem in an input: where (field path or CSV row) and what. */
export type Problem = {
  path?: string;
  row?: number;
  field?: string;
  code: string;
  message: string;
};

export type ErrorDetails = { problems?: Problem[]; [key: string]: unknown };

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function notFound(what: string, key: string): AppError {
  return new AppError('NOT_FOUND', `${what} ${key} was not found`, { what, key });
}
