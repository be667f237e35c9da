// WebSocket keep-alive for our event streams (RFC 6455 §5.5.2–5.5.3): a ping
// every interval; a client that has not answered the previous ping with a pong
// by the next one is taken for dead and dropped.

/** The part of a `ws` WebSocket the keep-alive uses. */
export interface PingableSocket {
  ping(): void;
  on(event: 'pong', listener: () => void): void;
}

/** Starts pinging; `dead` runs once when a ping went unanswered. Returns the way to stop. */
export function keepAlive(socket: PingableSocket, intervalMs: number, dead: () => void): () => void {
  let answered = true;
  socket.on('pong', () => {
    answered = true;
  });
  const timer = setInterval(() => {
    if (!answered) {
      clearInterval(timer);
      dead();
      return;
    }
    answered = false;
    socket.ping();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
