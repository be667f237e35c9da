// Wall-clock dates and times in the PBX time zone (IANA name). The store keeps
// instants as ISO-8601 UTC; dialects that speak local time (seed 003's
// `calldate`, its `datestart`/`datestop` days) convert here, with Intl only.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(instant: Date, timeZone: string): WallClock {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(instant).map((p) => [p.type, p.value]));
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second) };
}

const two = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD HH:MM:SS` of an instant on the clocks of `timeZone`. */
export function localDateTime(instant: Date | string, timeZone: string): string {
  const w = wallClock(typeof instant === 'string' ? new Date(instant) : instant, timeZone);
  return `${String(w.year).padStart(4, '0')}-${two(w.month)}-${two(w.day)} ${two(w.hour)}:${two(w.minute)}:${two(w.second)}`;
}

/** `YYYY-MM-DD` of the day an instant falls on in `timeZone`. */
export function localDate(instant: Date, timeZone: string): string {
  return localDateTime(instant, timeZone).slice(0, 10);
}

/** Whether `YYYY-MM-DD` names a real calendar day (no 2021-02-30). */
export function isCalendarDate(date: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d;
}

/**
 * The instant local midnight begins `date` (`YYYY-MM-DD`) in `timeZone`.
 * The zone's offset is read at a guess and corrected once, which settles it
 * for every zone whose offset changes at most once around midnight.
 */
export function startOfLocalDay(date: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const asUtc = Date.UTC(y, m - 1, d);
  let guess = asUtc;
  for (let i = 0; i < 2; i++) {
    const w = wallClock(new Date(guess), timeZone);
    const shownAsUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
    guess += asUtc - shownAsUtc;
  }
  return new Date(guess);
}

/** The day after `date`, as `YYYY-MM-DD`. */
export function nextDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/** Inclusive local days → the UTC instants [from, to] they cover (`to` is the last millisecond). */
export function localDaysRange(first: string, last: string, timeZone: string): { from: string; to: string } {
  const from = startOfLocalDay(first, timeZone);
  const end = startOfLocalDay(nextDate(last), timeZone);
  return { from: from.toISOString(), to: new Date(end.getTime() - 1).toISOString() };
}
