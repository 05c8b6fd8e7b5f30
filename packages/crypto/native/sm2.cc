// xinlian_sm2: SM2 signatures with a distinguishing ID (GB/T 32918.2, GM/T 0003.2) through the OpenSSL that is
// statically linked into the node binary. The addon does not link libcrypto: every OpenSSL symbol is resolved from
// the node executable when the addon is loaded, exactly like node's own crypto.
//
// JavaScript API (all arguments are Uint8Array / Buffer):
//   verify(publicKey65, message, signature64, userId) -> boolean          through OpenSSL's EVP (generic EC code)
//   verifyOpenSsl(...)                                -> boolean          the same function as verify
//   verifyFast(publicKey65, message, signature64, userId) -> boolean      the addon's own SM2 verifier (below)
//   verifyDigestFast(publicKey65, e32, signature64)   -> boolean          the same, given e = SM3(Z_A || M)
//   fieldOpForTests(op, a32, b32)                     -> Uint8Array(32)   test hook for the F_p arithmetic
//   sign(privateKey32, message, userId)               -> Uint8Array(64)  r || s, big-endian, zero-padded
//   clearCaches()                                     -> undefined        frees every cached key
//   cacheStats()                                      -> { publicHits, publicMisses, privateHits, privateMisses,
//                                                          fastHits, fastMisses }
//   opensslVersion                                    -> string, e.g. "OpenSSL 3.0.19 27 Jan 2026"
//
// Robustness rules: the addon never aborts on any input. verify() returns false for anything that is not a valid
// signature under a valid key (wrong lengths, point not on the curve, r or s out of range, ID too long, OpenSSL
// failure); it only throws a TypeError when an argument is not a Uint8Array. sign() throws an Error for an invalid
// private key or an OpenSSL failure. Every OpenSSL object is freed on every path and the thread's OpenSSL error
// queue is cleared after a failure, so node's own crypto never sees stale errors.
//
// Speed: building an EVP_PKEY from raw bytes costs about as much as a verification, so each JS environment (main
// thread or worker) keeps small LRU caches of parsed keys: public keys for verify, private keys for sign (the
// private-key cache also saves the scalar multiplication that derives the public key, which SM2 signing needs for
// Z_A). Cached private keys are wiped (OPENSSL_cleanse) when evicted, on clearCaches() and at environment teardown.

#include <node_api.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

namespace {

constexpr size_t kPublicKeyLength = 65;
constexpr size_t kPrivateKeyLength = 32;
constexpr size_t kSignatureLength = 64;
constexpr size_t kFieldLength = 32;
// ENTL is the bit length of the ID in two bytes, so the standard allows 8191 bytes; OpenSSL (ossl_sm2_compute_z_digest)
// refuses id_len >= UINT16_MAX / 8, so 8190 is the longest ID it accepts.
constexpr size_t kMaxUserIdLength = 8190;
constexpr size_t kPublicCacheSize = 64;
constexpr size_t kPrivateCacheSize = 8;
// Largest DER encoding of two 256-bit INTEGERs: 30 46 (02 21 00 r) (02 21 00 s) = 72 bytes.
constexpr size_t kMaxDerLength = 80;

char kGroupName[] = "SM2";
// A valid address for zero-length inputs (a detached or empty typed array reports data == NULL).
const unsigned char kEmpty[1] = {0};

// ---------------------------------------------------------------------------------------------------------------
// Fast SM2 verification on the recommended curve (GB/T 32918.5) only, without OpenSSL's generic EC code.
//
// Verification handles public data only (key, message, signature), so this code is deliberately NOT constant-time.
// Never use it with secret scalars.
//
// Field F_p: 4 x 64-bit little-endian limbs, Montgomery form (R = 2^256). Because p = 2^256 - 2^224 - 2^96 + 2^64 - 1
// has low limb 2^64 - 1, -p^-1 mod 2^64 = 1 and every reduction step's multiplier is the low limb itself.
// Every field function takes fully reduced operands (< p) and returns fully reduced results, so equality of field
// elements is equality of limbs.
// Points: Jacobian (X, Y, Z), x = X/Z^2, y = Y/Z^3, with the a = -3 doubling; `infinity` flag for the neutral element.
// s·G + t·Q: interleaved wNAF (Strauss-Shamir). G: affine odd multiples 1G..(2^12-1)G (window 13) and the same for
// G' = 2^128·G, built once per process (2 x 128 KiB). Q (fresh key): Jacobian odd multiples 1Q..15Q (window 5)
// computed per call, 256 doublings. Q (a key verified at least 3 times, kept in a 64-entry per-environment LRU
// cache): affine odd multiples 1Q..127Q of Q and of Q' = 2^128·Q (window 8, 8 KiB per key), and the scalars are
// split into 128-bit halves, s·G + t·Q = s0·G + s1·G' + t0·Q + t1·Q', which halves the doublings.
// The final check x1 ≡ r - e (mod n) is done projectively: X == v·Z^2 for v = (r - e) mod n and, when v + n < p,
// for v + n (x1 is in [0, p) and p < 2n), which avoids a field inversion.

typedef uint64_t Fe[4];
typedef unsigned __int128 U128;

const uint64_t kP[4] = {0xffffffffffffffffULL, 0xffffffff00000000ULL, 0xffffffffffffffffULL, 0xfffffffeffffffffULL};
const uint64_t kN[4] = {0x53bbf40939d54123ULL, 0x7203df6b21c6052bULL, 0xffffffffffffffffULL, 0xfffffffeffffffffULL};
const uint64_t kR2[4] = {0x0000000200000003ULL, 0x00000002ffffffffULL, 0x0000000100000001ULL,
                         0x0000000400000002ULL};                                                       // 2^512 mod p
const uint64_t kOneM[4] = {0x0000000000000001ULL, 0x00000000ffffffffULL, 0, 0x0000000100000000ULL};  // R mod p
const uint64_t kBM[4] = {0x90d230632bc0dd42ULL, 0x71cf379ae9b537abULL, 0x527981505ea51c3cULL,
                         0x240fe188ba20e2c8ULL};  // b·R mod p

const unsigned char kGxBytes[32] = {0x32, 0xc4, 0xae, 0x2c, 0x1f, 0x19, 0x81, 0x19, 0x5f, 0x99, 0x04,
                                    0x46, 0x6a, 0x39, 0xc9, 0x94, 0x8f, 0xe3, 0x0b, 0xbf, 0xf2, 0x66,
                                    0x0b, 0xe1, 0x71, 0x5a, 0x45, 0x89, 0x33, 0x4c, 0x74, 0xc7};
const unsigned char kGyBytes[32] = {0xbc, 0x37, 0x36, 0xa2, 0xf4, 0xf6, 0x77, 0x9c, 0x59, 0xbd, 0xce,
                                    0xe3, 0x6b, 0x69, 0x21, 0x53, 0xd0, 0xa9, 0x87, 0x7c, 0xc6, 0x2a,
                                    0x47, 0x40, 0x02, 0xdf, 0x32, 0xe5, 0x21, 0x39, 0xf0, 0xa0};
// a || b || xG || yG as hashed into Z_A.
const unsigned char kCurveBytes[128] = {
    0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfc,
    0x28, 0xe9, 0xfa, 0x9e, 0x9d, 0x9f, 0x5e, 0x34, 0x4d, 0x5a, 0x9e, 0x4b, 0xcf, 0x65, 0x09, 0xa7,
    0xf3, 0x97, 0x89, 0xf5, 0x15, 0xab, 0x8f, 0x92, 0xdd, 0xbc, 0xbd, 0x41, 0x4d, 0x94, 0x0e, 0x93,
    0x32, 0xc4, 0xae, 0x2c, 0x1f, 0x19, 0x81, 0x19, 0x5f, 0x99, 0x04, 0x46, 0x6a, 0x39, 0xc9, 0x94,
    0x8f, 0xe3, 0x0b, 0xbf, 0xf2, 0x66, 0x0b, 0xe1, 0x71, 0x5a, 0x45, 0x89, 0x33, 0x4c, 0x74, 0xc7,
    0xbc, 0x37, 0x36, 0xa2, 0xf4, 0xf6, 0x77, 0x9c, 0x59, 0xbd, 0xce, 0xe3, 0x6b, 0x69, 0x21, 0x53,
    0xd0, 0xa9, 0x87, 0x7c, 0xc6, 0x2a, 0x47, 0x40, 0x02, 0xdf, 0x32, 0xe5, 0x21, 0x39, 0xf0, 0xa0,
};

constexpr int kWindowG = 13;
constexpr int kTableG = 1 << (kWindowG - 2);  // 2048 odd multiples, of G and of 2^128·G
constexpr int kWindowQ = 5;
constexpr int kTableQ = 1 << (kWindowQ - 2);  // 8
constexpr int kWindowQCached = 8;
constexpr int kTableQCached = 1 << (kWindowQCached - 2);  // 64
constexpr size_t kFastCacheSize = 64;
// Building a key's tables costs about 1.6 fresh verifications and saves about half of each later one, so a key gets
// them on its third verification (a key checked twice, at mempool admission and in a block, never pays for them).
constexpr uint32_t kTableAfterUses = 3;
constexpr int kMaxWnaf = 258;

inline void U256FromBytes(uint64_t out[4], const unsigned char* in) {
  for (int i = 0; i < 4; i++) {
    uint64_t limb = 0;
    for (int j = 0; j < 8; j++) limb = (limb << 8) | in[(3 - i) * 8 + j];
    out[i] = limb;
  }
}

inline void U256ToBytes(unsigned char* out, const uint64_t in[4]) {
  for (int i = 0; i < 4; i++) {
    for (int j = 0; j < 8; j++) out[(3 - i) * 8 + j] = static_cast<unsigned char>(in[i] >> (56 - 8 * j));
  }
}

inline bool U256IsZero(const uint64_t a[4]) { return (a[0] | a[1] | a[2] | a[3]) == 0; }

// -1, 0, 1 for a < b, a == b, a > b.
inline int U256Cmp(const uint64_t a[4], const uint64_t b[4]) {
  for (int i = 3; i >= 0; i--) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

// r = a + b, returns the carry out.
inline uint64_t U256Add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]) {
  U128 c = 0;
  for (int i = 0; i < 4; i++) {
    c += static_cast<U128>(a[i]) + b[i];
    r[i] = static_cast<uint64_t>(c);
    c >>= 64;
  }
  return static_cast<uint64_t>(c);
}

// r = a - b, returns the borrow out (1 when a < b).
inline uint64_t U256Sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]) {
  uint64_t borrow = 0;
  for (int i = 0; i < 4; i++) {
    const uint64_t ai = a[i], bi = b[i];
    const uint64_t d = ai - bi - borrow;
    borrow = (ai < bi || (ai == bi && borrow)) ? 1 : 0;
    r[i] = d;
  }
  return borrow;
}

inline void FeCopy(Fe r, const Fe a) { memcpy(r, a, sizeof(Fe)); }
inline bool FeEqual(const Fe a, const Fe b) { return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])) == 0; }

inline void FeAdd(Fe r, const Fe a, const Fe b) {
  const uint64_t carry = U256Add(r, a, b);
  if (carry || U256Cmp(r, kP) >= 0) U256Sub(r, r, kP);
}

inline void FeSub(Fe r, const Fe a, const Fe b) {
  if (U256Sub(r, a, b)) U256Add(r, r, kP);
}

inline void FeNeg(Fe r, const Fe a) {
  if (U256IsZero(a)) {
    r[0] = r[1] = r[2] = r[3] = 0;
  } else {
    U256Sub(r, kP, a);
  }
}

// r = a·b·R^-1 mod p (CIOS Montgomery multiplication; -p^-1 mod 2^64 = 1).
void FeMul(Fe r, const Fe a, const Fe b) {
  uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0;
  for (int i = 0; i < 4; i++) {
    const uint64_t bi = b[i];
    U128 c = static_cast<U128>(a[0]) * bi + t0;
    t0 = static_cast<uint64_t>(c);
    c = (c >> 64) + static_cast<U128>(a[1]) * bi + t1;
    t1 = static_cast<uint64_t>(c);
    c = (c >> 64) + static_cast<U128>(a[2]) * bi + t2;
    t2 = static_cast<uint64_t>(c);
    c = (c >> 64) + static_cast<U128>(a[3]) * bi + t3;
    t3 = static_cast<uint64_t>(c);
    c = (c >> 64) + t4;
    t4 = static_cast<uint64_t>(c);
    const uint64_t t5 = static_cast<uint64_t>(c >> 64);
    // m = t0; t += m·p; t >>= 64. m·p[0] + t0 = m·2^64 exactly, so the carry into limb 1 is m.
    const uint64_t m = t0;
    c = static_cast<U128>(m) * kP[1] + t1 + m;
    t0 = static_cast<uint64_t>(c);
    c = (c >> 64) + static_cast<U128>(m) * kP[2] + t2;
    t1 = static_cast<uint64_t>(c);
    c = (c >> 64) + static_cast<U128>(m) * kP[3] + t3;
    t2 = static_cast<uint64_t>(c);
    c = (c >> 64) + t4;
    t3 = static_cast<uint64_t>(c);
    t4 = t5 + static_cast<uint64_t>(c >> 64);
  }
  uint64_t out[4] = {t0, t1, t2, t3};
  if (t4 != 0 || U256Cmp(out, kP) >= 0) U256Sub(out, out, kP);
  FeCopy(r, out);
}

inline void FeSqr(Fe r, const Fe a) { FeMul(r, a, a); }

// Any 256-bit integer (big-endian) -> Montgomery form of its value mod p.
void FeFromBytesReduce(Fe r, const unsigned char* in) {
  uint64_t a[4];
  U256FromBytes(a, in);
  if (U256Cmp(a, kP) >= 0) U256Sub(a, a, kP);  // 2^256 < 2p
  FeMul(r, a, kR2);
}

void FeToBytes(unsigned char* out, const Fe a) {
  static const uint64_t one[4] = {1, 0, 0, 0};
  Fe plain;
  FeMul(plain, a, one);
  U256ToBytes(out, plain);
}

// r = a^(p-2) = a^-1 (0 for a = 0). Not constant-time; only used on public values.
void FeInv(Fe r, const Fe a) {
  static const uint64_t e[4] = {0xfffffffffffffffdULL, 0xffffffff00000000ULL, 0xffffffffffffffffULL,
                                0xfffffffeffffffffULL};
  Fe acc;
  FeCopy(acc, kOneM);
  for (int i = 255; i >= 0; i--) {
    FeSqr(acc, acc);
    if ((e[i / 64] >> (i % 64)) & 1) FeMul(acc, acc, a);
  }
  FeCopy(r, acc);
}

struct Jac {
  Fe x, y, z;
  bool infinity;
};

struct Aff {
  Fe x, y;
};

void JacDouble(Jac* r, const Jac* p) {
  if (p->infinity) {
    *r = *p;
    return;
  }
  // dbl-2001-b (a = -3): 3M + 5S.
  Fe delta, gamma, beta, alpha, t0, t1, x3, y3, z3;
  FeSqr(delta, p->z);
  FeSqr(gamma, p->y);
  FeMul(beta, p->x, gamma);
  FeSub(t0, p->x, delta);
  FeAdd(t1, p->x, delta);
  FeMul(alpha, t0, t1);
  FeAdd(t0, alpha, alpha);
  FeAdd(alpha, t0, alpha);  // alpha = 3(X - delta)(X + delta)
  FeSqr(x3, alpha);
  FeAdd(t0, beta, beta);  // 2 beta
  FeAdd(t0, t0, t0);      // 4 beta
  FeAdd(t1, t0, t0);      // 8 beta
  FeSub(x3, x3, t1);
  FeAdd(z3, p->y, p->z);
  FeSqr(z3, z3);
  FeSub(z3, z3, gamma);
  FeSub(z3, z3, delta);
  FeSub(t0, t0, x3);
  FeMul(y3, alpha, t0);
  FeSqr(t1, gamma);
  FeAdd(t1, t1, t1);
  FeAdd(t1, t1, t1);
  FeAdd(t1, t1, t1);  // 8 gamma^2
  FeSub(y3, y3, t1);
  FeCopy(r->x, x3);
  FeCopy(r->y, y3);
  FeCopy(r->z, z3);
  r->infinity = U256IsZero(z3);  // only when Y = 0, which has no point on this prime-order curve
}

// r = p + (x2, y2, z2 or affine when z2 == nullptr). Handles infinity and p == ±q. r may alias p.
void JacAddGeneric(Jac* r, const Jac* p, const Fe x2, const Fe y2, const Fe z2) {
  if (p->infinity) {
    FeCopy(r->x, x2);
    FeCopy(r->y, y2);
    if (z2 == nullptr) {
      FeCopy(r->z, kOneM);
    } else {
      FeCopy(r->z, z2);
    }
    r->infinity = false;
    return;
  }
  Fe z1z1, u1, u2, s1, s2, h, rr, t, hh, hhh, v, x3, y3, z3;
  FeSqr(z1z1, p->z);
  FeMul(u2, x2, z1z1);
  FeMul(s2, y2, p->z);
  FeMul(s2, s2, z1z1);
  if (z2 == nullptr) {
    FeCopy(u1, p->x);
    FeCopy(s1, p->y);
  } else {
    Fe z2z2;
    FeSqr(z2z2, z2);
    FeMul(u1, p->x, z2z2);
    FeMul(s1, p->y, z2);
    FeMul(s1, s1, z2z2);
  }
  FeSub(h, u2, u1);
  FeSub(rr, s2, s1);
  if (U256IsZero(h)) {
    if (U256IsZero(rr)) {
      JacDouble(r, p);  // same point
    } else {
      r->infinity = true;  // p == -q
      memset(r->x, 0, sizeof(Fe));
      memset(r->y, 0, sizeof(Fe));
      memset(r->z, 0, sizeof(Fe));
    }
    return;
  }
  FeSqr(hh, h);
  FeMul(hhh, hh, h);
  FeMul(v, u1, hh);
  FeSqr(x3, rr);
  FeSub(x3, x3, hhh);
  FeAdd(t, v, v);
  FeSub(x3, x3, t);
  FeSub(t, v, x3);
  FeMul(y3, rr, t);
  FeMul(t, s1, hhh);
  FeSub(y3, y3, t);
  FeMul(z3, p->z, h);
  if (z2 != nullptr) FeMul(z3, z3, z2);
  FeCopy(r->x, x3);
  FeCopy(r->y, y3);
  FeCopy(r->z, z3);
  r->infinity = false;
}

inline void JacAddAffine(Jac* r, const Jac* p, const Aff* q, bool negate) {
  if (negate) {
    Fe ny;
    FeNeg(ny, q->y);
    JacAddGeneric(r, p, q->x, ny, nullptr);
  } else {
    JacAddGeneric(r, p, q->x, q->y, nullptr);
  }
}

inline void JacAddJac(Jac* r, const Jac* p, const Jac* q, bool negate) {
  if (q->infinity) {
    if (r != p) *r = *p;
    return;
  }
  if (negate) {
    Fe ny;
    FeNeg(ny, q->y);
    JacAddGeneric(r, p, q->x, ny, q->z);
  } else {
    JacAddGeneric(r, p, q->x, q->y, q->z);
  }
}

// Odd multiples 1P, 3P, ..., (2count - 1)P of a finite point, in Jacobian coordinates.
void OddMultiples(Jac* out, int count, const Jac* p) {
  Jac twice;
  JacDouble(&twice, p);
  out[0] = *p;
  for (int i = 1; i < count; i++) JacAddJac(&out[i], &out[i - 1], &twice, false);
}

// Jacobian -> affine for points that are all finite (batch inversion, one field inversion). False if one is not.
bool ToAffineBatch(Aff* out, const Jac* in, int count, Fe* scratch) {
  for (int i = 0; i < count; i++) {
    if (in[i].infinity) return false;
  }
  FeCopy(scratch[0], in[0].z);
  for (int i = 1; i < count; i++) FeMul(scratch[i], scratch[i - 1], in[i].z);
  Fe inv;
  FeInv(inv, scratch[count - 1]);
  for (int i = count - 1; i >= 0; i--) {
    Fe zi, zi2, zi3;
    if (i > 0) {
      FeMul(zi, inv, scratch[i - 1]);
      FeMul(inv, inv, in[i].z);
    } else {
      FeCopy(zi, inv);
    }
    FeSqr(zi2, zi);
    FeMul(zi3, zi2, zi);
    FeMul(out[i].x, in[i].x, zi2);
    FeMul(out[i].y, in[i].y, zi3);
  }
  return true;
}

// Width-w NAF of a 256-bit scalar: digits odd with |d| < 2^(w-1), at most w-1 zeros... Returns the length.
int Wnaf(int* digits, const uint64_t k[4], int w) {
  uint64_t d[5] = {k[0], k[1], k[2], k[3], 0};
  const uint64_t full = (1ULL << w) - 1;
  const int64_t half = static_cast<int64_t>(1) << (w - 1);
  int length = 0;
  for (int i = 0; i < kMaxWnaf; i++) digits[i] = 0;
  for (int bit = 0; bit < kMaxWnaf && (d[0] | d[1] | d[2] | d[3] | d[4]) != 0; bit++) {
    if (d[0] & 1) {
      int64_t digit = static_cast<int64_t>(d[0] & full);
      if (digit >= half) digit -= static_cast<int64_t>(1) << w;
      digits[bit] = static_cast<int>(digit);
      length = bit + 1;
      if (digit > 0) {  // d -= digit
        uint64_t borrow = static_cast<uint64_t>(digit);
        for (int j = 0; j < 5 && borrow; j++) {
          const uint64_t before = d[j];
          d[j] = before - borrow;
          borrow = before < borrow ? 1 : 0;
        }
      } else {  // d += -digit
        uint64_t carry = static_cast<uint64_t>(-digit);
        for (int j = 0; j < 5 && carry; j++) {
          d[j] += carry;
          carry = d[j] < carry ? 1 : 0;
        }
      }
    }
    for (int j = 0; j < 4; j++) d[j] = (d[j] >> 1) | (d[j + 1] << 63);
    d[4] >>= 1;
  }
  return length;
}

// The process-wide table of G's odd multiples (read-only after its thread-safe one-time construction).
struct GTable {
  Aff points[kTableG];  // G, 3G, 5G, ...
  Aff high[kTableG];    // the same for G' = 2^128·G
  bool ok;
};

GTable* BuildGTable() {
  GTable* table = static_cast<GTable*>(calloc(1, sizeof(GTable)));
  Jac* jac = static_cast<Jac*>(calloc(kTableG, sizeof(Jac)));
  Fe* scratch = static_cast<Fe*>(calloc(kTableG, sizeof(Fe)));
  if (table != nullptr && jac != nullptr && scratch != nullptr) {
    Jac g;
    FeFromBytesReduce(g.x, kGxBytes);
    FeFromBytesReduce(g.y, kGyBytes);
    FeCopy(g.z, kOneM);
    g.infinity = false;
    OddMultiples(jac, kTableG, &g);
    table->ok = ToAffineBatch(table->points, jac, kTableG, scratch);
    for (int i = 0; i < 128; i++) JacDouble(&g, &g);
    OddMultiples(jac, kTableG, &g);
    table->ok = table->ok && ToAffineBatch(table->high, jac, kTableG, scratch);
  }
  free(jac);
  free(scratch);
  return table;
}

const GTable* GetGTable() {
  // C++11 guarantees thread-safe one-time initialisation (worker threads share it). Never freed: process lifetime.
  static GTable* const table = BuildGTable();
  return table != nullptr && table->ok ? table : nullptr;
}

// Per-environment cache of validated public keys; a key verified kTableAfterUses times gets precomputed tables.
struct FastKeyEntry {
  unsigned char key[kPublicKeyLength];
  uint64_t used;
  uint32_t uses;
  bool occupied;
  bool hasTable;
  Aff table[kTableQCached];      // Q, 3Q, 5Q, ... (table[0] = Q is set as soon as the entry exists)
  Aff tableHigh[kTableQCached];  // the same for Q' = 2^128·Q
};

struct FastCache {
  FastKeyEntry entries[kFastCacheSize];
  uint64_t tick;
  double hits, misses;
};

// Parses and validates 04 || x || y: coordinates < p and y^2 = x^3 - 3x + b. False otherwise.
bool ParsePublicKey(const unsigned char* raw, Aff* out) {
  if (raw[0] != 0x04) return false;
  uint64_t x[4], y[4];
  U256FromBytes(x, raw + 1);
  U256FromBytes(y, raw + 33);
  if (U256Cmp(x, kP) >= 0 || U256Cmp(y, kP) >= 0) return false;
  FeMul(out->x, x, kR2);
  FeMul(out->y, y, kR2);
  Fe lhs, rhs, t;
  FeSqr(lhs, out->y);
  FeSqr(rhs, out->x);
  FeMul(rhs, rhs, out->x);
  FeAdd(t, out->x, out->x);
  FeAdd(t, t, out->x);
  FeSub(rhs, rhs, t);
  FeAdd(rhs, rhs, kBM);
  return FeEqual(lhs, rhs);  // (0, 0) is not on the curve (b != 0): the infinity encoding is rejected too
}

// GB/T 32918.2 §7.1 B1-B7 given e (32 bytes, big-endian, any value). True only for a valid signature under a valid
// public key. cache may be null.
bool FastVerifyDigest(FastCache* cache, const unsigned char* publicKey, const unsigned char* eBytes,
                      const unsigned char* signature) {
  const GTable* gTable = GetGTable();
  if (gTable == nullptr) return false;
  uint64_t r[4], s[4], t[4], e[4];
  U256FromBytes(r, signature);
  U256FromBytes(s, signature + 32);
  if (U256IsZero(r) || U256Cmp(r, kN) >= 0 || U256IsZero(s) || U256Cmp(s, kN) >= 0) return false;
  const uint64_t carry = U256Add(t, r, s);
  if (carry || U256Cmp(t, kN) >= 0) U256Sub(t, t, kN);
  if (U256IsZero(t)) return false;

  // The public key: from the cache (already validated) or parsed and validated now.
  FastKeyEntry* entry = nullptr;
  Aff q;
  if (cache != nullptr) {
    FastKeyEntry* victim = &cache->entries[0];
    for (FastKeyEntry& candidate : cache->entries) {
      if (candidate.occupied && memcmp(candidate.key, publicKey, kPublicKeyLength) == 0) {
        entry = &candidate;
        break;
      }
      if (!candidate.occupied) {
        if (victim->occupied) victim = &candidate;
      } else if (victim->occupied && candidate.used < victim->used) {
        victim = &candidate;
      }
    }
    if (entry != nullptr) {
      cache->hits++;
    } else {
      cache->misses++;
    }
    if (entry == nullptr) {
      if (!ParsePublicKey(publicKey, &q)) return false;  // invalid keys are never cached
      entry = victim;
      memcpy(entry->key, publicKey, kPublicKeyLength);
      entry->occupied = true;
      entry->hasTable = false;
      entry->uses = 0;
      entry->table[0] = q;
    }
    entry->used = ++cache->tick;
    if (entry->uses < 0xffffffffu) entry->uses++;
    q = entry->table[0];
  } else if (!ParsePublicKey(publicKey, &q)) {
    return false;
  }

  Jac qJac;
  FeCopy(qJac.x, q.x);
  FeCopy(qJac.y, q.y);
  FeCopy(qJac.z, kOneM);
  qJac.infinity = false;

  if (entry != nullptr && !entry->hasTable && entry->uses >= kTableAfterUses) {
    Jac multiples[kTableQCached];
    Fe scratch[kTableQCached];
    OddMultiples(multiples, kTableQCached, &qJac);
    bool ok = ToAffineBatch(entry->table, multiples, kTableQCached, scratch);
    Jac high = qJac;
    for (int i = 0; i < 128; i++) JacDouble(&high, &high);
    if (ok && !high.infinity) {
      OddMultiples(multiples, kTableQCached, &high);
      ok = ToAffineBatch(entry->tableHigh, multiples, kTableQCached, scratch);
    }
    if (ok && !high.infinity) {
      entry->hasTable = true;
    } else {
      entry->table[0] = q;  // cannot happen for a point of prime order n; stay on the per-call path
    }
  }
  const bool cached = entry != nullptr && entry->hasTable;

  Jac acc;
  memset(&acc, 0, sizeof acc);
  acc.infinity = true;
  if (cached) {
    // Known key: s = s1·2^128 + s0 and t = t1·2^128 + t0, so s·G + t·Q = s0·G + s1·G' + t0·Q + t1·Q' with 128-bit
    // scalars: half the doublings.
    const uint64_t s0[4] = {s[0], s[1], 0, 0}, s1[4] = {s[2], s[3], 0, 0};
    const uint64_t t0[4] = {t[0], t[1], 0, 0}, t1[4] = {t[2], t[3], 0, 0};
    int d[4][kMaxWnaf];
    const Aff* tables[4] = {gTable->points, gTable->high, entry->table, entry->tableHigh};
    int length = Wnaf(d[0], s0, kWindowG);
    int l = Wnaf(d[1], s1, kWindowG);
    if (l > length) length = l;
    l = Wnaf(d[2], t0, kWindowQCached);
    if (l > length) length = l;
    l = Wnaf(d[3], t1, kWindowQCached);
    if (l > length) length = l;
    for (int i = length - 1; i >= 0; i--) {
      JacDouble(&acc, &acc);
      for (int j = 0; j < 4; j++) {
        const int digit = d[j][i];
        if (digit != 0) JacAddAffine(&acc, &acc, &tables[j][(digit > 0 ? digit : -digit) >> 1], digit < 0);
      }
    }
  } else {
    int sDigits[kMaxWnaf], tDigits[kMaxWnaf];
    const int sLength = Wnaf(sDigits, s, kWindowG);
    const int tLength = Wnaf(tDigits, t, kWindowQ);
    Jac qMultiples[kTableQ];
    OddMultiples(qMultiples, kTableQ, &qJac);
    for (int i = (sLength > tLength ? sLength : tLength) - 1; i >= 0; i--) {
      JacDouble(&acc, &acc);
      const int ds = sDigits[i];
      if (ds != 0) JacAddAffine(&acc, &acc, &gTable->points[(ds > 0 ? ds : -ds) >> 1], ds < 0);
      const int dt = tDigits[i];
      if (dt != 0) JacAddJac(&acc, &acc, &qMultiples[(dt > 0 ? dt : -dt) >> 1], dt < 0);
    }
  }
  if (acc.infinity) return false;

  // R = (e + x1) mod n == r  <=>  x1 ≡ r - e (mod n)  <=>  x1 ∈ {v, v + n} ∩ [0, p), v = (r - e) mod n.
  U256FromBytes(e, eBytes);
  if (U256Cmp(e, kN) >= 0) U256Sub(e, e, kN);  // 2^256 < 2n
  uint64_t v[4];
  if (U256Sub(v, r, e)) U256Add(v, v, kN);  // wraps mod 2^256 back into [0, n)
  Fe z2, vm, rhs;
  FeSqr(z2, acc.z);
  FeMul(vm, v, kR2);
  FeMul(rhs, vm, z2);
  if (FeEqual(rhs, acc.x)) return true;
  uint64_t w[4];
  if (U256Add(w, v, kN) == 0 && U256Cmp(w, kP) < 0) {
    FeMul(vm, w, kR2);
    FeMul(rhs, vm, z2);
    if (FeEqual(rhs, acc.x)) return true;
  }
  return false;
}

// e = SM3(Z_A || M), Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA). False on an OpenSSL failure.
bool Sm2Digest(const EVP_MD* sm3, EVP_MD_CTX* ctx, const unsigned char* publicKey, const unsigned char* id,
               size_t idLength, const unsigned char* message, size_t messageLength, unsigned char* e) {
  const size_t bits = idLength * 8;
  const unsigned char entl[2] = {static_cast<unsigned char>(bits >> 8), static_cast<unsigned char>(bits)};
  unsigned char z[32];
  unsigned int length = 0;
  const bool ok = EVP_DigestInit_ex2(ctx, sm3, nullptr) == 1 && EVP_DigestUpdate(ctx, entl, 2) == 1 &&
                  EVP_DigestUpdate(ctx, id, idLength) == 1 &&
                  EVP_DigestUpdate(ctx, kCurveBytes, sizeof kCurveBytes) == 1 &&
                  EVP_DigestUpdate(ctx, publicKey + 1, 64) == 1 && EVP_DigestFinal_ex(ctx, z, &length) == 1 &&
                  length == 32 && EVP_DigestInit_ex2(ctx, sm3, nullptr) == 1 && EVP_DigestUpdate(ctx, z, 32) == 1 &&
                  EVP_DigestUpdate(ctx, message, messageLength) == 1 && EVP_DigestFinal_ex(ctx, e, &length) == 1 &&
                  length == 32;
  return ok;
}

struct PublicEntry {
  unsigned char key[kPublicKeyLength];
  EVP_PKEY* pkey;
  uint64_t used;
};

struct PrivateEntry {
  unsigned char key[kPrivateKeyLength];
  EVP_PKEY* pkey;
  uint64_t used;
};

struct AddonState {
  EVP_MD* sm3;
  EC_GROUP* group;
  BIGNUM* orderMinusOne;  // valid SM2 private keys are 1 <= d < n - 1
  PublicEntry publicCache[kPublicCacheSize];
  PrivateEntry privateCache[kPrivateCacheSize];
  uint64_t tick;
  double publicHits, publicMisses, privateHits, privateMisses;
  EVP_MD_CTX* digestContext;  // reused for SM3 in the fast verifier
  FastCache fastCache;
};

void ClearCaches(AddonState* state) {
  for (PublicEntry& entry : state->publicCache) {
    EVP_PKEY_free(entry.pkey);
    entry.pkey = nullptr;
    entry.used = 0;
  }
  for (PrivateEntry& entry : state->privateCache) {
    EVP_PKEY_free(entry.pkey);
    entry.pkey = nullptr;
    entry.used = 0;
    OPENSSL_cleanse(entry.key, sizeof entry.key);
  }
  memset(state->fastCache.entries, 0, sizeof state->fastCache.entries);
}

void FreeState(AddonState* state) {
  if (state == nullptr) return;
  ClearCaches(state);
  EVP_MD_CTX_free(state->digestContext);
  EVP_MD_free(state->sm3);
  EC_GROUP_free(state->group);
  BN_free(state->orderMinusOne);
  free(state);
}

void FinalizeState(napi_env /*env*/, void* data, void* /*hint*/) { FreeState(static_cast<AddonState*>(data)); }

// ---------------------------------------------------------------------------------------------------------------
// Keys from raw bytes.

// 04 || x || y on the SM2 curve -> EVP_PKEY (the import rejects points that are not on the curve).
EVP_PKEY* PublicKeyFromRaw(const unsigned char* raw) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr);
  if (ctx == nullptr) return nullptr;
  EVP_PKEY* pkey = nullptr;
  OSSL_PARAM params[3];
  params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, kGroupName, 0);
  params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<unsigned char*>(raw),
                                                kPublicKeyLength);
  params[2] = OSSL_PARAM_construct_end();
  if (EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    EVP_PKEY_free(pkey);
    pkey = nullptr;
  }
  EVP_PKEY_CTX_free(ctx);
  return pkey;
}

bool IsLittleEndian() {
  const uint16_t probe = 1;
  unsigned char first;
  memcpy(&first, &probe, 1);
  return first == 1;
}

// d (32 bytes, big-endian, 1 <= d < n - 1) -> EVP_PKEY key pair. The public key d·G is derived here because
// SM2 signing hashes it into Z_A.
EVP_PKEY* PrivateKeyFromRaw(const AddonState* state, const unsigned char* raw) {
  EVP_PKEY* pkey = nullptr;
  EVP_PKEY_CTX* ctx = nullptr;
  EC_POINT* point = nullptr;
  BIGNUM* d = BN_secure_new();
  unsigned char publicKey[kPublicKeyLength];
  unsigned char nativeEndian[kPrivateKeyLength];
  OSSL_PARAM params[4];

  if (d == nullptr || BN_bin2bn(raw, kPrivateKeyLength, d) == nullptr) goto done;
  BN_set_flags(d, BN_FLG_CONSTTIME);
  if (BN_is_zero(d) || BN_cmp(d, state->orderMinusOne) >= 0) goto done;

  point = EC_POINT_new(state->group);
  if (point == nullptr || EC_POINT_mul(state->group, point, d, nullptr, nullptr, nullptr) != 1) goto done;
  if (EC_POINT_point2oct(state->group, point, POINT_CONVERSION_UNCOMPRESSED, publicKey, sizeof publicKey,
                         nullptr) != kPublicKeyLength) {
    goto done;
  }

  // OSSL_PARAM_construct_BN takes an unsigned integer in native byte order.
  if (IsLittleEndian()) {
    for (size_t i = 0; i < kPrivateKeyLength; i++) nativeEndian[i] = raw[kPrivateKeyLength - 1 - i];
  } else {
    memcpy(nativeEndian, raw, kPrivateKeyLength);
  }
  params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, kGroupName, 0);
  params[1] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, nativeEndian, sizeof nativeEndian);
  params[2] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, publicKey, sizeof publicKey);
  params[3] = OSSL_PARAM_construct_end();

  ctx = EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr);
  if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1) {
    EVP_PKEY_free(pkey);
    pkey = nullptr;
  }

done:
  OPENSSL_cleanse(nativeEndian, sizeof nativeEndian);
  EVP_PKEY_CTX_free(ctx);
  EC_POINT_free(point);
  BN_clear_free(d);
  return pkey;
}

// Cached lookups. The returned key is owned by the cache and valid until the next cache operation (calls are
// synchronous and the state is per environment, so nothing else can run in between).
EVP_PKEY* CachedPublicKey(AddonState* state, const unsigned char* raw) {
  PublicEntry* victim = &state->publicCache[0];
  for (PublicEntry& entry : state->publicCache) {
    if (entry.pkey != nullptr && memcmp(entry.key, raw, kPublicKeyLength) == 0) {
      entry.used = ++state->tick;
      state->publicHits++;
      return entry.pkey;
    }
    if (entry.used < victim->used) victim = &entry;
  }
  state->publicMisses++;
  EVP_PKEY* pkey = PublicKeyFromRaw(raw);
  if (pkey == nullptr) return nullptr;  // invalid keys are not cached
  EVP_PKEY_free(victim->pkey);
  memcpy(victim->key, raw, kPublicKeyLength);
  victim->pkey = pkey;
  victim->used = ++state->tick;
  return pkey;
}

EVP_PKEY* CachedPrivateKey(AddonState* state, const unsigned char* raw) {
  PrivateEntry* victim = &state->privateCache[0];
  for (PrivateEntry& entry : state->privateCache) {
    if (entry.pkey != nullptr && CRYPTO_memcmp(entry.key, raw, kPrivateKeyLength) == 0) {
      entry.used = ++state->tick;
      state->privateHits++;
      return entry.pkey;
    }
    if (entry.used < victim->used) victim = &entry;
  }
  state->privateMisses++;
  EVP_PKEY* pkey = PrivateKeyFromRaw(state, raw);
  if (pkey == nullptr) return nullptr;
  EVP_PKEY_free(victim->pkey);
  memcpy(victim->key, raw, kPrivateKeyLength);
  victim->pkey = pkey;
  victim->used = ++state->tick;
  return pkey;
}

// ---------------------------------------------------------------------------------------------------------------
// Signatures.

// Sets up mctx for a sign (sign == true) or verify operation with SM3 and the given ID. On success the caller owns
// both contexts and must free mctx before pctx (EVP_MD_CTX_set_pkey_ctx does not transfer ownership).
bool InitDigestContext(const AddonState* state, EVP_PKEY* pkey, const unsigned char* id, size_t idLength, bool sign,
                       EVP_MD_CTX** mctxOut, EVP_PKEY_CTX** pctxOut) {
  EVP_MD_CTX* mctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new(pkey, nullptr);
  *mctxOut = mctx;
  *pctxOut = pctx;
  if (mctx == nullptr || pctx == nullptr) return false;
  if (EVP_PKEY_CTX_set1_id(pctx, id, static_cast<int>(idLength)) <= 0) return false;
  EVP_MD_CTX_set_pkey_ctx(mctx, pctx);
  const int ok = sign ? EVP_DigestSignInit(mctx, nullptr, state->sm3, nullptr, pkey)
                      : EVP_DigestVerifyInit(mctx, nullptr, state->sm3, nullptr, pkey);
  return ok == 1;
}

void FreeDigestContext(EVP_MD_CTX* mctx, EVP_PKEY_CTX* pctx) {
  EVP_MD_CTX_free(mctx);
  EVP_PKEY_CTX_free(pctx);
}

// 64-byte r || s -> DER SEQUENCE { INTEGER r, INTEGER s }. Returns the DER length, 0 on failure.
size_t RawToDer(const unsigned char* raw, unsigned char* der) {
  size_t length = 0;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(raw, kFieldLength, nullptr);
  BIGNUM* s = BN_bin2bn(raw + kFieldLength, kFieldLength, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
  } else {
    // sig owns r and s now.
    const int needed = i2d_ECDSA_SIG(sig, nullptr);
    if (needed > 0 && static_cast<size_t>(needed) <= kMaxDerLength) {
      unsigned char* cursor = der;
      if (i2d_ECDSA_SIG(sig, &cursor) == needed) length = static_cast<size_t>(needed);
    }
  }
  ECDSA_SIG_free(sig);
  return length;
}

// DER -> 64-byte r || s. False if r or s does not fit in 32 bytes or the DER does not parse.
bool DerToRaw(const unsigned char* der, size_t derLength, unsigned char* raw) {
  const unsigned char* cursor = der;
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(derLength));
  if (sig == nullptr) return false;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  const bool ok = r != nullptr && s != nullptr && BN_bn2binpad(r, raw, kFieldLength) == kFieldLength &&
                  BN_bn2binpad(s, raw + kFieldLength, kFieldLength) == kFieldLength;
  ECDSA_SIG_free(sig);
  return ok;
}

// 1: valid, 0: invalid signature or key, never negative.
bool VerifyRaw(AddonState* state, const unsigned char* publicKey, size_t publicKeyLength, const unsigned char* message,
               size_t messageLength, const unsigned char* signature, size_t signatureLength, const unsigned char* id,
               size_t idLength) {
  if (publicKeyLength != kPublicKeyLength || publicKey[0] != 0x04 || signatureLength != kSignatureLength ||
      idLength > kMaxUserIdLength) {
    return false;
  }
  unsigned char der[kMaxDerLength];
  const size_t derLength = RawToDer(signature, der);
  if (derLength == 0) return false;
  EVP_PKEY* pkey = CachedPublicKey(state, publicKey);
  if (pkey == nullptr) return false;
  EVP_MD_CTX* mctx = nullptr;
  EVP_PKEY_CTX* pctx = nullptr;
  bool valid = false;
  if (InitDigestContext(state, pkey, id, idLength, false, &mctx, &pctx)) {
    valid = EVP_DigestVerify(mctx, der, derLength, message, messageLength) == 1;
  }
  FreeDigestContext(mctx, pctx);
  return valid;
}

// Returns nullptr on success, or a message for the JS Error.
const char* SignRaw(AddonState* state, const unsigned char* privateKey, size_t privateKeyLength,
                    const unsigned char* message, size_t messageLength, const unsigned char* id, size_t idLength,
                    unsigned char* out) {
  if (privateKeyLength != kPrivateKeyLength) return "SM2 private key must be 32 bytes";
  if (idLength > kMaxUserIdLength) return "SM2 user ID must be at most 8190 bytes (OpenSSL limit)";
  EVP_PKEY* pkey = CachedPrivateKey(state, privateKey);
  if (pkey == nullptr) return "invalid SM2 private key";
  EVP_MD_CTX* mctx = nullptr;
  EVP_PKEY_CTX* pctx = nullptr;
  const char* error = "SM2 signing failed in OpenSSL";
  unsigned char der[kMaxDerLength];
  size_t derLength = sizeof der;
  if (InitDigestContext(state, pkey, id, idLength, true, &mctx, &pctx) &&
      EVP_DigestSign(mctx, der, &derLength, message, messageLength) == 1 && DerToRaw(der, derLength, out)) {
    error = nullptr;
  }
  FreeDigestContext(mctx, pctx);
  return error;
}

// ---------------------------------------------------------------------------------------------------------------
// N-API glue.

struct Bytes {
  const unsigned char* data;
  size_t length;
};

// Reads a Uint8Array (Buffer included). Throws a TypeError and returns false otherwise.
bool GetBytes(napi_env env, napi_value value, const char* name, Bytes* out) {
  bool isTypedArray = false;
  if (napi_is_typedarray(env, value, &isTypedArray) == napi_ok && isTypedArray) {
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    if (napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr) == napi_ok &&
        type == napi_uint8_array) {
      out->data = (data == nullptr || length == 0) ? kEmpty : static_cast<const unsigned char*>(data);
      out->length = data == nullptr ? 0 : length;
      return true;
    }
  }
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && !pending) {
    char message[128];
    snprintf(message, sizeof message, "%s must be a Uint8Array", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  }
  return false;
}

AddonState* GetState(napi_env env) {
  void* data = nullptr;
  if (napi_get_instance_data(env, &data) != napi_ok || data == nullptr) {
    napi_throw_error(env, nullptr, "xinlian_sm2: addon state missing");
    return nullptr;
  }
  return static_cast<AddonState*>(data);
}

bool GetArgs(napi_env env, napi_callback_info info, size_t expected, napi_value* argv) {
  size_t argc = expected;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) {
    napi_throw_error(env, nullptr, "xinlian_sm2: cannot read arguments");
    return false;
  }
  if (argc < expected) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "xinlian_sm2: missing arguments");
    return false;
  }
  return true;
}

napi_value Verify(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  AddonState* state = GetState(env);
  if (state == nullptr || !GetArgs(env, info, 4, argv)) return nullptr;
  Bytes publicKey, message, signature, id;
  if (!GetBytes(env, argv[0], "publicKey", &publicKey) || !GetBytes(env, argv[1], "message", &message) ||
      !GetBytes(env, argv[2], "signature", &signature) || !GetBytes(env, argv[3], "userId", &id)) {
    return nullptr;
  }
  const bool valid = VerifyRaw(state, publicKey.data, publicKey.length, message.data, message.length, signature.data,
                               signature.length, id.data, id.length);
  if (!valid) ERR_clear_error();
  napi_value result = nullptr;
  if (napi_get_boolean(env, valid, &result) != napi_ok) return nullptr;
  return result;
}

// Fast path (see FastVerifyDigest): same contract as Verify.
bool VerifyFastRaw(AddonState* state, const Bytes& publicKey, const Bytes& message, const Bytes& signature,
                   const Bytes& id) {
  if (publicKey.length != kPublicKeyLength || publicKey.data[0] != 0x04 || signature.length != kSignatureLength ||
      id.length > kMaxUserIdLength) {
    return false;
  }
  unsigned char e[32];
  if (!Sm2Digest(state->sm3, state->digestContext, publicKey.data, id.data, id.length, message.data, message.length,
                 e)) {
    return false;
  }
  return FastVerifyDigest(&state->fastCache, publicKey.data, e, signature.data);
}

napi_value BooleanResult(napi_env env, bool value) {
  napi_value result = nullptr;
  if (napi_get_boolean(env, value, &result) != napi_ok) return nullptr;
  return result;
}

// verifyFast(publicKey65, message, signature64, userId) -> boolean
napi_value VerifyFast(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  AddonState* state = GetState(env);
  if (state == nullptr || !GetArgs(env, info, 4, argv)) return nullptr;
  Bytes publicKey, message, signature, id;
  if (!GetBytes(env, argv[0], "publicKey", &publicKey) || !GetBytes(env, argv[1], "message", &message) ||
      !GetBytes(env, argv[2], "signature", &signature) || !GetBytes(env, argv[3], "userId", &id)) {
    return nullptr;
  }
  const bool valid = VerifyFastRaw(state, publicKey, message, signature, id);
  if (!valid) ERR_clear_error();
  return BooleanResult(env, valid);
}

// verifyDigestFast(publicKey65, e32, signature64) -> boolean, e = SM3(Z_A || M) computed by the caller.
napi_value VerifyDigestFast(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  AddonState* state = GetState(env);
  if (state == nullptr || !GetArgs(env, info, 3, argv)) return nullptr;
  Bytes publicKey, digest, signature;
  if (!GetBytes(env, argv[0], "publicKey", &publicKey) || !GetBytes(env, argv[1], "digest", &digest) ||
      !GetBytes(env, argv[2], "signature", &signature)) {
    return nullptr;
  }
  const bool valid = publicKey.length == kPublicKeyLength && publicKey.data[0] == 0x04 && digest.length == 32 &&
                     signature.length == kSignatureLength &&
                     FastVerifyDigest(&state->fastCache, publicKey.data, digest.data, signature.data);
  return BooleanResult(env, valid);
}

// Test hook: fieldOpForTests(op, a32, b32) -> 32 bytes, the plain (non-Montgomery) result of an F_p operation on
// a mod p and b mod p through the Montgomery code: 0 mul, 1 sqr(a), 2 add, 3 sub, 4 neg(a), 5 inv(a) (0 -> 0).
napi_value FieldOpForTests(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!GetArgs(env, info, 3, argv)) return nullptr;
  int32_t op = -1;
  Bytes a, b;
  if (napi_get_value_int32(env, argv[0], &op) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "op must be a number");
    return nullptr;
  }
  if (!GetBytes(env, argv[1], "a", &a) || !GetBytes(env, argv[2], "b", &b)) return nullptr;
  if (a.length != 32 || b.length != 32 || op < 0 || op > 5) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "fieldOpForTests: op 0..5 and two 32-byte operands");
    return nullptr;
  }
  Fe x, y, z;
  FeFromBytesReduce(x, a.data);
  FeFromBytesReduce(y, b.data);
  switch (op) {
    case 0: FeMul(z, x, y); break;
    case 1: FeSqr(z, x); break;
    case 2: FeAdd(z, x, y); break;
    case 3: FeSub(z, x, y); break;
    case 4: FeNeg(z, x); break;
    default: FeInv(z, x); break;
  }
  void* data = nullptr;
  napi_value buffer = nullptr;
  napi_value result = nullptr;
  if (napi_create_arraybuffer(env, 32, &data, &buffer) != napi_ok || data == nullptr) return nullptr;
  FeToBytes(static_cast<unsigned char*>(data), z);
  if (napi_create_typedarray(env, napi_uint8_array, 32, buffer, 0, &result) != napi_ok) return nullptr;
  return result;
}

napi_value Sign(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  AddonState* state = GetState(env);
  if (state == nullptr || !GetArgs(env, info, 3, argv)) return nullptr;
  Bytes privateKey, message, id;
  if (!GetBytes(env, argv[0], "privateKey", &privateKey) || !GetBytes(env, argv[1], "message", &message) ||
      !GetBytes(env, argv[2], "userId", &id)) {
    return nullptr;
  }
  unsigned char signature[kSignatureLength];
  const char* error =
      SignRaw(state, privateKey.data, privateKey.length, message.data, message.length, id.data, id.length, signature);
  if (error != nullptr) {
    ERR_clear_error();
    napi_throw_error(env, "ERR_XINLIAN_SM2_SIGN", error);
    return nullptr;
  }
  void* data = nullptr;
  napi_value buffer = nullptr;
  napi_value result = nullptr;
  if (napi_create_arraybuffer(env, kSignatureLength, &data, &buffer) != napi_ok || data == nullptr) return nullptr;
  memcpy(data, signature, kSignatureLength);
  if (napi_create_typedarray(env, napi_uint8_array, kSignatureLength, buffer, 0, &result) != napi_ok) return nullptr;
  return result;
}

napi_value ClearCachesJs(napi_env env, napi_callback_info /*info*/) {
  AddonState* state = GetState(env);
  if (state == nullptr) return nullptr;
  ClearCaches(state);
  napi_value undefined = nullptr;
  napi_get_undefined(env, &undefined);
  return undefined;
}

bool SetNumber(napi_env env, napi_value object, const char* name, double value) {
  napi_value number = nullptr;
  return napi_create_double(env, value, &number) == napi_ok &&
         napi_set_named_property(env, object, name, number) == napi_ok;
}

napi_value CacheStats(napi_env env, napi_callback_info /*info*/) {
  AddonState* state = GetState(env);
  if (state == nullptr) return nullptr;
  napi_value result = nullptr;
  if (napi_create_object(env, &result) != napi_ok || !SetNumber(env, result, "publicHits", state->publicHits) ||
      !SetNumber(env, result, "publicMisses", state->publicMisses) ||
      !SetNumber(env, result, "privateHits", state->privateHits) ||
      !SetNumber(env, result, "privateMisses", state->privateMisses) ||
      !SetNumber(env, result, "fastHits", state->fastCache.hits) ||
      !SetNumber(env, result, "fastMisses", state->fastCache.misses)) {
    return nullptr;
  }
  return result;
}

AddonState* CreateState() {
  // Zero-filled: no cached keys, null pointers, zero counters.
  AddonState* state = static_cast<AddonState*>(calloc(1, sizeof(AddonState)));
  if (state == nullptr) return nullptr;
  BIGNUM* one = BN_new();
  state->sm3 = EVP_MD_fetch(nullptr, "SM3", nullptr);
  state->group = EC_GROUP_new_by_curve_name(NID_sm2);
  state->orderMinusOne = BN_new();
  state->digestContext = EVP_MD_CTX_new();
  const BIGNUM* order = state->group == nullptr ? nullptr : EC_GROUP_get0_order(state->group);
  const bool ok = state->sm3 != nullptr && state->digestContext != nullptr && state->group != nullptr && state->orderMinusOne != nullptr &&
                  one != nullptr && order != nullptr && BN_one(one) == 1 &&
                  BN_sub(state->orderMinusOne, order, one) == 1;
  BN_free(one);
  GetGTable();  // builds the fast verifier's base-point table now (once per process), not on the first verify
  if (!ok) {
    FreeState(state);
    ERR_clear_error();
    return nullptr;
  }
  return state;
}

}  // namespace

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  AddonState* state = CreateState();
  if (state == nullptr) {
    napi_throw_error(env, nullptr, "xinlian_sm2: SM2/SM3 unavailable in this node's OpenSSL");
    return nullptr;
  }
  if (napi_set_instance_data(env, state, FinalizeState, nullptr) != napi_ok) {
    FreeState(state);
    napi_throw_error(env, nullptr, "xinlian_sm2: cannot store addon state");
    return nullptr;
  }
  napi_value version = nullptr;
  const char* versionText = OpenSSL_version(OPENSSL_VERSION);
  if (napi_create_string_utf8(env, versionText == nullptr ? "OpenSSL" : versionText, NAPI_AUTO_LENGTH, &version) !=
      napi_ok) {
    return nullptr;
  }
  const napi_property_descriptor properties[] = {
      {"verify", nullptr, Verify, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"verifyOpenSsl", nullptr, Verify, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"verifyFast", nullptr, VerifyFast, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"verifyDigestFast", nullptr, VerifyDigestFast, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"fieldOpForTests", nullptr, FieldOpForTests, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"sign", nullptr, Sign, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"clearCaches", nullptr, ClearCachesJs, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"cacheStats", nullptr, CacheStats, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"opensslVersion", nullptr, nullptr, nullptr, nullptr, version, napi_enumerable, nullptr},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) != napi_ok) {
    return nullptr;
  }
  return exports;
}
