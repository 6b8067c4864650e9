/**
 * An independent float64 reference of the whole model, written from the paper's equations
 * (Lee et al., NeurIPS 2023, Eqs. 2-9) and docs/model.md (encoder and decoder): plain loops over arrays, no
 * tfjs and no helper shared with the implementation. It reads nothing from the implementation
 * but the parameter values (by checkpoint name, weights stored `[in, out]` so `y = x W + b`,
 * docs/checkpoint-format.md).
 *
 * Every function returns the intermediate activations under the layer names the
 * implementation's trace uses, so a test can say which layer disagrees.
 */

/** Parameters by checkpoint name, as float64 arrays (row-major in their stored shape). */
export type Params = ReadonlyMap<string, Float64Array>;

/** The config fields the reference needs (a subset of the model config). */
export interface ReferenceConfig {
  imageSize: number;
  patch: number;
  encoderWidth: number;
  encoderHeads: number;
  encoderBlocks: number;
  latentTokens: number;
  decoderWidth: number;
  fourierWidth: number;
  sigmas: readonly number[];
  sigmaQ: number;
  decoderHeads: number;
  variant: 'full' | 'no-sta' | 'no-mfm' | 'ipc';
  /** GELU form: 'erf' (exact) or 'tanh' (PyTorch's approximate='tanh'). */
  gelu: 'erf' | 'tanh';
}

/** A matrix of `rows` rows of `cols` values, row-major. */
export interface Mat { rows: number; cols: number; data: Float64Array }

const mat = (rows: number, cols: number): Mat => ({ rows, cols, data: new Float64Array(rows * cols) });

function param(P: Params, name: string): Float64Array {
  const v = P.get(name);
  if (!v) throw new Error(`reference: missing parameter ${name}`);
  return v;
}

/** `y = x W + b` for `x [M, in]`, `W [in, out]`, `b [out]`. */
export function linear(x: Mat, W: Float64Array, b: Float64Array): Mat {
  const out = b.length;
  if (W.length !== x.cols * out) throw new Error(`reference linear: [${x.rows}, ${x.cols}] @ ${W.length} values`);
  const y = mat(x.rows, out);
  for (let r = 0; r < x.rows; r++) {
    for (let j = 0; j < out; j++) {
      let s = b[j]!;
      for (let i = 0; i < x.cols; i++) s += x.data[r * x.cols + i]! * W[i * out + j]!;
      y.data[r * out + j] = s;
    }
  }
  return y;
}

function lin(P: Params, x: Mat, prefix: string): Mat {
  return linear(x, param(P, `${prefix}.weight`), param(P, `${prefix}.bias`));
}

function map(x: Mat, f: (v: number) => number): Mat {
  const y = mat(x.rows, x.cols);
  for (let i = 0; i < x.data.length; i++) y.data[i] = f(x.data[i]!);
  return y;
}

function add(a: Mat, b: Mat): Mat {
  const y = mat(a.rows, a.cols);
  for (let i = 0; i < a.data.length; i++) y.data[i] = a.data[i]! + b.data[i]!;
  return y;
}

const relu = (x: Mat): Mat => map(x, (v) => (v > 0 ? v : 0));

/** LayerNorm over each row with the biased variance and eps 1e-5 (PyTorch's nn.LayerNorm). */
export function layerNorm(x: Mat, gamma: Float64Array, beta: Float64Array, eps = 1e-5): Mat {
  const y = mat(x.rows, x.cols);
  const n = x.cols;
  for (let r = 0; r < x.rows; r++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x.data[r * n + i]!;
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (x.data[r * n + i]! - mean) ** 2;
    v /= n;
    const inv = 1 / Math.sqrt(v + eps);
    for (let i = 0; i < n; i++) y.data[r * n + i] = (x.data[r * n + i]! - mean) * inv * gamma[i]! + beta[i]!;
  }
  return y;
}

/**
 * erf to ~1e-15: the Maclaurin series below |x| = 3 (largest term ~1e3, so ~1e-13 rounding),
 * the continued fraction of erfc above.
 */
export function erf(x: number): number {
  const a = Math.abs(x);
  let r: number;
  if (a < 3) {
    // erf(a) = 2/sqrt(pi) sum_k (-1)^k a^(2k+1) / (k! (2k+1))
    let term = a;
    let s = a;
    for (let k = 1; k < 200; k++) {
      term *= (-a * a) / k;
      const t = term / (2 * k + 1);
      s += t;
      if (Math.abs(t) < 1e-17 * Math.abs(s)) break;
    }
    r = (2 / Math.sqrt(Math.PI)) * s;
  } else {
    // erfc(a) = exp(-a^2)/sqrt(pi) / (a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + ...))))), evaluated from the tail.
    let f = a;
    for (let k = 60; k >= 1; k--) f = a + k / 2 / f;
    r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  }
  return x < 0 ? -r : r;
}

/** GELU: exact `x Phi(x) = 0.5 x (1 + erf(x / sqrt 2))`, or the tanh form `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`. */
export function gelu(x: number, form: 'erf' | 'tanh'): number {
  if (form === 'erf') return 0.5 * x * (1 + erf(x / Math.SQRT2));
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

/** Row-wise softmax of a vector, in place, with the max subtracted first. */
function softmaxInPlace(v: Float64Array): void {
  let mx = -Infinity;
  for (const x of v) mx = Math.max(mx, x);
  let s = 0;
  for (let i = 0; i < v.length; i++) { v[i] = Math.exp(v[i]! - mx); s += v[i]!; }
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / s;
}

/**
 * Scaled dot-product attention with `heads` heads (head h owns features h*dh..(h+1)*dh - 1):
 * queries `q [M, D]`, keys `k [T, D]`, values `v [T, D]` -> `[M, D]` (heads concatenated).
 */
export function attention(q: Mat, k: Mat, v: Mat, heads: number): Mat {
  const D = q.cols;
  const dh = D / heads;
  const y = mat(q.rows, D);
  const w = new Float64Array(k.rows);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < q.rows; i++) {
      for (let t = 0; t < k.rows; t++) {
        let s = 0;
        for (let e = 0; e < dh; e++) s += q.data[i * D + h * dh + e]! * k.data[t * D + h * dh + e]!;
        w[t] = s / Math.sqrt(dh);
      }
      softmaxInPlace(w);
      for (let e = 0; e < dh; e++) {
        let s = 0;
        for (let t = 0; t < k.rows; t++) s += w[t]! * v.data[t * D + h * dh + e]!;
        y.data[i * D + h * dh + e] = s;
      }
    }
  }
  return y;
}

/** Columns `[from, from + n)` of a matrix. */
function columns(x: Mat, from: number, n: number): Mat {
  const y = mat(x.rows, n);
  for (let r = 0; r < x.rows; r++) for (let j = 0; j < n; j++) y.data[r * n + j] = x.data[r * x.cols + from + j]!;
  return y;
}

/**
 * Patch tokens of one object's S support views (docs/model.md, encoder): `rgb [S, H, W, 3]`,
 * `plucker [S, H, W, 6]` -> `[S P, 9 p^2]`. Patches row-major over each view; within a token
 * the value of pixel (py, px) of the patch and channel c (`[r, g, b, d_hat, m]`) sits at
 * `(py p + px) 9 + c` (the order documented in the implementation's tokenizer).
 */
export function tokens(rgb: ArrayLike<number>, plucker: ArrayLike<number>, S: number, H: number, p: number): Mat {
  const side = H / p;
  const x = mat(S * side * side, 9 * p * p);
  for (let s = 0; s < S; s++) {
    for (let by = 0; by < side; by++) {
      for (let bx = 0; bx < side; bx++) {
        const row = s * side * side + by * side + bx;
        for (let py = 0; py < p; py++) {
          for (let px = 0; px < p; px++) {
            const pix = (s * H + by * p + py) * H + bx * p + px;
            const o = row * x.cols + (py * p + px) * 9;
            for (let c = 0; c < 3; c++) x.data[o + c] = rgb[pix * 3 + c]!;
            for (let c = 0; c < 6; c++) x.data[o + 3 + c] = plucker[pix * 6 + c]!;
          }
        }
      }
    }
  }
  return x;
}

/**
 * The encoder for one object (docs/model.md, encoder): tokens + positional embedding, R latent
 * tokens appended, N_enc pre-norm blocks `x += MHA(LN(x))`, `x += MLP(LN(x))` (MLP D -> 4D -> D
 * with GELU), then LN + Linear(D -> d) of the last R rows. Returns each stage by layer name:
 * `encoder.tokens` `[T, D]`, `encoder.blocks.i` `[T, D]`, `encoder.z` `[R, d]`.
 */
export function referenceEncode(P: Params, c: ReferenceConfig, rgb: ArrayLike<number>, plucker: ArrayLike<number>, S: number): Map<string, Mat> {
  const out = new Map<string, Mat>();
  const D = c.encoderWidth;
  const nP = (c.imageSize / c.patch) ** 2;
  const R = c.latentTokens;
  const emb = lin(P, tokens(rgb, plucker, S, c.imageSize, c.patch), 'encoder.embed');
  const pos = param(P, 'encoder.pos');
  const lat = param(P, 'encoder.latents');
  const T = S * nP + R;
  let x = mat(T, D);
  for (let t = 0; t < S * nP; t++) for (let j = 0; j < D; j++) x.data[t * D + j] = emb.data[t * D + j]! + pos[(t % nP) * D + j]!;
  for (let r = 0; r < R; r++) for (let j = 0; j < D; j++) x.data[(S * nP + r) * D + j] = lat[r * D + j]!;
  out.set('encoder.tokens', x);
  for (let i = 0; i < c.encoderBlocks; i++) {
    const b = `encoder.blocks.${i}`;
    const h = layerNorm(x, param(P, `${b}.ln1.weight`), param(P, `${b}.ln1.bias`));
    const qkv = lin(P, h, `${b}.attn.qkv`); // columns [q | k | v]
    const a = attention(columns(qkv, 0, D), columns(qkv, D, D), columns(qkv, 2 * D, D), c.encoderHeads);
    x = add(x, lin(P, a, `${b}.attn.out`));
    const h2 = layerNorm(x, param(P, `${b}.ln2.weight`), param(P, `${b}.ln2.bias`));
    const mlp = lin(P, map(lin(P, h2, `${b}.mlp.fc1`), (v) => gelu(v, c.gelu)), `${b}.mlp.fc2`);
    x = add(x, mlp);
    out.set(b, x);
  }
  const last = mat(R, D);
  last.data.set(x.data.subarray(S * nP * D));
  out.set('encoder.z', lin(P, layerNorm(last, param(P, 'encoder.ln.weight'), param(P, 'encoder.ln.bias')), 'encoder.out'));
  return out;
}

/**
 * Eq. 2: `gamma_sigma(v) = [cos(pi w_j v_i), sin(pi w_j v_i)]`, `w_j = sigma^(j/(n-1))`,
 * `n = floor(dF / (2 din))`; all cosines first, then all sines, each indexed `i n + j`.
 */
export function fourier(v: ArrayLike<number>, sigma: number, fourierWidth: number): Float64Array {
  const din = v.length;
  const n = Math.floor(fourierWidth / (2 * din));
  const g = new Float64Array(2 * din * n);
  for (let i = 0; i < din; i++) {
    for (let j = 0; j < n; j++) {
      const w = n === 1 ? 1 : Math.pow(sigma, j / (n - 1));
      g[i * n + j] = Math.cos(Math.PI * w * v[i]!);
      g[din * n + i * n + j] = Math.sin(Math.PI * w * v[i]!);
    }
  }
  return g;
}

function fourierRows(rays: ArrayLike<number>, N: number, sigma: number, fourierWidth: number): Mat {
  const rows = Array.from({ length: N }, (_, r) => fourier(Array.from({ length: 6 }, (_, i) => rays[r * 6 + i]!), sigma, fourierWidth));
  const x = mat(N, rows[0]!.length);
  rows.forEach((g, r) => x.data.set(g, r * x.cols));
  return x;
}

/**
 * The light-field decoder for one object (docs/model.md, decoder): rays `[N, 6]`, Z `[R, d]` ->
 * stages by layer name and `decoder.rgb` `[N, 3]`.
 *
 * - Eq. 4, `q = ReLU(W_q gamma_{sigma_q}(v) + b_q)` (`decoder.query`).
 * - Eq. 5 (full, no-mfm): `m = MHA(q, Z, Z)`, H_dec heads, q/k/v/out projections with bias.
 *   no-sta, ipc: IPC's weight modulation `W = Z^T V`, columns L2-normalised, `m = W^T q`.
 * - full, no-sta: Eq. 6 `hF_l = ReLU(W_F,l gamma_{sigma_l}(v) + b_F,l)`; Eq. 7
 *   `m_l = ReLU(hF_l + W_m,l m + b_m,l)` (`decoder.bands.l.modulation`); Eq. 8 `h_1 = m_1`,
 *   `h_l = ReLU(W_l (m_l + h_(l-1)) + b_l)` (`decoder.bands.l`); Eq. 9 `y = sum_l f_out,l(h_l)`.
 * - no-mfm, ipc: `m` (`decoder.modulation`), `h = ReLU(m)`, L layers `ReLU(Linear)`
 *   (`decoder.mlp.l`), one output head.
 */
export function referenceDecode(P: Params, c: ReferenceConfig, Z: Mat, rays: ArrayLike<number>, N: number): Map<string, Mat> {
  const out = new Map<string, Mat>();
  const d = c.decoderWidth;
  const sta = c.variant === 'full' || c.variant === 'no-mfm';
  const mfm = c.variant === 'full' || c.variant === 'no-sta';
  const q = relu(lin(P, fourierRows(rays, N, c.sigmaQ, c.fourierWidth), 'decoder.query'));
  out.set('decoder.query', q);
  let m: Mat;
  if (sta) {
    const a = attention(lin(P, q, 'decoder.attn.q'), lin(P, Z, 'decoder.attn.k'), lin(P, Z, 'decoder.attn.v'), c.decoderHeads);
    m = lin(P, a, 'decoder.attn.out');
  } else {
    // W[a][b] = sum_r U[r][a] V[r][b] with U = Z; column b divided by its L2 norm; m_b = sum_a W[a][b] q_a.
    const V = param(P, 'decoder.modulation.factor');
    const W = new Float64Array(d * d);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) {
      let s = 0;
      for (let r = 0; r < Z.rows; r++) s += Z.data[r * d + a]! * V[r * d + b]!;
      W[a * d + b] = s;
    }
    for (let b = 0; b < d; b++) {
      let n2 = 0;
      for (let a = 0; a < d; a++) n2 += W[a * d + b]! ** 2;
      const inv = 1 / Math.sqrt(n2);
      for (let a = 0; a < d; a++) W[a * d + b] = W[a * d + b]! * inv;
    }
    m = linear(q, W, new Float64Array(d));
  }
  const y = mat(N, 3);
  if (mfm) {
    let h: Mat | null = null;
    c.sigmas.forEach((sigma, l) => {
      const hF = relu(lin(P, fourierRows(rays, N, sigma, c.fourierWidth), `decoder.bands.${l}.fourier`));
      const ml = relu(add(hF, lin(P, m, `decoder.bands.${l}.modulation`)));
      out.set(`decoder.bands.${l}.modulation`, ml);
      h = h === null ? ml : relu(lin(P, add(ml, h), `decoder.bands.${l}.mix`));
      out.set(`decoder.bands.${l}`, h);
      const yl = lin(P, h, `decoder.bands.${l}.out`);
      for (let i = 0; i < y.data.length; i++) y.data[i] = y.data[i]! + yl.data[i]!;
    });
  } else {
    out.set('decoder.modulation', m);
    let h = relu(m);
    for (let l = 0; l < c.sigmas.length; l++) {
      h = relu(lin(P, h, `decoder.mlp.${l}`));
      out.set(`decoder.mlp.${l}`, h);
    }
    y.data.set(lin(P, h, 'decoder.out').data);
  }
  out.set('decoder.rgb', y);
  return out;
}
