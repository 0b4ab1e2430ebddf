{
  "targets": [
    {
      "target_name": "cairn_native",
      "sources": ["native/addon.cc", "native/points-json.cc", "native/snappy.cc", "native/xor.cc", "native/trigrams.cc", "native/zstd.cc", "native/json.cc", "native/tokens.cc"],
      "libraries": ["-ldl"],
      "cflags_cc": ["-O2", "-std=c++17"],
      "cflags_cc!": ["-std=gnu++14", "-std=gnu++17"]
    }
  ]
}
