"""Train the exported network on its data.

Run it on one machine:              python train.py
or on several GPUs or processes:    torchrun --nproc_per_node 4 train.py

Under torchrun each process trains on its own share of every batch
(DistributedDataParallel: NCCL on CUDA, Gloo on CPU); gradients are averaged,
so all processes keep identical weights. Only the first process logs and saves.
"""

import argparse
import math  # noqa: F401 (lr_factor uses it once the export has written it in)
import os
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from model import Network, load_tensors, save_tensors
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

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
}
# --- end of settings ---


def make_scheduler(optimizer, settings):
    """The learning-rate schedule, stepped once after every optimizer step.

    LambdaLR counts from 0 (before the first step); lr_factor from 1 (the first step).
    """
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: lr_factor(
        s + 1, settings["steps"], settings["schedule"], settings["warmup_steps"],
        settings["decay_every"], settings["gamma"]))


def make_optimizer(parameters, settings):
    name, lr, decay = settings["optimizer"], settings["lr"], settings["weight_decay"]
    if name == "sgd":
        return torch.optim.SGD(parameters, lr=lr, momentum=settings["momentum"],
                               weight_decay=decay)
    if name == "adamw":
        return torch.optim.AdamW(parameters, lr=lr, weight_decay=decay)
    return torch.optim.Adam(parameters, lr=lr, weight_decay=decay)


def loss_fn(logits, target, output_kind):
    """The training loss for the network's output head."""
    if output_kind == "RegressionOutput":
        return F.mse_loss(logits, target)
    if logits.dim() == 3 and target.dim() == 2:  # one class per token: N×T×K
        logits = logits.transpose(1, 2)
    return F.cross_entropy(logits, target)


def accuracy(logits, target, output_kind):
    """The share of correct predictions (of examples, tokens or pixels); None for regression."""
    if output_kind == "RegressionOutput":
        return None
    if logits.dim() == 3 and target.dim() == 2:
        logits = logits.transpose(1, 2)
    return (logits.argmax(1) == target).float().mean().item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data.safetensors", help="x_train, y_train, ... file")
    parser.add_argument("--steps", type=int, default=SETTINGS["steps"])
    parser.add_argument("--out", default="checkpoints", help="folder for checkpoints")
    parser.add_argument("--save-every", type=int, default=0, help="steps between checkpoints")
    args = parser.parse_args()
    settings = dict(SETTINGS, steps=args.steps)

    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank = dist.get_rank() if distributed else 0
    world = dist.get_world_size() if distributed else 1
    if torch.cuda.is_available():
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")

    torch.manual_seed(settings["seed"])  # the same starting weights in every process
    data = load_tensors(args.data)
    train = TensorDataset(data["x_train"], data["y_train"])
    batch = max(1, settings["batch_size"] // world)
    sampler: DistributedSampler | None = (
        DistributedSampler(train, seed=settings["seed"]) if distributed else None)
    loader = DataLoader(train, batch_size=batch, sampler=sampler, shuffle=sampler is None,
                        drop_last=len(train) >= batch * world)

    network = Network().to(device)
    model = DistributedDataParallel(network) if distributed else network
    optimizer = make_optimizer(model.parameters(), settings)
    scheduler = make_scheduler(optimizer, settings)
    if rank == 0:
        os.makedirs(args.out, exist_ok=True)
        print(f"training on {device} in {world} process(es), {len(train)} examples")

    step, epoch, start = 0, 0, time.perf_counter()
    while step < settings["steps"]:
        if sampler is not None:
            sampler.set_epoch(epoch)
        for x, y in loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            logits = model(x)
            loss = loss_fn(logits, y, settings["output_kind"])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if settings["grad_clip"] > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), settings["grad_clip"])
            optimizer.step()
            scheduler.step()
            step += 1
            if rank == 0 and (step % settings["log_every"] == 0 or step == settings["steps"]):
                share = accuracy(logits, y, settings["output_kind"])
                shown = "" if share is None else f"  accuracy {share:.3f}"
                rate = step / (time.perf_counter() - start)
                print(f"step {step:>6}  loss {loss.item():.4f}{shown}  ({rate:.1f} steps/s)")
            if rank == 0 and args.save_every and step % args.save_every == 0:
                path = os.path.join(args.out, f"step{step}.safetensors")
                save_tensors(network.state_dict(), path)
            if step >= settings["steps"]:
                break
        epoch += 1

    if distributed:  # every process must hold the same weights: check, then finish
        flat = torch.cat([p.detach().reshape(-1) for p in network.parameters()])
        gathered = [torch.empty_like(flat) for _ in range(world)]
        dist.all_gather(gathered, flat)
        spread = max((g - flat).abs().max().item() for g in gathered)
        if rank == 0:
            print(f"weights identical on all {world} processes (largest difference {spread:.3g})")
        dist.destroy_process_group()
    if rank == 0:
        final = os.path.join(args.out, "final.safetensors")
        save_tensors(network.state_dict(), final)
        print(f"saved {final}")


if __name__ == "__main__":
    main()
