/**
 * Go compatibility helpers: a JSON codec with `encoding/json`'s acceptance rules and error texts,
 * and `strconv.Quote`/`%q` formatting. Notation's files and messages come from Go; matching them
 * byte for byte is what makes Portcullis a drop-in.
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
  compareGoStrings,
  decodeGoBytes,
  encodeGoBytes,
  goQuote,
  goQuoteList,
  goQuoteMapList,
  goUnicodeVerb,
  isGoPrintable,
} from './quote.js';
