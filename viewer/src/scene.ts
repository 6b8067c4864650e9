/**
 * The three.js scene of the viewer: a z-up world, OrbitControls around the object centre,
 * a ground grid in the xy-plane, and the support views as frusta. Renders on demand only
 * (docs/viewer.md): a frame is drawn when the camera moves or the content changes.
 *
 * The orbit stays where the model is valid: distance within the trained radius range,
 * elevation within the trained range (`setLimits`), no panning (the object sits at the origin).
 * The decoded light field is drawn into a small 2D canvas under the (transparent) WebGL canvas
 * and scaled by the browser with smooth filtering: showing a frame is one `putImageData`.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import type { Camera } from 'lfkit';
import { makeFrustum } from './frusta.ts';

export interface SceneStats {
  frusta: number;
  frames: number;
  drawCalls: number;
  camera: { position: [number, number, number]; fovY: number; aspect: number };
}

export class ViewerScene {
  readonly renderer: THREE.WebGLRenderer;
  readonly camera: THREE.PerspectiveCamera;
  readonly controls: OrbitControls;
  readonly scene = new THREE.Scene();
  private readonly frusta = new THREE.Group();
  private readonly textures = new Map<string, THREE.Texture>();
  private readonly loader = new THREE.TextureLoader();
  private pending = false;
  private frames = 0;
  private readonly cameraListeners: Array<() => void> = [];
  private readonly helpers: THREE.Object3D[];
  private readonly lightCtx: CanvasRenderingContext2D;
  private fovShort = 39.6;
  private elevationLimits: [number, number] = [-90, 90];
  private readonly limitListeners: Array<(atLimit: 'above' | 'below' | null) => void> = [];
  private atLimit: 'above' | 'below' | null = null;

  /** `canvas`: the WebGL canvas; `lightField`: the 2D canvas under it for the decoded image. */
  constructor(readonly canvas: HTMLCanvasElement, readonly lightField: HTMLCanvasElement) {
    // no antialiasing: without a GPU the browser draws WebGL in software, and a multisampled
    // full-canvas frame per pointer move is what kept input waiting
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: false, alpha: true });
    this.renderer.setPixelRatio(1);
    this.renderer.setClearColor(0xffffff, 0);
    const ctx = lightField.getContext('2d');
    if (!ctx) throw new Error('viewer page: no 2D canvas context');
    this.lightCtx = ctx;
    this.camera = new THREE.PerspectiveCamera(this.fovShort, 1, 0.05, 100);
    this.camera.up.set(0, 0, 1); // lfkit world: +z up (docs/model.md#cameras-and-rays)
    this.setOrbit(0.7, 0.35, 4);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.target.set(0, 0, 0);
    this.controls.enablePan = false; // the object is at the origin; the model knows no other centre
    this.controls.addEventListener('change', () => {
      this.checkLimit();
      for (const f of this.cameraListeners) f();
      this.requestRender();
    });
    const grid = new THREE.GridHelper(8, 16, 0xc8c8c8, 0xeeeeee);
    grid.rotation.x = Math.PI / 2; // GridHelper lies in xz; the lfkit ground is the xy-plane
    const axes = new THREE.AxesHelper(0.5);
    this.helpers = [grid, axes];
    this.scene.add(grid, axes, this.frusta);
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.resize();
  }

  /** Places the camera at an orbit pose (azimuth from +x toward +y, elevation above xy). */
  setOrbit(azimuth: number, elevation: number, radius: number): void {
    this.camera.position.set(
      radius * Math.cos(elevation) * Math.cos(azimuth),
      radius * Math.cos(elevation) * Math.sin(azimuth),
      radius * Math.sin(elevation),
    );
    this.camera.lookAt(0, 0, 0);
    this.controls?.update();
    for (const f of this.cameraListeners) f();
    this.requestRender();
  }

  /**
   * The field of view (degrees) across the canvas's SHORTER side: the training images are
   * square, so this keeps the object as large in the frame as in training at any aspect.
   */
  setFov(fovShortDeg: number): void {
    this.fovShort = fovShortDeg;
    this.applyFov();
    for (const f of this.cameraListeners) f();
    this.requestRender();
  }

  private applyFov(): void {
    const a = this.camera.aspect;
    const t = Math.tan((this.fovShort * Math.PI) / 360);
    // three's fov is vertical: for a portrait canvas the short side is the horizontal one
    this.camera.fov = a >= 1 ? this.fovShort : (360 / Math.PI) * Math.atan(t / a);
    this.camera.updateProjectionMatrix();
  }

  /**
   * Orbit limits: distance `[min, max]` from the origin and elevation `[lo, hi]` degrees above
   * the xy-plane (OrbitControls' polar angle is measured from the up axis, +z here).
   */
  setLimits(distance: [number, number], elevationDeg: [number, number]): void {
    this.controls.minDistance = distance[0];
    this.controls.maxDistance = distance[1];
    this.elevationLimits = elevationDeg;
    this.controls.minPolarAngle = ((90 - elevationDeg[1]) * Math.PI) / 180;
    this.controls.maxPolarAngle = ((90 - elevationDeg[0]) * Math.PI) / 180;
    this.controls.update();
  }

  /** Current elevation of the camera above the xy-plane, degrees. */
  elevationDeg(): number {
    const p = this.camera.position;
    return (Math.asin(p.z / Math.max(1e-12, p.length())) * 180) / Math.PI;
  }

  /** Called with `above`/`below` when the orbit reaches an elevation limit, null when it leaves it. */
  onLimit(f: (atLimit: 'above' | 'below' | null) => void): void {
    this.limitListeners.push(f);
  }

  private checkLimit(): void {
    const e = this.elevationDeg();
    const [lo, hi] = this.elevationLimits;
    const now = e >= hi - 0.05 && hi < 90 ? 'above' : e <= lo + 0.05 && lo > -90 ? 'below' : null;
    if (now === this.atLimit) return;
    this.atLimit = now;
    for (const f of this.limitListeners) f(now);
  }

  onCameraChange(f: () => void): void {
    this.cameraListeners.push(f);
  }

  /** Replaces the drawn frusta with one per support view (`imageUrl` textures its far plane). */
  setSupportViews(views: Array<{ camera: Camera; imageUrl: string }>): void {
    for (const child of [...this.frusta.children]) {
      this.frusta.remove(child);
      child.traverse((o) => {
        if (o instanceof THREE.Mesh || o instanceof THREE.LineSegments) {
          o.geometry.dispose();
          (o.material as THREE.Material).dispose();
        }
      });
    }
    for (const v of views) {
      let tex = this.textures.get(v.imageUrl);
      if (!tex) {
        tex = this.loader.load(v.imageUrl, () => this.requestRender());
        tex.colorSpace = THREE.SRGBColorSpace;
        tex.magFilter = THREE.NearestFilter;
        this.textures.set(v.imageUrl, tex);
      }
      this.frusta.add(makeFrustum(v.camera, tex));
    }
    this.requestRender();
  }

  /** Frees textures of a previous object. */
  clearTextureCache(): void {
    for (const t of this.textures.values()) t.dispose();
    this.textures.clear();
  }

  /**
   * Shows a decoded light-field image (`rgb [H, W, 3]`, row 0 at the top) under the 3D canvas,
   * stretched over it with smooth scaling; values are clamped to [0, 1]. The ground grid and
   * axes are hidden while an image is shown (they would cover the object).
   */
  showLightField(width: number, height: number, rgb: Float32Array): void {
    const c = this.lightField;
    if (c.width !== width || c.height !== height) {
      c.width = width;
      c.height = height;
    }
    const img = this.lightCtx.createImageData(width, height);
    const px = img.data;
    for (let i = 0, n = width * height; i < n; i++) {
      px[i * 4] = Math.round(Math.min(1, Math.max(0, rgb[i * 3]!)) * 255);
      px[i * 4 + 1] = Math.round(Math.min(1, Math.max(0, rgb[i * 3 + 1]!)) * 255);
      px[i * 4 + 2] = Math.round(Math.min(1, Math.max(0, rgb[i * 3 + 2]!)) * 255);
      px[i * 4 + 3] = 255;
    }
    this.lightCtx.putImageData(img, 0, 0);
    c.hidden = false;
    if (this.helpers[0]!.visible) {
      for (const h of this.helpers) h.visible = false;
      this.requestRender();
    }
  }

  requestRender(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.renderer.render(this.scene, this.camera);
      this.frames++;
    });
  }

  /** Drawing-buffer size in device pixels. */
  size(): { width: number; height: number } {
    const v = this.renderer.getDrawingBufferSize(new THREE.Vector2());
    return { width: v.x, height: v.y };
  }

  private resize(): void {
    const w = Math.max(1, this.canvas.clientWidth);
    const h = Math.max(1, this.canvas.clientHeight);
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.applyFov();
    for (const f of this.cameraListeners) f();
    this.requestRender();
  }

  /** Canvas size in CSS pixels. */
  cssSize(): { width: number; height: number } {
    return { width: Math.max(1, this.canvas.clientWidth), height: Math.max(1, this.canvas.clientHeight) };
  }

  stats(): SceneStats {
    const p = this.camera.position;
    return {
      frusta: this.frusta.children.length,
      frames: this.frames,
      drawCalls: this.renderer.info.render.calls,
      camera: { position: [p.x, p.y, p.z], fovY: this.camera.fov, aspect: this.camera.aspect },
    };
  }
}
