/**
 * The three.js scene of the viewer: a z-up world, OrbitControls around the object centre,
 * a ground grid in the xy-plane, and the support views as frusta. Renders on demand only
 * (style.md item 12): a frame is drawn when the camera moves or the content changes.
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
  private lightField: THREE.DataTexture | null = null;

  constructor(readonly canvas: HTMLCanvasElement) {
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.renderer.setClearColor(0xffffff, 1);
    // Wider than the datasets' 39.6 degrees so the support cameras (radius 4) stay in view; the
    // light field is defined for any ray, so the decoder does not care.
    this.camera = new THREE.PerspectiveCamera(50, 1, 0.05, 100);
    this.camera.up.set(0, 0, 1); // lfkit world: +z up (method.md section 1)
    this.setOrbit(0.7, 0.45, 7.5);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.target.set(0, 0, 0);
    this.controls.addEventListener('change', () => {
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

  /** Sets the vertical field of view (degrees), e.g. to the dataset's. */
  setFov(fovY: number): void {
    this.camera.fov = fovY;
    this.camera.updateProjectionMatrix();
    this.requestRender();
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
   * Shows a decoded light-field image (`rgb [H, W, 3]`, row 0 at the top) as the background,
   * stretched over the canvas; values are clamped to [0, 1]. The ground grid and axes are
   * hidden while an image is shown (they would cover the object).
   */
  showLightField(width: number, height: number, rgb: Float32Array): void {
    const px = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) {
      const src = (height - 1 - y) * width * 3; // GL textures start at the bottom row
      const dst = y * width * 4;
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < 3; c++) px[dst + x * 4 + c] = Math.round(Math.min(1, Math.max(0, rgb[src + x * 3 + c]!)) * 255);
        px[dst + x * 4 + 3] = 255;
      }
    }
    const tex = new THREE.DataTexture(px, width, height, THREE.RGBAFormat);
    tex.colorSpace = THREE.SRGBColorSpace;
    tex.magFilter = THREE.LinearFilter;
    tex.minFilter = THREE.LinearFilter;
    tex.needsUpdate = true;
    this.lightField?.dispose();
    this.lightField = tex;
    this.scene.background = tex;
    for (const h of this.helpers) h.visible = false;
    this.requestRender();
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
    this.camera.updateProjectionMatrix();
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
