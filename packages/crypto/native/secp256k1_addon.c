/*
 * xinlian_secp256k1: libsecp256k1 for the intl suite, in plain C N-API: keys, signing, verification, and public-key
 * recovery (ECDSA, Ethereum's `v`) synchronously or in batches on libuv's thread pool, so that a node admitting
 * transactions does not spend its main thread on recovery.
 *
 * libsecp256k1 is compiled from the C sources that the `secp256k1` npm package ships (the same version and the same
 * configuration as that package's own binding), into this addon: no C++, no exceptions, and nothing here aborts.
 * libsecp256k1's illegal-argument and error callbacks, which abort by default, are replaced by callbacks that do
 * nothing (and are never reached: every argument is checked before it is passed in). Unlike the package's binding
 * (node-addon-api, a class whose constructor reference is a static shared by every environment), it keeps no state per
 * environment, so worker threads may load it, use it and be terminated at any time.
 *
 * JavaScript API (byte arrays are Uint8Array, Buffer included; wrong types throw TypeError, wrong lengths RangeError):
 *   publicKeyCreate(privateKey32) -> Uint8Array(65) | undefined       undefined unless 1 <= key < n
 *   publicKeyConvert(publicKey33or65) -> Uint8Array(65) | undefined   parses (02/03/04, and 06/07 hybrid) and checks
 *                                                                      the point; uncompressed; undefined if invalid
 *   sign(digest32, privateKey32) -> Uint8Array(65) | undefined        r || s || recid, RFC 6979 nonce, low s
 *   verify(signature64, digest32, publicKey33or65) -> boolean         false also for r, s out of range or high s
 *   recover(digest32, signature64, recid) -> Uint8Array(65) | undefined
 *       The uncompressed public key (04 || x || y), or undefined when the signature yields none (see below).
 *   recoverBatch(input, output, status, callback) -> undefined
 *       input: n records of 97 bytes, digest32 || r32 || s32 || recid1 (1 <= n <= 65536). The records are copied
 *       before recoverBatch returns, so the caller may reuse `input` at once. The recoveries run on libuv's thread
 *       pool; then, on this thread, output[65·i ..] receives key i (zeros when none) and status[i] is 1 or 0, and
 *       callback(null) is called, or callback(error) when nothing was recovered (output/status detached or shrunk,
 *       libsecp256k1's context could not be allocated).
 *   recoverBatchSync(input, output, status) -> undefined
 *       recoverBatch's recoveries on the calling thread (a recovery worker's, src/platform/recovery-workers.ts), the
 *       same arguments but no callback, the same errors.
 *   lowerThreadPriority() -> "idle" | "batch" | "none"
 *       Puts the calling thread under SCHED_IDLE, or SCHED_BATCH where that is refused; "none" where neither could be
 *       set (or off Linux). For threads that do background work only: an unprivileged thread cannot leave SCHED_IDLE.
 *   liveBatches() -> number
 *       Batches queued or running, process-wide (every thread's), for tests that check that none is lost.
 *
 * A signature yields no key (status 0, recover -> undefined) exactly when the intl suite refuses it or libsecp256k1
 * recovers nothing: r or s zero or >= n, s > n/2 (high s, EIP-2), recid not 0 or 1, or no curve point / the point at
 * infinity. So the results equal the suite's synchronous `recoverPublicKey` for every input.
 *
 * Threads: one signing-and-verification context per process, built on first use (uv_once; its ~1 MiB of tables take
 * a few milliseconds) and blinded with fresh randomness (uv_random) before anyone can see it, never freed, and only
 * read afterwards: libsecp256k1 says "a constructed context can safely be used from multiple threads simultaneously"
 * for calls that take a const context, which all the ones used here do. A batch owns its memory (a malloc'ed copy of
 * the input and room for the results), so the pool thread touches no JavaScript object and no napi_env, and a batch
 * stays valid whatever happens to the JavaScript side. Worker threads: node runs an environment's pending
 * thread-pool work to completion before it tears the environment down, so a batch always reaches its completion
 * callback, which frees it; calling back into a terminating environment just fails (checked, ignored).
 */
#if defined(__linux__)
#define _GNU_SOURCE /* SCHED_IDLE, SCHED_BATCH */
#endif
#include <node_api.h>
#include <uv.h>

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__linux__)
#include <sched.h>
#endif

#include "secp256k1.h"
#include "secp256k1_preallocated.h"
#include "secp256k1_recovery.h"

enum {
  kDigestLength = 32,
  kSignatureLength = 64,
  kRecordLength = kDigestLength + kSignatureLength + 1,
  kPublicKeyLength = 65,
  kMaxBatch = 65536,
};

/* n / 2 of secp256k1's group order n, big-endian: s above it is "high s", which the protocol refuses (EIP-2). */
static const unsigned char kHalfOrder[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
};

/* ---------------------------------------------------------------------------------------------------------------
 * The process-wide context. */

static uv_once_t contextOnce = UV_ONCE_INIT;
static const secp256k1_context* context; /* NULL when it could not be allocated */

static void IgnoreCallback(const char* message, void* data) {
  (void)message;
  (void)data;
}

static void CreateContext(void) {
  /* The preallocated form: secp256k1_context_create calls the aborting default error callback when malloc fails. */
  const unsigned int flags = SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY;
  const size_t size = secp256k1_context_preallocated_size(flags);
  void* memory = size == 0 ? NULL : malloc(size);
  if (memory == NULL) return;
  secp256k1_context* created = secp256k1_context_preallocated_create(memory, flags);
  if (created == NULL) {
    free(memory);
    return;
  }
  secp256k1_context_set_illegal_callback(created, IgnoreCallback, NULL);
  secp256k1_context_set_error_callback(created, IgnoreCallback, NULL);
  /* Blinding of the signing multiplication against side channels; it changes no result. Without randomness (never
   * expected) the context stays unblinded, as the secp256k1 package's own context is. randomize returns 1 whenever,
   * as here, the context has signing tables. */
  unsigned char seed[32];
  const int usable =
      uv_random(NULL, NULL, seed, sizeof seed, 0, NULL) != 0 || secp256k1_context_randomize(created, seed) == 1;
  memset(seed, 0, sizeof seed);
  if (!usable) {
    free(memory);
    return;
  }
  context = created;
}

static const secp256k1_context* GetContext(void) {
  uv_once(&contextOnce, CreateContext);
  return context;
}

/* Recovers the key of one record (digest || r || s || recid) into out (65 bytes); 0, and zeros, when there is none. */
static int RecoverOne(const secp256k1_context* ctx, const unsigned char* record, unsigned char* out) {
  const unsigned char* digest = record;
  const unsigned char* signature = record + kDigestLength;
  const int recid = record[kDigestLength + kSignatureLength];
  secp256k1_ecdsa_recoverable_signature parsed;
  secp256k1_pubkey publicKey;
  size_t length = kPublicKeyLength;
  /* memcmp compares unsigned bytes, which for equal-length big-endian numbers is numeric order. */
  const int ok = (recid == 0 || recid == 1) && memcmp(signature + 32, kHalfOrder, 32) <= 0 &&
                 secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &parsed, signature, recid) && /* r, s < n */
                 secp256k1_ecdsa_recover(ctx, &publicKey, &parsed, digest) && /* r, s != 0; a point; not infinity */
                 secp256k1_ec_pubkey_serialize(ctx, out, &length, &publicKey, SECP256K1_EC_UNCOMPRESSED) &&
                 length == kPublicKeyLength;
  if (!ok) memset(out, 0, kPublicKeyLength);
  return ok;
}

/* ---------------------------------------------------------------------------------------------------------------
 * Argument helpers. Each returns 0 with a JavaScript exception pending on failure. */

static int GetBytes(napi_env env, napi_value value, const char* message, unsigned char** data, size_t* length) {
  bool isTypedArray = false;
  if (napi_is_typedarray(env, value, &isTypedArray) == napi_ok && isTypedArray) {
    napi_typedarray_type type;
    void* raw = NULL;
    if (napi_get_typedarray_info(env, value, &type, length, &raw, NULL, NULL) == napi_ok && type == napi_uint8_array) {
      /* A zero-length or detached array may report NULL: callers check lengths before reading. */
      *data = (unsigned char*)raw;
      return 1;
    }
  }
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return 0;
}

static int GetArgs(napi_env env, napi_callback_info info, size_t expected, napi_value* argv) {
  size_t argc = expected;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    napi_throw_error(env, NULL, "xinlian_secp256k1: cannot read arguments");
    return 0;
  }
  if (argc < expected) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "xinlian_secp256k1: missing arguments");
    return 0;
  }
  return 1;
}

static napi_value Undefined(napi_env env) {
  napi_value undefined = NULL;
  napi_get_undefined(env, &undefined);
  return undefined;
}

/* A new Uint8Array holding a copy of `length` bytes, or NULL (exception pending). */
static napi_value NewBytes(napi_env env, const unsigned char* bytes, size_t length) {
  void* data = NULL;
  napi_value buffer = NULL;
  napi_value result = NULL;
  if (napi_create_arraybuffer(env, length, &data, &buffer) != napi_ok || data == NULL) return NULL;
  memcpy(data, bytes, length);
  if (napi_create_typedarray(env, napi_uint8_array, length, buffer, 0, &result) != napi_ok) return NULL;
  return result;
}

/* The context, or NULL with an Error pending. */
static const secp256k1_context* ContextOrThrow(napi_env env) {
  const secp256k1_context* ctx = GetContext();
  if (ctx == NULL) {
    napi_throw_error(env, "ERR_XINLIAN_SECP256K1_CONTEXT", "xinlian_secp256k1: cannot allocate the context");
  }
  return ctx;
}

/* Reads argument `index` as a Uint8Array of one of two lengths (equal when only one is allowed). */
static int GetSizedBytes(napi_env env, napi_value value, const char* name, size_t lengthA, size_t lengthB,
                         unsigned char** data, size_t* length) {
  char message[128];
  snprintf(message, sizeof message, "xinlian_secp256k1: %s must be a Uint8Array", name);
  if (!GetBytes(env, value, message, data, length)) return 0;
  if ((*length != lengthA && *length != lengthB) || *data == NULL) {
    if (lengthA == lengthB) {
      snprintf(message, sizeof message, "xinlian_secp256k1: %s must be %zu bytes", name, lengthA);
    } else {
      snprintf(message, sizeof message, "xinlian_secp256k1: %s must be %zu or %zu bytes", name, lengthA, lengthB);
    }
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
    return 0;
  }
  return 1;
}

/* The uncompressed serialisation of a parsed key as a new Uint8Array(65), or NULL (exception pending). */
static napi_value SerializePublicKey(napi_env env, const secp256k1_context* ctx, const secp256k1_pubkey* publicKey) {
  unsigned char out[kPublicKeyLength];
  size_t length = sizeof out;
  if (!secp256k1_ec_pubkey_serialize(ctx, out, &length, publicKey, SECP256K1_EC_UNCOMPRESSED) ||
      length != kPublicKeyLength) {
    napi_throw_error(env, "ERR_XINLIAN_SECP256K1", "xinlian_secp256k1: cannot serialize the public key");
    return NULL;
  }
  return NewBytes(env, out, kPublicKeyLength);
}

static napi_value PublicKeyCreate(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  unsigned char* privateKey = NULL;
  size_t length = 0;
  secp256k1_pubkey publicKey;
  if (!GetArgs(env, info, 1, argv) || !GetSizedBytes(env, argv[0], "privateKey", 32, 32, &privateKey, &length)) {
    return NULL;
  }
  const secp256k1_context* ctx = ContextOrThrow(env);
  if (ctx == NULL) return NULL;
  if (!secp256k1_ec_pubkey_create(ctx, &publicKey, privateKey)) return Undefined(env);
  return SerializePublicKey(env, ctx, &publicKey);
}

static napi_value PublicKeyConvert(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  unsigned char* encoded = NULL;
  size_t length = 0;
  secp256k1_pubkey publicKey;
  if (!GetArgs(env, info, 1, argv) || !GetSizedBytes(env, argv[0], "publicKey", 33, 65, &encoded, &length)) {
    return NULL;
  }
  const secp256k1_context* ctx = ContextOrThrow(env);
  if (ctx == NULL) return NULL;
  if (!secp256k1_ec_pubkey_parse(ctx, &publicKey, encoded, length)) return Undefined(env);
  return SerializePublicKey(env, ctx, &publicKey);
}

static napi_value Sign(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  unsigned char* digest = NULL;
  unsigned char* privateKey = NULL;
  size_t length = 0;
  secp256k1_ecdsa_recoverable_signature signature;
  unsigned char out[kSignatureLength + 1];
  int recid = 0;
  if (!GetArgs(env, info, 2, argv) || !GetSizedBytes(env, argv[0], "digest", 32, 32, &digest, &length) ||
      !GetSizedBytes(env, argv[1], "privateKey", 32, 32, &privateKey, &length)) {
    return NULL;
  }
  const secp256k1_context* ctx = ContextOrThrow(env);
  if (ctx == NULL) return NULL;
  /* The RFC 6979 nonce, as the secp256k1 package signs: the same signatures, byte for byte. libsecp256k1 always
   * produces low s. */
  if (!secp256k1_ecdsa_sign_recoverable(ctx, &signature, digest, privateKey, secp256k1_nonce_function_rfc6979, NULL) ||
      !secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, out, &recid, &signature)) {
    return Undefined(env);
  }
  out[kSignatureLength] = (unsigned char)recid;
  return NewBytes(env, out, sizeof out);
}

static napi_value Verify(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  unsigned char* signature = NULL;
  unsigned char* digest = NULL;
  unsigned char* encoded = NULL;
  size_t length = 0;
  size_t keyLength = 0;
  secp256k1_ecdsa_signature parsed;
  secp256k1_pubkey publicKey;
  if (!GetArgs(env, info, 3, argv) || !GetSizedBytes(env, argv[0], "signature", 64, 64, &signature, &length) ||
      !GetSizedBytes(env, argv[1], "digest", 32, 32, &digest, &length) ||
      !GetSizedBytes(env, argv[2], "publicKey", 33, 65, &encoded, &keyLength)) {
    return NULL;
  }
  const secp256k1_context* ctx = ContextOrThrow(env);
  if (ctx == NULL) return NULL;
  /* parse_compact refuses r or s >= n; verify refuses r or s = 0 and high s. */
  const int valid = secp256k1_ecdsa_signature_parse_compact(ctx, &parsed, signature) &&
                    secp256k1_ec_pubkey_parse(ctx, &publicKey, encoded, keyLength) &&
                    secp256k1_ecdsa_verify(ctx, &parsed, digest, &publicKey);
  napi_value result = NULL;
  if (napi_get_boolean(env, valid != 0, &result) != napi_ok) return NULL;
  return result;
}

/* ---------------------------------------------------------------------------------------------------------------
 * recover(digest32, signature64, recid) */

static napi_value Recover(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  unsigned char* digest = NULL;
  unsigned char* signature = NULL;
  size_t length = 0;
  double recid = -1;
  unsigned char record[kRecordLength];
  unsigned char publicKey[kPublicKeyLength];
  if (!GetArgs(env, info, 3, argv) || !GetSizedBytes(env, argv[0], "digest", 32, 32, &digest, &length) ||
      !GetSizedBytes(env, argv[1], "signature", 64, 64, &signature, &length)) {
    return NULL;
  }
  /* As a double: napi_get_value_int32 would wrap 2^32 onto 0. */
  if (napi_get_value_double(env, argv[2], &recid) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "xinlian_secp256k1: recid must be a number");
    return NULL;
  }
  const secp256k1_context* ctx = ContextOrThrow(env);
  if (ctx == NULL) return NULL;
  memcpy(record, digest, kDigestLength);
  memcpy(record + kDigestLength, signature, kSignatureLength);
  /* Anything but 0 or 1 becomes an id that RecoverOne refuses. */
  record[kDigestLength + kSignatureLength] = recid == 0 ? 0 : recid == 1 ? 1 : 0xff;
  if (!RecoverOne(ctx, record, publicKey)) return Undefined(env);
  return NewBytes(env, publicKey, kPublicKeyLength);
}

/* ---------------------------------------------------------------------------------------------------------------
 * recoverBatch(input, output, status, callback) */

typedef struct {
  napi_async_work work;
  napi_ref output;
  napi_ref status;
  napi_ref callback;
  size_t count;
  int noContext;
  unsigned char* input;   /* count × 97, a copy */
  unsigned char* results; /* count × 65 */
  unsigned char* ok;      /* count */
} Batch;

static atomic_long liveBatches;

static Batch* NewBatch(size_t count) {
  const size_t size = sizeof(Batch) + count * (kRecordLength + kPublicKeyLength + 1);
  Batch* batch = (Batch*)calloc(1, size);
  if (batch == NULL) return NULL;
  batch->count = count;
  batch->input = (unsigned char*)(batch + 1);
  batch->results = batch->input + count * kRecordLength;
  batch->ok = batch->results + count * kPublicKeyLength;
  atomic_fetch_add(&liveBatches, 1);
  return batch;
}

/* Releases everything a batch holds; safe on a partly built batch and during environment teardown. */
static void FreeBatch(napi_env env, Batch* batch) {
  if (batch->output != NULL) napi_delete_reference(env, batch->output);
  if (batch->status != NULL) napi_delete_reference(env, batch->status);
  if (batch->callback != NULL) napi_delete_reference(env, batch->callback);
  if (batch->work != NULL) napi_delete_async_work(env, batch->work);
  free(batch);
  atomic_fetch_sub(&liveBatches, 1);
}

/* On a thread-pool thread: touches only the batch's own memory and the shared, read-only context. */
static void ExecuteBatch(napi_env env, void* data) {
  (void)env; /* not to be used off the JavaScript thread */
  Batch* batch = (Batch*)data;
  const secp256k1_context* ctx = GetContext();
  if (ctx == NULL) {
    batch->noContext = 1;
    return;
  }
  for (size_t i = 0; i < batch->count; i++) {
    const unsigned char* record = batch->input + i * kRecordLength;
    batch->ok[i] = (unsigned char)RecoverOne(ctx, record, batch->results + i * kPublicKeyLength);
  }
}

/* Copies the results into the output and status arrays; NULL, or why it could not. */
static const char* DeliverResults(napi_env env, Batch* batch) {
  napi_value output = NULL;
  napi_value status = NULL;
  unsigned char* outputData = NULL;
  unsigned char* statusData = NULL;
  size_t outputLength = 0;
  size_t statusLength = 0;
  napi_typedarray_type type;
  void* raw = NULL;
  if (napi_get_reference_value(env, batch->output, &output) != napi_ok || output == NULL ||
      napi_get_reference_value(env, batch->status, &status) != napi_ok || status == NULL) {
    return "xinlian_secp256k1: output arrays are gone";
  }
  if (napi_get_typedarray_info(env, output, &type, &outputLength, &raw, NULL, NULL) != napi_ok) {
    return "xinlian_secp256k1: cannot read the output array";
  }
  outputData = (unsigned char*)raw;
  if (napi_get_typedarray_info(env, status, &type, &statusLength, &raw, NULL, NULL) != napi_ok) {
    return "xinlian_secp256k1: cannot read the status array";
  }
  statusData = (unsigned char*)raw;
  /* Detached (transferred) arrays report length 0. */
  if (outputData == NULL || statusData == NULL || outputLength < batch->count * kPublicKeyLength ||
      statusLength < batch->count) {
    return "xinlian_secp256k1: output or status array was detached or shrunk while the batch ran";
  }
  memcpy(outputData, batch->results, batch->count * kPublicKeyLength);
  memcpy(statusData, batch->ok, batch->count);
  return NULL;
}

/* On the JavaScript thread, after ExecuteBatch (or when the work was cancelled). */
static void CompleteBatch(napi_env env, napi_status workStatus, void* data) {
  Batch* batch = (Batch*)data;
  const char* failure = NULL;
  if (workStatus == napi_cancelled) {
    failure = "xinlian_secp256k1: batch cancelled";
  } else if (workStatus != napi_ok) {
    failure = "xinlian_secp256k1: batch failed";
  } else if (batch->noContext) {
    failure = "xinlian_secp256k1: cannot allocate the context";
  } else {
    failure = DeliverResults(env, batch);
  }
  napi_value callback = NULL;
  if (napi_get_reference_value(env, batch->callback, &callback) != napi_ok) callback = NULL;
  /* Free first, so that the batch is released even when the callback throws or the environment is terminating. */
  FreeBatch(env, batch);
  if (callback == NULL) return;
  napi_value argument = NULL;
  if (failure == NULL) {
    if (napi_get_null(env, &argument) != napi_ok) return;
  } else {
    napi_value message = NULL;
    napi_value code = NULL;
    if (napi_create_string_utf8(env, failure, NAPI_AUTO_LENGTH, &message) != napi_ok ||
        napi_create_string_utf8(env, "ERR_XINLIAN_SECP256K1_BATCH", NAPI_AUTO_LENGTH, &code) != napi_ok ||
        napi_create_error(env, code, message, &argument) != napi_ok) {
      return;
    }
  }
  napi_value receiver = Undefined(env);
  /* Fails harmlessly in an environment that is shutting down; an exception the callback throws stays pending and
   * node reports it as uncaught, as for any callback. */
  napi_call_function(env, receiver, callback, 1, &argument, NULL);
}

/* Reads recoverBatch's first three arguments (input, output, status) and checks their sizes; 0 with an exception. */
static int GetBatchArgs(napi_env env, napi_value* argv, unsigned char** input, size_t* count, unsigned char** output,
                        unsigned char** status) {
  size_t inputLength = 0;
  size_t outputLength = 0;
  size_t statusLength = 0;
  if (!GetBytes(env, argv[0], "xinlian_secp256k1: input must be a Uint8Array", input, &inputLength) ||
      !GetBytes(env, argv[1], "xinlian_secp256k1: output must be a Uint8Array", output, &outputLength) ||
      !GetBytes(env, argv[2], "xinlian_secp256k1: status must be a Uint8Array", status, &statusLength)) {
    return 0;
  }
  *count = inputLength / kRecordLength;
  if (*input == NULL || inputLength % kRecordLength != 0 || *count == 0 || *count > kMaxBatch) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE",
                           "xinlian_secp256k1: input must hold 1 to 65536 records of 97 bytes "
                           "(digest || r || s || recid)");
    return 0;
  }
  if (outputLength < *count * kPublicKeyLength || statusLength < *count) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "xinlian_secp256k1: output needs 65 bytes and status 1 per record");
    return 0;
  }
  return 1;
}

static napi_value RecoverBatch(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  unsigned char* input = NULL;
  unsigned char* output = NULL;
  unsigned char* status = NULL;
  size_t count = 0;
  napi_valuetype callbackType = napi_undefined;
  if (!GetArgs(env, info, 4, argv) || !GetBatchArgs(env, argv, &input, &count, &output, &status)) return NULL;
  if (napi_typeof(env, argv[3], &callbackType) != napi_ok || callbackType != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "xinlian_secp256k1: callback must be a function");
    return NULL;
  }
  Batch* batch = NewBatch(count);
  if (batch == NULL) {
    napi_throw_error(env, "ERR_XINLIAN_SECP256K1_MEMORY", "xinlian_secp256k1: out of memory");
    return NULL;
  }
  memcpy(batch->input, input, count * kRecordLength);
  napi_value resourceName = NULL;
  if (napi_create_reference(env, argv[1], 1, &batch->output) != napi_ok ||
      napi_create_reference(env, argv[2], 1, &batch->status) != napi_ok ||
      napi_create_reference(env, argv[3], 1, &batch->callback) != napi_ok ||
      napi_create_string_utf8(env, "xinlian:secp256k1:recoverBatch", NAPI_AUTO_LENGTH, &resourceName) != napi_ok ||
      napi_create_async_work(env, NULL, resourceName, ExecuteBatch, CompleteBatch, batch, &batch->work) != napi_ok ||
      napi_queue_async_work(env, batch->work) != napi_ok) {
    FreeBatch(env, batch);
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) == napi_ok && !pending) {
      napi_throw_error(env, "ERR_XINLIAN_SECP256K1_BATCH", "xinlian_secp256k1: cannot queue the batch");
    }
    return NULL;
  }
  return Undefined(env);
}

/* recoverBatchSync(input, output, status): recoverBatch's work on the calling thread (a recovery worker's). */
static napi_value RecoverBatchSync(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  unsigned char* input = NULL;
  unsigned char* output = NULL;
  unsigned char* status = NULL;
  size_t count = 0;
  if (!GetArgs(env, info, 3, argv) || !GetBatchArgs(env, argv, &input, &count, &output, &status)) return NULL;
  const secp256k1_context* ctx = GetContext();
  if (ctx == NULL) {
    napi_throw_error(env, "ERR_XINLIAN_SECP256K1_BATCH", "xinlian_secp256k1: cannot allocate the context");
    return NULL;
  }
  for (size_t i = 0; i < count; i++) {
    status[i] = (unsigned char)RecoverOne(ctx, input + i * kRecordLength, output + i * kPublicKeyLength);
  }
  return Undefined(env);
}

/*
 * lowerThreadPriority() -> "idle" | "batch" | "none": puts the calling thread under SCHED_IDLE, or SCHED_BATCH where
 * that is refused (Linux; "none" elsewhere or when both are). For a thread that does background work only: an
 * unprivileged thread cannot leave SCHED_IDLE again.
 */
static napi_value LowerThreadPriority(napi_env env, napi_callback_info info) {
  (void)info;
  const char* policy = "none";
#if defined(__linux__)
  struct sched_param param = {0};
  if (sched_setscheduler(0, SCHED_IDLE, &param) == 0) policy = "idle";
  else if (sched_setscheduler(0, SCHED_BATCH, &param) == 0) policy = "batch";
#endif
  napi_value result = NULL;
  if (napi_create_string_utf8(env, policy, NAPI_AUTO_LENGTH, &result) != napi_ok) return NULL;
  return result;
}

static napi_value LiveBatches(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result = NULL;
  if (napi_create_double(env, (double)atomic_load(&liveBatches), &result) != napi_ok) return NULL;
  return result;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  const napi_property_descriptor properties[] = {
      {"publicKeyCreate", NULL, PublicKeyCreate, NULL, NULL, NULL, napi_enumerable, NULL},
      {"publicKeyConvert", NULL, PublicKeyConvert, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sign", NULL, Sign, NULL, NULL, NULL, napi_enumerable, NULL},
      {"verify", NULL, Verify, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recover", NULL, Recover, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recoverBatch", NULL, RecoverBatch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recoverBatchSync", NULL, RecoverBatchSync, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lowerThreadPriority", NULL, LowerThreadPriority, NULL, NULL, NULL, napi_enumerable, NULL},
      {"liveBatches", NULL, LiveBatches, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) != napi_ok) {
    return NULL;
  }
  return exports;
}
