// Public API of the SIP transaction layer (RFC 3261 §17, RFC 6026).

export { type Clock, DEFAULT_TIMER_CONFIG, ManualClock, type TimerConfig, type TimerHandle, Timers, realClock } from './timers.ts';
export { Transaction, type TransactionContext, type TransactionKind, type TransactionState } from './transaction.ts';
export { ClientTransaction, type ClientTransactionHandlers } from './client-transaction.ts';
export { ServerTransaction, type ServerTransactionHandlers } from './server-transaction.ts';
export { InviteClientTransaction, type InviteClientContext, createNon2xxAck } from './invite-client.ts';
export { NonInviteClientTransaction } from './non-invite-client.ts';
export { InviteServerTransaction, type InviteServerContext } from './invite-server.ts';
export { NonInviteServerTransaction } from './non-invite-server.ts';
export { createCancel } from './cancel.ts';
export { clientKey, clientKeyOfResponse, rfc2543AckKey, serverKey } from './matching.ts';
export {
  type AnyClientTransaction,
  type AnyServerTransaction,
  TransactionLayer,
  type TransactionLayerOptions,
} from './transaction-layer.ts';
