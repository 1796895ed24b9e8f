"""Train the exported network on its data.

    python train.py                          # one process
    torchrun --nproc_per_node 4 train.py     # four GPUs (or CPU processes)
    torchrun --nnodes 2 --nproc_per_node 4 --rdzv_backend c10d
        --rdzv_endpoint HOST:PORT train.py   # the same line on each machine

--batch-size is the global batch: W processes take batch_size / W examples each
(it must divide evenly), so loss, gradients and schedule do not depend on W.
Data and checkpoints are found beside this file; only the first process writes;
--resume checkpoints/stepN.pt goes on bit for bit with as many processes.
"""

import argparse
import json
import math  # noqa: F401 (lr_factor uses it once the export has written it in)
import os
import random
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from model import Network, load_tensors
from safetensors.torch import save_file
from torch.nn.parallel import DistributedDataParallel
from torch.optim.lr_scheduler import LambdaLR

from explorer.train.optim import lr_factor  # the export writes the function itself here

# --- settings: written at export, edit freely ---
SETTINGS = {
    "output_kind": "ClassificationOutput",
    "optimizer": "adam",
    "lr": 0.001,
    "momentum": 0.9,
    "weight_decay": 0.0,
    "schedule": "constant",
    "decay_every": 1000,
    "gamma": 0.5,
    "warmup_steps": 0,
    "batch_size": 64,
    "steps": 1000,
    "grad_clip": 0.0,
    "seed": 0,
    "log_every": 10,
    "val_every": 100,
}
# --- end of settings ---


def make_scheduler(optimizer, settings):
    """The rate schedule, stepped after every step: LambdaLR counts from 0, lr_factor 1."""
    names = ("steps", "schedule", "warmup_steps", "decay_every", "gamma")
    schedule = [settings[name] for name in names]
    return LambdaLR(optimizer, lambda step: lr_factor(step + 1, *schedule))


def make_optimizer(parameters, settings):
    lr, decay = settings["lr"], settings["weight_decay"]
    if settings["optimizer"] == "sgd":
        return torch.optim.SGD(parameters, lr, settings["momentum"], weight_decay=decay)
    kind = torch.optim.AdamW if settings["optimizer"] == "adamw" else torch.optim.Adam
    return kind(parameters, lr=lr, weight_decay=decay)


def parse_args(world):
    """Every flag (see --help); what cannot work is refused before any process starts."""
    here = Path(__file__).resolve().parent  # data and results beside train.py
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        epilog="The last step always validates and writes a checkpoint (0: only then).",
    )
    for flag, kind, default, meaning in [
        ("--data", Path, here / "data.safetensors", "x_train, y_train, x_val, y_val"),
        ("--out", Path, here / "checkpoints", "stepN.pt, metrics.jsonl, final weights"),
        ("--steps", int, SETTINGS["steps"], "steps in all (the schedule spans them)"),
        ("--batch-size", int, SETTINGS["batch_size"], "global: over all processes"),
        ("--log-every", int, SETTINGS["log_every"], "steps between log lines"),
        ("--val-every", int, SETTINGS["val_every"], "steps between validations, or 0"),
        ("--checkpoint-every", int, 0, "steps between checkpoints, or 0"),
        ("--resume", Path, None, "a checkpoint (stepN.pt) to continue from"),
    ]:
        parser.add_argument(flag, type=kind, default=default, help=meaning)
    parser.add_argument("--amp", choices=["bf16", "fp16"], help="CUDA mixed precision")
    args = parser.parse_args()
    for name in ("steps", "batch_size", "log_every"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be 1 or more")
    if args.batch_size % world:  # say so rather than train on a smaller batch
        n = args.batch_size
        parser.error(f"--batch-size {n} does not split evenly over {world} processes")
    if args.amp and not torch.cuda.is_available():
        parser.error("--amp needs a CUDA GPU; leave it out to train in float32 here")
    if args.resume and not args.resume.is_file():
        parser.error(f"there is no checkpoint {args.resume}")
    return args


def measure(logits, target, output_kind):
    """[the loss summed over all predictions, their number, how many were right]."""
    right = torch.zeros((), device=logits.device)
    if output_kind == "RegressionOutput":
        loss = F.mse_loss(logits.float(), target, reduction="sum")
    else:
        if logits.dim() == 3 and target.dim() == 2:  # one class per token: N×T×K
            logits = logits.transpose(1, 2)
        loss = F.cross_entropy(logits.float(), target, reduction="sum")
        right = (logits.argmax(1) == target).sum().float()
    return torch.stack([loss, loss.new_full((), target.numel()), right]).double()


@torch.no_grad()
def validate(network, x_val, y_val, batch, rank, world, device, autocast):
    """Loss and accuracy on the validation data: each process scores every W-th example."""
    if world > 1:  # BatchNorm statistics differ: all score with the first process's
        for buffer in network.buffers():
            dist.broadcast(buffer, 0)
    network.eval()
    sums = torch.zeros(3, dtype=torch.float64, device=device)  # loss, count, right
    for part in torch.arange(rank, len(x_val), world).split(batch):
        x, y = x_val[part].to(device), y_val[part].to(device)
        with autocast:
            sums += measure(network(x), y, SETTINGS["output_kind"])
    network.train()
    if world > 1:  # the sums over all processes, then one division
        dist.all_reduce(sums)
    loss, count, right = sums.tolist()
    return loss / max(count, 1), right / max(count, 1)


def write_whole(path, save):
    """``save(temporary)``, then a rename: a crash never leaves half a file at ``path``."""
    temporary = path.with_name(f".{path.name}.tmp")
    save(temporary)
    os.replace(temporary, path)


def save_checkpoint(path, parts, **progress):
    """Every part's and random generator's state, and the progress: all a run needs."""
    numpy = np.random.get_state(legacy=False)  # key: a tensor, for weights_only
    numpy["state"]["key"] = torch.from_numpy(numpy["state"]["key"].astype(np.int64))
    rng = dict(torch=torch.get_rng_state(), python=random.getstate(), numpy=numpy)
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state()
    state = {name: part.state_dict() for name, part in parts.items()} | progress
    write_whole(path, lambda temporary: torch.save(dict(state, random=rng), temporary))


def load_checkpoint(path, parts):
    """Restore every part and random generator; return the progress saved with them."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    for name, part in parts.items():
        part.load_state_dict(state.pop(name))
    rng = state.pop("random")
    torch.set_rng_state(rng["torch"])
    random.setstate(rng["python"])
    numpy = rng["numpy"]
    numpy["state"]["key"] = numpy["state"]["key"].numpy().astype(np.uint32)
    np.random.set_state(numpy)
    if "cuda" in rng and torch.cuda.is_available():
        torch.cuda.set_rng_state(rng["cuda"])
    return state


def main():
    world = int(os.environ.get("WORLD_SIZE", "1"))
    args = parse_args(world)
    settings = dict(SETTINGS, steps=args.steps)
    local = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(f"cuda:{local}" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    rank = dist.get_rank() if world > 1 else 0
    batch = args.batch_size // world  # this process's share of every global batch
    torch.manual_seed(settings["seed"])  # the same starting weights in every process
    random.seed(settings["seed"])
    np.random.seed(settings["seed"])
    data = load_tensors(args.data)
    x_train, y_train = data["x_train"], data["y_train"]
    x_val, y_val = data["x_val"], data["y_val"]
    per_epoch = len(x_train) // args.batch_size
    if per_epoch == 0:
        raise SystemExit(f"train.py: --batch-size is above the {len(x_train)} examples")
    network = Network().to(device)
    model = DistributedDataParallel(network) if world > 1 else network
    optimizer = make_optimizer(model.parameters(), settings)
    scheduler = make_scheduler(optimizer, settings)
    amp = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(args.amp)
    autocast = torch.autocast(device.type, dtype=amp, enabled=amp is not None)
    scaler = torch.amp.GradScaler(device.type, enabled=args.amp == "fp16")
    parts = dict(model=network, optimizer=optimizer, scheduler=scheduler, scaler=scaler)
    step, epoch, position = 0, 0, 0  # position: batches of this epoch trained on
    if args.resume:
        saved = load_checkpoint(args.resume, parts)
        step, epoch, position = saved["step"], saved["epoch"], saved["position"]
        if saved["batch_size"] != args.batch_size or step >= args.steps:
            go_on = f"--batch-size {saved['batch_size']} --steps {step + 1} or more"
            raise SystemExit(f"train.py: {args.resume} is at step {step}; use {go_on}")

    def log(record):  # the first process prints and keeps every figure
        if rank > 0:
            return
        if settings["output_kind"] == "RegressionOutput":  # no accuracy to speak of
            record = {k: v for k, v in record.items() if "accuracy" not in k}
        words = [f"{k} {v:.5g}" for k, v in record.items() if k != "step"]
        print(f"step {record['step']:>6}  " + "  ".join(words), flush=True)
        with open(args.out / "metrics.jsonl", "a") as f:
            f.write(json.dumps(record) + "\n")

    if rank == 0:
        args.out.mkdir(parents=True, exist_ok=True)
        if not args.resume:  # a new run starts a new log; a resumed one adds to it
            (args.out / "metrics.jsonl").unlink(missing_ok=True)
        print(f"training on {device}: {world} process(es) x {batch} examples a step")
    kind, val = settings["output_kind"], (0.0, 0.0)  # val: loss and accuracy
    window = torch.zeros(3, dtype=torch.float64, device=device)  # loss, count, right
    order, first, start = None, step, time.perf_counter()
    while step < args.steps:
        if position == per_epoch:
            epoch, position = epoch + 1, 0
        if position == 0 or order is None:  # the epoch's order, the same everywhere
            generator = torch.Generator().manual_seed(settings["seed"] + epoch)
            order = torch.randperm(len(x_train), generator=generator)
        mine = order[position * args.batch_size :][rank * batch : (rank + 1) * batch]
        x, y = x_train[mine].to(device), y_train[mine].to(device)
        with autocast:
            scores = measure(model(x), y, kind)
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(scores[0] / scores[1]).backward()
        if settings["grad_clip"] > 0:
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), settings["grad_clip"])
        scaler.step(optimizer)
        scaler.update()
        scheduler.step()
        step, position = step + 1, position + 1
        window += scores.detach()
        last = step == args.steps
        if step % args.log_every == 0 or last:
            if world > 1:
                dist.all_reduce(window)
            total, n, right = window.tolist()
            window.zero_()
            speed = (step - first) / (time.perf_counter() - start)
            log(dict(step=step, loss=total / n, accuracy=right / n, steps_per_s=speed))
        if len(x_val) and (last or (args.val_every and step % args.val_every == 0)):
            val = validate(network, x_val, y_val, batch, rank, world, device, autocast)
            log({"step": step, "val_loss": val[0], "val_accuracy": val[1]})
        if rank == 0 and (last or step % (args.checkpoint_every or args.steps) == 0):
            progress = dict(epoch=epoch, position=position, batch_size=args.batch_size)
            save_checkpoint(args.out / f"step{step}.pt", parts, step=step, **progress)
    if world > 1:  # one float64 checksum of the weights per process, not the weights
        checksum = sum(p.detach().double().sum().item() for p in network.parameters())
        ours = torch.tensor([checksum, *val], dtype=torch.float64, device=device)
        every = [torch.zeros_like(ours) for _ in range(world)]
        dist.all_gather(every, ours)
        dist.destroy_process_group()
        for r, figures in enumerate(t.tolist() for t in every if rank == 0):
            print(f"process {r}: checksum, val loss, val accuracy {figures}")
        if not all(torch.equal(t, ours) for t in every):
            raise SystemExit("train.py: the processes ended with different weights")
    if rank == 0:
        final = args.out / "final.safetensors"
        write_whole(final, lambda path: save_file(network.state_dict(), str(path)))
        print(f"saved {final}")


if __name__ == "__main__":
    main()
