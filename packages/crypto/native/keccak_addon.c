/*
 * xinlian_keccak: Keccak-256 (Ethereum's, with Keccak's original padding, not SHA3-256) for the intl suite, in plain C
 * N-API, one call per hash.
 *
 * The permutation and the sponge are the Keccak team's XKCP code that the `keccak` npm package ships, compiled into
 * this addon (native/libkeccak.c). The package's own binding exposes a sponge object whose use costs four native
 * calls per hash (initialize, absorb, absorbLastFewBits, squeeze) and a copy; here one call runs the whole sponge on
 * a stack state and returns the digest. Node hashes about fifteen times per transaction (transaction and signing
 * hashes, addresses, Merkle and state trees), so that per-call overhead was most of a hash's cost.
 *
 * It keeps no state at all, per process or per environment: worker threads may load it, use it and be terminated at
 * any time (unlike node-addon-api bindings with static constructor references; see secp256k1_addon.c).
 *
 * JavaScript API:
 *   keccak256(data) -> Uint8Array(32)
 *       data: a Uint8Array (Buffer included), any length, any byteOffset; anything else throws TypeError. The result
 *       is a new Uint8Array of its own (not a Buffer, not a view into a shared pool).
 *   keccak256Into(input, length, output) -> undefined
 *       Hashes input[0 .. length) into output[0 .. 32). input and output: Uint8Arrays; length: an integer with
 *       0 <= length <= input.length; output at least 32 bytes (TypeError / RangeError otherwise). For callers that
 *       keep one input and one output buffer and copy through them: no ArrayBuffer is created per hash (V8 tracks
 *       each one for the garbage collector), and a caller's small array, which V8 keeps inside its heap, is not moved
 *       out of it, as reading it through N-API would.
 */
#include <node_api.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "KeccakSpongeWidth1600.h"

enum {
  kRate = 1088,     /* bits: 136-byte blocks */
  kCapacity = 512,  /* bits: 2 × 256 */
  kSuffix = 0x01,   /* Keccak's padding as Ethereum uses it (SHA3-256 would be 0x06) */
  kDigestLength = 32,
};

/* NULL, with an Error thrown unless V8 already has one pending (a failed allocation may or may not leave one). */
static napi_value ThrowUnlessPending(napi_env env, const char* message) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) != napi_ok || !pending) {
    napi_throw_error(env, "ERR_XINLIAN_KECCAK", message);
  }
  return NULL;
}

static napi_value Keccak256(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1] = {NULL};
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    napi_throw_error(env, NULL, "xinlian_keccak: cannot read arguments");
    return NULL;
  }
  /* Fails (napi_invalid_arg, nothing thrown) for anything that is not a typed array, a missing argument included. */
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void* data = NULL;
  if (argc < 1 || napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "xinlian_keccak: data must be a Uint8Array");
    return NULL;
  }
  /* `data` already includes the byteOffset. A zero-length or detached array may report NULL. */
  static const unsigned char kEmpty[1] = {0};
  const unsigned char* input = length == 0 || data == NULL ? kEmpty : (const unsigned char*)data;
  if (data == NULL) length = 0;

  unsigned char digest[kDigestLength];
  if (KeccakWidth1600_Sponge(kRate, kCapacity, input, length, kSuffix, digest, kDigestLength) != 0) {
    napi_throw_error(env, "ERR_XINLIAN_KECCAK", "xinlian_keccak: the sponge refused its parameters");
    return NULL;
  }

  /* A plain Uint8Array over a new ArrayBuffer of its own (napi_create_buffer_copy would make a Buffer). */
  void* out = NULL;
  napi_value buffer = NULL;
  napi_value result = NULL;
  if (napi_create_arraybuffer(env, kDigestLength, &out, &buffer) != napi_ok || out == NULL) {
    return ThrowUnlessPending(env, "xinlian_keccak: cannot allocate the digest");
  }
  memcpy(out, digest, kDigestLength);
  if (napi_create_typedarray(env, napi_uint8_array, kDigestLength, buffer, 0, &result) != napi_ok) {
    return ThrowUnlessPending(env, "xinlian_keccak: cannot allocate the digest");
  }
  return result;
}

/* The bytes of a Uint8Array argument, or false with a TypeError thrown. */
static bool Uint8ArrayArgument(napi_env env, napi_value value, const char* name, unsigned char** data, size_t* length) {
  napi_typedarray_type type = napi_int8_array;
  void* bytes = NULL;
  if (napi_get_typedarray_info(env, value, &type, length, &bytes, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    char message[96];
    snprintf(message, sizeof message, "xinlian_keccak: %s must be a Uint8Array", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return false;
  }
  if (bytes == NULL) *length = 0; /* zero-length or detached */
  *data = (unsigned char*)bytes;
  return true;
}

static napi_value Keccak256Into(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3] = {NULL, NULL, NULL};
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "xinlian_keccak: keccak256Into(input, length, output)");
    return NULL;
  }
  unsigned char* input = NULL;
  unsigned char* output = NULL;
  size_t inputLength = 0;
  size_t outputLength = 0;
  if (!Uint8ArrayArgument(env, argv[0], "input", &input, &inputLength)) return NULL;
  if (!Uint8ArrayArgument(env, argv[2], "output", &output, &outputLength)) return NULL;
  double requested = -1;
  if (napi_get_value_double(env, argv[1], &requested) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "xinlian_keccak: length must be a number");
    return NULL;
  }
  if (!(requested >= 0) || requested > (double)inputLength || requested != (double)(size_t)requested) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "xinlian_keccak: length must be an integer from 0 to input.length");
    return NULL;
  }
  if (outputLength < kDigestLength) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "xinlian_keccak: output must have room for 32 bytes");
    return NULL;
  }
  static const unsigned char kEmpty[1] = {0};
  size_t length = (size_t)requested;
  if (KeccakWidth1600_Sponge(kRate, kCapacity, length == 0 ? kEmpty : input, length, kSuffix, output,
                             kDigestLength) != 0) {
    napi_throw_error(env, "ERR_XINLIAN_KECCAK", "xinlian_keccak: the sponge refused its parameters");
    return NULL;
  }
  return NULL; /* undefined */
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  const napi_property_descriptor properties[] = {
      {"keccak256", NULL, Keccak256, NULL, NULL, NULL, napi_enumerable, NULL},
      {"keccak256Into", NULL, Keccak256Into, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) != napi_ok) {
    return NULL;
  }
  return exports;
}
