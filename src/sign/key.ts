/**
 * Local signing keys as `signingkeys.json` names them (`keyPath` + `certPath`), from their bytes:
 * the caller reads the files, this module only parses them (no I/O here).
 *
 * @see notaryproject/notation-go signer/signer.go (`NewGenericSignerFromFiles`: Go's `tls.LoadX509KeyPair`)
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { SignError, isPortcullisError } from '../errors.js';
import { createLocalSigner, type Signer } from '../envelope/index.js';
import { readCertificateFile } from '../trust/index.js';

/**
 * Parses a private key: PEM `PRIVATE KEY` (PKCS#8), `RSA PRIVATE KEY` (PKCS#1) or
 * `EC PRIVATE KEY` (SEC 1), or DER PKCS#8. Encrypted keys are refused, as Notation refuses them.
 * @throws SignError `ERR_SIGN_KEY_UNSUPPORTED`
 */
export function parsePrivateKey(bytes: Uint8Array | string): KeyObject {
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buffer.toString('latin1');
  if (text.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----') || /Proc-Type:\s*4,ENCRYPTED/.test(text)) {
    throw new SignError('ERR_SIGN_KEY_UNSUPPORTED', 'encrypted private keys are not supported');
  }
  try {
    return text.includes('-----BEGIN ')
      ? createPrivateKey({ key: buffer, format: 'pem' })
      : createPrivateKey({ key: buffer, format: 'der', type: 'pkcs8' });
  } catch (error) {
    throw new SignError('ERR_SIGN_KEY_UNSUPPORTED', `failed to parse the private key: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * A Signer for a key and its certificate chain file (PEM or DER certificates, leaf first, as
 * `notation cert generate-test` and CA bundles write them). The leaf must carry the key's public key.
 * @throws SignError `ERR_SIGN_KEY_UNSUPPORTED`
 */
export function signerFromKeyAndCertificates(keyBytes: Uint8Array | string, certificateBytes: Uint8Array): Signer {
  const privateKey = parsePrivateKey(keyBytes);
  let chain: Uint8Array[];
  try {
    chain = readCertificateFile(certificateBytes);
  } catch (error) {
    throw new SignError('ERR_SIGN_KEY_UNSUPPORTED', `failed to read the certificate chain: ${(error as Error).message}`, { cause: error });
  }
  if (chain.length === 0) throw new SignError('ERR_SIGN_KEY_UNSUPPORTED', 'the certificate file does not contain any certificate');
  try {
    return createLocalSigner(privateKey, chain);
  } catch (error) {
    if (isPortcullisError(error)) throw new SignError('ERR_SIGN_KEY_UNSUPPORTED', error.message, { cause: error });
    throw error;
  }
}
