import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DigestVerifier, digestOf, parseDigest } from './digest.js';

describe('digests', () => {
  it('computes sha256 and sha512', () => {
    assert.equal(digestOf('{}'), 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    assert.match(digestOf('{}', 'sha512'), /^sha512:[0-9a-f]{128}$/);
  });

  it('rejects uppercase hex, wrong length and unknown algorithms', () => {
    assert.throws(() => parseDigest(`sha256:${'A'.repeat(64)}`), /lowercase hex/);
    assert.throws(() => parseDigest(`sha512:${'a'.repeat(64)}`), /128/);
    assert.throws(() => parseDigest(`blake3:${'a'.repeat(64)}`), /unsupported/);
    assert.throws(() => parseDigest('sha256'), /expected <algorithm>:<hex>/);
  });

  it('verifies streamed content and catches size and digest mismatches', () => {
    const digest = digestOf('hello world');
    const ok = new DigestVerifier(digest, 11);
    ok.update(Buffer.from('hello '));
    ok.update(Buffer.from('world'));
    ok.verify();

    const short = new DigestVerifier(digest, 11);
    short.update(Buffer.from('hello'));
    assert.throws(() => short.verify(), /has 5 bytes/);

    const long = new DigestVerifier(digest, 11);
    assert.throws(() => long.update(Buffer.from('hello world!')), /larger than its descriptor/);

    const wrong = new DigestVerifier(digest, 11);
    wrong.update(Buffer.from('hello WORLD'));
    assert.throws(() => wrong.verify(), /digest mismatch/);
  });
});
