// The voicemail boxes the router sends calls to: an extension's box settings
// (vmEnabled, vmPin, vmPlayCallerId, vmPlayDateTime) read when a call arrives, so an edit
// applies to the next call; the messages in VoicemailStore; prompts spoken
// once and kept in the data directory.
import type { Store } from '../../store/index.ts';
import type { Call } from '../b2bua/call.ts';
import { leaveMessage, listenToMailbox, type VoicemailBox, type VoicemailDeps } from '../features/voicemail.ts';
import type { VoicemailStore } from './voicemail-store.ts';

export class VoicemailService {
  private readonly deps: VoicemailDeps;

  constructor(
    private readonly store: Store,
    readonly messages: VoicemailStore,
    say: (text: string) => Promise<Int16Array>,
    private readonly timeZone = 'UTC',
  ) {
    this.deps = { messages, say };
  }

  private async box(number: string): Promise<VoicemailBox | undefined> {
    const e = await this.store.db.selectFrom('extensions').select(['number', 'firstName', 'lastName', 'vmEnabled', 'vmPin', 'vmPlayCallerId', 'vmPlayDateTime']).where('number', '=', number).executeTakeFirst();
    if (!e) return undefined;
    return { number: e.number, name: `${e.firstName} ${e.lastName}`.trim(), enabled: e.vmEnabled === 1, pin: e.vmPin, playCallerId: e.vmPlayCallerId === 1, playDateTime: e.vmPlayDateTime, timeZone: this.timeZone };
  }

  /**
   * Leaves a message in `number`'s box; resolves when the call is over. False,
   * leaving the call alone, when there is no such box or it is off.
   */
  async leave(call: Call, number: string): Promise<boolean> {
    const box = await this.box(number);
    if (!box?.enabled) return false;
    await leaveMessage(call, box, this.deps);
    return true;
  }

  /** The caller's own box: the call's owner is the extension that dialled *97. */
  async listen(call: Call): Promise<void> {
    const info = call.info();
    const owner = info.participants.find((p) => p.id === info.owner);
    if (owner?.dnType !== 'Extension') return call.fail(403, 'FAILED');
    return listenToMailbox(call, await this.box(owner.dn), this.deps);
  }
}
