// The HTTP API's public base URL for links in webhooks: SWITCHBOARD_PUBLIC_URL
// when set (validated, no trailing slash), else built from the public host,
// the HTTP port and TLS.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError, type Config } from '../../src/config.ts';
import { publicBaseUrl } from '../../src/engine/public-url.ts';

function config(env: Record<string, string>): Config {
  return loadConfig({ SWITCHBOARD_DATA_DIR: '/tmp/sb-public-url', ...env });
}

describe('public base URL', () => {
  it('SWITCHBOARD_PUBLIC_URL wins, with its trailing slash dropped', () => {
    assert.equal(config({ SWITCHBOARD_PUBLIC_URL: 'https://pbx.example.com/sb/' }).publicUrl, 'https://pbx.example.com/sb');
    assert.equal(publicBaseUrl(config({ SWITCHBOARD_PUBLIC_URL: 'https://pbx.example.com/', SWITCHBOARD_PUBLIC_HOST: '10.0.0.5' }), 8080), 'https://pbx.example.com');
  });

  it('refuses what is not an http(s) base URL, naming the setting', () => {
    for (const bad of ['pbx.example.com', 'ftp://pbx.example.com', 'https://pbx.example.com/?a=1', 'https://pbx.example.com/#x']) {
      assert.throws(() => config({ SWITCHBOARD_PUBLIC_URL: bad }), (e: unknown) => e instanceof ConfigError && e.setting === 'SWITCHBOARD_PUBLIC_URL', bad);
    }
  });

  it('defaults to http(s)://<public host>:<HTTP port>', () => {
    assert.equal(config({}).publicUrl, undefined);
    assert.equal(publicBaseUrl(config({ SWITCHBOARD_PUBLIC_HOST: 'pbx.lan' }), 8080), 'http://pbx.lan:8080');
    assert.equal(publicBaseUrl(config({ SWITCHBOARD_HOST: '127.0.0.1' }), 41234), 'http://127.0.0.1:41234');
    assert.equal(publicBaseUrl({ publicUrl: undefined, publicHost: '2001:db8::1', host: '::', tlsCert: '/etc/cert.pem' }, 8443), 'https://[2001:db8::1]:8443');
  });
});
