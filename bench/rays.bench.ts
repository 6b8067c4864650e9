/** Plücker images per second at 128x128 (pure TypeScript, `src/rays`). */
import { cameraAt, orbitPose, pluckerImage } from '../src/core/rays/index.ts';
import { median, timeIt, type Benchmark } from './harness.ts';

export const raysBenchmark: Benchmark = {
  name: 'rays',
  description: 'Plücker images per second at 128x128 and 64x64',
  async run() {
    const figures = [];
    for (const size of [128, 64]) {
      const cams = Array.from({ length: 50 }, (_, i) => cameraAt(orbitPose(i * 0.37, 0.3 + 0.01 * i, 4), size));
      const buf = new Float32Array(size * size * 6);
      const times = await timeIt(() => { for (const c of cams) pluckerImage(c, 1, buf); }, 7, 2);
      figures.push({
        name: `rays.plucker_images_per_s_${size}`,
        value: cams.length / median(times),
        unit: 'images/s',
        backend: 'none',
        note: `${size}x${size}, 6 channels, median of 7 x 50 images`,
      });
    }
    return figures;
  },
};
