// The receptionist's screen: the presence board beside the live calls, so a
// caller can be dragged onto a colleague's tile, and the calls waiting in park orbits.
import type { ApiClient } from '../api/client.ts';
import type { LiveModel } from '../state/live-model.ts';
import { ExtensionTile } from '../components/ExtensionTile.tsx';
import { CallCard } from '../components/CallCard.tsx';
import { ParkedCalls } from '../components/ParkedCalls.tsx';

export function OperatorView({ client, model, canControl, canAdmin, supervisor }: { client: ApiClient; model: LiveModel; canControl: boolean; canAdmin: boolean; supervisor: string }) {
  const numbers = [...model.extensions.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const calls = [...model.calls.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const parked = [...model.parked.values()].sort((a, b) => a.orbit.localeCompare(b.orbit));
  return (
    <div className="operator">
      <section aria-labelledby="presence-title" className="presence">
        <h2 id="presence-title">Extensions</h2>
        <ul className="tiles">
          {numbers.map((n) => (
            <ExtensionTile key={n} number={n} model={model} client={client} canControl={canControl} canAdmin={canAdmin} />
          ))}
        </ul>
      </section>
      <section aria-labelledby="calls-title" className="calls">
        <h2 id="calls-title">Live calls ({calls.length})</h2>
        {calls.length === 0 ? <p className="muted">No calls right now.</p> : null}
        <ul className="call-list">
          {calls.map((c) => (
            <CallCard key={c.id} call={c} calls={calls} client={client} canControl={canControl} supervisor={supervisor} recording={model.recordings.get(c.id)} />
          ))}
        </ul>
        {canControl && calls.length > 0 && <p className="hint">Drag a participant onto an extension to transfer it there.</p>}
        <ParkedCalls parked={parked} client={client} canControl={canControl} retriever={supervisor} />
      </section>
    </div>
  );
}
