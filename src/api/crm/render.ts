// WireCRM's replies (seed 002): {"status":"1"} when the call is under way,
// {"status":"0","error":"…"} otherwise, with our error code beside it.
import type { PbxError } from '../../core/errors.ts';

export function accepted(): { status: '1' } {
  return { status: '1' };
}

export function refused(err: PbxError): { status: '0'; error: string; code: string } {
  return { status: '0', error: err.message, code: err.code };
}
