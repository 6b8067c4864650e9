"""PyTorch speed reference for `npm run bench -- perf` and `npm run bench -- gpu`.

lfkit's model in PyTorch with the same shapes and the same training step, so the bench can
compare samples/s and rays/s with PyTorch on the same machine, under the same load, in the same
run. Not part of lfkit: a measuring tool.

    python3 bench/torch-speed.py [--preset cpu] [--threads 2] [--steps 5] [--device cpu]

prints one JSON line: torch version, threads, parameters, median training step (wall s and
CPU s of all threads), samples/s, decoder rays/s given Z, encoder time per object.

Model (method.md; lfkit's `cpu` preset by default):
  encoder: p x p patches of the 9-channel support views (RGB + Pluecker, 9 p^2 values) ->
    linear to D, + learnt positions, R learnt latent tokens appended, pre-LN transformer blocks
    (h heads, GELU MLP of width 4D), final LayerNorm and a linear map to the decoder width d:
    Z [B, R, d].
  decoder (Eqs. 4-7): query q = ReLU(W gamma_{sigma_q}(ray)) attends to Z (multi-head
    cross-attention) -> m; per band l with sigma_l: u_l = ReLU(ReLU(W_l gamma_{sigma_l}(ray)) +
    M_l m), h_l = u_l (l = 0) or ReLU(W'_l (u_l + h_{l-1})); rgb = sum_l out_l(h_l).
  step: MSE on K rays per object, backward, Adam.
"""
import argparse
import json
import math
import sys
import time

import torch
from torch import nn
from torch.nn import functional as F

PRESETS = {
    # image, patch, D, encoder heads, blocks, R, d, dF, decoder heads, sigmas, sigma_q, batch, K, S
    "cpu": dict(image=64, patch=8, D=192, heads=3, blocks=4, R=64, d=128, dF=128, dec_heads=2,
                sigmas=(8.0, 4.0), sigma_q=2.0, batch=8, rays=512, support=3),
    "paper": dict(image=128, patch=8, D=768, heads=12, blocks=6, R=256, d=256, dF=256, dec_heads=2,
                  sigmas=(8.0, 4.0), sigma_q=2.0, batch=32, rays=128, support=3),
}
RAY_DIM = 6  # Pluecker coordinates (direction, moment)
VIEW_CHANNELS = 9  # RGB + Pluecker


def fourier_features(rays, sigma, n):
    """gamma_sigma(v): frequencies sigma^(j / (n - 1)), j < n; [cos(pi w v), sin(pi w v)] per component."""
    omegas = sigma ** (torch.arange(n, dtype=rays.dtype) / (n - 1))
    angles = (math.pi * rays[..., None] * omegas).flatten(-2)
    return torch.cat([angles.cos(), angles.sin()], dim=-1)


class Block(nn.Module):
    """Pre-LN transformer block: x + Attn(LN(x)), then x + MLP(LN(x))."""

    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x):
        batch, tokens, width = x.shape
        dh = width // self.heads
        q, k, v = self.qkv(self.norm1(x)).reshape(batch, tokens, 3, self.heads, dh).unbind(2)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))  # [B, h, T, dh]
        weights = torch.softmax((q @ k.transpose(-2, -1)) / math.sqrt(dh), dim=-1)
        attended = (weights @ v).transpose(1, 2).reshape(batch, tokens, width)
        x = x + self.out(attended)
        return x + self.mlp(self.norm2(x))


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        patches = (c["image"] // c["patch"]) ** 2
        self.embed = nn.Linear(VIEW_CHANNELS * c["patch"] ** 2, c["D"])
        self.positions = nn.Parameter(0.02 * torch.randn(1, patches, c["D"]))
        self.latents = nn.Parameter(0.02 * torch.randn(1, c["R"], c["D"]))
        self.blocks = nn.ModuleList(Block(c["D"], c["heads"]) for _ in range(c["blocks"]))
        self.norm = nn.LayerNorm(c["D"])
        self.to_z = nn.Linear(c["D"], c["d"])

    def forward(self, views):  # views [B, S, 9, H, W] -> Z [B, R, d]
        batch, support, channels, height, width = views.shape
        p = self.c["patch"]
        tokens = F.unfold(views.reshape(batch * support, channels, height, width), kernel_size=p, stride=p)
        x = self.embed(tokens.transpose(1, 2)) + self.positions  # [B*S, P, D]
        x = torch.cat([x.reshape(batch, -1, x.shape[-1]), self.latents.expand(batch, -1, -1)], dim=1)
        for block in self.blocks:
            x = block(x)
        return self.to_z(self.norm(x[:, -self.c["R"]:]))


class Decoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.n = c["dF"] // (2 * RAY_DIM)
        feat, d, bands = 2 * RAY_DIM * self.n, c["d"], len(c["sigmas"])
        self.query = nn.Linear(feat, d)
        self.cross = nn.MultiheadAttention(d, c["dec_heads"], batch_first=True)
        self.band_in = nn.ModuleList(nn.Linear(feat, d) for _ in range(bands))
        self.modulate = nn.ModuleList(nn.Linear(d, d) for _ in range(bands))
        self.carry = nn.ModuleList(nn.Linear(d, d) for _ in range(bands - 1))
        self.to_rgb = nn.ModuleList(nn.Linear(d, 3) for _ in range(bands))

    def forward(self, rays, z):  # rays [B, N, 6], Z [B, R, d] -> rgb [B, N, 3]
        q = F.relu(self.query(fourier_features(rays, self.c["sigma_q"], self.n)))
        m = self.cross(q, z, z, need_weights=False)[0]
        rgb, h = 0.0, None
        for band, sigma in enumerate(self.c["sigmas"]):
            u = F.relu(F.relu(self.band_in[band](fourier_features(rays, sigma, self.n))) + self.modulate[band](m))
            h = u if band == 0 else F.relu(self.carry[band - 1](u + h))
            rgb = rgb + self.to_rgb[band](h)
        return rgb


def measure(preset, threads, steps, device):
    if threads > 0:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    c = PRESETS[preset]
    encoder, decoder = Encoder(c).to(device), Decoder(c).to(device)
    params = [*encoder.parameters(), *decoder.parameters()]
    optimizer = torch.optim.Adam(params, lr=1e-4)
    B, S, H, K = c["batch"], c["support"], c["image"], c["rays"]
    views = torch.rand(B, S, VIEW_CHANNELS, H, H, device=device)
    rays = torch.randn(B, K, RAY_DIM, device=device)
    target = torch.rand(B, K, 3, device=device)
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)

    def step():
        loss = F.mse_loss(decoder(rays, encoder(views)), target)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        sync()

    step()  # warm-up
    times, cpu = [], []
    for _ in range(steps):
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    step_s = sorted(times)[len(times) // 2]
    step_cpu_s = sorted(cpu)[len(cpu) // 2]  # CPU time of all threads: the total work, steady under load

    with torch.no_grad():
        z = encoder(views[:1])
        query = torch.randn(1, 16 * 4096, RAY_DIM, device=device)
        decode = lambda: [decoder(query[:, s:s + 4096], z) for s in range(0, query.shape[1], 4096)]
        decode()
        sync()
        t0 = time.perf_counter()
        decode()
        sync()
        decode_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        encoder(views[:1])
        sync()
        encode_s = time.perf_counter() - t0
    return dict(torch=torch.__version__, preset=preset, device=device, threads=torch.get_num_threads(),
                params=sum(p.numel() for p in params), steps=steps, train_step_s=step_s, train_step_cpu_s=step_cpu_s,
                samples_per_s=B / step_s, decoder_rays_per_s=query.shape[1] / decode_s, encode_s=encode_s)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", default="cpu", choices=sorted(PRESETS))
    ap.add_argument("--threads", type=int, default=2, help="torch threads (0: torch's default)")
    ap.add_argument("--steps", type=int, default=5, help="timed training steps after one warm-up")
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    print(json.dumps(measure(a.preset, a.threads, a.steps, a.device)))
    sys.stdout.flush()
