/**
 * Support views as the model's inputs: colours and Plücker rays as flat arrays (also the pixels
 * test-time optimisation fits), and the encoder's latent tokens Z. No Node imports.
 *
 * Shapes: S support views of `H x H` pixels (H = the model's `imageSize`), P = H * H.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DecoderContext, LightFieldModel } from './model.ts';
import { pluckerAtPixels, pluckerImage, type Camera } from '../rays/index.ts';
import { RenderError, type SupportSet, type ViewSynthesizer } from '../render/render.ts';

/**
 * Plücker rays `[H, W, 6]` of every pixel of `camera` as the model takes them: camera origins
 * scaled by the model's `originScale` before the embedding (method.md section 1, Eq. 1). Every
 * caller goes through this function (or `cameraRaysAtPixels`), so the factor is applied in one place.
 */
export function cameraRays(model: { readonly originScale: number }, camera: Camera, out?: Float32Array): Float32Array {
  return pluckerImage(camera, model.originScale, out);
}

/** `cameraRays` at chosen pixels only (flat indices `v * W + u`): `[N, 6]`. */
export function cameraRaysAtPixels(model: { readonly originScale: number }, camera: Camera, pixels: ArrayLike<number>, out?: Float32Array): Float32Array {
  return pluckerAtPixels(camera, pixels, model.originScale, out);
}

export interface SupportArrays {
  S: number;
  /** H = W of every view. */
  size: number;
  /** `[S, H, W, 3]` colours in [0, 1]. */
  rgb: Float32Array;
  /** `[S, H, W, 6]` Plücker rays, origins scaled by the model's `originScale`. */
  rays: Float32Array;
}

/** Support views (already at the model's size, e.g. from `fitSupport`) -> flat arrays. */
export function supportArrays(model: LightFieldModel, support: SupportSet): SupportArrays {
  const H = model.config.imageSize;
  const S = support.images.length;
  if (S === 0 || support.cameras.length !== S) throw new RenderError(`support: ${S} images and ${support.cameras.length} cameras`);
  const P = H * H;
  const rgb = new Float32Array(S * P * 3);
  const rays = new Float32Array(S * P * 6);
  support.images.forEach((img, s) => {
    const cam = support.cameras[s]!;
    if (img.length !== P * 3 || cam.width !== H || cam.height !== H) {
      throw new RenderError(`support view ${s} is ${cam.width}x${cam.height}; the model takes ${H}x${H}`);
    }
    rgb.set(img, s * P * 3);
    cameraRays(model.config, cam, rays.subarray(s * P * 6, (s + 1) * P * 6));
  });
  return { S, size: H, rgb, rays };
}

/** The encoder's latent tokens `Z [1, R, d]` of one object's support views (caller disposes Z). */
export function encodeSupport(model: LightFieldModel, support: SupportSet): { Z: tf.Tensor3D; arrays: SupportArrays } {
  const a = supportArrays(model, support);
  const H = a.size;
  const Z = tf.tidy(() => model.encode(tf.tensor(a.rgb, [1, a.S, H, H, 3]), tf.tensor(a.rays, [1, a.S, H, H, 6])));
  return { Z, arrays: a };
}

/**
 * The model as a `ViewSynthesizer`: `encode` runs the encoder once (support views ->
 * Z -> per-object decoder context), `renderRays` the decoder; no tensors are left behind
 * once the context is disposed.
 */
export function modelSynthesizer(model: LightFieldModel): ViewSynthesizer<DecoderContext> {
  return {
    imageSize: model.config.imageSize,
    cameraRays: (camera, out) => cameraRays(model.config, camera, out),
    encode(support: SupportSet): DecoderContext {
      const { Z } = encodeSupport(model, support);
      try {
        return model.prepare(Z);
      } finally {
        Z.dispose();
      }
    },
    // webgpu outside a browser cannot read a GPU tensor synchronously (tfjs reads through an OffscreenCanvas).
    renderRays: (ctx, rays) => (tf.getBackend() === 'webgpu' ? model.renderRaysAsync(ctx, rays) : model.renderRays(ctx, rays)),
    dispose: (ctx) => ctx.dispose(),
  };
}
