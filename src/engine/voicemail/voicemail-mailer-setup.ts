// The voicemail mailer from the configuration: none without SWITCHBOARD_SMTP_URL.
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Store } from '../../store/index.ts';
import { parseSmtpUrl } from './smtp-client.ts';
import { VoicemailNotifier } from './voicemail-notifier.ts';
import { VoicemailStore } from './voicemail-store.ts';

export function voicemailNotifier(config: Config, store: Store, logger: Logger): VoicemailNotifier | undefined {
  if (config.smtpUrl === undefined) return undefined;
  const smtp = parseSmtpUrl(config.smtpUrl, config.sipDomain);
  return new VoicemailNotifier({ store, box: new VoicemailStore(store, config.dataDir), smtp, from: config.smtpFrom ?? `voicemail@${config.sipDomain}`, logger });
}
