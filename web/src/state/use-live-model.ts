// Keeps a LiveModel current: one snapshot (the event log's position first, so
// nothing between snapshot and stream is lost), then the event stream from
// that position. Directory changes are re-read one entity at a time, when the
// event says so.
import { useEffect, useState } from 'react';
import type { ApiClient } from '../api/client.ts';
import { EventStream, type StreamStatus } from '../api/event-stream.ts';
import type { ActiveRecording, CallInfo, Device, Extension, Page, ParkedCall, PbxEvent, Queue, QueueStatus } from '../api/types.ts';
import { applyEvent, EMPTY_MODEL, withExtension, withQueue, withQueueStatus, type LiveModel } from './live-model.ts';

export function useLiveModel(client: ApiClient): { model: LiveModel; status: StreamStatus; error: string | undefined } {
  const [model, setModel] = useState<LiveModel>(EMPTY_MODEL);
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [error, setError] = useState<string>();
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let stream: EventStream | undefined;
    let cancelled = false;
    const refetch = (e: PbxEvent<'directory.changed'>): void => {
      const { entity, key, action } = e.payload;
      if (entity !== 'extensions' && entity !== 'queues') return;
      const path = `/${entity}/${encodeURIComponent(key)}`;
      const set = (value: Extension | Queue | undefined): void => setModel((m) => (entity === 'extensions' ? withExtension(m, key, value as Extension | undefined) : withQueue(m, key, value as Queue | undefined)));
      if (action === 'deleted') set(undefined);
      else client.get<Extension | Queue>(path).then(set, () => set(undefined));
      // A new queue's status may precede any queue.updated about it.
      if (entity === 'queues' && action === 'created') readStatus(key);
    };
    const readStatus = (queue: string): void => {
      client.get<QueueStatus>(`/queues/${encodeURIComponent(queue)}/status`).then(
        (st) => setModel((m) => (m.queues.has(queue) ? withQueueStatus(m, st) : m)),
        () => undefined,
      );
    };
    (async () => {
      const { lastSeq } = await client.get<{ lastSeq: number }>('/events?since=0&limit=1');
      const [exts, queues, devices, calls, recordings, parked] = await Promise.all([
        client.get<Page<Extension>>('/extensions?limit=1000'),
        client.get<Page<Queue>>('/queues?limit=1000'),
        client.get<Device[]>('/registrations'),
        client.get<CallInfo[]>('/calls'),
        client.get<ActiveRecording[]>('/recordings/active'),
        client.get<ParkedCall[]>('/parked'),
      ]);
      const statuses = await Promise.all(queues.items.map((q) => client.get<QueueStatus>(`/queues/${encodeURIComponent(q.number)}/status`)));
      if (cancelled) return;
      const devMap = new Map<string, Set<string>>();
      for (const d of devices) devMap.set(d.extension, new Set([...(devMap.get(d.extension) ?? []), d.contact]));
      setModel({
        extensions: new Map(exts.items.map((x) => [x.number, x])),
        queues: new Map(queues.items.map((q) => [q.number, q])),
        devices: devMap,
        calls: new Map(calls.map((c) => [c.id, c])),
        queueStatus: new Map(statuses.map((st) => [st.queue, st])),
        recordings: new Map(recordings.map((r) => [r.callId, r])),
        parked: new Map(parked.map((p) => [p.orbit, p])),
        directoryChanges: new Map(),
      });
      stream = new EventStream({
        key: client.key,
        since: lastSeq,
        onStatus: setStatus,
        onReset: () => setGeneration((g) => g + 1),
        onEvent: (e) => {
          if (e.type === 'directory.changed') refetch(e as PbxEvent<'directory.changed'>);
          setModel((m) => applyEvent(m, e));
        },
      });
    })().catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
    return () => {
      cancelled = true;
      stream?.close();
    };
  }, [client, generation]);

  return { model, status, error };
}
