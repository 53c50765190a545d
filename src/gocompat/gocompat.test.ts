import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  goMediaTypeProblem,
  GO_STRING_MAP,
  GoJsonSyntaxError,
  asGoString,
  asGoStringMap,
  asGoStrings,
  decodeGoBytes,
  encodeGoBytes,
  goDistinguishedNameString,
  goJsonString,
  goQuote,
  goStringMapOutput,
  goTimeString,
  isGoJsonError,
  goUnicodeVerb,
  marshalGoJson,
  parseGoJson,
  unmarshalGoJson,
  type GoType,
} from './index.js';

const STRING: GoType = { kind: 'string', name: 'string' };

describe('Go JSON decoding', () => {
  it('replaces invalid UTF-8 and lone surrogates with U+FFFD, one per bad byte', () => {
    const bytes = Buffer.concat([Buffer.from('"a'), Buffer.from([0xff, 0xc3]), Buffer.from('\\ud800\\udc00\\ud800x"')]);
    assert.equal(unmarshalGoJson(bytes, STRING), 'a\ufffd\ufffd\u{10000}\ufffdx');
  });

  it('names bytes in syntax errors as Go does', () => {
    assert.throws(() => parseGoJson(Buffer.from([0xff])), { message: "invalid character 'ÿ' looking for beginning of value" });
    assert.throws(() => parseGoJson(Buffer.from('{"a" 1}')), { message: "invalid character '1' after object key" });
    assert.throws(() => parseGoJson(Buffer.from('[1 2]')), { message: "invalid character '2' after array element" });
    assert.throws(() => parseGoJson(Buffer.from('-x')), { message: "invalid character 'x' in numeric literal" });
    assert.throws(() => parseGoJson(Buffer.from('1.e')), { message: "invalid character 'e' after decimal point in numeric literal" });
    assert.throws(() => parseGoJson(Buffer.from('tru')), { message: 'unexpected end of JSON input' });
    assert.throws(() => parseGoJson(Buffer.from('nul!')), { message: "invalid character '!' in literal null (expecting 'l')" });
    assert.throws(() => parseGoJson(Buffer.from('"\\q"')), { message: "invalid character 'q' in string escape code" });
    assert.throws(() => parseGoJson(Buffer.from(' '), 'ignore'), (error: unknown) => error instanceof GoJsonSyntaxError && error.message === 'EOF');
  });

  it('merges objects into maps and lets null reset slices', () => {
    const type: GoType = {
      kind: 'struct',
      name: 'x.T',
      fields: [
        { json: 'm', type: { kind: 'map', name: 'map[string]string', elem: STRING } },
        { json: 'l', type: { kind: 'slice', name: '[]string', elem: STRING } },
        { json: 's', type: STRING },
      ],
    };
    const value = unmarshalGoJson(Buffer.from('{"m":{"a":"1"},"M":{"b":"2"},"l":["x"],"l":null,"s":"v","s":null}'), type) as Record<string, unknown>;
    assert.deepEqual([...(value['m'] as Map<string, string>)], [['a', '1'], ['b', '2']]);
    assert.equal(value['l'], null);
    assert.equal(value['s'], 'v');
  });
});

describe('Go JSON encoding', () => {
  it('escapes as encoding/json does', () => {
    assert.equal(goJsonString('<&>\u2028\u2029\b\f\n\r\t\u0001"\\é'), '"\\u003c\\u0026\\u003e\\u2028\\u2029\\b\\f\\n\\r\\t\\u0001\\"\\\\é"');
    assert.equal(marshalGoJson({ object: [['a', []], ['b', null], ['c', { object: [] }]] }, '  '), '{\n  "a": [],\n  "b": null,\n  "c": {}\n}');
  });
});

describe('Go quoting', () => {
  it('matches strconv.Quote', () => {
    assert.equal(goQuote('a"b\\c\n\t\u0007\u007f\u00a0é\u{1f600}\u200b'), '"a\\"b\\\\c\\n\\t\\a\\x7f\\u00a0é😀\\u200b"');
    assert.equal(goQuote(decodeGoBytes(Uint8Array.from([0x61, 0xff]))), '"a\\xff"');
    assert.deepEqual(encodeGoBytes(decodeGoBytes(Uint8Array.from([0xc3, 0xa9, 0xff]))), Uint8Array.from([0xc3, 0xa9, 0xff]));
    assert.equal(goUnicodeVerb(0x67), "U+0067 'g'");
    assert.equal(goUnicodeVerb(0x01), 'U+0001');
  });
});

describe('Go pkix.Name.String()', () => {
  // Expected strings printed by Go 1.26 for the same RDN sequences (FillFromRDNSequence, String).
  const DC = '0.9.2342.19200300.100.1.25';
  const EMAIL = '1.2.840.113549.1.9.1';

  it('orders, groups and escapes like Go, and re-marshals unnamed values', () => {
    const rdns = [
      [{ type: '2.5.4.6', value: 'US' }],
      [{ type: DC, value: 'example' }],
      [{ type: EMAIL, value: 'x@y' }],
      [{ type: '2.5.4.10', value: ' é, a ' }],
      [{ type: '2.5.4.3', value: 'first' }],
      [{ type: DC, value: 'a*b' }],
      [{ type: '2.5.4.3', value: '#last' }],
      [{ type: '2.5.4.11', value: 'u1' }, { type: '2.5.4.11', value: 'u2' }],
    ];
    assert.equal(
      goDistinguishedNameString(rdns),
      `CN=\\#last,OU=u1+OU=u2,O=\\ é\\, a\\ ,C=US,${DC}=#0c03612a62,${EMAIL}=#0c03784079,${DC}=#13076578616d706c65`,
    );
  });

  it('accepts Go attribute names and drops an empty last CN', () => {
    assert.equal(goDistinguishedNameString([[{ type: 'cn', value: 'x' }], [{ type: 'S', value: 'WA' }], [{ type: 'CN', value: '' }]]), 'ST=WA');
    assert.equal(goDistinguishedNameString([[{ type: 'E', value: 'x@y' }]]), `${EMAIL}=#0c03784079`);
  });

  it('prints invalid UTF-8 as Go does: no #hex form, U+FFFD for the bad byte', () => {
    const bad = (text: string, byte: number): string => decodeGoBytes(Buffer.concat([Buffer.from(text), Uint8Array.of(byte)]));
    const rdns = [[{ type: DC, value: `${bad('bad', 0xff)},x` }], [{ type: '2.5.4.10', value: `${bad('', 0xff)}o ` }]];
    assert.equal(goDistinguishedNameString(rdns), `O=\ufffdo\\ ,${DC}=bad\ufffd\\,x`);
  });

  it('formats times like time.Time.String()', () => {
    assert.equal(goTimeString(new Date('2023-06-27T05:30:33Z')), '2023-06-27 05:30:33 +0000 UTC');
    assert.equal(goTimeString(new Date('2023-06-27T05:30:33.120Z')), '2023-06-27 05:30:33.12 +0000 UTC');
  });
});

describe('Go zero values and map output', () => {
  it('reads absent and null fields as Go holds them, and writes maps with sorted keys', () => {
    assert.equal(asGoString(undefined), '');
    assert.equal(asGoStrings(null), null);
    assert.deepEqual(asGoStrings(['a', 'b']), ['a', 'b']);
    const map = asGoStringMap(unmarshalGoJson(Buffer.from('{"é":"1","b":"2","a":"3"}'), GO_STRING_MAP));
    assert.deepEqual([...(map ?? [])], [['é', '1'], ['b', '2'], ['a', '3']]);
    assert.equal(marshalGoJson(goStringMapOutput(map ?? new Map())), '{"a":"3","b":"2","é":"1"}');
    assert.equal(asGoStringMap(null), null);
    assert.ok(isGoJsonError(new GoJsonSyntaxError('x', 0)));
    assert.ok(!isGoJsonError(new Error('x')));
  });
});

describe('goMediaTypeProblem (Go mime.ParseMediaType)', () => {
  it('accepts what Go accepts, a bare token included', () => {
    for (const value of ['application/octet-stream', 'image/jpeg', 'other-media-type', 'Text/Plain; charset=utf-8', 'a/b; q="x y"', 'a/b;']) {
      assert.equal(goMediaTypeProblem(value), undefined, value);
    }
  });
  it('refuses with Go\'s error texts', () => {
    assert.equal(goMediaTypeProblem(''), 'mime: no media type');
    assert.equal(goMediaTypeProblem('a b'), 'mime: expected slash after first token');
    assert.equal(goMediaTypeProblem('a/'), 'mime: expected token after slash');
    assert.equal(goMediaTypeProblem('a/b/c'), 'mime: unexpected content after media subtype');
    assert.equal(goMediaTypeProblem('a/b; x'), 'mime: invalid media parameter');
    assert.equal(goMediaTypeProblem('a/b; x=1; X=2'), 'mime: duplicate parameter name');
  });
});
