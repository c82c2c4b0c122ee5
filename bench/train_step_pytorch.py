#!/usr/bin/python3
"""The trainer's bare step against the same graph in eager PyTorch, interleaved in one run.

The graph is TTFNet on MobileNetV3-Small exactly as native_trainer/src/model/ builds it (same
module names, so the weights load by name), the losses of native_trainer/src/losses.cpp and
SGD with TTFNet's parameter groups (native_trainer/src/optimizer.cpp). Before timing, each size
is checked to be the same computation: the C++ bench writes its weights, its fixed batch and the
losses of its first steps and every parameter and BN buffer after them (ttfnet-step-bench
--write-reference); this script loads them into the Python graph, runs the same steps and requires
the same losses (relative difference <= 1e-4) and the same updates: each parameter's change over the
steps (momentum, weight decay, the biases' doubled lr) and each BN running statistic within 2e-2 of
the largest change or value in that tensor (float rounding in gradients summed over 200k positions
reaches 1e-2 of the smallest changes at 320 px), or within 5e-7 (float rounding: values that stay near
0, such as the BN biases and running means of layers whose input has mean 0). The reference steps
use lr 0.05 and weight decay 0.05, so every part of the update is far above rounding (leaving out the
weight decay, the biases' doubled lr or changing the momentum to 0.8 gives differences of 1.04, 0.6
and 0.11); the timed steps run the same graph, batch and weights at the same cost.

Then, round after round, each in its own process so that allocator settings apply from start-up:
  libttfnet                ttfnet-step-bench --bare-only (as ttfnet-train: allocator.h's thresholds)
  PyTorch                  this script's worker, as a PyTorch user runs it: default NCHW layout,
                           glibc's defaults
  PyTorch, glibc tuned     the same with allocator.h's thresholds set through MALLOC_*_ variables
  PyTorch, channels-last, glibc tuned
                           the same, model and input made channels-last as libttfnet runs them
                           (torch.channels_last): the layout and allocator gains that a PyTorch
                           user can also have, so what is left is LibTorch from C++ against Python
and with --allocators also libttfnet under glibc's defaults and under Debian's jemalloc and mimalloc
(LD_PRELOAD, their default settings). It prints, per contender, the median ms/step over the rounds
with the range, page faults per step, and the ratio to each PyTorch run.

  /usr/bin/python3 bench/train_step_pytorch.py [--bench build/native/native_trainer/ttfnet-step-bench]
      [--sizes 128,320] [--rounds 5] [--steps 20] [--warmup 8] [--threads 2] [--allocators] [--force]

Needs Debian's python3-torch (1.13, the same version as libtorch-dev); without it the script says
so and exits 0. An allocator whose library is missing is skipped with a note. Exits 3 when the
machine is busy (1-minute load above 0.5) unless --force.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
MIMALLOC = "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2"
# allocator.h's values: mmap threshold 32 MiB, trim threshold 1 GiB.
GLIBC_TUNED_ENV = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(1 << 30)}


# ---------------------------------------------------------------------------------------------
# The graph (imports torch lazily: the driver itself runs without it)

def build_model_classes(torch):
    nn = torch.nn
    F = torch.nn.functional

    # kernel, expanded, out, SE, hardswish, stride: mobilenetv3.cpp's table (Howard et al. 2019).
    config = [(3, 16, 16, True, False, 2), (3, 72, 24, False, False, 2), (3, 88, 24, False, False, 1),
              (5, 96, 40, True, True, 2), (5, 240, 40, True, True, 1), (5, 240, 40, True, True, 1),
              (5, 120, 48, True, True, 1), (5, 144, 48, True, True, 1), (5, 288, 96, True, True, 2),
              (5, 576, 96, True, True, 1), (5, 576, 96, True, True, 1)]

    def make_divisible(v, divisor=8):
        new_v = max(divisor, int(v + divisor / 2.0) // divisor * divisor)
        return new_v + divisor if new_v < 0.9 * v else new_v

    class ConvBnAct(nn.Module):
        def __init__(self, cin, cout, kernel, stride=1, groups=1, act=None):
            super().__init__()
            self.conv = nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False)
            self.bn = nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01)
            self.act = act

        def forward(self, x):
            y = self.bn(self.conv(x))
            return self.act(y) if self.act is not None else y

    class SqueezeExcite(nn.Module):
        def __init__(self, channels, squeeze):
            super().__init__()
            self.fc1 = nn.Conv2d(channels, squeeze, 1)
            self.fc2 = nn.Conv2d(squeeze, channels, 1)

        def forward(self, x):
            s = F.adaptive_avg_pool2d(x, 1)
            return x * F.hardsigmoid(self.fc2(F.relu(self.fc1(s))))

    class InvertedResidual(nn.Module):
        def __init__(self, cin, cfg):
            super().__init__()
            kernel, expanded, out, se, hswish, stride = cfg
            act = F.hardswish if hswish else F.relu
            self.use_residual = stride == 1 and cin == out
            if expanded != cin:
                self.expand = ConvBnAct(cin, expanded, 1, act=act)
            else:
                self.expand = None
            self.depthwise = ConvBnAct(expanded, expanded, kernel, stride, expanded, act)
            self.se = SqueezeExcite(expanded, make_divisible(expanded / 4.0)) if se else None
            self.project = ConvBnAct(expanded, out, 1)

        def forward(self, x):
            y = self.expand(x) if self.expand is not None else x
            y = self.depthwise(y)
            if self.se is not None:
                y = self.se(y)
            y = self.project(y)
            return x + y if self.use_residual else y

    class MobileNetV3Small(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = ConvBnAct(3, 16, 3, 2, act=F.hardswish)
            cin = 16
            for i, cfg in enumerate(config):
                setattr(self, "block%d" % i, InvertedResidual(cin, cfg))
                cin = cfg[2]
            self.last_conv = ConvBnAct(cin, 576, 1, act=F.hardswish)

        def forward(self, x):
            y = self.stem(x)
            feats = {}
            for i in range(len(config)):
                y = getattr(self, "block%d" % i)(y)
                if i in (0, 2, 7):
                    feats[i] = y
            return feats[0], feats[2], feats[7], self.last_conv(y)

    class TtfNet(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            self.cfg = cfg
            self.backbone = MobileNetV3Small()
            planes = cfg["neck_planes"]
            shortcut_in, shortcut_convs = (48, 24, 16), (3, 2, 1)
            cin = 576
            for i in range(3):
                setattr(self, "up%d" % i, ConvBnAct(cin, planes[i], 3, act=F.relu))
                layers = []
                for j in range(shortcut_convs[i]):
                    layers.append(nn.Conv2d(shortcut_in[i] if j == 0 else planes[i], planes[i], 3, padding=1))
                    if j + 1 < shortcut_convs[i]:
                        layers.append(nn.ReLU())
                setattr(self, "shortcut%d" % i, nn.Sequential(*layers))
                cin = planes[i]
            hm_convs, hm_ch = cfg["hm_head"]
            wh_convs, wh_ch = cfg["wh_head"]
            ch = cin
            for i in range(hm_convs):
                setattr(self, "hm_conv%d" % i, nn.Conv2d(ch, hm_ch, 3, padding=1))
                ch = hm_ch
            self.hm_out = nn.Conv2d(ch, cfg["num_classes"], 1)
            self.hm_n = hm_convs
            ch = cin
            for i in range(wh_convs):
                setattr(self, "wh_conv%d" % i, nn.Conv2d(ch, wh_ch, 3, padding=1))
                ch = wh_ch
            self.wh_out = nn.Conv2d(ch, 4, 1)
            self.wh_n = wh_convs

        def forward(self, images):
            c2, c3, c4, c5 = self.backbone(images)
            x = c5
            for i, skip in enumerate((c4, c3, c2)):
                x = getattr(self, "up%d" % i)(x)
                x = F.interpolate(x, size=(x.shape[2] * 2, x.shape[3] * 2), mode="bilinear", align_corners=False)
                x = x + getattr(self, "shortcut%d" % i)(skip)
            h = x
            for i in range(self.hm_n):
                h = F.relu(getattr(self, "hm_conv%d" % i)(h))
            heatmap = self.hm_out(h)
            w = x
            for i in range(self.wh_n):
                w = F.relu(getattr(self, "wh_conv%d" % i)(w))
            wh_pre = self.wh_out(w)
            act = self.cfg["wh_act"]
            if act == "relu":
                a = F.relu(wh_pre)
            elif act == "leaky":
                a = F.leaky_relu(wh_pre, self.cfg["leaky_slope"])
            else:
                a = F.softplus(wh_pre)
            return heatmap, a * self.cfg["wh_offset_base"]

    return TtfNet


def ttfnet_loss(torch, heatmap_logits, wh, batch, cfg, stride=4):
    """losses.cpp: focal loss on the heatmap, GIoU on the boxes at weighted positions."""
    gt = batch["batch.heatmap"]
    p = torch.sigmoid(heatmap_logits).clamp(1e-4, 1 - 1e-4)
    pos = gt.eq(1).to(p.dtype)
    neg = gt.lt(1).to(p.dtype)
    if "batch.heatmap_ignore" in batch:
        neg = neg * (1 - batch["batch.heatmap_ignore"])
    pos_loss = torch.log(p) * (1 - p).pow(2) * pos
    neg_loss = torch.log(1 - p) * p.pow(2) * (1 - gt).pow(4) * neg
    focal = -(pos_loss.sum() + neg_loss.sum()) / pos.sum().clamp_min(1)

    reg_weight, box_target = batch["batch.reg_weight"], batch["batch.box_target"]
    n, _, h, w = wh.shape
    ys = torch.arange(h, dtype=wh.dtype).mul(stride).view(1, h, 1).expand(n, h, w)
    xs = torch.arange(w, dtype=wh.dtype).mul(stride).view(1, 1, w).expand(n, h, w)
    mask = reg_weight[:, 0] > 0
    weight = reg_weight[:, 0].masked_select(mask)
    avg = reg_weight.sum() + 1e-4
    cx, cy = xs.masked_select(mask), ys.masked_select(mask)
    pred = torch.stack([cx - wh[:, 0].masked_select(mask), cy - wh[:, 1].masked_select(mask),
                        cx + wh[:, 2].masked_select(mask), cy + wh[:, 3].masked_select(mask)], 1)
    target = torch.stack([box_target[:, i].masked_select(mask) for i in range(4)], 1)
    p_lt, p_rb, t_lt, t_rb = pred[:, :2], pred[:, 2:], target[:, :2], target[:, 2:]
    inter_wh = (torch.min(p_rb, t_rb) - torch.max(p_lt, t_lt) + 1).clamp_min(0)
    enclose_wh = (torch.max(p_rb, t_rb) - torch.min(p_lt, t_lt) + 1).clamp_min(0)
    overlap = inter_wh[:, 0] * inter_wh[:, 1]
    ap = (p_rb - p_lt + 1).clamp_min(0).prod(1)
    ag = (t_rb - t_lt + 1).prod(1)
    union = ap + ag - overlap + 1e-6
    enclose = enclose_wh[:, 0] * enclose_wh[:, 1] + 1e-6
    giou = overlap / union - (enclose - union) / enclose
    giou_loss = ((1 - giou) * weight).sum() / avg
    hm = focal * cfg["loss_weight_heatmap"]
    whl = giou_loss * cfg["loss_weight_wh"]
    return hm, whl, hm + whl


def load_reference(torch, folder):
    import numpy as np
    tensors = {}
    with open(os.path.join(folder, "tensors.txt")) as f:
        for line in f:
            parts = line.split()
            name, dtype, shape = parts[0], parts[1], [int(d) for d in parts[2:]]
            data = np.fromfile(os.path.join(folder, name + ".bin"), dtype=np.int64 if dtype == "int64" else np.float32)
            tensors[name] = torch.from_numpy(data.reshape(shape))
    cfg = {}
    with open(os.path.join(folder, "config.txt")) as f:
        for line in f:
            key, value = line.split()
            cfg[key] = [int(v) for v in value.split(",")] if "," in value else value
    for key in ("input_size", "batch", "threads", "num_classes"):
        cfg[key] = int(cfg[key])
    for key in ("lr", "momentum", "weight_decay", "clip_grad", "loss_weight_heatmap", "loss_weight_wh",
                "wh_offset_base", "leaky_slope"):
        cfg[key] = float(cfg[key])
    with open(os.path.join(folder, "losses.txt")) as f:
        losses = [[float(v) for v in line.split()] for line in f if line.strip()]
    return tensors, cfg, losses


class BareStep:
    """The model, TTFNet's SGD parameter groups and the reference's fixed batch."""

    def __init__(self, torch, folder, channels_last=False):
        tensors, cfg, self.reference_losses = load_reference(torch, folder)
        torch.set_num_threads(cfg["threads"])
        self.torch, self.cfg = torch, cfg
        self.model = build_model_classes(torch)(cfg)
        state = {k: v for k, v in tensors.items() if not k.startswith(("batch.", "after."))}
        self.after = {k[len("after."):]: v for k, v in tensors.items() if k.startswith("after.")}
        self.model.load_state_dict(state, strict=True)
        self.model.train()
        self.batch = {k: v for k, v in tensors.items() if k.startswith("batch.")}
        if channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
            self.batch["batch.images"] = self.batch["batch.images"].contiguous(memory_format=torch.channels_last)
        named = list(self.model.named_parameters())
        weights = [p for n, p in named if not n.endswith("bias")]
        biases = [p for n, p in named if n.endswith("bias")]
        lr = cfg["lr"]
        self.opt = torch.optim.SGD([
            {"params": weights, "lr": lr, "weight_decay": cfg["weight_decay"]},
            {"params": biases, "lr": lr * 2, "weight_decay": 0.0},
        ], lr=lr, momentum=cfg["momentum"])
        self.params = [p for _, p in named]

    def step(self):
        torch = self.torch
        self.opt.zero_grad()
        heatmap, wh = self.model(self.batch["batch.images"])
        losses = ttfnet_loss(torch, heatmap, wh, self.batch, self.cfg)
        losses[2].backward()
        torch.nn.utils.clip_grad_norm_(self.params, self.cfg["clip_grad"])
        self.opt.step()
        return [float(l) for l in losses]


def check(folder):
    """Largest relative difference of the losses, and of the updates (see the module docstring)."""
    import torch
    bare = BareStep(torch, folder)
    before = {k: v.clone() for k, v in bare.model.state_dict().items()}
    worst = 0.0
    for i, expected in enumerate(bare.reference_losses):
        got = bare.step()
        for g, e in zip(got, expected):
            worst = max(worst, abs(g - e) / max(abs(e), 1e-12))
        print("  step %d: PyTorch %s, libttfnet %s" % (i + 1, " ".join("%.6f" % v for v in got),
                                                       " ".join("%.6f" % v for v in expected)))
    worst_update, where = 0.0, ""
    for name, now in bare.model.state_dict().items():
        if now.dtype != torch.float32:
            continue
        expected = bare.after[name]
        if name.endswith(("running_mean", "running_var")):
            scale = expected.abs().max().item()      # a statistic: compare the values
        else:
            scale = (expected - before[name]).abs().max().item()  # a parameter: compare the changes
        diff = max((now - expected).abs().max().item() - 5e-7, 0.0) / max(scale, 1e-30)
        if diff > worst_update:
            worst_update, where = diff, name
    print("  updates: largest difference %.2e of the tensor's largest change (%s)" % (worst_update, where))
    return worst, worst_update


def worker(folder, steps, warmup, channels_last):
    import torch
    bare = BareStep(torch, folder, channels_last)
    for i in range(warmup + steps):
        if i == warmup:
            start = time.perf_counter()
            faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        bare.step()
    ms = (time.perf_counter() - start) * 1000 / steps
    pf = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / steps
    print("bare %d %.3f %.1f" % (bare.cfg["input_size"], ms, pf))


# ---------------------------------------------------------------------------------------------
# The driver

def run_bare(command, env_extra):
    env = dict(os.environ)
    env.update(env_extra)
    run = subprocess.run(command, env=env, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError("%s failed (exit %d):\n%s" % (" ".join(command), run.returncode, run.stderr))
    for line in run.stdout.splitlines():
        if line.startswith("bare "):
            _, _, ms, pf = line.split()
            return float(ms), float(pf)
    raise RuntimeError("no result from %s" % " ".join(command))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", default=os.path.join(REPO, "build/native/native_trainer/ttfnet-step-bench"))
    ap.add_argument("--sizes", default="128,320")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--allocators", action="store_true",
                    help="also time libttfnet under glibc's default thresholds, jemalloc and mimalloc")
    ap.add_argument("--force", action="store_true", help="measure even when the machine is busy")
    ap.add_argument("--worker", metavar="DIR", help=argparse.SUPPRESS)
    ap.add_argument("--channels-last", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--check", metavar="DIR", help="only check that DIR's reference gives the same losses")
    args = ap.parse_args()

    if args.worker:
        worker(args.worker, args.steps, args.warmup, args.channels_last)
        return 0
    try:
        import torch  # noqa: F401
    except ImportError:
        print("train_step_pytorch: skipped, Debian's python3-torch is not installed (apt-get install python3-torch)")
        return 0
    if args.check:
        worst, worst_update = check(args.check)
        print("  largest relative loss difference: %.2e" % worst)
        return 0 if worst <= 1e-4 and worst_update <= 2e-2 else 1
    if not os.path.exists(args.bench):
        print("train_step_pytorch: %s not found: build the native tree first" % args.bench, file=sys.stderr)
        return 1
    load = os.getloadavg()[0]
    if load > 0.5 and not args.force:
        print("train_step_pytorch: the machine is busy (1-minute load %.2f): figures would not be comparable; "
              "wait, or pass --force" % load, file=sys.stderr)
        return 3

    common = ["--batch", "8", "--steps", str(args.steps), "--warmup", str(args.warmup), "--threads", str(args.threads)]
    pytorch_default, pytorch_tuned = "PyTorch eager (as users run it)", "PyTorch eager, glibc tuned"
    if args.steps < 1:
        print("train_step_pytorch: --steps must be at least 1", file=sys.stderr)
        return 2
    contenders = [("libttfnet (ttfnet-train's bare step)", "cpp", ["--allocator", "tuned"], {})]
    if args.allocators:
        contenders += [
            ("libttfnet, glibc default", "cpp", ["--allocator", "default"], {}),
            ("libttfnet, jemalloc", "cpp", ["--allocator", "default"], {"LD_PRELOAD": JEMALLOC}),
            ("libttfnet, mimalloc", "cpp", ["--allocator", "default"], {"LD_PRELOAD": MIMALLOC}),
        ]
    contenders += [(pytorch_default, "py", [], {}), (pytorch_tuned, "py", [], GLIBC_TUNED_ENV),
                   ("PyTorch eager, channels-last, glibc tuned", "py", ["--channels-last"], GLIBC_TUNED_ENV)]
    for name, _, _, env in contenders:
        if "LD_PRELOAD" in env and not os.path.exists(env["LD_PRELOAD"]):
            print("  note: %s skipped, %s not installed" % (name, env["LD_PRELOAD"]))
    contenders = [c for c in contenders if "LD_PRELOAD" not in c[3] or os.path.exists(c[3]["LD_PRELOAD"])]

    print("train_step_pytorch: PyTorch %s, batch 8, %d threads, %d rounds of %d steps (after %d warm-up)%s"
          % (torch.__version__, args.threads, args.rounds, args.steps, args.warmup,
             " -- MACHINE BUSY at start (--force): figures unreliable" if load > 0.5 else ""))
    with tempfile.TemporaryDirectory(prefix="dz_pytorch_ref") as ref:
        for size in [int(s) for s in args.sizes.split(",") if s]:
            folder = os.path.join(ref, str(size))
            subprocess.run([args.bench, "--write-reference", ref, "--sizes", str(size), "--threads", str(args.threads)],
                           check=True)
            print("%d px: same graph? the reference's first steps in both:" % size)
            worst, worst_update = check(folder)
            if worst > 1e-4 or worst_update > 2e-2:
                print("%d px: the Python graph does not compute what libttfnet computes (relative loss difference "
                      "%.2e, update difference %.2e): no timing" % (size, worst, worst_update), file=sys.stderr)
                return 1
            print("  largest relative loss difference: %.2e (<= 1e-4), update difference %.2e (<= 2e-2): the same "
                  "computation" % (worst, worst_update))
            results = {c[0]: [] for c in contenders}
            for _ in range(args.rounds):
                for name, kind, extra, env in contenders:
                    if kind == "cpp":
                        cmd = [args.bench, "--bare-only", "--sizes", str(size)] + common + extra
                    else:
                        cmd = [sys.executable, os.path.abspath(__file__), "--worker", folder,
                               "--steps", str(args.steps), "--warmup", str(args.warmup)] + extra
                    results[name].append(run_bare(cmd, env))
            ms = {name: statistics.median(r[0] for r in runs) for name, runs in results.items()}
            for name, _, _, _ in contenders:
                runs = [r[0] for r in results[name]]
                pf = statistics.median(r[1] for r in results[name])
                print("%d px: %-38s %7.1f ms/step (%.1f-%.1f) %7.0f faults/step  %.3f x PyTorch, %.3f x PyTorch tuned"
                      % (size, name, ms[name], min(runs), max(runs), pf, ms[name] / ms[pytorch_default],
                         ms[name] / ms[pytorch_tuned]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
