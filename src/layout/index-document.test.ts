import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digestOf, type Descriptor } from '../oci/index.js';
import {
  EMPTY_INDEX,
  addManifest,
  encodeLayoutIndex,
  parseLayoutIndex,
  parseLayoutMarker,
  refNameOf,
  removeDigest,
  removeTag,
  setTag,
  tagsOf,
} from './index-document.js';

const manifest = (text: string): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: digestOf(text),
  size: text.length,
});
const a = manifest('a');
const b = manifest('b');

describe('index.json editing', () => {
  it('lists a manifest pushed by digest once, untagged', () => {
    const index = addManifest(addManifest(EMPTY_INDEX, a), a);
    assert.equal(index.manifests.length, 1);
    assert.equal(refNameOf(index.manifests[0]!), undefined);
  });

  it('replaces the untagged entry when tagged and restores it when the tag moves away', () => {
    let index = setTag(addManifest(EMPTY_INDEX, a), a, 'v1');
    assert.deepEqual(index.manifests.map(refNameOf), ['v1']);
    index = setTag(index, b, 'v1');
    assert.deepEqual(
      index.manifests.map((entry) => [entry.digest, refNameOf(entry)]),
      [
        [b.digest, 'v1'],
        [a.digest, undefined],
      ],
    );
  });

  it('keeps a manifest listed when its only tag is removed, and drops every entry on removeDigest', () => {
    let index = setTag(setTag(EMPTY_INDEX, a, 'v1'), a, 'v2');
    assert.deepEqual(tagsOf(index), ['v1', 'v2']);
    index = removeTag(removeTag(index, 'v1'), 'v2');
    assert.deepEqual(index.manifests, [a]);
    assert.deepEqual(removeDigest(setTag(index, a, 'x'), a.digest).manifests, []);
  });

  it('round-trips unknown top-level fields', () => {
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, annotations: { k: 'v' }, manifests: [a] }));
    const parsed = parseLayoutIndex(bytes, 'index.json');
    assert.deepEqual(JSON.parse(encodeLayoutIndex(parsed).toString()), JSON.parse(bytes.toString()));
  });
});

describe('layout documents from disk are validated and errors name the file', () => {
  const cases: ReadonlyArray<[string, string, RegExp]> = [
    ['not JSON', '{"schemaVersion":', /not valid JSON/],
    ['schemaVersion 1', '{"schemaVersion":1,"manifests":[]}', /schemaVersion must be 2/],
    ['manifests not an array', '{"schemaVersion":2,"manifests":{}}', /manifests must be an array/],
    ['a bad descriptor', '{"schemaVersion":2,"manifests":[{"mediaType":"a/b","digest":"sha256:zz","size":1}]}', /manifests\[0\]\.digest/],
  ];
  for (const [name, text, problem] of cases) {
    it(`index.json: ${name}`, () => {
      assert.throws(() => parseLayoutIndex(Buffer.from(text), '/x/index.json'), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERR_CONTENT_INVALID_LAYOUT');
        assert.match(error.message, /\/x\/index\.json/);
        assert.match(error.message, problem);
        return true;
      });
    });
  }
  it('oci-layout with another version', () => {
    assert.throws(() => parseLayoutMarker(Buffer.from('{"imageLayoutVersion":"2.0.0"}'), '/x/oci-layout'), {
      code: 'ERR_CONTENT_INVALID_LAYOUT',
      message: /\/x\/oci-layout.*imageLayoutVersion/,
    });
  });
});
