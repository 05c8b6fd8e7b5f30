{
  # Three addons, built against the headers of the running node (nodedir) by scripts/build-native.mjs:
  # - xinlian_sm2.node links no libcrypto: the OpenSSL symbols it uses are resolved from the node binary.
  # - xinlian_secp256k1.node (plain C) compiles libsecp256k1 from the sources the `secp256k1` npm package ships, in
  #   that package's own configuration (its binding.gyp), minus the ECDH module, which nothing here uses. The build
  #   script passes the package's directory as -Dsecp256k1_dir=...; without it only xinlian_sm2 is built.
  # - xinlian_keccak.node (plain C) compiles the Keccak team's XKCP code that the `keccak` npm package ships, the 64- or
  #   32-bit bundle as that package's binding.gyp chooses it. The build script passes the package's directory as
  #   -Dkeccak_dir=...; without it xinlian_keccak is not built.
  # Separate addons, so that one failing to load (another OpenSSL, say) leaves the others in use.
  "variables": {
    "secp256k1_dir%": "",
    "keccak_dir%": "",
    "conditions": [
      # The keccak package's choice: its generic 64-bit code where it knows the CPU is 64-bit, else the 32-bit code.
      ["target_arch in ('x64', 'arm64', 'ppc64')", {
        "keccak_bundle%": "libkeccak-64"
      }, {
        "keccak_bundle%": "libkeccak-32"
      }]
    ]
  },
  "targets": [
    {
      "target_name": "xinlian_sm2",
      "sources": ["sm2.cc"],
      "defines": ["NAPI_VERSION=8", "OPENSSL_API_COMPAT=30000", "OPENSSL_NO_DEPRECATED"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "cflags_cc": ["-std=c++17"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-Wall", "-Wextra", "-O2"],
        "OTHER_CPLUSPLUSFLAGS": ["-std=c++17"]
      }
    }
  ],
  "conditions": [
    ["secp256k1_dir!=''", {
      "targets": [
        {
          "target_name": "xinlian_libsecp256k1",
          "type": "static_library",
          "sources": ["libsecp256k1.c"],
          "include_dirs": ["<(secp256k1_dir)/src/secp256k1", "<(secp256k1_dir)/src/secp256k1/src"],
          "defines": [
            "ECMULT_GEN_PREC_BITS=4",
            "ECMULT_WINDOW_SIZE=15",
            "ENABLE_MODULE_RECOVERY=1",
            "USE_ENDOMORPHISM=1",
            "USE_NUM_NONE=1",
            "USE_FIELD_INV_BUILTIN=1",
            "USE_SCALAR_INV_BUILTIN=1"
          ],
          # Hidden: the secp256k1 package's binding exports the same names, and the addon needs none of them public.
          "cflags": ["-fvisibility=hidden", "-Wno-unused-function", "-Wno-nonnull-compare"],
          "xcode_settings": {
            "OTHER_CFLAGS": ["-fvisibility=hidden", "-Wno-unused-function"]
          },
          "conditions": [
            ["target_arch=='x64' and OS!='win'", {
              "defines": ["HAVE___INT128=1", "USE_ASM_X86_64=1", "USE_FIELD_5X52=1", "USE_SCALAR_4X64=1"]
            }, {
              "defines": ["USE_FIELD_10X26=1", "USE_SCALAR_8X32=1"]
            }]
          ]
        },
        {
          "target_name": "xinlian_secp256k1",
          "dependencies": ["xinlian_libsecp256k1"],
          "sources": ["secp256k1_addon.c"],
          "include_dirs": ["<(secp256k1_dir)/src/secp256k1/include"],
          "defines": ["NAPI_VERSION=8"],
          "cflags": ["-Wall", "-Wextra", "-Werror=implicit-function-declaration", "-std=gnu11", "-fvisibility=hidden"],
          "xcode_settings": {
            "OTHER_CFLAGS": ["-Wall", "-Wextra", "-std=gnu11", "-fvisibility=hidden"]
          },
          "conditions": [
            ["OS=='linux'", {
              "ldflags": ["-Wl,--exclude-libs,ALL"]
            }]
          ]
        }
      ]
    }],
    ["keccak_dir!=''", {
      "targets": [
        {
          "target_name": "xinlian_libkeccak",
          "type": "static_library",
          "sources": ["libkeccak.c"],
          "include_dirs": ["<(keccak_dir)/src/<(keccak_bundle)"],
          # Hidden: the keccak package's binding exports the same names, and the addon needs none of them public. The
          # 32-bit code's unrolled rounds fall through switch cases on purpose.
          "cflags": ["-fvisibility=hidden", "-Wno-implicit-fallthrough"],
          "xcode_settings": {
            "OTHER_CFLAGS": ["-fvisibility=hidden"]
          },
          "conditions": [
            ["keccak_bundle=='libkeccak-64'", {
              "defines": ["XINLIAN_KECCAK_OPT64=1"]
            }]
          ]
        },
        {
          "target_name": "xinlian_keccak",
          "dependencies": ["xinlian_libkeccak"],
          "sources": ["keccak_addon.c"],
          "include_dirs": ["<(keccak_dir)/src/<(keccak_bundle)"],
          "defines": ["NAPI_VERSION=8"],
          "cflags": ["-Wall", "-Wextra", "-Werror=implicit-function-declaration", "-std=gnu11", "-fvisibility=hidden"],
          "xcode_settings": {
            "OTHER_CFLAGS": ["-Wall", "-Wextra", "-std=gnu11", "-fvisibility=hidden"]
          },
          "conditions": [
            ["OS=='linux'", {
              "ldflags": ["-Wl,--exclude-libs,ALL"]
            }]
          ]
        }
      ]
    }]
  ]
}
