// Switchboard's model in the CloudPBX (Poziom7, seed 003) wire format: CDR
// rows and recordings with local `YYYY-MM-DD HH:MM:SS` times, Asterisk-style
// channel names carrying the PBX name, and the numeric states of section 2.4.
import type { CdrRow } from '../../core/pbx-control.ts';
import type { RecordingInfo } from '../../core/recordings.ts';
import type { ExtensionState, Presence } from '../../core/presence.ts';
import { localDateTime } from '../../core/time-zone.ts';

export interface Site {
  /** The PBX name: `pbx_{NAME}` channel, `NAME-101` peers, `SIP/NAME-101-…` channels. */
  pbxName: string;
  timeZone: string;
}

/** Section 2.4: `statusValue` of subscriber and `status` of extstatus. */
export const STATUS_VALUES: Readonly<Record<ExtensionState, number>> = {
  Idle: 0,
  InUse: 1,
  Busy: 2,
  Unavailable: 4,
  Ringing: 8,
  OnHold: 16,
  Connecting: 32,
};

/** `SIP/101-0000002a` → `SIP/PBX-101-0000002a`: the peer of a CloudPBX channel is `NAME-ext` (seed 003 §1.2). */
export function channelName(channel: string, site: Site): string {
  const m = /^([A-Za-z]+)\/(.+)$/.exec(channel);
  return m ? `${m[1] ?? 'SIP'}/${site.pbxName}-${m[2] ?? ''}` : channel;
}

export interface CdrOut {
  calldate: string;
  clid: string;
  src: string;
  dst: string;
  channel: string;
  dstchannel: string;
  lastapp: string;
  duration: number;
  billsec: number;
  disposition: string;
  uniqueid: string;
  cost: string;
  zone: string;
}

export function renderCdr(r: CdrRow, site: Site): CdrOut {
  return {
    calldate: localDateTime(r.startedAt, site.timeZone),
    clid: r.clid,
    src: r.src,
    dst: r.dst,
    channel: channelName(r.channel, site),
    dstchannel: r.dstchannel === '' ? '' : channelName(r.dstchannel, site),
    lastapp: r.lastapp,
    duration: r.duration,
    billsec: r.billsec,
    disposition: r.disposition,
    uniqueid: r.uniqueid,
    // Grosze as text, as the seed's example shows `"cost": ""` for a call not rated.
    cost: r.cost === null ? '' : String(r.cost),
    zone: r.zone,
  };
}

export interface RecordOut {
  uniqueid: string;
  src: string;
  dst: string;
  format: string;
  date: string;
}

export function renderRecording(r: RecordingInfo, site: Site): RecordOut {
  return { uniqueid: r.cdrUniqueid, src: r.src, dst: r.dst, format: r.format, date: localDateTime(r.startedAt, site.timeZone) };
}

/** The event objects one presence change becomes (section 2.3.1 and 2.3.2), in that order. */
export function renderPresence(p: Presence, site: Site): object[] {
  const status = STATUS_VALUES[p.state];
  const subscriber: Record<string, unknown> = { peer: `${site.pbxName}-${p.extension}`, statusValue: status };
  if (p.partner) {
    subscriber.connectPeerNumber = p.partner.number;
    subscriber.connectPeerName = p.partner.name;
  }
  return [{ subscriber }, { extstatus: { exten: p.extension, status } }];
}

/** Section 2.3.5 smsSendResponse: `MsgId` is the `responseId` sendSMS answered with. */
export function renderSmsStatus(p: { id: string; to: string; status: string }): object {
  return { smsSendResponse: { MsgId: p.id, to: p.to, status: p.status } };
}

/** Section 2.2: `{"id":386,"channel":"pbx_NAME","text":{…}}`. */
export function frame(id: number, text: object, site: Site): string {
  return JSON.stringify({ id, channel: `pbx_${site.pbxName}`, text });
}
