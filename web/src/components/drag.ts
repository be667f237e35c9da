// A participant dragged from a live call onto an extension tile: blind transfer.
export const PARTICIPANT_MIME = 'application/x-switchboard-participant';

export interface DraggedParticipant {
  callId: string;
  participantId: string;
}
