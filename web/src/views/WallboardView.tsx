// The queues wallboard for a wall screen: every queue's live status, moved by
// the queue.updated / queue.agent events of the one event stream (no polling).
import type { ApiClient } from '../api/client.ts';
import type { LiveModel } from '../state/live-model.ts';
import { QueueBoard } from '../components/QueueBoard.tsx';

export function WallboardView({ client, model, canControl }: { client: ApiClient; model: LiveModel; canControl: boolean }) {
  const statuses = [...model.queueStatus.values()].sort((a, b) => a.queue.localeCompare(b.queue, 'en', { numeric: true }));
  const waiting = statuses.reduce((n, s) => n + s.waiting.length, 0);
  return (
    <section className="wallboard" aria-labelledby="wallboard-title">
      <div className="wallboard-head">
        <h2 id="wallboard-title">
          Queues <span className="muted">· {waiting} waiting</span>
        </h2>
        {document.fullscreenEnabled && (
          <button type="button" onClick={() => void (document.fullscreenElement ? document.exitFullscreen() : document.documentElement.requestFullscreen())}>
            Full screen
          </button>
        )}
      </div>
      {statuses.length === 0 && <p className="muted">No queues.</p>}
      <ul className="queue-boards">
        {statuses.map((s) => (
          <QueueBoard key={s.queue} status={s} client={client} canControl={canControl} />
        ))}
      </ul>
    </section>
  );
}
