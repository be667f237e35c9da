// Matching a phone number against the phone book, by the number's ending:
// the rules of seed 000's contact.find, shared by that command and by the
// caller name an inbound call gets from its contact.
import { CONTACT_NUMBER_FIELDS } from './contact.ts';

type ContactRow = Record<string, unknown>;

const digits = (s: string): string => s.replace(/[^0-9]/g, '');

function commonSuffix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}

/**
 * Seed 000 contact.find: with min_len missing or longer than num, only an
 * exact match; equal to num's length or 0, numbers ending with num; shorter,
 * the contacts sharing the longest ending with num, if that is ≥ min_len.
 */
export function findContacts(contacts: ContactRow[], num: string, minLen: number | undefined): number[] {
  const want = digits(num);
  const numbersOf = (c: ContactRow) => CONTACT_NUMBER_FIELDS.map((f) => digits(String(c[f] ?? ''))).filter((n) => n !== '');
  if (minLen === undefined || minLen > want.length) return contacts.filter((c) => numbersOf(c).includes(want)).map((c) => Number(c.id));
  if (minLen === 0 || minLen === want.length) return contacts.filter((c) => numbersOf(c).some((n) => n.endsWith(want))).map((c) => Number(c.id));
  const best = contacts.map((c) => Math.max(0, ...numbersOf(c).map((n) => commonSuffix(n, want))));
  const longest = Math.max(0, ...best);
  if (longest < minLen) return [];
  return contacts.filter((_, i) => best[i] === longest).map((c) => Number(c.id));
}

/**
 * The digits a caller's number and a contact's number must share at their
 * end to be taken for the same: the subscriber part of a national number, so
 * that 0600100200, 48600100200 and +48 600 100 200 all find "600 100 200".
 */
export const CALLER_MATCH_DIGITS = 9;

/** The name to show for a caller: the best-matching contact's "First Last" (or its company), if any. */
export function callerNameFor(contacts: ContactRow[], number: string): string | undefined {
  const want = digits(number);
  if (want.length < 6) return undefined;
  const ids = findContacts(contacts, want, Math.min(CALLER_MATCH_DIGITS, want.length));
  const c = contacts.find((x) => Number(x.id) === ids[0]);
  if (!c) return undefined;
  const name = `${String(c.firstName ?? '')} ${String(c.lastName ?? '')}`.trim();
  return name || String(c.company ?? '') || undefined;
}
