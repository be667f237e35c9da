// Webhook subscriptions and their delivery log, as every dialect and the
// native API see them. A subscription is a URL, the event types it wants
// (exact names, "call.*" prefixes or "*") and the secret its bodies are
// signed with (Standard Webhooks).

export interface WebhookSubscription {
  id: number;
  url: string;
  events: string[];
  description: string;
  enabled: boolean;
  createdAt: string;
}

export interface WebhookSubscriptionInput {
  url: string;
  events: string[];
  description?: string;
  /** `whsec_` + base64 of 24–64 bytes; generated when absent. */
  secret?: string;
  enabled?: boolean;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDelivery {
  id: number;
  /** The `webhook-id` header: the same on every attempt, for de-duplication. */
  messageId: string;
  subscriptionId: number | null;
  url: string;
  eventType: string;
  eventSeq: number;
  status: DeliveryStatus;
  attempts: number;
  /** HTTP status of the last attempt; 0 when it got no answer. */
  lastStatus: number;
  lastError: string;
  lastLatencyMs: number;
  nextAttemptAt: string;
  createdAt: string;
  deliveredAt: string | null;
}

/** Does a subscription's list of event types take this event type? */
export function eventTypeMatches(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}
