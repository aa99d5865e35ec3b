#!/usr/bin/python3
"""Exports the real-model corpus with PyTorch's own ONNX exporter (Debian python3-torch/torchvision).

Pretrained weights cannot be downloaded here, so every model is built with seeded random weights, BN gets
random gamma/beta, and the running statistics are filled by calibration passes in train mode (momentum=None:
a cumulative average). Each model is exported the way users export:
  - eval:      eval mode with BN kept (TrainingMode.PRESERVE; TrainingMode.EVAL would fuse Conv+BN itself);
  - nofold:    the same with do_constant_folding=False (weights reach MatMul through run-time Transposes);
  - training:  TrainingMode.TRAINING (BN with training_mode=1). Tracing runs one train-mode forward that moves
               the running statistics, so the eval reference is computed on the module *after* the export.
Beside each export: the float32 input and torch's float64 output for it (the module in eval mode, in double),
and the calibration inputs (NAME.calibration/, files of the input's shape) the running statistics come from.
A manifest.json describes every entry. Usage: export_corpus.py OUTDIR
"""
import copy
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision
from torch.onnx import TrainingMode

OPSET = 17


# ---- small nets for the patterns torchvision does not cover -------------------------------------------

class LinearBn1d(nn.Module):
    """nn.Linear without bias + BatchNorm1d: a MatMul with a transposed weight, then BN on a 2-D input."""
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 48, bias=False)
        self.bn1 = nn.BatchNorm1d(48)
        self.fc2 = nn.Linear(48, 32)
        self.bn2 = nn.BatchNorm1d(32)
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        x = torch.relu(self.bn1(self.fc1(x)))
        x = torch.relu(self.bn2(self.fc2(x)))
        return self.head(x)


class ConvTransposeBnGrouped(nn.Module):
    """A decoder block: grouped ConvTranspose (stride 2) followed by BN, as in segmentation heads."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(8, 16, 3, padding=1)
        self.bn0 = nn.BatchNorm2d(16)
        self.up = nn.ConvTranspose2d(16, 16, 4, stride=2, padding=1, groups=4)
        self.bn1 = nn.BatchNorm2d(16)
        self.up2 = nn.ConvTranspose2d(16, 8, 2, stride=2, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.out = nn.Conv2d(8, 4, 1)

    def forward(self, x):
        x = torch.relu(self.bn0(self.conv(x)))
        x = torch.relu(self.bn1(self.up(x)))
        x = torch.relu(self.bn2(self.up2(x)))
        return self.out(x)


class Conv1dBn(nn.Module):
    """Conv1d + BatchNorm1d on a 3-D input (audio/sequence models)."""
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(4, 16, 5, padding=2)
        self.b1 = nn.BatchNorm1d(16)
        self.c2 = nn.Conv1d(16, 32, 3, stride=2, bias=False)
        self.b2 = nn.BatchNorm1d(32)
        self.fc = nn.Linear(32, 6)

    def forward(self, x):
        x = torch.relu(self.b1(self.c1(x)))
        x = torch.relu(self.b2(self.c2(x)))
        return self.fc(x.mean(dim=2))


class GroupInstanceNorm(nn.Module):
    """GroupNorm (exported as Reshape -> InstanceNormalization -> Reshape -> Mul -> Add) and an affine
    InstanceNorm, each followed by an unpadded 1x1 Conv into which their affine can fold."""
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 16, 3, padding=1)
        self.gn = nn.GroupNorm(4, 16)
        self.c2 = nn.Conv2d(16, 16, 1)
        self.inorm = nn.InstanceNorm2d(16, affine=True)
        self.c3 = nn.Conv2d(16, 8, 1)

    def forward(self, x):
        x = self.c2(self.gn(self.c1(x)))
        x = torch.relu(x)
        return self.c3(self.inorm(x))


class VggBnSmall(nn.Module):
    """VGG-BN style: Conv with zero biases (as torchvision's VGG initialises them) before BN. The exporter
    deduplicates the identical zero biases, so later Convs read theirs through an Identity node."""
    def __init__(self):
        super().__init__()
        layers, c = [], 3
        for width in (16, 16, 32, 32):
            conv = nn.Conv2d(c, width, 3, padding=1)
            nn.init.zeros_(conv.bias)
            layers += [conv, nn.BatchNorm2d(width), nn.ReLU(inplace=True)]
            c = width
        layers.insert(6, nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(32 * 16 * 16, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))


class PreActBn(nn.Module):
    """Pre-activation blocks (BN -> ReLU -> Conv): the BN cannot fold exactly into anything."""
    def __init__(self):
        super().__init__()
        self.c0 = nn.Conv2d(3, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.c1 = nn.Conv2d(16, 16, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(16)
        self.c2 = nn.Conv2d(16, 8, 3, padding=1)

    def forward(self, x):
        x = self.c0(x)
        x = x + self.c1(torch.relu(self.bn1(x)))
        return self.c2(torch.relu(self.bn2(x)))


class SegmentationOut(nn.Module):
    """torchvision's segmentation models return a dict; exporters export its 'out' tensor."""
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)["out"]


# ---- the corpus ----------------------------------------------------------------------------------------

def tv(name, **kw):
    return lambda: getattr(torchvision.models, name)(weights=None, **kw)


# name, factory, input shape, variants, dynamic batch
CORPUS = [
    ("resnet18", tv("resnet18"), (1, 3, 224, 224), ("eval", "nofold", "training"), False),
    ("resnet50", tv("resnet50"), (1, 3, 224, 224), ("eval",), True),
    ("mobilenet_v2", tv("mobilenet_v2"), (1, 3, 224, 224), ("eval", "nofold"), True),
    ("mobilenet_v3_large", tv("mobilenet_v3_large"), (1, 3, 224, 224), ("eval",), False),
    ("efficientnet_b0", tv("efficientnet_b0"), (1, 3, 224, 224), ("eval",), False),
    ("densenet121", tv("densenet121"), (1, 3, 224, 224), ("eval",), False),
    ("r3d_18", lambda: torchvision.models.video.r3d_18(weights=None), (1, 3, 8, 112, 112), ("eval",), False),
    ("deeplabv3_mobilenet_v3_large",
     lambda: SegmentationOut(torchvision.models.segmentation.deeplabv3_mobilenet_v3_large(
         weights=None, weights_backbone=None, aux_loss=False)), (1, 3, 224, 224), ("eval",), False),
    ("convnext_tiny", tv("convnext_tiny"), (1, 3, 224, 224), ("eval",), False),
    ("linear_bn1d", LinearBn1d, (4, 64), ("eval", "nofold", "training"), False),
    ("convtranspose_bn_grouped", ConvTransposeBnGrouped, (1, 8, 16, 16), ("eval", "training"), False),
    ("conv1d_bn", Conv1dBn, (2, 4, 64), ("eval", "nofold", "training"), False),
    ("groupnorm_instancenorm", GroupInstanceNorm, (1, 3, 32, 32), ("eval",), False),
    ("vgg_bn_small", VggBnSmall, (1, 3, 32, 32), ("eval",), False),
    ("preact_bn", PreActBn, (1, 3, 32, 32), ("eval",), False),
]

BN_TYPES = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)

# Models with a BN that sees one value per sample and channel (BatchNorm1d; deeplab's pooled ASPP branch):
# three batches of 4 give it 12 values, too few for statistics that fit even their own data, and a train-mode
# batch of 4 normalises the layers after it unlike eval. These calibrate on (batches, batch size) of their
# own, from a second generator; the three usual batches are still drawn (and not used), so the saved input
# stays the one drawn after them.
EXTRA_CALIBRATION = {"linear_bn1d": (8, 32), "deeplabv3_mobilenet_v3_large": (4, 16)}


def randomize_norms(model, gen):
    """Random gamma/beta for every BN (and the affine of other norms), so no fold is a no-op."""
    for m in model.modules():
        if isinstance(m, BN_TYPES + (nn.GroupNorm, nn.LayerNorm, nn.InstanceNorm2d)) and getattr(m, "weight", None) is not None:
            with torch.no_grad():
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)


def calibrate(model, shape, gen, batches=3, extra=(0, 0), extra_seed=0):
    """Fill the running statistics with train-mode BN passes (momentum=None: the cumulative average).

    Only the BN layers run in train mode: dropout and stochastic depth stay off as in eval, or the statistics
    would describe activations the eval model never produces (efficientnet_b0's stochastic depth inflates the
    deep variances ~10x). Returns the calibration inputs, which check-stats is then run on."""
    bns = [m for m in model.modules() if isinstance(m, BN_TYPES)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    model.eval()
    for m in bns:
        m.train()
    batch = max(shape[0], 4)
    data = []
    more = torch.Generator().manual_seed(extra_seed)
    draws = [(gen, batch)] * batches + [(more, extra[1])] * extra[0]
    with torch.no_grad():
        for source, size in draws:
            x = torch.randn((size,) + tuple(shape[1:]), generator=source)
            if extra[0] and source is gen:
                continue
            data.append(x)
            model(x)
    for m in bns:
        m.momentum = 0.1   # the exporter writes momentum as an attribute; None has no ONNX form
    return torch.cat(data)


def save_calibration(outdir, name, data, batch):
    """The calibration inputs as files of the model's input shape (a folder check-stats reads)."""
    folder = f"{name}.calibration"
    os.makedirs(os.path.join(outdir, folder), exist_ok=True)
    for i in range(data.shape[0] // batch):
        np.save(os.path.join(outdir, folder, f"{i:03d}.npy"), data[i * batch:(i + 1) * batch].numpy().astype(np.float32))
    return folder


def float64_output(model, x):
    ref = copy.deepcopy(model).double().eval()
    with torch.no_grad():
        return ref(x.double()).numpy()


def export(model, x, path, variant, dynamic):
    kw = dict(opset_version=OPSET, input_names=["input"], output_names=["output"])
    if dynamic:
        kw["dynamic_axes"] = {"input": {0: "batch"}, "output": {0: "batch"}}
    if variant == "training":
        model.train()
        torch.onnx.export(model, x, path, training=TrainingMode.TRAINING, do_constant_folding=False, **kw)
    else:
        model.eval()
        torch.onnx.export(model, x, path, training=TrainingMode.PRESERVE,
                          do_constant_folding=(variant != "nofold"), **kw)


def main(outdir, only=None):
    os.makedirs(outdir, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    entries = []
    for index, (name, factory, shape, variants, dynamic) in enumerate(CORPUS):
        if only and name not in only:
            continue
        torch.manual_seed(1000 + index)
        gen = torch.Generator().manual_seed(2000 + index)
        model = factory()
        randomize_norms(model, gen)
        data = calibrate(model, shape, gen, extra=EXTRA_CALIBRATION.get(name, (0, 0)), extra_seed=3000 + index)
        calibration = save_calibration(outdir, name, data, shape[0])
        bn_count = sum(isinstance(m, BN_TYPES) for m in model.modules())
        x = torch.randn(shape, generator=gen)
        input_file = f"{name}.input.npy"
        np.save(os.path.join(outdir, input_file), x.numpy().astype(np.float32))
        for variant in variants:
            file = f"{name}.{variant}.onnx"
            snapshot = copy.deepcopy(model)   # training export moves the running statistics of its module
            export(snapshot, x, os.path.join(outdir, file), variant, dynamic)
            ref_file = f"{name}.{variant}.ref64.npy"
            np.save(os.path.join(outdir, ref_file), float64_output(snapshot, x))
            entries.append({
                "name": name, "variant": variant, "file": file,
                "inputs": [{"name": "input", "file": input_file, "shape": list(shape), "calibration": calibration}],
                "outputs": [{"name": "output", "reference": ref_file}],
                "batchNormCount": bn_count,
                "dynamicBatch": dynamic,
            })
            print(f"exported {file}", flush=True)
    manifest = {"torch": torch.__version__, "torchvision": torchvision.__version__, "opset": OPSET,
                "models": entries}
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], set(sys.argv[2:]) or None)
