/**
 * The one way the page talks to the cunzhang server.
 *
 * Every state-changing request echoes the readable `cz_csrf` cookie in the
 * `x-csrf-token` header (double-submit CSRF protection) and sends a JSON body
 * (`{}` when there is nothing to say); uploads go as multipart with the same header.
 */

export interface ApiErrorBody {
  error: { code: string; message: string; field?: string; details?: Record<string, unknown> };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Window event fired when an API call finds the session gone. */
export const SESSION_LOST = 'cz:session-lost';

export function readCookie(name: string): string | null {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}

async function toError(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON: fall through to a generic error
  }
  const e = (body as Partial<ApiErrorBody> | null)?.error;
  if (e && typeof e === 'object' && typeof e.code === 'string') {
    return new ApiError(res.status, e.code, e.message ?? e.code, e.field, e.details);
  }
  if (res.status === 429) return new ApiError(429, 'RATE_LIMITED', 'too many requests');
  return new ApiError(res.status, 'HTTP_' + res.status, res.statusText || 'request failed');
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let payload: BodyInit | undefined;
  if (UNSAFE.has(method)) {
    headers['content-type'] = 'application/json';
    headers['x-csrf-token'] = readCookie('cz_csrf') ?? '';
    payload = JSON.stringify(body ?? {});
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'NETWORK', 'the server cannot be reached');
  }
  if (!res.ok) {
    const err = await toError(res);
    // A session that ended (expiry, logout elsewhere) sends the person back to log in.
    if (err.status === 401 && !path.startsWith('/api/auth/') && path !== '/api/me') window.dispatchEvent(new Event(SESSION_LOST));
    throw err;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, body),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
  /** Multipart upload of one file in field `file` (still CSRF-protected). */
  async upload<T>(path: string, file: Blob, filename: string, method: 'PUT' | 'POST' = 'PUT'): Promise<T> {
    const form = new FormData();
    form.append('file', file, filename);
    let res: Response;
    try {
      res = await fetch(path, { method, body: form, headers: { 'x-csrf-token': readCookie('cz_csrf') ?? '', accept: 'application/json' }, credentials: 'same-origin' });
    } catch {
      throw new ApiError(0, 'NETWORK', 'the server cannot be reached');
    }
    if (!res.ok) throw await toError(res);
    return (await res.json()) as T;
  },
};

/**
 * Multipart upload of a whole form (a JSON part `data` and files), with upload progress:
 * XMLHttpRequest, because fetch cannot report how much of the body has gone out.
 */
export function sendForm<T>(path: string, form: FormData, onProgress?: (fraction: number) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('x-csrf-token', readCookie('cz_csrf') ?? '');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.withCredentials = true;
    if (onProgress) xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'the server cannot be reached'));
    xhr.onload = () => {
      const res = new Response(xhr.status === 204 ? null : xhr.responseText, { status: xhr.status, statusText: xhr.statusText });
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve((xhr.responseText ? JSON.parse(xhr.responseText) : undefined) as T);
        return;
      }
      void toError(res).then((err) => {
        if (err.status === 401) window.dispatchEvent(new Event(SESSION_LOST));
        reject(err);
      });
    };
    xhr.send(form);
  });
}

/** Query string from the defined, non-empty values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}
