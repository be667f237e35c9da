// Time since `since`, counting up once a second (m:ss, or h:mm:ss).
import { useEffect, useState } from 'react';

export function formatSeconds(total: number): string {
  const s = Math.max(0, Math.floor(total));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60));
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${String(h)}:${mm.padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

export function Duration({ since }: { since: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return <time dateTime={since}>{formatSeconds((now - Date.parse(since)) / 1000)}</time>;
}
