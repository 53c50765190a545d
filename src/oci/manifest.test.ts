import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_MANIFEST_BYTES } from '../limits.js';
import { digestOf } from './digest.js';
import { effectiveArtifactType, parseManifest } from './manifest.js';

const blob = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf('layer'), size: 5 };
const config = { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf('{}'), size: 2 };
const encode = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('parseManifest', () => {
  it('parses an artifact manifest with a subject', () => {
    const parsed = parseManifest(
      encode({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: 'application/vnd.cncf.notary.signature',
        config,
        layers: [blob],
        subject: blob,
      }),
    );
    assert.equal(parsed.kind, 'manifest');
    assert.equal(effectiveArtifactType(parsed), 'application/vnd.cncf.notary.signature');
  });

  it('uses the config media type as artifactType when none is set', () => {
    const parsed = parseManifest(encode({ schemaVersion: 2, config, layers: [] }), 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(effectiveArtifactType(parsed), config.mediaType);
  });

  it('parses an index', () => {
    const parsed = parseManifest(encode({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }));
    assert.equal(parsed.kind, 'index');
  });

  const hostile: ReadonlyArray<[string, Buffer, RegExp]> = [
    ['not JSON', Buffer.from('{"schemaVersion":'), /not valid JSON/],
    ['an array', Buffer.from('[]'), /JSON object/],
    ['schemaVersion 1', encode({ schemaVersion: 1, config, layers: [] }), /schemaVersion/],
    ['a bad layer digest', encode({ schemaVersion: 2, config, layers: [{ ...blob, digest: 'sha256:zz' }] }), /layers\[0\]\.digest/],
    ['a negative size', encode({ schemaVersion: 2, config: { ...config, size: -1 }, layers: [] }), /config\.size/],
    [
      'a media type mismatch',
      encode({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }),
      /does not match/,
    ],
    ['non-string annotations', encode({ schemaVersion: 2, config, layers: [], annotations: { a: 1 } }), /annotations\.a/],
    ['an oversized document', Buffer.alloc(MAX_MANIFEST_BYTES + 1, 0x20), /over the limit/],
  ];
  for (const [name, bytes, problem] of hostile) {
    it(`rejects ${name}`, () => {
      const declared = name === 'a media type mismatch' ? 'application/vnd.oci.image.manifest.v1+json' : undefined;
      assert.throws(() => parseManifest(bytes, declared), problem);
    });
  }
});
