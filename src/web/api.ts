/**
 * The one way the web app talks to the API: same-origin fetch with the session cookie, JSON in and
 * out, the CSRF header on every write, and typed errors ({ code, message, details }).
 */
import type { Problem } from '../shared/errors';

export type ApiErrorBody = {
  code: string;
  message: string;
  details?: { problems?: Problem[]; [key: string]: unknown };
};

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problems: Problem[];
  readonly details: Record<string, unknown>;

  constructor(status: number, body: ApiErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.details = body.details ?? {};
    this.problems = Array.isArray(body.details?.problems) ? body.details.problems : [];
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

/** 401s that mean "your session is gone" (not a wrong password). */
const SESSION_LOST = new Set(['SESSION_EXPIRED', 'UNAUTHENTICATED']);

let csrfToken: string | null = null;
let onSessionLost: ((error: ApiError) => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** The session provider registers what happens when a request finds the session gone. */
export function setSessionLostHandler(handler: ((error: ApiError) => void) | null): void {
  onSessionLost = handler;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

/** Builds `/api/v1<path>?…`, leaving out empty values. */
export function apiUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const qs = params.toString();
  return `/api/v1${path}${qs ? `?${qs}` : ''}`;
}

type RequestOptions = {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  query?: Query;
  /** A JSON body, or a raw body with its content type. */
  json?: unknown;
  body?: { content: BodyInit; contentType: string };
  signal?: AbortSignal;
  /** Do not treat a 401 as a lost session (the login and "who am I" calls). */
  isSessionProbe?: boolean;
};

/** How many times a request refused for the caller's requests in flight is sent at most. */
const CONCURRENCY_ATTEMPTS = 4;

/**
 * A 429 `CONCURRENCY_LIMITED` (too many of this user's requests in progress, e.g. several tabs of
 * heavy pages): nothing of the request ran, so it is sent again after the server's Retry-After
 * (at most 5 s). Null: any other answer.
 */
function concurrencyRetryMs(response: Response, text: string): number | null {
  if (response.status !== 429 || !text.includes('"CONCURRENCY_LIMITED"')) return null;
  const seconds = Number(response.headers.get('retry-after') ?? '1');
  return Math.min(Number.isFinite(seconds) && seconds > 0 ? seconds : 1, 5) * 1000;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.body) {
    headers['content-type'] = options.body.contentType;
    body = options.body.content;
  }
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;

  let response: Response;
  let text: string;
  for (let attempt = 1; ; attempt++) {
    try {
      response = await fetch(apiUrl(path, options.query), {
        method,
        headers,
        body,
        credentials: 'same-origin',
        signal: options.signal,
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new ApiError(0, {
        code: 'NETWORK',
        message: 'The server could not be reached. Check your connection and try again.',
      });
    }
    text = await response.text();
    const wait = concurrencyRetryMs(response, text);
    if (wait === null || attempt >= CONCURRENCY_ATTEMPTS) break;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }

  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (!response.ok) {
    const errorBody: ApiErrorBody =
      parsed && typeof parsed === 'object' && 'code' in parsed && 'message' in parsed
        ? (parsed as ApiErrorBody)
        : {
            code: `HTTP_${response.status}`,
            message: `The server answered ${response.status} ${response.statusText}`,
          };
    const error = new ApiError(response.status, errorBody);
    if (response.status === 401 && SESSION_LOST.has(error.code) && !options.isSessionProbe) {
      onSessionLost?.(error);
    }
    throw error;
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) =>
    request<T>(path, { query, signal }),
  post: <T>(path: string, json?: unknown) => request<T>(path, { method: 'POST', json: json ?? {} }),
  patch: <T>(path: string, json: unknown) => request<T>(path, { method: 'PATCH', json }),
  put: <T>(path: string, json: unknown) => request<T>(path, { method: 'PUT', json }),
  upload: <T>(path: string, content: BodyInit, contentType: string) =>
    request<T>(path, { method: 'POST', body: { content, contentType } }),
};

/** A page of a list endpoint. */
export type Page<T> = { items: T[]; total: number; limit: number; offset: number };
