// The registrar's view of where extensions can be reached (RFC 3261 §10: the
// "location service"). The engine implements it over the store; the SIP layer
// knows nothing of databases.
import type { Flow } from '../transport/flow.ts';

export interface Binding {
  /** The address-of-record's user part: the extension number. */
  extension: string;
  /** The Contact URI as registered (without header parameters). */
  contact: string;
  /** The full Contact header value, for the 200 OK (§10.3 step 8). */
  contactHeader: string;
  expiresAt: number;
  callId: string;
  cseq: number;
  userAgent: string;
  /** Where the REGISTER came from: requests to this device go there (NAT, RFC 3581/5626). */
  flow: Flow;
  instanceId: string;
  reachable: boolean;
  registeredAt: number;
  /**
   * RFC 3327 §5.3: the Path header values of the REGISTER, in order (each a
   * name-addr). Requests to this contact carry them as a pre-loaded Route set.
   * Empty or absent for a phone that registered directly.
   */
  path?: string[];
}

export interface Credentials {
  extension: string;
  password: string;
  enabled: boolean;
}

export interface LocationService {
  /** SIP digest user name (authId) → its extension and password. */
  credentials(authId: string): Promise<Credentials | undefined>;
  /** True when the number is an existing extension. */
  extensionExists(extension: string): Promise<boolean>;
  bindings(extension: string): Binding[];
  /** Adds or refreshes one binding. */
  save(binding: Binding): Promise<void>;
  remove(extension: string, contact: string, reason: 'removed' | 'expired' | 'unreachable'): Promise<void>;
  markReachable(extension: string, contact: string, reachable: boolean): Promise<void>;
  all(): Binding[];
}
