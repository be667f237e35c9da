// An extension as the B2BUA rings it: its row (enabled, DND, ring time), its
// reachable registered devices as targets, its party and its From/To
// address; and where a participant can be sent (a transfer's destination).
import type { Flow } from '../../sip/transport/flow.ts';
import type { Store } from '../../store/index.ts';
import type { LocationService } from '../../sip/registrar/location-service.ts';
import { PbxError } from '../../core/errors.ts';
import type { Call } from './call.ts';
import type { CallParty } from './call-ends.ts';

export interface ExtensionRow {
  number: string;
  firstName: string;
  lastName: string;
  enabled: number;
  dnd: number;
  noAnswerTimeout: number;
}

export type DeviceTarget = { uri: string; flow: Flow; route?: string[] };

export class ExtensionReach {
  constructor(
    private readonly store: Store,
    private readonly locations: LocationService,
    private readonly host: string,
  ) {}

  async extension(number: string): Promise<ExtensionRow | undefined> {
    return this.store.db.selectFrom('extensions').select(['number', 'firstName', 'lastName', 'enabled', 'dnd', 'noAnswerTimeout']).where('number', '=', number).executeTakeFirst();
  }

  /** The reachable registered devices of a number, as targets to ring; with `device`, only the first whose contact contains it. */
  targetsOf(number: string, device?: string): DeviceTarget[] {
    const all = this.locations
      .bindings(number)
      .filter((b) => b.reachable)
      .map((b) => ({ uri: b.contact, flow: b.flow as Flow, ...(b.path !== undefined && b.path.length > 0 ? { route: b.path } : {}) }));
    return device === undefined ? all : all.filter((d) => d.uri.includes(device)).slice(0, 1);
  }

  /** A From/To value for a number of ours, with its display name when it has one. */
  address(number: string, name = ''): string {
    return `${name !== '' ? `"${name}" ` : ''}<sip:${number}@${this.host}>`;
  }

  party(row: ExtensionRow): CallParty {
    return { dn: row.number, dnType: 'Extension', number: row.number, name: `${row.firstName} ${row.lastName}`.trim() };
  }

  /** Where `keep` (a participant of `call`) can be sent now: an extension with a reachable device. */
  async destination(call: Call, keep: string, number: string): Promise<[CallParty, { uri: string; flow: Flow }[], number, string, string]> {
    const row = await this.extension(number);
    if (!row) throw new PbxError('SB_NOT_FOUND', `extension ${number} does not exist`);
    const targets = this.targetsOf(number);
    if (row.enabled !== 1 || targets.length === 0) throw new PbxError('SB_UNPROCESSABLE', `extension ${number} has no registered device`);
    // The destination's phone shows who is being put through to it.
    const kept = call.participant(keep);
    const keptNumber = kept?.partyNumber ?? '';
    return [this.party(row), targets, row.noAnswerTimeout, this.address(keptNumber, kept?.partyName || keptNumber), this.address(row.number)];
  }
}
