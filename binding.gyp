{
  "targets": [
    {
      "target_name": "dlgrad",
      "sources": [
        "native/binding.c",
        "native/pool_v8.cc",
        "native/machine.c",
        "native/kernels/threads.c",
        "native/kernels/mempool.c",
        "native/kernels/iter.c",
        "native/kernels/elementwise.c",
        "native/kernels/reduce.c",
        "native/kernels/gather.c",
        "native/kernels/matmul.c",
        "native/kernels/matmul_entry.c",
        "native/kernels/attention.c",
        "native/kernels/activations.c",
        "native/kernels/optim.c",
        "native/kernels/conv.c",
        "native/kernels/scan.c"
      ],
      "cflags!": ["-O2", "-O3"],
      "cflags_cc!": ["-O2", "-O3"],
      "cflags_c": [
        "-std=c11", "-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math",
        "-ffp-contract=off", "-pthread", "-Wall", "-Wextra", "-Wno-unused-parameter"
      ],
      "cflags_cc": ["-std=c++17", "-O2", "-pthread"],
      "ldflags": ["-pthread"],
      "libraries": ["-lm"],
      "defines": ["_GNU_SOURCE"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-std=c11", "-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off"]
      }
    }
  ]
}
