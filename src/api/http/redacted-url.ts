// Request URLs as they may be logged. Seed 000 puts the API key in the path
// (`/webapi/{key}/…`) and SIP passwords in the query (`ext.update?authpass=`);
// CloudPBX and Call Control clients may send keys and secrets as query
// parameters. A debug log is still a log: none of these may reach it.
const SECRET_PARAMS = /^(pbxkey|key|api_key|apikey|token|access_token|refresh_token|secret|client_secret|password|pass|authpass|vmpin|pin)$/i;

export function redactedUrl(url: string): string {
  const q = url.indexOf('?');
  const path = (q === -1 ? url : url.slice(0, q)).replace(/^\/webapi\/[^/]+/, '/webapi/[key]');
  if (q === -1) return path;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = decodeURIComponentSafe(eq === -1 ? pair : pair.slice(0, eq));
      return eq !== -1 && SECRET_PARAMS.test(name) ? `${pair.slice(0, eq)}=[redacted]` : pair;
    })
    .join('&');
  return `${path}?${query}`;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
