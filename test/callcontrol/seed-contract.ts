// The JSON examples of seed 001, copied as they stand, and a check that a
// response has exactly their fields with the same JSON types (recursively;
// every array element against the example's first). This is the contract
// test: what a 3CX client deserialises must be there, named and typed so.
import assert from 'node:assert/strict';

const PARTICIPANT = `{ "id": 0, "status": "string", "dn": "string", "party_caller_name": "string", "party_dn": "string", "party_caller_id": "string", "party_did": "string", "device_id": "string", "party_dn_type": "string", "direct_control": true, "originated_by_dn": "string", "originated_by_type": "string", "referred_by_dn": "string", "referred_by_type": "string", "on_behalf_of_dn": "string", "on_behalf_of_type": "string", "callid": 0, "legid": 0 }`;
const DEVICE = `{ "dn": "string", "device_id": "string", "user_agent": "string" }`;

export const SEED = {
  dnList: JSON.parse(`[ { "dn": "string", "type": "string", "devices": [ ${DEVICE} ], "participants": [ ${PARTICIPANT} ] } ]`) as unknown,
  dn: JSON.parse(`{ "dn": "string", "type": "string", "devices": [ ${DEVICE} ], "participants": [ ${PARTICIPANT} ] }`) as unknown,
  devices: JSON.parse(`[ ${DEVICE} ]`) as unknown,
  device: JSON.parse(DEVICE) as unknown,
  participants: JSON.parse(`[ ${PARTICIPANT} ]`) as unknown,
  participant: JSON.parse(PARTICIPANT) as unknown,
  result: JSON.parse(`{ "finalstatus": "string", "reason": "string", "result": ${PARTICIPANT}, "reasontext": "string" }`) as unknown,
  token: JSON.parse(`{"token_type":"Bearer","expires_in":0,"access_token":"string","refresh_token":"string"}`) as unknown,
  /** The WebSocket frame. */
  frame: JSON.parse(`{"sequence":0,"event":{"event_type":0,"entity":"/callcontrol/string/participants/0","attached_data":{}}}`) as unknown,
};

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Fails unless `actual` has the example's fields, no others, with the same JSON types. */
export function assertConforms(actual: unknown, example: unknown, path = '$'): void {
  const k = kind(example);
  // Integers in the examples are written 0; a value 0.5 is not an int32.
  assert.equal(kind(actual), k, `${path}: ${kind(actual)} where the seed has ${k}`);
  if (k === 'array') {
    for (const [i, item] of (actual as unknown[]).entries()) assertConforms(item, (example as unknown[])[0], `${path}[${String(i)}]`);
  } else if (k === 'object') {
    const ex = example as Record<string, unknown>;
    const ac = actual as Record<string, unknown>;
    // attached_data is free-form: keys are the application's.
    if (path.endsWith('.attached_data')) return;
    assert.deepEqual(Object.keys(ac).sort(), Object.keys(ex).sort(), `${path}: fields differ from the seed`);
    for (const key of Object.keys(ex)) assertConforms(ac[key], ex[key], `${path}.${key}`);
  }
}
