// 102's voicemail box for call tests through the admin API: enabled, PIN
// 1234, caller ID played, and 102 forwarded to it while not registered.
import assert from 'node:assert/strict';
import { api, type TestServer } from './server.ts';

export async function voicemailFor102(t: TestServer): Promise<void> {
  const set = await api(t.base, t.adminKey, 'PATCH', '/api/v1/extensions/102', {
    vmEnabled: true,
    vmPin: '1234',
    vmPlayCallerId: true,
    forwarding: [{ profile: 'Available', condition: 'notRegistered', destination: { type: 'voicemail', number: '102' } }],
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));
}
