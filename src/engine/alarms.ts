// Alarms: conditions an operator must act on, as `system.alarm` events
// (raised once when the condition starts, cleared once when it ends) and as
// metrics (switchboard_alarm, switchboard_disk_write_failures). The
// first is a disk that refuses the recordings' writes: calls go on, their
// recordings are cut, and somebody has to free space.
import type { Logger } from 'pino';
import type { Store } from '../store/index.ts';
import type { AlarmReason, SystemAlarm } from '../core/events.ts';

/** ENOSPC (no space), EDQUOT (quota): full; EIO, EROFS, EACCES…: the disk or its mount is broken. */
export function diskAlarmReason(err: unknown): AlarmReason | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown }; message?: unknown } | null;
  const code = e?.code ?? e?.cause?.code;
  // The MP3 worker's errors cross the thread as text: only the message names the cause.
  if (code === 'ENOSPC' || code === 'EDQUOT' || (typeof e?.message === 'string' && /\b(ENOSPC|EDQUOT)\b/.test(e.message))) return 'disk_full';
  if (code === 'EIO' || code === 'EROFS' || code === 'EACCES' || code === 'EPERM' || code === 'ENOENT') return 'disk_error';
  return undefined;
}

export class Alarms {
  private readonly raised = new Map<string, SystemAlarm>();
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  /** A write of `component` under `path` failed with a disk error: counted, and raised unless it already is. */
  diskWriteFailed(component: string, path: string, err: unknown): void {
    const reason = diskAlarmReason(err);
    if (reason === undefined) {
      this.logger.error({ err, component, path }, 'write failed');
      return;
    }
    const key = `${reason}/${component}`;
    this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
    if (this.raised.has(key)) return;
    const alarm: SystemAlarm = { reason, state: 'raised', component, path, detail: err instanceof Error ? err.message : String(err) };
    this.raised.set(key, alarm);
    this.logger.error({ alarm }, reason === 'disk_full' ? 'ALARM: disk full, recordings are being cut' : 'ALARM: disk error');
    this.announce(alarm);
  }

  /** A write of `component` succeeded again: its disk alarms are cleared. */
  diskWriteSucceeded(component: string): void {
    for (const [key, alarm] of this.raised) {
      if (alarm.component !== component) continue;
      this.raised.delete(key);
      const cleared: SystemAlarm = { ...alarm, state: 'cleared', detail: 'writes succeed again' };
      this.logger.warn({ alarm: cleared }, 'alarm cleared');
      this.announce(cleared);
    }
  }

  active(): SystemAlarm[] {
    return [...this.raised.values()];
  }

  /** Disk write failures by reason and component since start. */
  failureCounts(): { reason: string; component: string; count: number }[] {
    return [...this.failures].map(([key, count]) => {
      const [reason = '', component = ''] = key.split('/');
      return { reason, component, count };
    });
  }

  private announce(alarm: SystemAlarm): void {
    this.store.events.append('system.alarm', alarm).catch((err: unknown) => this.logger.error({ err, alarm }, 'alarm event not logged'));
  }
}
