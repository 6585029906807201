/**
 * SM2 keys as PEM (docs/device-protocol.md §4, §14), so that openssl and device toolchains can
 * use the keys the platform hands out and the platform can read keys they made:
 * - public: SubjectPublicKeyInfo (RFC 5480) with id-ecPublicKey and the named curve SM2
 *   (1.2.156.10197.1.301), "PUBLIC KEY";
 * - private: SEC1 ECPrivateKey (RFC 5915), "EC PRIVATE KEY", or PKCS#8 (RFC 5208), "PRIVATE KEY"
 *   (what `openssl genpkey -algorithm SM2` writes). Both are read, and "SM2 PRIVATE KEY".
 * Keys inside the protocol stay hex: private 64 digits, public 130 digits starting 04.
 */
import { sm2 } from 'sm-crypto-v2';

// sm-crypto directly, not sign.ts: sign.ts may import isStrictDerSignature from here.
const publicKeyOf = (privateKey: string): string => sm2.getPublicKeyFromPrivateKey(privateKey);
/** Order of the SM2 base point (GM/T 0003.5). */
const SM2_N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;

const OID_EC_PUBLIC_KEY = '06072a8648ce3d0201'; // 1.2.840.10045.2.1
const OID_SM2 = '06082a811ccf5501822d'; // 1.2.156.10197.1.301
const ALGORITHM = tlv(0x30, OID_EC_PUBLIC_KEY + OID_SM2);

function tlv(tag: number, valueHex: string): string {
  const n = valueHex.length / 2;
  const len = n < 0x80 ? n.toString(16).padStart(2, '0') : n < 0x100 ? `81${n.toString(16).padStart(2, '0')}` : `82${n.toString(16).padStart(4, '0')}`;
  return tag.toString(16).padStart(2, '0') + len + valueHex;
}

function pem(label: string, derHex: string): string {
  const b64 = Buffer.from(derHex, 'hex').toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

function checkPublic(publicKey: string): void {
  if (!/^04[0-9a-f]{128}$/.test(publicKey)) throw new Error('an SM2 public key is 130 lower-case hex digits starting 04');
}

function checkPrivate(privateKey: string): void {
  if (!/^[0-9a-f]{64}$/.test(privateKey)) throw new Error('an SM2 private key is 64 lower-case hex digits');
}

/** The public key (04‖x‖y hex) as an SPKI "PUBLIC KEY" PEM. */
export function publicKeyToPem(publicKey: string): string {
  checkPublic(publicKey);
  return pem('PUBLIC KEY', tlv(0x30, ALGORITHM + tlv(0x03, `00${publicKey}`)));
}

function ecPrivateKey(privateKey: string, withCurve: boolean): string {
  const curve = withCurve ? tlv(0xa0, OID_SM2) : '';
  return tlv(0x30, tlv(0x02, '01') + tlv(0x04, privateKey) + curve + tlv(0xa1, tlv(0x03, `00${publicKeyOf(privateKey)}`)));
}

/** The private key as a SEC1 "EC PRIVATE KEY" PEM (curve SM2 named, public key included). */
export function privateKeyToPem(privateKey: string): string {
  checkPrivate(privateKey);
  return pem('EC PRIVATE KEY', ecPrivateKey(privateKey, true));
}

/** The private key as a PKCS#8 "PRIVATE KEY" PEM, the form `openssl genpkey` writes. */
export function privateKeyToPkcs8Pem(privateKey: string): string {
  checkPrivate(privateKey);
  return pem('PRIVATE KEY', tlv(0x30, tlv(0x02, '00') + ALGORITHM + tlv(0x04, ecPrivateKey(privateKey, false))));
}

interface Node { tag: number; value: Buffer; end: number }

/** One DER element at `at`; only definite lengths, as DER requires. */
function read(der: Buffer, at: number): Node {
  if (at + 2 > der.length) throw new Error('truncated DER');
  const tag = der[at]!;
  let len = der[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const k = len & 0x7f;
    if (k < 1 || k > 2 || start + k > der.length) throw new Error('unsupported DER length');
    len = k === 1 ? der[start]! : der.readUInt16BE(start);
    start += k;
  }
  if (start + len > der.length) throw new Error('truncated DER');
  return { tag, value: der.subarray(start, start + len), end: start + len };
}

function children(node: Node): Node[] {
  const out: Node[] = [];
  for (let at = 0; at < node.value.length; at = out[out.length - 1]!.end) out.push(read(node.value, at));
  return out;
}

function fromPem(text: string, labels: string[]): { label: string; der: Buffer } {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (!m || !labels.includes(m[1]!)) throw new Error(`expected a PEM block labelled ${labels.join(' or ')}`);
  return { label: m[1]!, der: Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64') };
}

/** The element re-encoded as hex (short lengths only: used for OIDs). */
const encoded = (n: Node): string => tlv(n.tag, n.value.toString('hex'));

function expectSm2Algorithm(alg: Node): void {
  const [oid, curve] = children(alg);
  if (!oid || !curve || encoded(oid) !== OID_EC_PUBLIC_KEY || encoded(curve) !== OID_SM2) throw new Error('not an SM2 key (expected id-ecPublicKey with curve 1.2.156.10197.1.301)');
}

/** Reads an SPKI "PUBLIC KEY" PEM of an SM2 key; returns 04‖x‖y hex. */
export function publicKeyFromPem(text: string): string {
  const { der } = fromPem(text, ['PUBLIC KEY']);
  const [alg, bits] = children(read(der, 0));
  if (!alg || !bits || bits.tag !== 0x03) throw new Error('not a SubjectPublicKeyInfo');
  expectSm2Algorithm(alg);
  const key = bits.value.subarray(1).toString('hex');
  checkPublic(key);
  return key;
}

/**
 * Reads a SEC1 "EC PRIVATE KEY" (openssl 3 `ec` labels it "SM2 PRIVATE KEY") or PKCS#8
 * "PRIVATE KEY" PEM of an SM2 key; returns 64 hex digits.
 */
export function privateKeyFromPem(text: string): string {
  const { label, der } = fromPem(text, ['EC PRIVATE KEY', 'SM2 PRIVATE KEY', 'PRIVATE KEY']);
  let ec = read(der, 0);
  if (label === 'PRIVATE KEY') {
    const [, alg, octets] = children(ec);
    if (!alg || !octets || octets.tag !== 0x04) throw new Error('not a PKCS#8 private key');
    expectSm2Algorithm(alg);
    ec = read(octets.value, 0);
  }
  const parts = children(ec);
  const secret = parts[1];
  if (!secret || secret.tag !== 0x04 || secret.value.length > 32) throw new Error('not an EC private key');
  const curve = parts.find((p) => p.tag === 0xa0);
  if (curve && curve.value.toString('hex') !== OID_SM2) throw new Error('not an SM2 key (curve is not 1.2.156.10197.1.301)');
  const key = secret.value.toString('hex').padStart(64, '0');
  checkPrivate(key);
  return key;
}

/**
 * Is `sigHex` an SM2 signature in strict DER (§4.1): SEQUENCE of two INTEGERs r, s, each
 * minimally encoded, 1 ≤ r, s < n, nothing after it? openssl refuses anything else; checking it
 * keeps the `sig` of a message unique (no second spelling of the same signature).
 */
export function isStrictDerSignature(sigHex: string): boolean {
  if (!/^([0-9a-f]{2})+$/.test(sigHex)) return false;
  const der = Buffer.from(sigHex, 'hex');
  let seq: Node;
  try {
    seq = read(der, 0);
    if (seq.tag !== 0x30 || seq.end !== der.length || tlv(0x30, seq.value.toString('hex')) !== sigHex) return false;
    const ints = children(seq);
    return ints.length === 2 && ints.every((i) => {
      const v = i.value;
      if (i.tag !== 0x02 || v.length === 0 || v[0]! & 0x80 || (v[0] === 0 && v.length > 1 && !(v[1]! & 0x80))) return false;
      const n = BigInt(`0x${v.toString('hex')}`);
      return n >= 1n && n < SM2_N;
    });
  } catch {
    return false;
  }
}
