// The DER reader and writers stay internal: the public encodings are the key, signature and ciphertext forms.
export {
  OID_EC_PUBLIC_KEY,
  OID_SECP256K1,
  OID_SM2,
  privateKeyFromDer,
  privateKeyFromPem,
  privateKeyToDer,
  privateKeyToPem,
  publicKeyFromDer,
  publicKeyFromPem,
  publicKeyToDer,
  publicKeyToPem,
} from './pem.js';
export { signatureFromDer, signatureToDer } from './signature.js';
export { sm2CiphertextFromAsn1, sm2CiphertextToAsn1 } from './sm2-ciphertext.js';
