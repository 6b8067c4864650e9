/**
 * Support views as the model's inputs: colours and Plücker rays as flat arrays (also the pixels
 * test-time optimisation fits), and the encoder's latent tokens Z. No Node imports.
 *
 * Shapes: S support views of `H x H` pixels (H = the model's `imageSize`), P = H * H.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LightFieldModel } from './model.ts';
import { pluckerImage } from '../rays/index.ts';
import { RenderError, type SupportSet } from '../render/render.ts';

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
  const { imageSize: H, originScale } = model.config;
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
    pluckerImage(cam, originScale, rays.subarray(s * P * 6, (s + 1) * P * 6));
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
