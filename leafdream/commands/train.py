"""``leafdream train --data DIR --out FILE``: a model trained on a folder of leaf masks by the recipe."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pathlib import Path
from leafdream.commands.arguments import layer_sizes, positive_int
from leafdream.errors import LeafdreamError


if TYPE_CHECKING:
    from leafdream.model.modelfile import Model
    from leafdream.training.pipeline import TrainingPlan

def train_command(data_dir: str, out: str, plan: TrainingPlan, progress: bool = True, log=print) -> Model:
    from leafdream.data.leaves import load_leaf_folder
    from leafdream.model.modelfile import save_model
    from leafdream.training.pipeline import train_model

    target = Path(out)
    if target.is_dir():
        raise LeafdreamError(f"--out {out}: is a folder; give a file name like {target / 'model.npz'}")
    if target.suffix != ".npz":
        raise LeafdreamError(f"--out {out}: model files end in .npz")
    plan.validate()
    leafset = load_leaf_folder(data_dir, plan.holdout_per_species)
    if leafset.skipped:
        log(f"skipped {len(leafset.skipped)} of {len(leafset.skipped) + len(leafset.masks)} images in {data_dir}:")
        for rel, why in leafset.skipped:
            log(f"  {rel}: {why}")
    model = train_model(leafset, plan, progress, log)
    save_model(model, out)
    log(f"saved {out} ({Path(out).stat().st_size / 1e6:.1f} MB) after {model.metadata['training']['seconds']} s")
    return model


def add_parser(commands) -> None:
    parser = commands.add_parser("train", help="train a model on a folder of leaf masks or leaf photos")
    parser.add_argument("--data", required=True,
                        help="folder of leaf masks or photos (one leaf on a plain background each), "
                             "in one folder per species or all in one")
    parser.add_argument("--out", required=True, help="model file to write (.npz)")
    parser.add_argument("--size", type=positive_int, default=64, help="side of the square model image (default 64)")
    parser.add_argument("--hidden", type=layer_sizes, default=None, help="hidden layer sizes (default 500,500,250)")
    parser.add_argument("--epochs", type=positive_int, default=None, help="epochs for every layer (default: the recipe's)")
    parser.add_argument("--augment", type=positive_int, default=None,
                        help="copies of each leaf incl. jittered ones (default: 8 for 1400 leaves, up to 64 for fewer)")
    parser.add_argument("--gibbs-steps", type=positive_int, default=None, help="Gibbs steps per update for the PCD layers")
    parser.add_argument("--holdout", type=int, default=2, help="leaves per species kept out of training (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the whole training run (default 0)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def plan_from(args) -> TrainingPlan:
    """The recipe, changed only where an option asks."""
    from leafdream.training.pipeline import TrainingPlan

    if args.holdout < 0:
        raise LeafdreamError(f"--holdout must be 0 or more, got {args.holdout}")
    plan = TrainingPlan(size=args.size, seed=args.seed, augment_copies=args.augment, holdout_per_species=args.holdout)
    if args.hidden:
        plan.hidden = args.hidden
        recipe = plan.layers
        plan.layers = [recipe[min(i, len(recipe) - 1)] for i in range(len(args.hidden))]
        plan.layers = [type(c)(**vars(c)) for c in plan.layers]
    for config in plan.layers:
        if args.epochs:
            config.epochs = args.epochs
        if args.gibbs_steps and config.method == "pcd":
            config.gibbs_steps = args.gibbs_steps
    return plan


def run(args) -> int:

    train_command(args.data, args.out, plan_from(args), progress=not args.quiet)
    return 0
