/**
 * Go compatibility helpers: a JSON codec with `encoding/json`'s acceptance rules and error texts,
 * `strconv.Quote`/`%q` formatting, `pkix.Name.String()` and `time.Time.String()`. Notation's files
 * and messages come from Go; matching them byte for byte is what makes Portcullis a drop-in.
 * This is the lowest layer: pki, trust, envelope and config format through it, so each Go
 * behaviour has one implementation.
 */
export {
  GO_JSON_MAX_DEPTH,
  GoJsonSyntaxError,
  GoJsonTypeError,
  decodeGoValue,
  goJsonString,
  marshalGoJson,
  parseGoJson,
  unmarshalGoJson,
  type GoField,
  type GoStruct,
  type GoType,
  type GoValue,
  type JsonOutput,
  type JsonValue,
  type TrailingData,
} from './json.js';
export {
  GO_STRING,
  GO_STRING_MAP,
  GO_STRING_SLICE,
  asGoString,
  asGoStringMap,
  asGoStrings,
  goStringMapOutput,
  isGoJsonError,
} from './go-value.js';
export {
  compareGoStrings,
  decodeGoBytes,
  encodeGoBytes,
  goQuote,
  goQuoteList,
  goQuoteMapList,
  goUnicodeVerb,
  isGoPrintable,
} from './quote.js';
export { goDistinguishedNameString, type GoNameAttribute, type GoNameRdns } from './pkix-name.js';
export { goTimeString } from './time.js';
export { goMediaTypeProblem } from './mime.js';
