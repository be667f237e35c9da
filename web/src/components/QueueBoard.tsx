// One queue on the wallboard: its waiting callers (the longest wait counting
// up), agents by state, today's answered and abandoned callers and the
// service level (the ACD's: answered within the queue's target); a control
// key logs agents in and out of the queue here.
import type { ReactNode } from 'react';
import type { ApiClient } from '../api/client.ts';
import type { AgentState, QueueAgentStatus, QueueStatus } from '../api/types.ts';
import { Duration } from './Duration.tsx';
import { ActionButton } from './ActionButton.tsx';

const STATE_WORDS: Record<AgentState, string> = { loggedOut: 'logged out', unavailable: 'unavailable', free: 'free', ringing: 'ringing', busy: 'busy', wrapUp: 'wrap-up' };

export function QueueBoard({ status, client, canControl }: { status: QueueStatus; client: ApiClient; canControl: boolean }) {
  const oldest = status.waiting.reduce<string | undefined>((o, w) => (o === undefined || w.since < o ? w.since : o), undefined);
  const sl = status.serviceLevel;
  const c = status.agentCounts;
  return (
    <li className={`queue-board${status.waiting.length > 0 ? ' has-waiting' : ''}`} data-testid={`queue-${status.queue}`} aria-label={`Queue ${status.queue} ${status.name}`}>
      <h3>
        <span className="queue-number">{status.queue}</span> {status.name}
      </h3>
      <dl className="figures">
        <Figure label="Waiting" testId="waiting" warn={status.waiting.length > 0}>
          {status.waiting.length}
        </Figure>
        <Figure label="Longest wait" testId="longest-wait" warn={oldest !== undefined}>
          {oldest !== undefined ? <Duration since={oldest} /> : '0:00'}
        </Figure>
        <Figure label="Answered today" testId="answered">
          {status.answeredToday}
        </Figure>
        <Figure label="Abandoned today" testId="abandoned" warn={status.abandonedToday > 0}>
          {status.abandonedToday}
        </Figure>
        <Figure label={`Service level (${String(status.serviceLevelSeconds)} s)`} testId="service-level" title={`Callers answered within ${String(status.serviceLevelSeconds)} s of all who left the queue today (answered, abandoned, timed out)`}>
          {sl === null ? '—' : `${String(sl)} %`}
        </Figure>
      </dl>
      <p className="agent-counts" data-testid="agent-counts">
        <span className="agent-free">{c.free} free</span> · <span className="agent-busy">{c.busy + c.ringing} busy</span> · <span className="agent-wrapUp">{c.wrapUp} wrap-up</span> ·{' '}
        <span className="agent-loggedOut">{c.loggedOut} logged out</span>
        {c.unavailable > 0 && <> · <span className="agent-unavailable">{c.unavailable} unavailable</span></>}
      </p>
      {status.waiting.length > 0 && (
        <ol className="waiting-list" aria-label={`Callers waiting in ${status.queue}`}>
          {status.waiting.map((w) => (
            <li key={w.callId} data-testid={`waiting-${w.callId}`}>
              <span>{w.callerName ? `${w.callerName} (${w.callerNumber})` : w.callerNumber}</span> <Duration since={w.since} />
            </li>
          ))}
        </ol>
      )}
      <ul className="agents" aria-label={`Agents of ${status.queue}`}>
        {status.agents.map((a) => (
          <AgentRow key={a.extension} agent={a} client={client} canControl={canControl} />
        ))}
      </ul>
    </li>
  );
}

function Figure({ label, testId, warn = false, title, children }: { label: string; testId: string; warn?: boolean; title?: string; children: ReactNode }) {
  return (
    <div className={`figure${warn ? ' warn' : ''}`} title={title}>
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

/**
 * Log-in through the control routes: this queue's own switch, and the
 * extension's global one when that is what keeps the agent out (seed 000
 * qGlobalStatus); logging out touches this queue only.
 */
function AgentRow({ agent: a, client, canControl }: { agent: QueueAgentStatus; client: ApiClient; canControl: boolean }) {
  const loggedIn = a.loggedIn && a.globalLoggedIn;
  const base = `/queues/${encodeURIComponent(a.queue)}/agents/${encodeURIComponent(a.extension)}`;
  const toggle = async (): Promise<unknown> => {
    if (loggedIn) return client.post(`${base}/logout`);
    if (!a.loggedIn) await client.post(`${base}/login`);
    if (!a.globalLoggedIn) await client.post(`/extensions/${encodeURIComponent(a.extension)}/queues/login`);
    return undefined;
  };
  return (
    <li className={`agent agent-${a.state}`} data-testid={`agent-${a.queue}-${a.extension}`} data-state={a.state}>
      <span className="agent-ext">{a.extension}</span>
      <span className="agent-name">{a.name}</span>
      <span className="agent-state">{STATE_WORDS[a.state]}</span>
      {a.state === 'wrapUp' && a.wrapUpUntil !== null && <span className="muted">until {new Date(a.wrapUpUntil).toLocaleTimeString()}</span>}
      <span className="agent-answered" title="Answered from this queue today">
        {a.answeredToday} ans.
      </span>
      {canControl && (
        <ActionButton run={toggle} label={loggedIn ? `Log ${a.extension} out of queue ${a.queue}` : `Log ${a.extension} into queue ${a.queue}`}>
          {loggedIn ? 'Log out' : 'Log in'}
        </ActionButton>
      )}
    </li>
  );
}
