"""The latentlab zoo's training step in PyTorch, layer for layer (see crates/model).

Run by compare.py in its own process, one model per process, so its peak memory is
that model's alone. Prints one JSON line: images per second and the batch size.
"""

import argparse
import json
import time

import torch
from torch import nn
import torch.nn.functional as F


class Dense(nn.Module):
    """crates/model/src/dense.rs: hidden layers mirrored, ReLU, optional VAE heads."""

    def __init__(self, pixels, hidden, latent, variational):
        super().__init__()
        sizes = [pixels] + hidden
        self.encoder = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.z_mean = nn.Linear(sizes[-1], latent)
        self.z_log_var = nn.Linear(sizes[-1], latent) if variational else None
        back = [latent] + hidden[::-1]
        self.decoder = nn.ModuleList(nn.Linear(a, b) for a, b in zip(back, back[1:]))
        self.output = nn.Linear(back[-1], pixels)

    def forward(self, images):
        x = images.flatten(1)
        for layer in self.encoder:
            x = F.relu(layer(x))
        mean = self.z_mean(x)
        log_var = self.z_log_var(x) if self.z_log_var is not None else None
        z = reparameterize(mean, log_var)
        for layer in self.decoder:
            z = F.relu(layer(z))
        return self.output(z).view_as(images), mean, log_var


class Conv(nn.Module):
    """crates/model/src/conv.rs: stride-2 3x3 convs, mirrored transposed convs."""

    def __init__(self, channels, size, filters, latent, variational, batch_norm, slope):
        super().__init__()
        self.slope = slope
        norm2d = (lambda n: nn.BatchNorm2d(n)) if batch_norm else (lambda n: nn.Identity())
        self.enc = nn.ModuleList()
        self.enc_norm = nn.ModuleList()
        c = channels
        for f in filters:
            self.enc.append(nn.Conv2d(c, f, 3, 2, 1))
            self.enc_norm.append(norm2d(f))
            c = f
        side = size >> len(filters)
        self.bottleneck = (c, side, side)
        flat = c * side * side
        self.z_mean = nn.Linear(flat, latent)
        self.z_log_var = nn.Linear(flat, latent) if variational else None
        self.dec_input = nn.Linear(latent, flat)
        self.dec_input_norm = nn.BatchNorm1d(flat) if batch_norm else None
        self.dec = nn.ModuleList()
        self.dec_norm = nn.ModuleList()
        for f in filters[::-1]:
            self.dec.append(nn.ConvTranspose2d(c, f, 3, 2, 1, output_padding=1))
            self.dec_norm.append(norm2d(f))
            c = f
        self.output = nn.Conv2d(c, channels, 3, 1, 1)

    def forward(self, images):
        x = images
        for conv, norm in zip(self.enc, self.enc_norm):
            x = F.leaky_relu(norm(conv(x)), self.slope)
        x = x.flatten(1)
        mean = self.z_mean(x)
        log_var = self.z_log_var(x) if self.z_log_var is not None else None
        x = self.dec_input(reparameterize(mean, log_var))
        if self.dec_input_norm is not None:
            x = F.leaky_relu(self.dec_input_norm(x), self.slope)
        x = x.view(x.shape[0], *self.bottleneck)
        for conv, norm in zip(self.dec, self.dec_norm):
            x = F.leaky_relu(norm(conv(x)), self.slope)
        return self.output(x), mean, log_var


class Generator(nn.Module):
    """crates/model/src/gan/dcgan.rs: dense + BatchNorm + ReLU to the bottleneck, 3x3
    stride-2 transposed convs with BatchNorm and ReLU, a 3x3 output conv, sigmoid."""

    def __init__(self, channels, size, filters, latent):
        super().__init__()
        c = filters[-1]
        side = size >> len(filters)
        self.bottleneck = (c, side, side)
        self.input = nn.Linear(latent, c * side * side)
        self.input_norm = nn.BatchNorm1d(c * side * side)
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList()
        for f in filters[::-1]:
            self.convs.append(nn.ConvTranspose2d(c, f, 3, 2, 1, output_padding=1))
            self.norms.append(nn.BatchNorm2d(f))
            c = f
        self.output = nn.Conv2d(c, channels, 3, 1, 1)

    def forward(self, z):
        x = F.relu(self.input_norm(self.input(z))).view(z.shape[0], *self.bottleneck)
        for conv, norm in zip(self.convs, self.norms):
            x = F.relu(norm(conv(x)))
        return torch.sigmoid(self.output(x))


class Discriminator(nn.Module):
    """3x3 stride-2 convs, BatchNorm on all but the first, LeakyReLU 0.2, one logit."""

    def __init__(self, channels, size, filters):
        super().__init__()
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList()
        c = channels
        for i, f in enumerate(filters):
            self.convs.append(nn.Conv2d(c, f, 3, 2, 1))
            self.norms.append(nn.BatchNorm2d(f) if i > 0 else nn.Identity())
            c = f
        side = size >> len(filters)
        self.output = nn.Linear(c * side * side, 1)

    def forward(self, images):
        x = images
        for conv, norm in zip(self.convs, self.norms):
            x = F.leaky_relu(norm(conv(x)), 0.2)
        return self.output(x.flatten(1))


def gan_step(g, d, g_opt, d_opt, real, latent):
    """crates/train/src/train/gan.rs's step: one generator pass for both updates, the
    discriminator frozen while the generator's loss is differentiated."""
    fake = g(torch.randn(real.shape[0], latent))
    d_real, d_fake = d(real), d(fake.detach())
    d_loss = F.softplus(-d_real).mean() + F.softplus(d_fake).mean()
    torch.sigmoid(d_real).mean().item(), torch.sigmoid(d_fake).mean().item(), d_loss.item()
    d_opt.zero_grad(set_to_none=True)
    d_loss.backward()
    d_opt.step()
    d.requires_grad_(False)
    g_loss = F.softplus(-d(fake)).mean()
    g_loss.item()
    g_opt.zero_grad(set_to_none=True)
    g_loss.backward()
    g_opt.step()
    d.requires_grad_(True)


# name: (channels, size, filters, latent, batch)
GANS = {
    "fashion-gan": (1, 32, [32, 64, 128], 64, 64),
    "celeba-gan": (3, 64, [64] * 5, 200, 64),
}


def reparameterize(mean, log_var):
    if log_var is None:
        return mean
    return mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)


# name: (model, image shape, batch (the seed's, as `latentlab bench`), loss, beta)
ZOO = {
    "mlp-ae": (lambda: Dense(784, [128, 64, 12], 3, False), (1, 28, 28), 64, "mse", 1.0),
    "mnist-vae": (lambda: Dense(784, [400], 20, True), (1, 28, 28), 128, "bce", 784.0),
    "fashion-ae": (lambda: Conv(1, 32, [32, 64, 128], 2, False, False, 0.0), (1, 32, 32), 100, "bce", 1.0),
    "fashion-vae": (lambda: Conv(1, 32, [32, 64, 128], 2, True, False, 0.0), (1, 32, 32), 100, "bce", 500.0),
    "celeba-vae": (lambda: Conv(3, 64, [64] * 5, 200, True, True, 0.3), (3, 64, 64), 128, "mse", 2000.0),
}


def loss_of(kind, beta, logits, mean, log_var, images):
    """crates/model/src/loss.rs: beta * mean per-pixel error + summed KL, batch means."""
    if kind == "bce":
        per_pixel = F.binary_cross_entropy_with_logits(logits, images, reduction="none")
    else:
        per_pixel = (torch.sigmoid(logits) - images) ** 2
    loss = per_pixel.flatten(1).mean(1).mean() * beta
    if log_var is not None:
        kl = -0.5 * (1 + log_var - mean**2 - log_var.exp()).sum(1)
        loss = loss + kl.mean()
    return loss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True, choices=sorted(ZOO) + sorted(GANS))
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.model in GANS:
        channels, size, filters, latent, batch = GANS[args.model]
        g, d = Generator(channels, size, filters, latent), Discriminator(channels, size, filters)
        g_opt = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
        d_opt = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
        real = torch.rand(batch, channels, size, size)
        for step in range(args.warmup + args.steps):
            if step == args.warmup:
                started = time.perf_counter()
            gan_step(g, d, g_opt, d_opt, real, latent)
        elapsed = time.perf_counter() - started
        print(json.dumps({"images_per_second": args.steps * batch / elapsed, "batch": batch,
                          "torch": torch.__version__}))
        return
    make, shape, batch, kind, beta = ZOO[args.model]
    model = make()
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    images = torch.rand(batch, *shape)
    for step in range(args.warmup + args.steps):
        if step == args.warmup:
            started = time.perf_counter()
        logits, mean, log_var = model(images)
        loss = loss_of(kind, beta, logits, mean, log_var, images)
        loss.item()  # as latentlab's progress bar reads every loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    elapsed = time.perf_counter() - started
    print(json.dumps({"images_per_second": args.steps * batch / elapsed, "batch": batch,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
