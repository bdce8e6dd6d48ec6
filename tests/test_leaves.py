import numpy as np
import pytest
from PIL import Image

from leafdream.errors import LeafdreamError
from leafdream.data.leaves import load_leaf_folder, load_mask, mask_from_image
from leafdream.data.normalise import Pose, estimate_pose, normalise, similarity, warp_to_image, warp_to_model
from leafdream.data.procedural import SPECIES, draw_leaf, generate_leaves


def iou(a, b):
    a, b = a > 0.5, b > 0.5
    return (a & b).sum() / max((a | b).sum(), 1)


def test_generated_species_differ_more_between_than_within():
    masks, names = generate_leaves(per_species=4, size=96, seed=0)
    images = np.array([normalise(m.astype(np.float32) / 255, 32)[0].ravel() for m in masks])
    names = np.array(names)
    within, between = [], []
    for i in range(len(images)):
        for j in range(i + 1, len(images)):
            (within if names[i] == names[j] else between).append(iou(images[i], images[j]))
    assert np.mean(within) > np.mean(between) + 0.1
    assert len(set(names)) == len(SPECIES)


def test_polarity_is_detected_both_ways():
    leaf = draw_leaf(SPECIES[0], np.random.default_rng(0), 96)
    white_on_black = mask_from_image(leaf)
    black_on_white = mask_from_image(255 - leaf)
    np.testing.assert_allclose(white_on_black, black_on_white, atol=1e-6)
    assert white_on_black[48, 48] == 1.0 and white_on_black[0, 0] == 0.0


def test_a_photo_of_a_leaf_on_a_plain_ground_becomes_a_mask(rng):
    leaf = draw_leaf(SPECIES[2], rng, 128) > 127
    photo = np.zeros((128, 128, 3), np.uint8)
    photo[:] = (235, 230, 220)
    photo[leaf] = (40, 120, 50)
    photo = np.clip(photo + rng.normal(0, 8, photo.shape), 0, 255).astype(np.uint8)
    mask = mask_from_image(photo)
    assert iou(mask, leaf) > 0.95
    with pytest.raises(LeafdreamError, match="not a leaf mask"):
        mask_from_image(photo, source="leaf.jpg", require_mask=True)


@pytest.mark.parametrize("content, message", [
    (np.zeros((64, 64), np.uint8), "no leaf found"),
    (np.full((64, 64), 255, np.uint8), "no leaf found"),
])
def test_blank_images_are_not_leaves(content, message):
    with pytest.raises(LeafdreamError, match=message):
        mask_from_image(content, source="blank.png")


def test_normalisation_undoes_rotation_scale_and_shift(rng):
    leaf = draw_leaf(SPECIES[0], np.random.default_rng(5), 160, pose_jitter=False).astype(np.float32) / 255
    reference, _ = normalise(leaf, 48)
    for _ in range(4):
        moved = cv2_move(leaf, rng)
        image, _ = normalise(moved, 48)
        assert iou(image, reference) > 0.9


def cv2_move(leaf, rng):
    import cv2
    matrix = similarity(leaf.shape[0], rng.uniform(0, 360), rng.uniform(0.7, 1.1), shift=tuple(rng.uniform(-10, 10, 2)))
    return cv2.warpAffine(leaf, matrix, leaf.shape[::-1])


def test_pose_round_trip_returns_to_the_photo(rng):
    leaf = draw_leaf(SPECIES[3], rng, 200).astype(np.float32) / 255
    pose = estimate_pose(leaf, 64)
    back = warp_to_image(warp_to_model(leaf, pose), pose, leaf.shape)
    assert iou(back, leaf) > 0.9
    assert isinstance(pose, Pose) and 0.1 < pose.scale < 1


def test_folder_loading_and_held_out_split(leaf_folder):
    leafset = load_leaf_folder(leaf_folder)
    assert len(leafset.masks) == 6 * 8
    assert leafset.held_out.sum() == 6 * 2
    for name in leafset.species_names:
        files = [f for f, s in zip(leafset.files, leafset.species) if s == name]
        held = [f for f, s, h in zip(leafset.files, leafset.species, leafset.held_out) if s == name and h]
        assert held == files[-2:]
    assert leafset.fingerprint() == load_leaf_folder(leaf_folder).fingerprint()


def test_manifest_layout_is_read(tmp_path, leaf_folder):
    rows = ["file,species,source_file"]
    for path in sorted(leaf_folder.rglob("*.png"))[:6]:
        target = tmp_path / path.relative_to(leaf_folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
        rows.append(f"{path.relative_to(leaf_folder).as_posix()},Some_Species,x")
    (tmp_path / "manifest.csv").write_text("\n".join(rows) + "\n")
    leafset = load_leaf_folder(tmp_path)
    assert leafset.species_names == ["some_species"] and len(leafset.masks) == 6


def test_missing_empty_and_leafless_folders_are_named(tmp_path, rng):
    with pytest.raises(LeafdreamError, match="does not exist"):
        load_leaf_folder(tmp_path / "nowhere")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(LeafdreamError, match="no images found"):
        load_leaf_folder(empty)
    broken = tmp_path / "broken" / "acer"
    broken.mkdir(parents=True)
    (broken / "01.png").write_bytes(b"\x89PNG this is not a png")
    Image.fromarray(rng.integers(0, 255, (64, 64), dtype=np.uint8)).save(broken / "02.png")
    with pytest.raises(LeafdreamError, match=r"none of its 2 images.*01\.png: not a readable image.*"
                                             r"02\.png: the background is not plain"):
        load_leaf_folder(tmp_path / "broken")
    with pytest.raises(LeafdreamError, match="no such file"):
        load_mask(tmp_path / "nothing.png")


def _photo_folder(root, rng, count, leaf_colours=("green", "red", "yellow"), sheets=((235, 235, 230), (30, 30, 32))):
    from leafdream.data.visitor_scenes import leaf_photo

    root.mkdir(parents=True)
    shots = []
    for k in range(count):
        mask = draw_leaf(SPECIES[k % len(SPECIES)], rng, 160, pose_jitter=False).astype(np.float32) / 255
        shot = leaf_photo(rng, mask, leaf_colour=leaf_colours[k % len(leaf_colours)], sheet=sheets[k % len(sheets)])
        Image.fromarray(shot.photo).save(root / f"leaf{k + 1}.{'jpg' if k % 2 else 'png'}", quality=90)
        shots.append(shot)
    return shots


def test_a_flat_folder_of_leaf_photos_loads_and_names_what_it_skips(tmp_path, rng):
    folder = tmp_path / "my leaves"
    _photo_folder(folder, rng, 6)
    (folder / "notes.png").write_bytes(b"not an image")
    busy = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    Image.fromarray(busy).save(folder / "holiday.jpg")
    leafset = load_leaf_folder(folder)
    assert len(leafset.masks) == 6 and leafset.species_names == ["my leaves"]
    assert leafset.held_out.sum() == 2
    assert dict(leafset.skipped).keys() == {"notes.png", "holiday.jpg"}
    assert "not a readable image" in dict(leafset.skipped)["notes.png"]
    assert "background is not plain" in dict(leafset.skipped)["holiday.jpg"]


def test_leaf_photos_of_every_colour_on_sheets_of_every_colour_become_their_leaf():
    """Per leaf colour, on every sheet whose colour differs from the leaf's (CIELAB, lightness at half
    weight, at least 25 units apart): found with IoU >= 0.9 in at least 9 photos of 10, never a wrong leaf
    taken silently; sheets of the leaf's own colour are refused in words, not mistaken."""
    import cv2

    from leafdream.data.leaf_photos import LIGHTNESS_WEIGHT, mask_from_photo
    from leafdream.data.visitor_scenes import COLOURS, LEAF_COLOURS, LEAF_TONES, leaf_photo

    def lab(rgb):
        return cv2.cvtColor(np.array([[rgb]], np.float32) / 255, cv2.COLOR_RGB2LAB)[0, 0] * [LIGHTNESS_WEIGHT, 1, 1]

    rng = np.random.default_rng(11)
    found_well = {colour: [] for colour in LEAF_COLOURS}
    for k in range(210):
        colour = LEAF_COLOURS[k % len(LEAF_COLOURS)]
        sheet = COLOURS[rng.integers(len(COLOURS))]
        apart = np.linalg.norm(lab(LEAF_TONES[colour]) - lab(sheet))
        mask = draw_leaf(SPECIES[k % len(SPECIES)], rng, 160, pose_jitter=False).astype(np.float32) / 255
        shot = leaf_photo(rng, mask, leaf_colour=colour, sheet=sheet)
        try:
            found = mask_from_photo(shot.photo) > 0.5
        except LeafdreamError as exc:
            assert "stands out" in str(exc) or apart >= 25, str(exc)
            found = None
        if apart >= 25:
            truth = cv2.resize(shot.leaf.astype(np.uint8), found.shape[::-1], interpolation=cv2.INTER_NEAREST) > 0 \
                if found is not None else None
            found_well[colour].append(found is not None and iou(found, truth) >= 0.9)
    for colour, hits in found_well.items():
        assert len(hits) >= 10 and np.mean(hits) >= 0.9, (colour, np.mean(hits), len(hits))


def test_a_16_bit_leaf_mask_reads_as_the_same_leaf(tmp_path):
    from PIL import Image

    from leafdream.data.leaves import load_mask

    mask = np.zeros((64, 64), np.uint16)
    mask[16:48, 20:44] = 65535
    Image.fromarray(mask).save(tmp_path / "deep.png")
    eight = np.zeros((64, 64), np.uint8)
    eight[16:48, 20:44] = 255
    Image.fromarray(eight).save(tmp_path / "flat.png")
    np.testing.assert_array_equal(load_mask(tmp_path / "deep.png") > 0.5, load_mask(tmp_path / "flat.png") > 0.5)
    assert (load_mask(tmp_path / "deep.png") > 0.5).sum() == 32 * 24


def test_an_image_too_large_to_read_is_refused_before_it_is_decoded(tmp_path):
    from PIL import Image

    from leafdream.data import leaves
    from leafdream.data.leaves import read_image

    Image.new("L", (300, 200)).save(tmp_path / "wide.png")
    original = leaves.MOST_PIXELS
    leaves.MOST_PIXELS = 50_000
    try:
        with pytest.raises(LeafdreamError, match="300x200.*scale it down"):
            read_image(tmp_path / "wide.png")
    finally:
        leaves.MOST_PIXELS = original
    assert read_image(tmp_path / "wide.png").shape == (200, 300)
