// The panel's only door to Switchboard: the public native REST API under
// /api/v1, authenticated with the operator's key. Errors arrive as RFC 9457
// problem+json with a stable code and, for schema failures, one entry per
// offending field (`path` like `body/number`).

export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail);
  }

  /** Messages by body field name (`body/number` → `number`), for showing next to form fields. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.errors) {
      const m = /^body\/([^/]+)/.exec(e.path);
      if (m?.[1] && out[m[1]] === undefined) out[m[1]] = e.message.replace(/^body\/[^ ]+ /, '');
    }
    return out;
  }
}

/**
 * Messages by JSON pointer into the body without the leading slash
 * (`noAnswer/number`, `members/1`). Schema failures say `body/<pointer>`, the
 * directory's own checks (a taken number, 409) `/<pointer>` with a short
 * message, where the detail is the sentence to show.
 */
export function pointerErrors(err: ApiError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of err.errors) {
    let pointer = e.path.replace(/^body(?=\/|$)/, '').replace(/^\//, '');
    // A missing property is reported on its parent; show it on the property.
    const missing = /must have required property '([^']+)'/.exec(e.message)?.[1];
    if (missing !== undefined) pointer = pointer === '' ? missing : `${pointer}/${missing}`;
    const message = err.status === 409 ? err.message : e.message.replace(/^body\/[^ ]* /, '');
    if (out[pointer] === undefined) out[pointer] = message;
  }
  return out;
}

export class ApiClient {
  constructor(readonly key: string) {}

  get<T>(path: string): Promise<T> {
    return this.send<T>('GET', path);
  }
  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.send<T>('POST', path, body);
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.send<T>('PATCH', path, body);
  }
  delete(path: string): Promise<void> {
    return this.send<void>('DELETE', path);
  }

  async send<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`/api/v1${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    if (!res.ok) {
      const p = (parsed ?? {}) as { code?: string; detail?: string; title?: string; errors?: FieldError[] };
      throw new ApiError(res.status, p.code ?? `HTTP_${res.status}`, p.detail ?? p.title ?? res.statusText, p.errors ?? []);
    }
    return parsed as T;
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
