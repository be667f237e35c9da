// Registered baresip phones for call tests: each extension's SIP password is
// read through the admin API, the phone registers and is ready to call.
import { Baresip, type BaresipOptions } from '../peers/baresip.ts';
import { api, type TestServer } from './server.ts';

export async function registeredPhone(t: TestServer, ext: string, opts: Partial<BaresipOptions> = {}): Promise<Baresip> {
  const res = await api(t.base, t.adminKey, 'GET', `/api/v1/extensions/${ext}`);
  const phone = await Baresip.start({ user: ext, password: res.body.authPassword as string, registrar: `127.0.0.1:${String(t.sipPort)}`, regint: 600, ...opts });
  await phone.waitRegistered(5000);
  return phone;
}

export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 8000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
