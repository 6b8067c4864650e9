/*
 * lfkit's native matrix product for the wasm backend in Node: single-precision GEMM from the
 * system's CBLAS (OpenBLAS), called on tensors that live in the wasm heap (Float32Array views),
 * so the product runs at native speed and reads transposed operands without a copy.
 *
 * gemm(a, b, out, batch, m, n, k, transA, transB, strideA, strideB, bias, relu)
 *   a: Float32Array holding `batch` (or 1, with strideA 0) matrices [m, k] ([k, m] if transA)
 *   b: Float32Array holding `batch` (or 1, with strideB 0) matrices [k, n] ([n, k] if transB)
 *   out: Float32Array [batch, m, n]
 *   bias: Float32Array [n] added to every row, or null; relu: clamp at 0 after the bias.
 *
 * gelu(x, y):          y = x Phi(x) = 0.5 x (1 + erf(x / sqrt 2))        (GELU, exact form)
 * geluGrad(x, dy, dx): dx = dy (Phi(x) + x phi(x)), phi the normal density (its gradient)
 *   one fused pass each, vectorised (glibc's libmvec erff/expf, AVX2 when the CPU has it).
 */
#include <node_api.h>
#include <cblas.h>
#include <stdint.h>
#include <string.h>
#include <math.h>

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "lfkit native gemm: " #call " failed"); return NULL; } } while (0)

static float *f32(napi_env env, napi_value v, size_t *len) {
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &off) != napi_ok || type != napi_float32_array) return NULL;
  *len = length;
  return (float *)data;
}

static int64_t i64(napi_env env, napi_value v) {
  int64_t x = 0;
  napi_get_value_int64(env, v, &x);
  return x;
}

static napi_value gemm(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 13) { napi_throw_error(env, NULL, "lfkit native gemm: expected 13 arguments"); return NULL; }
  size_t la = 0, lb = 0, lo = 0, lbias = 0;
  float *a = f32(env, argv[0], &la), *b = f32(env, argv[1], &lb), *o = f32(env, argv[2], &lo);
  if (!a || !b || !o) { napi_throw_type_error(env, NULL, "lfkit native gemm: a, b and out must be Float32Arrays"); return NULL; }
  int64_t batch = i64(env, argv[3]), m = i64(env, argv[4]), n = i64(env, argv[5]), k = i64(env, argv[6]);
  bool ta, tb, relu;
  CHECK(napi_get_value_bool(env, argv[7], &ta));
  CHECK(napi_get_value_bool(env, argv[8], &tb));
  int64_t sa = i64(env, argv[9]), sb = i64(env, argv[10]);
  napi_valuetype bt;
  CHECK(napi_typeof(env, argv[11], &bt));
  float *bias = NULL;
  if (bt != napi_null && bt != napi_undefined) {
    bias = f32(env, argv[11], &lbias);
    if (!bias || (int64_t)lbias != n) { napi_throw_type_error(env, NULL, "lfkit native gemm: bias must be a Float32Array of n values"); return NULL; }
  }
  CHECK(napi_get_value_bool(env, argv[12], &relu));
  if (batch < 0 || m < 0 || n < 0 || k < 0 || sa < 0 || sb < 0 ||
      (batch > 0 && ((batch - 1) * sa + m * k > (int64_t)la || (batch - 1) * sb + k * n > (int64_t)lb || batch * m * n > (int64_t)lo))) {
    napi_throw_range_error(env, NULL, "lfkit native gemm: shapes exceed the arrays");
    return NULL;
  }
  for (int64_t i = 0; i < batch; i++) {
    float *c = o + i * m * n;
    if (k == 0) { memset(c, 0, sizeof(float) * (size_t)(m * n)); }
    else {
      cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                  (blasint)m, (blasint)n, (blasint)k, 1.0f, a + i * sa, ta ? (blasint)m : (blasint)k,
                  b + i * sb, tb ? (blasint)k : (blasint)n, 0.0f, c, (blasint)n);
    }
    if (bias || relu) {
      for (int64_t r = 0; r < m; r++) {
        float *row = c + r * n;
        if (bias) for (int64_t j = 0; j < n; j++) row[j] += bias[j];
        if (relu) for (int64_t j = 0; j < n; j++) row[j] = row[j] > 0.0f ? row[j] : 0.0f;
      }
    }
  }
  return NULL;
}

#define INV_SQRT2 0.70710678118654752f
#define INV_SQRT_2PI 0.39894228040143268f

/* One source per loop; GCC builds an AVX2+FMA clone and a baseline one and picks at load time
 * (vectorised with glibc's libmvec erff/expf under -ffast-math). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("avx2,fma", "default")))
#else
#define CLONES
#endif

CLONES static void gelu_loop(const float *restrict x, float *restrict y, size_t n) {
  for (size_t i = 0; i < n; i++) { float v = x[i]; y[i] = 0.5f * v * (1.0f + erff(v * INV_SQRT2)); }
}
CLONES static void gelu_grad_loop(const float *restrict x, const float *restrict dy, float *restrict dx, size_t n) {
  for (size_t i = 0; i < n; i++) {
    float v = x[i];
    float cdf = 0.5f * (1.0f + erff(v * INV_SQRT2));
    dx[i] = dy[i] * (cdf + v * INV_SQRT_2PI * expf(-0.5f * v * v));
  }
}

static napi_value gelu(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  size_t lx = 0, ly = 0;
  float *x = argc == 2 ? f32(env, argv[0], &lx) : NULL, *y = argc == 2 ? f32(env, argv[1], &ly) : NULL;
  if (!x || !y || lx != ly) { napi_throw_type_error(env, NULL, "lfkit native gelu: x and y must be Float32Arrays of one length"); return NULL; }
  gelu_loop(x, y, lx);
  return NULL;
}

static napi_value gelu_grad(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  size_t lx = 0, ld = 0, lo = 0;
  float *x = argc == 3 ? f32(env, argv[0], &lx) : NULL, *dy = argc == 3 ? f32(env, argv[1], &ld) : NULL, *dx = argc == 3 ? f32(env, argv[2], &lo) : NULL;
  if (!x || !dy || !dx || lx != ld || lx != lo) { napi_throw_type_error(env, NULL, "lfkit native geluGrad: x, dy and dx must be Float32Arrays of one length"); return NULL; }
  gelu_grad_loop(x, dy, dx, lx);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  openblas_set_num_threads(1); /* lfkit runs one product per thread; its threads are its own */
  napi_value fn, cfg;
  if (napi_create_function(env, "gemm", NAPI_AUTO_LENGTH, gemm, NULL, &fn) != napi_ok) return NULL;
  napi_set_named_property(env, exports, "gemm", fn);
  if (napi_create_function(env, "gelu", NAPI_AUTO_LENGTH, gelu, NULL, &fn) != napi_ok) return NULL;
  napi_set_named_property(env, exports, "gelu", fn);
  if (napi_create_function(env, "geluGrad", NAPI_AUTO_LENGTH, gelu_grad, NULL, &fn) != napi_ok) return NULL;
  napi_set_named_property(env, exports, "geluGrad", fn);
  if (napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &cfg) == napi_ok) napi_set_named_property(env, exports, "blas", cfg);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
