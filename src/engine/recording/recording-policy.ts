// Whether a call is recorded without being asked: the `recording` policy of
// the extensions in it (seed 000 ext.options.set: off / external calls only / all).
import type { CallDirection } from '../../core/calls.ts';
import type { RecordingPolicy } from '../../core/directory/extension.ts';

/**
 * Recorded when any extension in the call records all its calls, or records
 * external ones and the call has an outside party. One recording per call
 * serves every extension that wants it, as 3CX keeps one file per call.
 */
export function policyRecords(policies: readonly string[], direction: CallDirection): boolean {
  return policies.some((p) => (p as RecordingPolicy) === 'all' || ((p as RecordingPolicy) === 'external' && direction !== 'Internal'));
}
