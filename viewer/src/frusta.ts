/**
 * Support views drawn as camera frusta: lines from the camera centre to the image corners at a
 * fixed depth, and the view's image on the far rectangle. Corner rays come from `src/rays`
 * (`rayDirection`), so the frusta show exactly the rays the model is given.
 */
import * as THREE from 'three';
import { cameraCenter, rayDirection, type Camera } from 'lfkit';

export const FRUSTUM_COLOR = 0xff8800;

/** World-space corners of the image rectangle at `depth` in front of the camera: TL, TR, BR, BL. */
export function frustumCorners(cam: Camera, depth: number): THREE.Vector3[] {
  const c = cameraCenter(cam);
  const fwd = new THREE.Vector3(-cam.c2w[8]!, -cam.c2w[9]!, -cam.c2w[10]!);
  const px: Array<[number, number]> = [[0, 0], [cam.width, 0], [cam.width, cam.height], [0, cam.height]];
  return px.map(([x, y]) => {
    const d = rayDirection(cam, x, y);
    const dir = new THREE.Vector3(d[0]!, d[1]!, d[2]!);
    const t = depth / dir.dot(fwd);
    return new THREE.Vector3(c[0], c[1], c[2]).addScaledVector(dir, t);
  });
}

/** A frustum (lines + image quad) for one support view. `texture` may be null while loading. */
export function makeFrustum(cam: Camera, texture: THREE.Texture | null, depth = 0.6): THREE.Group {
  const g = new THREE.Group();
  const [tl, tr, br, bl] = frustumCorners(cam, depth) as [THREE.Vector3, THREE.Vector3, THREE.Vector3, THREE.Vector3];
  const c = new THREE.Vector3(...cameraCenter(cam));
  const pts = [c, tl, c, tr, c, br, c, bl, tl, tr, tr, br, br, bl, bl, tl];
  const lines = new THREE.LineSegments(
    new THREE.BufferGeometry().setFromPoints(pts),
    new THREE.LineBasicMaterial({ color: FRUSTUM_COLOR }),
  );
  lines.name = 'frustum-lines';
  g.add(lines);
  if (texture) {
    const quad = new THREE.BufferGeometry().setFromPoints([tl, tr, br, bl]);
    // image row 0 is the top: uv v = 1 at TL/TR
    quad.setAttribute('uv', new THREE.Float32BufferAttribute([0, 1, 1, 1, 1, 0, 0, 0], 2));
    quad.setIndex([0, 3, 1, 1, 3, 2]);
    const mesh = new THREE.Mesh(quad, new THREE.MeshBasicMaterial({ map: texture, side: THREE.DoubleSide }));
    mesh.name = 'frustum-image';
    g.add(mesh);
  }
  return g;
}
