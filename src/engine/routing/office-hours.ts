// Office hours of an inbound rule: weekly ranges in a time zone, and holidays
// (whole days closed). A range "09:00"–"17:30" is open from 09:00 up to, not
// including, 17:30; "to" before "from" runs past midnight.
import type { OfficeHours } from '../../core/directory/inbound-rule.ts';

const WEEKDAY: Record<string, string> = { Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat', Sun: 'sun' };

/** The wall clock in a time zone: weekday key, minutes since midnight, and the date. */
export function wallClock(at: Date, timeZone: string): { day: string; minutes: number; date: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return { day: WEEKDAY[parts.weekday ?? ''] ?? 'mon', minutes: Number(parts.hour) * 60 + Number(parts.minute), date: `${parts.year ?? ''}-${parts.month ?? ''}-${parts.day ?? ''}` };
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function isOpen(hours: OfficeHours, at: Date, pbxTimeZone: string): boolean {
  const clock = wallClock(at, hours.timeZone || pbxTimeZone);
  if (hours.holidays.includes(clock.date)) return false;
  const ranges = (hours.weekly as Record<string, { from: string; to: string }[] | undefined>)[clock.day] ?? [];
  return ranges.some((r) => {
    const from = minutesOf(r.from);
    const to = minutesOf(r.to);
    return from <= to ? clock.minutes >= from && clock.minutes < to : clock.minutes >= from || clock.minutes < to;
  });
}
