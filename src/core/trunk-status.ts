// Where a trunk's outbound registration stands, as the API and the
// `trunk.status` event show it.
//   registering    — first attempt (or a re-attempt after a change) under way
//   registered     — the provider accepted our binding; refreshed before it expires
//   failed         — the last attempt failed (code/reason say why); retried with back-off
//   unregistered   — we removed our binding (trunk disabled, deleted, or the PBX stopping)
//   notRegistering — the trunk does not register (register: false or disabled) and had no binding
export const TRUNK_REGISTRATION_STATES = ['registering', 'registered', 'failed', 'unregistered', 'notRegistering'] as const;
export type TrunkRegistrationState = (typeof TRUNK_REGISTRATION_STATES)[number];

export interface TrunkStatus {
  trunkId: number;
  name: string;
  state: TrunkRegistrationState;
  /** Status code of the last final response (408 for no answer, 503 for a transport failure); null before any. */
  code: number | null;
  /** Its reason phrase, or why no request could be sent (e.g. a host that does not resolve). */
  reason: string;
  /** ISO-8601: when the binding the provider granted runs out; null unless registered. */
  expiresAt: string | null;
  /** ISO-8601: the next REGISTER (refresh or retry); null when none is planned. */
  nextAttemptAt: string | null;
}
