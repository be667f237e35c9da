// Calls a TCXWebAPI command the way a 3CX client does: the key in the path,
// parameters in the query string.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import assert from 'node:assert/strict';
import { api } from '../helpers/server.ts';

export async function webapi(base: string, key: string, command: string, query: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const qs = new URLSearchParams(query).toString();
  const res = await api(base, undefined, 'GET', `/webapi/${encodeURIComponent(key)}/${command}${qs ? `?${qs}` : ''}`);
  return { status: res.status, body: res.body };
}

export async function webapiPost(base: string, key: string, command: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await api(base, undefined, 'POST', `/webapi/${encodeURIComponent(key)}/${command}`, body);
  return { status: res.status, body: res.body };
}

/** A bad-input case: the status and stable code of the dialect's error body. */
export function assertError(res: { status: number; body: any }, status: number, code: string, what: string): void {
  assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body?.code, code, `${what}: ${JSON.stringify(res.body)}`);
  assert.equal(typeof res.body.message, 'string');
}
