"""``leafdream bench``: speed (Gibbs, training), ``--render`` frame times, ``--camera`` the camera path; each
figure next to its baseline from the same run."""

from __future__ import annotations

import json

from leafdream.commands.arguments import add_model, model_path, size_pair
from leafdream.errors import LeafdreamError


def bench_command(model_path, as_json: bool, seconds: float) -> dict:
    from leafdream.measure.speed import run_bench, RECIPE_BATCH

    figures = run_bench(model_path, seconds)
    if as_json:
        print(json.dumps(figures, indent=1))
        return figures
    f = figures
    print(f"Gibbs sampling, {f['chains']} chains, {f['shape'][0]}x{f['shape'][1]} (chain-steps/s; median of alternating rounds)")
    print(f"  leafdream chains      {f['gibbs_chain_steps_per_s']:9.0f}   (incremental: only flipped units' rows)")
    print(f"  leafdream dense step  {f['fused_dense_gibbs_chain_steps_per_s']:9.0f}   fused kernel, no increments: "
          f"{f['fused_dense_share_of_dense_limit']:.2f} of the limit")
    print(f"  two bare matmuls      {f['dense_limit_chain_steps_per_s']:9.0f}   ours/limit   = {f['gibbs_share_of_dense_limit']:.2f}  (goal >= 0.80)")
    print(f"  plain numpy step      {f['numpy_gibbs_chain_steps_per_s']:9.0f}   ours/numpy   = {f['gibbs_vs_numpy']:.2f}  (goal >= 1.3)")
    print(f"  sklearn float32       {f['sklearn_gibbs_chain_steps_per_s']:9.0f}   ours/sklearn = {f['gibbs_vs_sklearn']:.2f}  (goal >= 2)")
    print(f"  sklearn float64       {f['sklearn64_gibbs_chain_steps_per_s']:9.0f}   ours/sklearn64 = {f['gibbs_vs_sklearn64']:.2f}  (goal >= 3)")
    print(f"Training, {f['train_gibbs_steps']} Gibbs step (samples/s, one epoch; ours: centered PCD with momentum and "
          f"weight decay; sklearn: plain PCD)")
    print("  batch   leafdream   sklearn float32   sklearn float64   ours/sklearn32   ours/sklearn64")
    for batch in f["train_batch_sizes"]:
        print(f"  {batch:5d}   {f[f'train_samples_per_s_batch_{batch}']:9.0f}   "
              f"{f[f'sklearn_train_samples_per_s_batch_{batch}']:15.0f}   {f[f'sklearn64_train_samples_per_s_batch_{batch}']:15.0f}"
              f"   {f[f'train_vs_sklearn_batch_{batch}']:14.1f}   {f[f'train_vs_sklearn64_batch_{batch}']:14.1f}")
    print(f"  the shipped recipe (batch {RECIPE_BATCH}): {f[f'train_samples_per_s_batch_{RECIPE_BATCH}']:.0f}, "
          f"{f['train_recipe_vs_sklearn_default']:.1f}x sklearn's fit at its defaults (batch 10) with float32, "
          f"{f['train_recipe_vs_sklearn64_default']:.1f}x with float64")
    print("Training at the recipe's shapes, batches and methods, against the bare matmuls of the same step (samples/s)")
    print("  layer   shape       method   batch   epochs   leafdream   bare matmuls   share")
    for layer in f["train_recipe_layers"]:
        shape = f"{layer['shape'][0]}x{layer['shape'][1]}"
        method = f"{layer['method'].upper()}-{layer['gibbs_steps']}"
        print(f"  {layer['layer']:5d}   {shape:<10}  {method:<7}  {layer['batch']:5d}   {layer['epochs']:6d}   "
              f"{layer['samples_per_s']:9.0f}   {layer['limit_samples_per_s']:12.0f}   {layer['share_of_limit']:5.2f}")
    print(f"  whole recipe (layers weighted by their epochs): {f['train_samples_per_s']:.0f} of "
          f"{f['train_limit_samples_per_s']:.0f}, share {f['train_share_of_limit']:.2f}  (goal >= 0.80)")
    print(f"Warm start to first dream image: {f['warm_start_to_first_sample_s']:.2f} s  (goal < 2)")
    return figures



def render_bench_command(model_path, as_json: bool, seconds: float, show: str, size) -> dict:
    from leafdream.measure.speed import run_render_bench

    f = run_render_bench(model_path, show, seconds, size)
    if as_json:
        print(json.dumps(f, indent=1))
        return f
    print(f"Rendering '{f['render_show']}', {f['render_size'][0]}x{f['render_size'][1]} at {f['render_fps']} fps, "
          f"{f['render_seconds']:.0f} s of show time, headless (work per frame; budget {f['render_frame_budget_ms']:.1f} ms)")
    print(f"  governor on   p50 {f['render_p50_ms_governor_on']:6.2f} ms   p99 {f['render_p99_ms_governor_on']:6.2f} ms"
          f"   (mean effort {f['render_mean_effort']:.2f})")
    print(f"  governor off  p50 {f['render_p50_ms_governor_off']:6.2f} ms   p99 {f['render_p99_ms_governor_off']:6.2f} ms")
    print(f"  memory (RSS)  {f['render_rss_start_mb']:.0f} MB after 5 s, {f['render_rss_end_mb']:.0f} MB at the end")
    print(f"  outlines in the first 5 s: edge 10-90 % {f['render_edge_width_px']:.1f} px wide, "
          f"{100 * f['render_staircase']:.1f} % longer than smoothed over 48 px (crisp: at most 6 px and 3 %)")
    for scene, outline in f["render_scene_outlines"].items():
        print(f"    {scene:<9} edge {outline['edge_width_px']:5.1f} px   staircase {100 * outline['staircase']:5.1f} %"
              f"   ({outline['outline_px']:.0f} px of outline)")
    print(f"Warm start to first frame (run --frames 1, SDL dummy): {f['warm_start_to_first_frame_s']:.2f} s  (goal < 3)")
    return f


def camera_bench_command(model_path, data_dir, as_json: bool, seconds: float, count: int, size,
                         per_group: int = 30) -> dict:
    """Quality on ``count`` composites and ``per_group`` visitor scenes per skin type (held-out real leaves from
    ``data_dir`` if given), then the live path's timing."""
    from leafdream.camera.hands import make_detector
    from leafdream.data.visitor_scenes import SKIN_GROUPS
    from leafdream.measure.camera import completion_quality, pipeline_timing, visitor_quality, FRAME_SHAPE

    import json

    from leafdream.model.split import training_leaves, training_split
    from leafdream.model.modelfile import load_model
    from leafdream.scenes.context import load_context

    context = load_context(model_path)
    leaf_masks = None
    if data_dir is not None:
        model = load_model(model_path)
        leafset = training_leaves(model, data_dir)
        _, held_index = training_split(model, leafset)
        leaf_masks = [leafset.masks[i] for i in held_index]
    figures = completion_quality(context, leaf_masks, count)
    figures.update(visitor_quality(context, leaf_masks, per_group, detector=make_detector(still_photos=True)))
    figures.update(visitor_quality(context, leaf_masks, per_group, hands_given=True))
    figures.update(pipeline_timing(context, model_path, seconds, size, leaf_mask=leaf_masks[0] if leaf_masks else None))
    if as_json:
        print(json.dumps(figures, indent=1))
        return figures
    f = figures
    print(f"camera completion, {f['camera_composites']} composites of {f['camera_leaves']} at "
          f"{FRAME_SHAPE[1]}x{FRAME_SHAPE[0]} (a hand hides {f['camera_leaf_share_under_hand']:.0%} of the leaf):")
    print(f"  IoU with the true leaf   network {f['camera_iou']:.3f}   cv2.inpaint (Telea) {f['camera_telea_iou']:.3f}"
          f"   perfect fill {f['camera_perfect_fill_iou']:.3f}  (goal >= 0.9, better than Telea)")
    print(f"  hidden pixels wrong      network {f['camera_hidden_error']:.4f}   Telea {f['camera_telea_hidden_error']:.4f}"
          f"   network/Telea = {f['camera_hidden_error_vs_telea']:.2f}; network better on "
          f"{f['camera_better_than_telea_share']:.0%} of leaves")
    print(f"visitors, {f['visitor_scenes_per_group']} scenes per skin type of {f['visitor_leaves']} (a body, clothes, "
          f"backdrops and leaves of every colour, uneven light); leaf IoU of the completed leaf (goal >= 0.92 in "
          f"every group):")
    for prefix, hands in (("visitor", "the hand detector where it finds the hand, else skin colour"),
                          ("visitor_hands_given", "each scene's true hand given, as if the detector found every one")):
        print(f"  hands: {hands}")
        for path, words in (("live", "live (empty scene learnt)"), ("photo", "photo (no empty scene)")):
            print(f"    {words}")
            for group in SKIN_GROUPS:
                key = f"{prefix}_{path}_{group}"
                print(f"      {group:>3}  network {f[key + '_leaf_iou']:.3f}   Telea {f[key + '_telea_iou']:.3f}   visible "
                      f"leaf {f[key + '_visible_iou']:.3f}   hand-hidden marked {f[key + '_hidden_recall']:.2f}   no leaf "
                      f"{f[key + '_no_leaf']}")
            print(f"      worst group {f[f'{prefix}_{path}_worst_group_iou']:.3f}, best "
                  f"{f[f'{prefix}_{path}_best_group_iou']:.3f}")
    print(f"live pipeline, {seconds:.0f} s (camera 30 fps -> segmentation -> completion -> camera scene at "
          f"{f['camera_screen_size'][0]}x{f['camera_screen_size'][1]}):")
    print(f"  frame arrival to completed leaf on screen  p50 {f['camera_latency_p50_ms']:.0f} ms   p99 "
          f"{f['camera_latency_p99_ms']:.0f} ms   max {f['camera_latency_max_ms']:.0f} ms  (goal <= 100)")
    print(f"    of which: frame to completed leaf p50 {f['camera_frame_to_completion_p50_ms']:.0f} ms, p99 "
          f"{f['camera_frame_to_completion_p99_ms']:.0f} ms (the completion itself p50 {f['camera_completion_p50_ms']:.0f},"
          f" p99 {f['camera_completion_p99_ms']:.0f} ms); the rest waits for the next screen frame")
    print(f"  completions {f['camera_completions_per_s']:.1f} per s  (goal >= 15)   screen {f['camera_screen_fps']:.1f} fps,"
          f" p99 work {f['camera_screen_p99_work_ms']:.1f} ms (budget {f['camera_screen_budget_ms']:.1f})")
    return figures


def add_parser(commands) -> None:
    parser = commands.add_parser("bench", help="speed figures, each next to its baseline from the same run")
    add_model(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seconds", type=float, default=None,
                        help="time per measurement (default 1.5), or show time with --render (default 60)")
    parser.add_argument("--render", action="store_true", help="frame times of a show at --size, governor on and off")
    parser.add_argument("--show", default="default", help="with --render: the show (default 'default')")
    parser.add_argument("--size", type=size_pair, default=(1920, 1080),
                        help="with --render or --camera: screen WxH (default 1920x1080)")
    parser.add_argument("--camera", action="store_true",
                        help="camera completion quality on made-up frames, and latency of the live camera path")
    parser.add_argument("--data", default=None,
                        help="with --camera: the training data folder, to composite the model's held-out real leaves")
    parser.add_argument("--composites", type=int, default=60, help="with --camera: how many composites (default 60)")
    parser.add_argument("--per-group", type=int, default=30,
                        help="with --camera: visitor scenes per skin type I-VI and path (default 30: with fewer, one "
                             "hard scene moves a group's figure by several points)")


def run(args) -> int:

    if args.camera:
        if args.composites < 1:
            raise LeafdreamError(f"--composites must be at least 1, got {args.composites}")
        if args.per_group < 1:
            raise LeafdreamError(f"--per-group must be at least 1, got {args.per_group}")
        camera_bench_command(model_path(args.model), args.data, args.json, args.seconds or 10.0, args.composites,
                             args.size, args.per_group)
    elif args.render:
        render_bench_command(model_path(args.model), args.json, args.seconds or 60.0, args.show, args.size)
    else:
        bench_command(model_path(args.model), as_json=args.json, seconds=args.seconds or 1.5)
    return 0
