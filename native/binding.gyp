{
  "targets": [
    {
      "target_name": "lfkit_blas",
      "sources": ["blas.c"],
      "cflags": ["-O3", "-ffast-math"],
      "libraries": ["-lopenblas", "-lm"],
      "conditions": [
        ["OS=='linux' and target_arch=='x64'", { "libraries": ["-lmvec"] }]
      ]
    }
  ]
}
