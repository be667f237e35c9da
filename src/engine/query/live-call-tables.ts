// The live calls as two tables for the read-only query (seed 000 `query`):
// `calls` and `call_participants`, beside the store's views.
import type { CallInfo } from '../../core/calls.ts';
import type { SnapshotTable } from '../../store/query-views.ts';

export function liveCallTables(calls: CallInfo[]): Record<string, SnapshotTable> {
  return {
    calls: {
      columns: ['call_id', 'direction', 'state', 'started_at', 'answered_at', 'did', 'owner'],
      rows: calls.map((c) => [c.id, c.direction, c.state, c.startedAt, c.answeredAt, c.did, c.owner]),
    },
    call_participants: {
      columns: ['id', 'call_id', 'dn', 'dn_type', 'device', 'party_number', 'party_name', 'status', 'direction'],
      rows: calls.flatMap((c) => c.participants.map((p) => [p.id, p.callId, p.dn, p.dnType, p.device, p.partyNumber, p.partyName, p.status, p.direction])),
    },
  };
}
