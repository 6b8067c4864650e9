/**
 * The viewer's first minute in headless Chromium (`viewer`): `lfkit view` with no arguments (the
 * bundled model on generated held-out chairs), an 840 x 640 canvas, timed from the page's load
 * event: the first light-field image, the first full-size image, the coarse frames while a real
 * mouse drag orbits for 4 s (smallest size, frames per second), the delay of the pointer events,
 * the fraction of the frame the object fills, and the elevation reached when dragging far past
 * the trained range. The load average is in every note: the machine is often shared.
 */
import os from 'node:os';
import { findBundledModel } from '../src/node/viewer-server/demo.ts';
import { measureFirstMinute, openViewer } from './viewer-session.ts';
import type { Benchmark, Figure } from './harness.ts';

function load(): string {
  return `load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.availableParallelism()} cores`;
}

export const viewerBenchmark: Benchmark = {
  name: 'viewer',
  description: 'viewer first minute in headless Chromium (bundled model): first image, full frame, orbit coarse size and fps, pointer delay',
  async run() {
    const bundled = findBundledModel();
    if (!bundled) throw new Error('viewer bench: no bundled model under models/ (it measures the viewer as `lfkit view` opens it)');
    const s = await openViewer();
    try {
      const before = load();
      const r = await measureFirstMinute(s);
      const backend = r.backend.split(' ')[0]!;
      const at = `${before} at the start, ${load()} at the end`;
      const st = await s.page.evaluate(() => window.lfkitViewer.state());
      const figures: Figure[] = [
        { name: 'viewer.first_image_s', value: r.firstImageMs / 1000, unit: 's', backend, note: `page load event -> first light-field image (${r.firstImage.source}, ${r.firstImage.width}x${r.firstImage.height}); page load itself ${(r.loadMs / 1000).toFixed(2)} s after navigation; ${at}` },
        { name: 'viewer.full_frame_s', value: r.fullFrameMs / 1000, unit: 's', backend, note: `page load event -> first ${r.fullSize.width}x${r.fullSize.height} image; ${at}` },
        { name: 'viewer.object_height_fraction', value: r.objectHeightFraction, unit: 'of frame height', backend, note: 'rows of the first full image with a pixel below 0.9' },
        { name: 'viewer.view_height_fraction', value: r.viewHeightFraction, unit: 'of frame height', backend: 'none', note: 'the same in the object\'s own dataset views (training cameras), median over its views' },
        { name: 'viewer.orbit_coarse_width', value: r.orbit.minWidth, unit: 'px', backend, note: `smallest image shown during a ${r.orbit.seconds.toFixed(1)} s mouse drag; ${at}` },
        { name: 'viewer.orbit_coarse_height', value: r.orbit.minHeight, unit: 'px', backend, note: 'smallest image shown during the drag' },
        { name: 'viewer.orbit_fps', value: r.orbit.fps, unit: 'frames/s', backend, note: `${r.orbit.frames} images in ${r.orbit.seconds.toFixed(1)} s of dragging (one mouse move per 16 ms); ${at}` },
        { name: 'viewer.pointer_delay_median_ms', value: r.pointer.medianMs, unit: 'ms', backend, note: `pointermove creation -> handled (OrbitControls), median of ${r.pointer.events} events during the drag` },
        { name: 'viewer.pointer_delay_max_ms', value: r.pointer.maxMs, unit: 'ms', backend, note: 'the largest of the same events' },
        { name: 'viewer.long_tasks_during_drag', value: r.longTasks.count, unit: 'tasks', backend, note: `page main-thread tasks over 50 ms during the drag (longest ${r.longTasks.maxMs.toFixed(0)} ms)` },
        { name: 'viewer.rays_per_s', value: r.rays, unit: 'rays/s', backend, note: `the page's measured decoder rate (readout) after the drag, ${r.backend}, bundled model` },
        { name: 'viewer.elevation_min_deg', value: r.elevation.low, unit: 'deg', backend: 'none', note: `dragging far downward; trained ${st.cameras.elevationDeg.join(' to ')}` },
        { name: 'viewer.elevation_max_deg', value: r.elevation.high, unit: 'deg', backend: 'none', note: `dragging far upward; note shown: ${r.elevation.note ?? 'none'}` },
      ];
      for (const m of st.decoder?.measurements ?? []) {
        if (m.raysPerSecond !== null) figures.push({ name: `viewer.startup_rays_per_s_${m.backend}`, value: m.raysPerSecond, unit: 'rays/s', backend: m.backend, note: 'start-up measurement in one worker, 512 rays' });
      }
      return figures;
    } finally {
      await s.close();
    }
  },
};
