// Public API of the SIP dialog layer (RFC 3261 §12, §13.3.1.4).

export {
  type CreateRequestOptions,
  Dialog,
  DialogError,
  type DialogId,
  type DialogState,
  copyRecordRoute,
  dialogIdOf,
  dialogKey,
  isTargetRefresh,
} from './dialog.ts';
export { type Retransmission2xx, type Retransmit2xxOptions, retransmit2xxUntilAck } from './retransmit-2xx.ts';
