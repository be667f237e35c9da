// The NATS names one cluster uses. SWITCHBOARD_CLUSTER_NAME keeps two
// clusters (or two test runs) on one NATS apart: JetStream refuses two
// streams whose subjects overlap.
export interface ClusterNames {
  /** The JetStream stream that carries the event log. */
  readonly stream: string;
  /** Subjects of the stream: one per node, so a consumer knows where an event came from. */
  readonly eventsWildcard: string;
  eventSubject(node: string): string;
  /** Where a node answers commands for the calls it holds (request/reply). */
  commandSubject(node: string): string;
  /** Where a node announces that it changed the webhook subscriptions. */
  readonly webhooksSubject: string;
  /** Where every node says, every beat, that it is alive and where its SIP listens (members.ts). */
  readonly membersSubject: string;
  /** Where a node that starts asks the others for the calls they hold (request, many replies). */
  readonly callsSnapshotSubject: string;
  /** Where a queue's owner answers for the queue's status (request/reply). */
  queueSubject(node: string): string;
}

export function clusterNames(cluster: string): ClusterNames {
  return {
    stream: `SWITCHBOARD_${cluster}_EVENTS`,
    eventsWildcard: `switchboard.${cluster}.events.*`,
    eventSubject: (node) => `switchboard.${cluster}.events.${node}`,
    commandSubject: (node) => `switchboard.${cluster}.calls.${node}`,
    webhooksSubject: `switchboard.${cluster}.webhooks`,
    membersSubject: `switchboard.${cluster}.members`,
    callsSnapshotSubject: `switchboard.${cluster}.calls-snapshot`,
    queueSubject: (node) => `switchboard.${cluster}.queues.${node}`,
  };
}

/** The node an event subject names (its last token). */
export function nodeOfSubject(subject: string): string {
  return subject.slice(subject.lastIndexOf('.') + 1);
}
