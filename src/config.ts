// Configuration: defaults, then an optional JSON config file, then SWITCHBOARD_*
// environment variables. Validated once at start; a bad value stops the process
// with a message that names the setting.
import { readFileSync, existsSync } from 'node:fs';
import { resolve, join } from 'node:path';

export interface PortRange {
  min: number;
  max: number;
}

export interface Config {
  host: string;
  httpPort: number;
  sipPort: number;
  rtpPorts: PortRange;
  dataDir: string;
  databaseUrl: string;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  /** SIP over TLS on this port (0: a free one), with the certificate of tlsCert/tlsKey; unset: no SIP TLS. */
  sipTlsPort: number | undefined;
  /** PEM file of CAs trusted, besides the system's, for the certificates of TLS trunks. */
  sipTlsCa: string | undefined;
  /** DNS servers (`ip` or `ip:port`) asked for trunks' NAPTR/SRV/A records; empty: the system's. */
  dnsServers: string[];
  /** Voicemail e-mail (seed 000 vmemail): smtp://[user:password@]host[:port] or smtps://…; unset: no e-mail. */
  smtpUrl: string | undefined;
  /** Sender of voicemail e-mail; voicemail@<sipDomain> when unset. */
  smtpFrom: string | undefined;
  logLevel: string;
  pbxName: string;
  /** The address phones should use to reach us; printed at first run and put in Contact/SDP later. */
  publicHost: string | undefined;
  sipDomain: string;
  timeZone: string;
  demo: boolean;
  /** RFC 3261 T1 (RTT estimate) in ms; T2 and T4 stay at 4 s and 5 s. */
  sipT1Ms: number;
  /** A talking call whose legs send no RTP for this long is hung up (dead phone, lost network). */
  rtpTimeoutSeconds: number;
  /** Music on hold: a WAV (PCM16, 8 kHz, mono) or raw µ-law file, looped; a built-in melody when unset. */
  mohFile: string | undefined;
  /** Seconds a parked call waits in its orbit before the parker is rung back. */
  parkTimeoutSeconds: number;
  /** Conference rooms: numbers in this range that are not in the directory; callers who dial one hear each other. */
  conferenceRooms: { min: number; max: number } | undefined;
  /** Let webhooks reach loopback and private addresses (SSRF guard off); for tests and closed networks. */
  webhookAllowPrivate: boolean;
  /** Seconds between a failed webhook attempt and the next one, one per retry. */
  webhookBackoff: number[];
  /** How long one webhook attempt may take. */
  webhookTimeoutMs: number;
  /** How long a node holds the outbox rows it took; a node that died loses them when this runs out. */
  webhookLeaseSeconds: number;
  /** WireCRM: the notification (webhook) URL the CRM generated; unset sends nothing. */
  crmUrl: string | undefined;
  /** WireCRM: which of NOTIFY_START, NOTIFY_INTERNAL, … are sent. */
  crmEvents: string[];
  /** WireCRM: also report calls between two extensions (as incoming calls). */
  crmInternalCalls: boolean;
  /** WireCRM: how long an incoming call waits for the reply to NOTIFY_START (caller_name, redirect). */
  crmReplyTimeoutMs: number;
  /** SMPP gateway for SMS: smpp://system_id:password@host:port[?sender=NAME]; none: no SMS. */
  smppUrl: string | undefined;
  /** Country code that makes a nine-digit SMS number international. */
  smsCountryCode: string;
  /** Lifetime of a 3CX Call Control access token (POST /connect/token). */
  callControlTokenSeconds: number;
  /** Absolute base URL of the HTTP API as others reach it (links in webhooks); unset: built from the public host, the HTTP port and TLS. */
  publicUrl: string | undefined;
  /** This node's name in a cluster: the devices rows it owns, the subject its commands arrive on. */
  nodeId: string;
  /** NATS (JetStream) of a cluster, nats://host:4222; unset: one node, in-process event bus. */
  natsUrl: string | undefined;
  /** Names the cluster's JetStream stream and subjects, so several clusters can share one NATS. */
  clusterName: string;
}

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`invalid setting ${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

interface Setting {
  key: keyof Config;
  env: string;
  file: string;
  parse: (raw: string, env: string) => Config[keyof Config];
}

function port(raw: string, name: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 0 || n > 65535) throw new ConfigError(name, `"${raw}" is not a port number (0-65535; 0 picks a free port)`);
  return n;
}

function portRange(raw: string, name: string): PortRange {
  const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(raw);
  if (!m) throw new ConfigError(name, `"${raw}" is not a range like 20000-29999`);
  const min = Number(m[1]);
  const max = Number(m[2]);
  if (min < 1024 || max > 65535 || min >= max) throw new ConfigError(name, `"${raw}" must lie within 1024-65535 with min < max`);
  // RTP uses even ports and RTCP the odd one above (RFC 3550 §11).
  if (max - min < 3) throw new ConfigError(name, `"${raw}" holds fewer than two RTP/RTCP port pairs`);
  return { min, max };
}

function nonEmpty(raw: string, name: string): string {
  if (raw.trim() === '') throw new ConfigError(name, 'must not be empty');
  return raw.trim();
}

function optional(raw: string): string | undefined {
  return raw.trim() === '' ? undefined : raw.trim();
}

function dnsServers(raw: string, name: string): string[] {
  const list = raw.split(',').map((e) => e.trim()).filter((e) => e !== '');
  const bad = list.filter((e) => !/^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-fA-F:]+\](:\d{1,5})?|[0-9a-fA-F:]+)$/.test(e));
  if (bad.length > 0) throw new ConfigError(name, `"${bad.join(', ')}" is not an address or address:port`);
  return list;
}

function smtpUrl(raw: string, name: string): string | undefined {
  if (raw.trim() === '') return undefined;
  if (!/^smtps?:\/\/[^/\s]+\/?$/.test(raw.trim())) throw new ConfigError(name, 'must be smtp://[user:password@]host[:port] or smtps://…');
  return raw.trim();
}

function bool(raw: string, name: string): boolean {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `"${raw}" is not a boolean (true/false)`);
}

function timeZone(raw: string, name: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: raw });
  } catch {
    throw new ConfigError(name, `"${raw}" is not an IANA time zone`);
  }
  return raw;
}

const SETTINGS: Setting[] = [
  { key: 'host', env: 'SWITCHBOARD_HOST', file: 'host', parse: nonEmpty },
  { key: 'httpPort', env: 'SWITCHBOARD_HTTP_PORT', file: 'httpPort', parse: port },
  { key: 'sipPort', env: 'SWITCHBOARD_SIP_PORT', file: 'sipPort', parse: port },
  { key: 'rtpPorts', env: 'SWITCHBOARD_RTP_PORTS', file: 'rtpPorts', parse: portRange },
  { key: 'dataDir', env: 'SWITCHBOARD_DATA_DIR', file: 'dataDir', parse: nonEmpty },
  { key: 'databaseUrl', env: 'SWITCHBOARD_DATABASE_URL', file: 'databaseUrl', parse: (r) => r.trim() },
  { key: 'tlsCert', env: 'SWITCHBOARD_TLS_CERT', file: 'tlsCert', parse: optional },
  { key: 'tlsKey', env: 'SWITCHBOARD_TLS_KEY', file: 'tlsKey', parse: optional },
  { key: 'sipTlsPort', env: 'SWITCHBOARD_SIP_TLS_PORT', file: 'sipTlsPort', parse: port },
  { key: 'sipTlsCa', env: 'SWITCHBOARD_SIP_TLS_CA', file: 'sipTlsCa', parse: optional },
  { key: 'dnsServers', env: 'SWITCHBOARD_DNS_SERVERS', file: 'dnsServers', parse: dnsServers },
  { key: 'smtpUrl', env: 'SWITCHBOARD_SMTP_URL', file: 'smtpUrl', parse: smtpUrl },
  { key: 'smtpFrom', env: 'SWITCHBOARD_SMTP_FROM', file: 'smtpFrom', parse: optional },
  { key: 'logLevel', env: 'SWITCHBOARD_LOG_LEVEL', file: 'logLevel', parse: logLevel },
  { key: 'pbxName', env: 'SWITCHBOARD_PBX_NAME', file: 'pbxName', parse: pbxName },
  { key: 'publicHost', env: 'SWITCHBOARD_PUBLIC_HOST', file: 'publicHost', parse: optional },
  { key: 'sipDomain', env: 'SWITCHBOARD_SIP_DOMAIN', file: 'sipDomain', parse: nonEmpty },
  { key: 'timeZone', env: 'SWITCHBOARD_TIME_ZONE', file: 'timeZone', parse: timeZone },
  { key: 'demo', env: 'SWITCHBOARD_DEMO', file: 'demo', parse: bool },
  { key: 'sipT1Ms', env: 'SWITCHBOARD_SIP_T1_MS', file: 'sipT1Ms', parse: t1 },
  { key: 'rtpTimeoutSeconds', env: 'SWITCHBOARD_RTP_TIMEOUT', file: 'rtpTimeoutSeconds', parse: rtpTimeout },
  { key: 'mohFile', env: 'SWITCHBOARD_MOH_FILE', file: 'mohFile', parse: optional },
  { key: 'parkTimeoutSeconds', env: 'SWITCHBOARD_PARK_TIMEOUT', file: 'parkTimeoutSeconds', parse: rtpTimeout },
  { key: 'conferenceRooms', env: 'SWITCHBOARD_CONFERENCE_ROOMS', file: 'conferenceRooms', parse: roomRange },
  { key: 'webhookAllowPrivate', env: 'SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE', file: 'webhookAllowPrivate', parse: bool },
  { key: 'webhookBackoff', env: 'SWITCHBOARD_WEBHOOK_BACKOFF', file: 'webhookBackoff', parse: backoff },
  { key: 'webhookTimeoutMs', env: 'SWITCHBOARD_WEBHOOK_TIMEOUT_MS', file: 'webhookTimeoutMs', parse: webhookTimeout },
  { key: 'webhookLeaseSeconds', env: 'SWITCHBOARD_WEBHOOK_LEASE_SECONDS', file: 'webhookLeaseSeconds', parse: webhookLease },
  { key: 'crmUrl', env: 'SWITCHBOARD_CRM_URL', file: 'crmUrl', parse: crmUrl },
  { key: 'crmEvents', env: 'SWITCHBOARD_CRM_EVENTS', file: 'crmEvents', parse: crmEvents },
  { key: 'crmInternalCalls', env: 'SWITCHBOARD_CRM_INTERNAL_CALLS', file: 'crmInternalCalls', parse: bool },
  { key: 'crmReplyTimeoutMs', env: 'SWITCHBOARD_CRM_REPLY_TIMEOUT_MS', file: 'crmReplyTimeoutMs', parse: crmReplyTimeout },
  { key: 'smppUrl', env: 'SWITCHBOARD_SMPP_URL', file: 'smppUrl', parse: smppUrl },
  { key: 'smsCountryCode', env: 'SWITCHBOARD_SMS_COUNTRY_CODE', file: 'smsCountryCode', parse: countryCode },
  { key: 'callControlTokenSeconds', env: 'SWITCHBOARD_CALLCONTROL_TOKEN_TTL', file: 'callControlTokenSeconds', parse: tokenTtl },
  { key: 'publicUrl', env: 'SWITCHBOARD_PUBLIC_URL', file: 'publicUrl', parse: publicUrl },
  { key: 'nodeId', env: 'SWITCHBOARD_NODE_ID', file: 'nodeId', parse: clusterToken },
  { key: 'natsUrl', env: 'SWITCHBOARD_NATS_URL', file: 'natsUrl', parse: natsUrl },
  { key: 'clusterName', env: 'SWITCHBOARD_CLUSTER_NAME', file: 'clusterName', parse: clusterToken },
];

function publicUrl(raw: string, name: string): string | undefined {
  if (raw.trim() === '') return undefined;
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new ConfigError(name, `"${raw}" is not a URL like https://pbx.example.com`);
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.search !== '' || u.hash !== '') throw new ConfigError(name, `"${raw}" must be an http(s) URL without query or fragment, like https://pbx.example.com`);
  // Links are appended as `${publicUrl}/recordings/…`: no trailing slash.
  return u.href.replace(/\/+$/, '');
}

function tokenTtl(raw: string, name: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 1 || n > 86_400) throw new ConfigError(name, `"${raw}" must be whole seconds between 1 and 86400`);
  return n;
}

function smppUrl(raw: string, name: string): string | undefined {
  if (raw.trim() === '') return undefined;
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new ConfigError(name, `"${raw}" is not a URL like smpp://system_id:password@host:2775`);
  }
  if (u.protocol !== 'smpp:' || u.hostname === '' || u.username === '') throw new ConfigError(name, `"${raw}" must look like smpp://system_id:password@host:2775`);
  return raw.trim();
}

function countryCode(raw: string, name: string): string {
  if (!/^[0-9]{1,3}$/.test(raw.trim())) throw new ConfigError(name, `"${raw}" is not a country calling code (1-3 digits, no +)`);
  return raw.trim();
}

function crmReplyTimeout(raw: string, name: string): number {
  const n = Number(raw);
  // A caller hears nothing while we wait: keep it well under a ring cycle.
  if (!/^\d+$/.test(raw.trim()) || n > 5000) throw new ConfigError(name, `"${raw}" must be whole ms between 0 (do not wait) and 5000`);
  return n;
}

function backoff(raw: string, name: string): number[] {
  const parts = raw.split(',').map((p) => p.trim());
  const out = parts.map(Number);
  if (parts.length === 0 || parts.length > 20 || parts.some((p) => !/^\d+(\.\d+)?$/.test(p)) || out.some((n) => n > 7 * 86400)) {
    throw new ConfigError(name, `"${raw}" must be up to 20 comma-separated delays in seconds (each at most a week), e.g. 5,300,1800`);
  }
  return out;
}

function webhookTimeout(raw: string, name: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 100 || n > 60_000) throw new ConfigError(name, `"${raw}" must be whole ms between 100 and 60000`);
  return n;
}

function webhookLease(raw: string, name: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 2 || n > 3600) throw new ConfigError(name, `"${raw}" must be whole seconds between 2 and 3600`);
  return n;
}

function crmUrl(raw: string, name: string): string | undefined {
  if (raw.trim() === '') return undefined;
  if (!/^https?:\/\/[^\s]+$/.test(raw.trim())) throw new ConfigError(name, `"${raw}" is not an http(s) URL`);
  return raw.trim();
}

export const CRM_EVENTS = ['NOTIFY_START', 'NOTIFY_INTERNAL', 'NOTIFY_END', 'NOTIFY_OUT_START', 'NOTIFY_OUT_END', 'NOTIFY_RECORD'] as const;

function crmEvents(raw: string, name: string): string[] {
  const list = raw.split(',').map((e) => e.trim().toUpperCase()).filter((e) => e !== '');
  const bad = list.filter((e) => !(CRM_EVENTS as readonly string[]).includes(e));
  if (bad.length > 0) throw new ConfigError(name, `unknown event ${bad.join(', ')} (known: ${CRM_EVENTS.join(', ')})`);
  return list;
}

function t1(raw: string, name: string): number {
  const n = Number(raw);
  // §17.1.1.1: T1 may be set lower on a network known to be fast, never below a sane floor.
  if (!/^\d+$/.test(raw.trim()) || n < 50 || n > 4000) throw new ConfigError(name, `"${raw}" must be a whole number of ms between 50 and 4000`);
  return n;
}

function rtpTimeout(raw: string, name: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 2 || n > 3600) throw new ConfigError(name, `"${raw}" must be whole seconds between 2 and 3600`);
  return n;
}

/** A NATS subject token and JetStream stream-name part: no dots, spaces or wildcards. */
function clusterToken(raw: string, name: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(raw.trim())) throw new ConfigError(name, `"${raw}" may hold only letters, digits, _ and - (at most 64)`);
  return raw.trim();
}

function natsUrl(raw: string, name: string): string | undefined {
  if (raw.trim() === '') return undefined;
  const parts = raw.split(',').map((p) => p.trim());
  for (const p of parts) {
    let u: URL | undefined;
    try {
      u = new URL(p);
    } catch {
      u = undefined;
    }
    if (u?.protocol !== 'nats:' || u.hostname === '') throw new ConfigError(name, `"${raw}" must be nats://host:port (several separated by commas)`);
  }
  return parts.join(',');
}

/** `900-909`, one number `900`, or empty for none. */
function roomRange(raw: string, name: string): { min: number; max: number } | undefined {
  if (raw.trim() === '') return undefined;
  const m = /^\s*(\d{2,10})\s*(?:-\s*(\d{2,10}))?\s*$/.exec(raw);
  const min = Number(m?.[1]);
  const max = m?.[2] === undefined ? min : Number(m[2]);
  if (!m || min > max || String(min).length !== String(max).length) throw new ConfigError(name, `"${raw}" is not a range of numbers of one length like 900-909`);
  return { min, max };
}

function logLevel(raw: string, name: string): string {
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(raw)) throw new ConfigError(name, `"${raw}" is not one of ${levels.join(', ')}`);
  return raw;
}

function pbxName(raw: string, name: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(raw)) throw new ConfigError(name, `"${raw}" may hold only letters, digits, _ and -`);
  return raw;
}

export const DEFAULTS: Readonly<Omit<Config, 'databaseUrl'>> = {
  host: '0.0.0.0',
  httpPort: 8080,
  sipPort: 5060,
  rtpPorts: { min: 20000, max: 29999 },
  dataDir: './data',
  tlsCert: undefined,
  tlsKey: undefined,
  sipTlsPort: undefined,
  sipTlsCa: undefined,
  dnsServers: [],
  smtpUrl: undefined,
  smtpFrom: undefined,
  logLevel: 'info',
  pbxName: 'PBX',
  publicHost: undefined,
  sipDomain: 'switchboard',
  timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
  demo: true,
  sipT1Ms: 500,
  rtpTimeoutSeconds: 60,
  mohFile: undefined,
  parkTimeoutSeconds: 120,
  conferenceRooms: { min: 900, max: 909 },
  webhookAllowPrivate: false,
  // Standard Webhooks' suggested schedule after the immediate first attempt.
  webhookBackoff: [5, 300, 1800, 7200, 18000, 36000, 86400],
  webhookTimeoutMs: 10_000,
  webhookLeaseSeconds: 60,
  crmUrl: undefined,
  crmEvents: [...CRM_EVENTS],
  crmInternalCalls: false,
  crmReplyTimeoutMs: 1500,
  smppUrl: undefined,
  smsCountryCode: '48',
  callControlTokenSeconds: 3600,
  publicUrl: undefined,
  nodeId: 'local',
  natsUrl: undefined,
  clusterName: 'switchboard',
};

/**
 * Loads the configuration. `env` defaults to process.env; the config file is
 * SWITCHBOARD_CONFIG (or ./switchboard.json when present).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, string> = {};
  const fileName = env.SWITCHBOARD_CONFIG ?? (existsSync('switchboard.json') ? 'switchboard.json' : undefined);
  if (fileName !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(fileName, 'utf8'));
    } catch (err) {
      throw new ConfigError('SWITCHBOARD_CONFIG', `cannot read ${fileName}: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError('SWITCHBOARD_CONFIG', `${fileName} must hold a JSON object`);
    const known = new Set(SETTINGS.map((s) => s.file));
    for (const [k, v] of Object.entries(parsed)) {
      if (!known.has(k)) throw new ConfigError(`${fileName}:${k}`, `unknown setting (known: ${[...known].join(', ')})`);
      raw[k] = typeof v === 'object' && v !== null && 'min' in v && 'max' in v ? `${String(v.min)}-${String(v.max)}` : String(v);
    }
  }
  const out: Record<string, unknown> = { ...DEFAULTS };
  for (const s of SETTINGS) {
    const fromFile = raw[s.file];
    if (fromFile !== undefined) out[s.key] = s.parse(fromFile, `${fileName}:${s.file}`);
    const fromEnv = env[s.env];
    if (fromEnv !== undefined) out[s.key] = s.parse(fromEnv, s.env);
  }
  const cfg = out as unknown as Config;
  cfg.dataDir = resolve(cfg.dataDir);
  if (!cfg.databaseUrl) cfg.databaseUrl = `sqlite://${join(cfg.dataDir, 'switchboard.db')}`;
  if (!/^(sqlite:|postgres:|postgresql:)/.test(cfg.databaseUrl)) {
    throw new ConfigError('SWITCHBOARD_DATABASE_URL', `"${cfg.databaseUrl}" must start with sqlite:// or postgres://`);
  }
  if ((cfg.tlsCert === undefined) !== (cfg.tlsKey === undefined)) {
    throw new ConfigError(cfg.tlsCert === undefined ? 'SWITCHBOARD_TLS_CERT' : 'SWITCHBOARD_TLS_KEY', 'TLS needs both SWITCHBOARD_TLS_CERT and SWITCHBOARD_TLS_KEY');
  }
  if (cfg.sipTlsPort !== undefined && cfg.tlsCert === undefined) {
    throw new ConfigError('SWITCHBOARD_SIP_TLS_PORT', 'SIP over TLS needs a certificate: set SWITCHBOARD_TLS_CERT and SWITCHBOARD_TLS_KEY');
  }
  for (const [k, name] of [['tlsCert', 'SWITCHBOARD_TLS_CERT'], ['tlsKey', 'SWITCHBOARD_TLS_KEY'], ['sipTlsCa', 'SWITCHBOARD_SIP_TLS_CA']] as const) {
    const p = cfg[k];
    if (p !== undefined && !existsSync(p)) throw new ConfigError(name, `file ${p} does not exist (create one with: switchboard cert create)`);
  }
  return cfg;
}
