// Values that a JSON schema (TypeBox's, as the routes declare them) must
// refuse: each one breaks exactly one rule the schema states — a type, a bound,
// a length, an enum, a pattern, a required or unknown property — so a server
// that accepts one has a validation hole (and the fuzz test sees the row change).
/* eslint-disable @typescript-eslint/no-explicit-any -- schemas are plain JSON objects here */

export type Schema = Record<string, any>;

const WRONG_TYPE: Record<string, unknown[]> = {
  string: [12345, true, null, ['x'], { a: 1 }],
  integer: ['abc', 1.5, true, null, [1], { n: 1 }],
  number: ['abc', true, null, [1]],
  boolean: ['yes', 2, null, []],
  array: ['x', 1, { a: 1 }, null],
  object: ['x', 1, [], null, true],
};

const PATTERN_BREAKERS = ['\u0000<script>\u202e', "' OR 1=1 --", ',;', ' leading space', '../../etc/passwd', '\u{1F4A9}', 'a\nb', '-', '.'];

/** Values for one property that its schema refuses. */
export function badValues(s: Schema | undefined, asText = false): unknown[] {
  if (!s || typeof s !== 'object') return [];
  const out: unknown[] = [];
  const type = typeof s.type === 'string' ? s.type : undefined;
  // In a query string every value is text, and text coerces to a string or a one-item array.
  if (type && !(asText && (type === 'string' || type === 'array'))) out.push(...(WRONG_TYPE[type] ?? []));
  if (Array.isArray(s.enum)) out.push('not-one-of-them', `${String(s.enum[0])}\u0000`);
  if (s.const !== undefined && typeof s.const === 'string') out.push(`${s.const}-not`);
  if (typeof s.maxLength === 'number') out.push('x'.repeat(s.maxLength + 1));
  if (typeof s.minLength === 'number' && s.minLength > 0) out.push('');
  if (typeof s.pattern === 'string') {
    // Only text the pattern really refuses (a permissive pattern accepts most of these).
    const re = new RegExp(s.pattern, 'u');
    out.push(...PATTERN_BREAKERS.filter((v) => !re.test(v)).slice(0, 3));
  }
  if (typeof s.format === 'string' && type === 'string') out.push('not-a-' + String(s.format));
  if (typeof s.minimum === 'number') out.push(s.minimum - 1, -1e308);
  if (typeof s.maximum === 'number') out.push(s.maximum + 1, 1e308);
  if (typeof s.exclusiveMinimum === 'number') out.push(s.exclusiveMinimum);
  if (typeof s.exclusiveMaximum === 'number') out.push(s.exclusiveMaximum);
  if (type === 'array') {
    if (typeof s.maxItems === 'number') out.push(Array.from({ length: s.maxItems + 1 }, () => firstGood(s.items)));
    for (const v of badValues(s.items).slice(0, 3)) out.push([v]);
  }
  if (type === 'object') for (const o of badObjects(s).slice(0, 4)) out.push(o);
  return out;
}

/** A value the schema is likely to accept, used to fill arrays to their limit. */
function firstGood(s: Schema | undefined): unknown {
  if (!s) return 'x';
  if (Array.isArray(s.enum)) return s.enum[0];
  if (s.const !== undefined) return s.const;
  switch (s.type) {
    case 'integer':
    case 'number':
      return typeof s.minimum === 'number' ? s.minimum : 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return {};
    default:
      return 'x';
  }
}

/** Objects the schema of an object refuses: one bad property each, a missing required one, an unknown one. */
export function badObjects(s: Schema | undefined, asText = false): Record<string, unknown>[] {
  if (!s || s.type !== 'object') return [];
  const out: Record<string, unknown>[] = [];
  const props = (s.properties ?? {}) as Record<string, Schema>;
  for (const [name, p] of Object.entries(props)) for (const v of badValues(p, asText).slice(0, 6)) out.push({ [name]: v });
  const required = (s.required ?? []) as string[];
  if (required.length > 0) out.push({});
  if (s.additionalProperties === false) out.push({ surelyNotAField: 1, __proto__x: { polluted: true } });
  return out;
}

/** Query strings the schema of a querystring refuses (every value travels as text). */
export function badQueries(s: Schema | undefined): string[] {
  const out: string[] = [];
  for (const o of badObjects(s, true)) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(o)) q.append(k, typeof v === 'string' ? v : JSON.stringify(v));
    const text = q.toString();
    if (text !== '') out.push(text);
  }
  return out;
}
