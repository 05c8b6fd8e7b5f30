// xinlian_sm2: SM2 signatures with a distinguishing ID (GB/T 32918.2, GM/T 0003.2) through the OpenSSL that is
// statically linked into the node binary. The addon does not link libcrypto: every OpenSSL symbol is resolved from
// the node executable when the addon is loaded, exactly like node's own crypto.
//
// JavaScript API (all arguments are Uint8Array / Buffer):
//   verify(publicKey65, message, signature64, userId) -> boolean
//   sign(privateKey32, message, userId)               -> Uint8Array(64)  r || s, big-endian, zero-padded
//   clearCaches()                                     -> undefined        frees every cached key
//   cacheStats()                                      -> { publicHits, publicMisses, privateHits, privateMisses }
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
}

void FreeState(AddonState* state) {
  if (state == nullptr) return;
  ClearCaches(state);
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
      !SetNumber(env, result, "privateMisses", state->privateMisses)) {
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
  const BIGNUM* order = state->group == nullptr ? nullptr : EC_GROUP_get0_order(state->group);
  const bool ok = state->sm3 != nullptr && state->group != nullptr && state->orderMinusOne != nullptr &&
                  one != nullptr && order != nullptr && BN_one(one) == 1 &&
                  BN_sub(state->orderMinusOne, order, one) == 1;
  BN_free(one);
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
