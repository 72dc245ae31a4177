import assert from 'node:assert/strict';
import { normaliseEndpoint } from '../../src/totalgest/endpoint';
import { normaliseSiteUrl } from '../../src/framework360/client';
import { ConfigError } from '../../src/http/errors';

describe('endpoint normalisation', () => {
  it('turns a bare host into https://host/api/v1', () => {
    assert.equal(normaliseEndpoint('tg00.bweb.ch'), 'https://tg00.bweb.ch/api/v1');
    assert.equal(normaliseEndpoint('  tg00.bweb.ch/  '), 'https://tg00.bweb.ch/api/v1');
    assert.equal(normaliseEndpoint('tg00.bweb.ch:8443'), 'https://tg00.bweb.ch:8443/api/v1');
  });

  it('keeps a full URL, adding /api/v1 only when it has no path', () => {
    assert.equal(normaliseEndpoint('http://127.0.0.1:8450'), 'http://127.0.0.1:8450/api/v1');
    assert.equal(normaliseEndpoint('https://erp.example.ch/tg/api/v2/'), 'https://erp.example.ch/tg/api/v2');
    assert.equal(normaliseEndpoint('http://localhost:8450/api/v1'), 'http://localhost:8450/api/v1');
    assert.equal(normaliseEndpoint('http://[::1]:8450'), 'http://[::1]:8450/api/v1');
  });

  it('refuses plain http to a non-loopback host unless allowed', () => {
    assert.throws(
      () => normaliseEndpoint('http://tg00.bweb.ch'),
      (e: unknown) => e instanceof ConfigError && e.field === 'endpoint' && /plain http/.test(e.message),
    );
    assert.equal(normaliseEndpoint('http://tg00.bweb.ch', true), 'http://tg00.bweb.ch/api/v1');
    assert.throws(() => normaliseSiteUrl('http://shop.example.ch'), /plain http/);
  });

  it('names the field and the reason for bad input', () => {
    assert.throws(() => normaliseEndpoint(''), /API endpoint is empty/);
    assert.throws(() => normaliseEndpoint('   '), /API endpoint is empty/);
    assert.throws(() => normaliseEndpoint('ftp://tg00.bweb.ch'), /must use https/);
    assert.throws(
      () => normaliseEndpoint('https://user:pw@tg00.bweb.ch'),
      (e: Error) => /must not contain a user name or password/.test(e.message) && !e.message.includes('pw@'),
    );
    assert.throws(() => normaliseEndpoint('tg 00.bweb.ch'), /not a valid host/);
  });

  it('builds the Framework360 API base', () => {
    assert.equal(normaliseSiteUrl('shop.example.ch'), 'https://shop.example.ch/m/api');
    assert.equal(normaliseSiteUrl('http://127.0.0.1:8451'), 'http://127.0.0.1:8451/m/api');
  });
});
