// Routes in-dialog requests and 2xx ACKs to the leg that owns the dialog
// (RFC 3261 §12.2.2: matched by Call-ID, local tag and remote tag).
import { dialogIdOf, dialogKey } from '../../sip/dialog/index.ts';
import type { SipRequest } from '../../sip/message/index.ts';
import type { ServerTransaction } from '../../sip/transaction/index.ts';

export interface DialogHandler {
  request(request: SipRequest, tx: ServerTransaction): void;
  ack(ack: SipRequest): void;
}

export class DialogRouter {
  private readonly handlers = new Map<string, DialogHandler>();

  add(key: string, handler: DialogHandler): void {
    this.handlers.set(key, handler);
  }

  remove(key: string): void {
    this.handlers.delete(key);
  }

  get size(): number {
    return this.handlers.size;
  }

  private find(request: SipRequest): DialogHandler | undefined {
    const id = dialogIdOf(request, true);
    return id ? this.handlers.get(dialogKey(id)) : undefined;
  }

  request(request: SipRequest, tx: ServerTransaction): boolean {
    const h = this.find(request);
    if (!h) return false;
    h.request(request, tx);
    return true;
  }

  ack(ack: SipRequest): void {
    this.find(ack)?.ack(ack);
  }
}
