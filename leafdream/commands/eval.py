"""``leafdream eval --data DIR``: quality — completion of held-out leaves against Telea and nearest leaf,
dreams against the training leaves, leaf space."""

from __future__ import annotations

import json

from leafdream.commands.arguments import add_model, model_path, positive_int


def eval_command(model_path, data_dir, as_json: bool, limit: int | None, dream_steps: int, seed: int) -> dict:
    from leafdream.model.dreaming import DEFAULT_LADDER
    from leafdream.model.modelfile import load_model
    from leafdream.leafspace.store import leaf_space_if_any
    from leafdream.model.split import training_leaves, training_split
    from leafdream.measure.quality import (BOUNDARY_TOLERANCE_AT_256, HIDDEN_SHARE, LOBED_SOLIDITY, dream_figures,
                                          inpainting_figures, reconstruction_figures)

    model = load_model(model_path)
    leafset = training_leaves(model, data_dir)
    train_index, held_index = training_split(model, leafset)
    figures = {}
    figures.update(inpainting_figures(model, leafset, train_index, held_index, seed, limit))
    figures.update(reconstruction_figures(model, leafset, held_index, limit))
    space = leaf_space_if_any(model)
    figures.update(dream_figures(model, leafset, train_index, seed, steps=dream_steps, ladder=DEFAULT_LADDER,
                                 codes=space.codes if space else None))
    if space is not None:
        from leafdream.measure.leafspace import map_figures

        figures.update(map_figures(model, leafset, seed))
    if as_json:
        print(json.dumps(figures, indent=1))
    else:
        print(f"inpainting, {figures['inpaint_leaves']} held-out leaves, {HIDDEN_SHARE:.0%} of each hidden by blobs "
              f"(share of hidden pixels called wrong):")
        print(f"  network        {figures['inpaint_error_network']:.4f}")
        print(f"  cv2.inpaint    {figures['inpaint_error_telea']:.4f}   network/telea = {figures['inpaint_network_vs_telea']:.2f}")
        print(f"  nearest leaf   {figures['inpaint_error_nearest_leaf']:.4f}   network/nearest = "
              f"{figures['inpaint_network_vs_nearest_leaf']:.2f}")
        print(f"  boundary F-score of the completed leaf ({BOUNDARY_TOLERANCE_AT_256:g} px of 256): network "
              f"{figures['inpaint_boundary_f_network']:.3f}, cv2.inpaint {figures['inpaint_boundary_f_telea']:.3f}, "
              f"nearest leaf {figures['inpaint_boundary_f_nearest_leaf']:.3f}")
        print(f"reconstructions of {figures['reconstruction_leaves']} whole held-out leaves, boundary F-score "
              f"({BOUNDARY_TOLERANCE_AT_256:g} px of 256): through the pixel layer "
              f"{figures['reconstruction_boundary_f_pixel_layer']:.3f}, through the whole stack "
              f"{figures['reconstruction_boundary_f_whole_stack']:.3f}")
        print(f"dreams, {figures['dream_chains']} chains x {figures['dream_steps_per_chain']} top-level Gibbs steps:")
        print(f"  median IoU to the nearest training leaf {figures['dream_median_nearest_leaf_iou']:.3f}; "
              f"{figures['dream_share_close_to_a_leaf_iou_0_8']:.0%} of frames >= 0.8, "
              f"{figures['dream_share_copies_iou_0_97']:.0%} near-copies (>= 0.97)")
        print(f"  species visited per chain {figures['dream_species_visited_per_chain_mean']:.1f} "
              f"({figures['dream_species_visited_all_chains']} by all chains), "
              f"{figures['dream_species_changes_per_chain_mean']:.0f} changes of nearest species per chain; "
              f"tempering ladder {figures['dream_ladder']}, swap acceptance {figures['dream_swap_acceptance']:.2f}")
        print(f"  lobed (solidity < {LOBED_SOLIDITY}): {figures['dream_share_lobed']:.0%} of dream frames "
              f"(± {figures['dream_share_lobed_error']:.0%}), "
              f"{figures['training_share_lobed']:.0%} of training leaves")
        if "map_leaves" in figures:
            f = figures
            print(f"leaf space, {f['map_leaves']} training leaves (t-SNE of the network's mirror-invariant deep codes vs of raw pixels):")
            print(f"  5-NN species accuracy in the map  {f['map_knn5_species_accuracy']:.3f}   pixels {f['pixel_map_knn5_species_accuracy']:.3f}"
                  f"   (mirror-invariant pixels {f['mirror_pixel_map_knn5_species_accuracy']:.3f}; perplexity {f['map_perplexity']:g})")
            print(f"  trustworthiness (5 neighbours)    {f['map_trustworthiness']:.3f}   pixels {f['pixel_map_trustworthiness']:.3f}")
            print(f"  held-out leaves placed on the map: mean IoU of the leaf imagined there {f['map_held_out_placed_iou_mean']:.3f} "
                  f"(from their own code {f['map_held_out_own_code_iou_mean']:.3f})")
            print(f"  cursor -> image {f['cursor_to_image_ms_median']:.2f} ms median, {f['cursor_to_image_ms_p99']:.2f} ms p99")
            print(f"  wander at {f['cursor_speed_map_widths_per_s']:.0%} of the map per second, {f['cursor_frames']} frames at 60 fps: "
                  f"per-frame mean pixel change max {f['cursor_frame_change_max']:.4f}, p99 {f['cursor_frame_change_p99']:.4f}")
    return figures


def add_parser(commands) -> None:
    parser = commands.add_parser("eval", help="quality figures: inpainting vs Telea and nearest leaf, dreams")
    parser.add_argument("--data", required=True, help="the data folder the model was trained on")
    add_model(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--limit", type=positive_int, default=None, help="evaluate only this many held-out leaves")
    parser.add_argument("--dream-steps", type=positive_int, default=20000, help="Gibbs steps per dreaming chain (default 20000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of hidden blobs and chains (default 0)")


def run(args) -> int:

    eval_command(model_path(args.model), args.data, as_json=args.json, limit=args.limit,
                 dream_steps=args.dream_steps, seed=args.seed)
    return 0
