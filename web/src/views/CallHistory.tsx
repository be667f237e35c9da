// Call records (GET /cdr by date) filtered by number and disposition, each
// with its recording playable in the page through the recording's signed
// link, and the rows shown exportable as CSV.
import { useEffect, useState, type FormEvent } from 'react';
import { errorText, type ApiClient } from '../api/client.ts';
import type { Cdr, RecordingInfo } from '../api/types.ts';
import { formatSeconds } from '../components/Duration.tsx';
import { toCsv } from './csv.ts';
import { ActionError } from '../components/ActionError.tsx';
import { DataTable } from '../components/DataTable.tsx';

const DISPOSITIONS = ['ANSWERED', 'NO ANSWER', 'BUSY', 'FAILED'] as const;
const CSV_FIELDS = ['calldate', 'src', 'dst', 'direction', 'disposition', 'duration', 'billsec', 'uniqueid'] as const;

const today = (): string => new Date().toISOString().slice(0, 10);

export function CallHistory({ client }: { client: ApiClient }) {
  const [from, setFrom] = useState(today);
  const [to, setTo] = useState(today);
  const [number, setNumber] = useState('');
  const [disposition, setDisposition] = useState('');
  const [rows, setRows] = useState<Cdr[]>();
  const [recordings, setRecordings] = useState<Map<string, RecordingInfo>>(new Map());
  const [error, setError] = useState<string>();

  const search = async (): Promise<void> => {
    setError(undefined);
    try {
      // Whole days in the browser's time zone.
      const start = new Date(`${from}T00:00:00`).toISOString();
      const end = new Date(new Date(`${to}T00:00:00`).getTime() + 86_400_000).toISOString();
      const [cdr, recs] = await Promise.all([client.get<Cdr[]>(`/cdr?from=${encodeURIComponent(start)}&to=${encodeURIComponent(end)}&limit=10000`), client.get<RecordingInfo[]>('/recordings?limit=10000')]);
      setRows(cdr.reverse());
      setRecordings(new Map(recs.filter((r) => r.link !== null).map((r) => [r.cdrUniqueid, r])));
    } catch (err) {
      setError(errorText(err));
    }
  };
  useEffect(() => {
    void search();
    // Only the first load runs by itself; later searches are the user's.
  }, []);

  const shown = (rows ?? []).filter((r) => (number === '' || r.src.includes(number) || r.dst.includes(number) || r.clid.includes(number)) && (disposition === '' || r.disposition === disposition));
  const csvHref = (): string => URL.createObjectURL(new Blob([toCsv(CSV_FIELDS, shown.map((r) => CSV_FIELDS.map((f) => r[f])))], { type: 'text/csv' }));
  const onSubmit = (ev: FormEvent): void => {
    ev.preventDefault();
    void search();
  };

  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">Call history</h2>
      <form className="filters" onSubmit={onSubmit}>
        <label>
          From <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} required />
        </label>
        <label>
          To <input type="date" value={to} onChange={(e) => setTo(e.target.value)} required />
        </label>
        <label>
          Number <input type="search" value={number} onChange={(e) => setNumber(e.target.value)} inputMode="tel" />
        </label>
        <label>
          Disposition
          <select value={disposition} onChange={(e) => setDisposition(e.target.value)}>
            <option value="">any</option>
            {DISPOSITIONS.map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
        </label>
        <button type="submit">Search</button>
        <a
          className="button"
          href="#/history"
          download={`cdr-${from}-${to}.csv`}
          onClick={(ev) => {
            const href = csvHref();
            ev.currentTarget.href = href;
            // The download has started by then; the blob need not outlive it.
            setTimeout(() => URL.revokeObjectURL(href), 60_000);
          }}
        >
          Export CSV
        </a>
      </form>
      <ActionError error={error} page />
      {rows !== undefined && (
        <DataTable caption="Call records" className="cdr" columns={['Started', 'From', 'To', 'Direction', 'Disposition', 'Talk time', 'Recording']}>
          {shown.map((r) => {
            const rec = recordings.get(r.uniqueid);
            return (
              <tr key={r.uniqueid} data-testid={`cdr-${r.uniqueid}`}>
                <td>{new Date(r.startedAt).toLocaleString()}</td>
                <td>{r.src}</td>
                <td>{r.dst}</td>
                <td>{r.direction}</td>
                <td>{r.disposition}</td>
                <td>{formatSeconds(r.billsec)}</td>
                <td>{rec?.link ? <audio controls preload="metadata" src={rec.link} aria-label={`Recording of ${r.src} to ${r.dst}`} /> : <span className="muted">—</span>}</td>
              </tr>
            );
          })}
        </DataTable>
      )}
      {rows !== undefined && shown.length === 0 && <p className="muted">No calls match.</p>}
    </section>
  );
}
