// The SMS service as the composition root builds it from the configuration:
// none without SWITCHBOARD_SMPP_URL.
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Store } from '../../store/index.ts';
import { SmppClient } from './smpp-client.ts';
import { SmsService } from './sms-service.ts';

export { SmsService } from './sms-service.ts';

/** The IANA-registered SMPP port (and the one most SMSCs use). */
const SMPP_PORT = 2775;

export function createSmsService(config: Pick<Config, 'smppUrl' | 'smsCountryCode'>, store: Store, logger: Logger): SmsService | undefined {
  if (config.smppUrl === undefined) return undefined;
  const u = new URL(config.smppUrl);
  const client = new SmppClient({
    host: u.hostname,
    port: u.port === '' ? SMPP_PORT : Number(u.port),
    systemId: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    systemType: u.searchParams.get('system_type') ?? '',
  });
  return new SmsService(store, client, { countryCode: config.smsCountryCode, sender: u.searchParams.get('sender') ?? '' }, logger);
}
