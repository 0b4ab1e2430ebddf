{
  "targets": [
    {
      "target_name": "cairn_native",
      "sources": ["native/points-json.cc"],
      "cflags_cc": ["-O2", "-std=c++17"],
      "cflags_cc!": ["-std=gnu++14", "-std=gnu++17"]
    }
  ]
}
