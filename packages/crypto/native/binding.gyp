{
  # Builds xinlian_sm2.node against the headers of the running node (nodedir). The addon links no libcrypto:
  # the OpenSSL symbols it uses are resolved from the node binary, which exports them.
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
  ]
}
