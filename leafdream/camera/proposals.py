"""Which regions are the leaf: candidate objects at several colour tolerances, each scored as a held leaf.

A leaf of one colour may still be split into several regions (shading, veins, a pale margin,
the fingers across it), and a leaf of nearly the colour of the shirt behind it may share a border
with it. No single colour tolerance joins the first and keeps the second apart, so every tolerance
is tried: at each, the regions joined by borders between similar colours (and pieces of one colour
on either side of the hand) make the candidate objects, each with the regions it encloses. Each
candidate is scored by what makes a held leaf, whatever its colour or the visitor's:

* it is an object *inside* the picture: its contact with the frame's edge counts against it, the
  more the longer it is for the candidate's size (a torso, a sleeve, a wall, a table reach in from
  the edge along a long stretch; a leaf held close may be cut off by it along a short one);
* it is large: of two objects inside, the larger (the whole leaf, not one of its patches);
* it is held: the share of its outline against the hand counts for it;
* its outline is sharp: the mean colour step across it (a leaf's edge is sharp, the edge between
  two patches of a cloth's print or a shadow soft).

All figures come from the region table (areas, colours, edge contact, shared borders) with matrix
products over indicator vectors, so a few hundred candidates cost a millisecond or two.
"""

from __future__ import annotations

import numpy as np

from leafdream.model import numba_setup  # noqa: F401  (sets the cache directory before numba loads)
from leafdream.camera.merging import merge_order, merged_within, numbered_by_root, root_of
from numba import njit

TOLERANCES = (0.0, 6.0, 9.0, 13.0, 18.0, 25.0, 34.0)  # Lab distances between region colours that join them
EDGE_LENGTH = 0.3        # edge contact / sqrt(area) that costs a candidate 1/e of its score: a torso, not a cut leaf
HELD_BONUS = 1.0         # how much an outline all against the hand adds (a share of the score)
ENCLOSED = 0.85          # share of a region's outline on a candidate (or the hand) that makes it enclosed
SHARP = 10.0             # mean colour step (Lab) across an outline at which it counts half: a leaf's edge is sharp,
#                          the edge between two patches of a cloth's print soft
APART = 15.0             # Lab step between an object merged on the way and what it merges with next that makes
#                          it an object of its own, not a piece of a plain one (the soft step of camera/regions.py)
HOLDS = 0.9              # share of the chosen leaf's area a merged object must hold to be that leaf grown whole
MOST_GROWTH = 2.5        # ... and at most this many times its area (a margin or patches, not the shirt behind)
WEAKEST = 0.25           # the least score, as a share of the smallest leaf's area, that is a leaf at all
LARGEST_LEAF = 0.6       # share of the frame a leaf covers at most
SOFT_OUTLINE = 0.5       # share of its outline an object merged by mean colour may have soft...
SOFT_STEP = 5.0          # ...where the mean colour step across it (Lab) is below this: a gradient's, half of SHARP


def components(count: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """int32 (count,): the connected component of each of ``count`` regions joined by the pairs (first, second),
    numbered in the order of each component's lowest region (as scipy's connected_components numbers them, at a
    twentieth of its cost: it is called eight times a frame)."""
    return _components(count, np.asarray(first, np.int64), np.asarray(second, np.int64))


@njit(cache=True, nogil=True)
def _components(count, first, second):
    """Union-find in which a set's root is always its lowest member, so components number in that order."""
    parent = np.arange(count)
    for pair in range(first.shape[0]):
        a, b = root_of(parent, first[pair]), root_of(parent, second[pair])
        if a < b:
            parent[b] = a
        elif b < a:
            parent[a] = b
    return numbered_by_root(parent)


def candidates(table, by_mean_colour: bool = False) -> np.ndarray:
    """bool (n, count): indicator vectors of the candidate objects of a region table (camera/regions.py).

    At each tolerance, regions on either side of the hand are linked as pieces of one object the fingers cut
    apart; where a link across the hand reaches a region at the frame's edge (a sleeve), the objects without
    such links are offered too: a green sleeve linked to a green leaf took the leaf to the edge, where it scored
    as a torso (made-up visitor scenes, seed 0, true hand: completed-leaf IoU +0.02 live, +0.03 in photos; seed 1
    unchanged). It has a cost: in 1 of 150 photos of another seed a shirt's top, linked across the hand to a
    sliver at the edge, was offered without it as an object inside the frame and outscored a thin leaf.

    ``by_mean_colour`` adds, at each tolerance, the objects merged by their mean colours up to it
    (``merging.merged_within``): joining every pair within the tolerance, a mottled brown leaf's darker patches
    chained it to a brown wall at every tolerance that held the leaf together."""
    count = table.count
    present = table.area > 0
    by_hand = table.by_hand & present
    # neighbours, and pieces of one object that the fingers cut apart (both against the hand)
    bordering = table.border[:count, :count] > 0
    linked = (bordering | (by_hand[:, None] & by_hand[None, :])) & present[None, :]
    first, second = np.nonzero(np.triu(linked, 1))
    difference = np.linalg.norm(table.colour[first] - table.colour[second], axis=1)
    # the same links but across the hand only between regions inside the frame: a sleeve of the leaf's colour
    # beside the hand, linked to the leaf across it, took the leaf to the frame's edge
    inside = by_hand & (table.edge == 0)
    across = ~bordering[first, second] & ~(inside[first] & inside[second])
    found, seen = [], set()
    if by_mean_colour:  # the merging kernel's types, once for every tolerance
        colour, area = table.colour.astype(np.float64), np.maximum(table.area, 1.0).astype(np.float64)
        first64, second64 = first.astype(np.int64), second.astype(np.int64)
    for tolerance in TOLERANCES:
        near = difference <= tolerance
        objects = [(components(count, first[near], second[near]), False)]
        if (near & across).any():
            kept = near & ~across
            objects.append((components(count, first[kept], second[kept]), False))
        if by_mean_colour:
            objects.append((merged_within(colour, area, first64, second64, tolerance), True))
        for labels, merged_by_means in objects:
            members = (labels[None, :] == np.unique(labels[present])[:, None]) & present[None, :]
            if merged_by_means:
                # merging by means stops anywhere along a gradient: a lit wall's middle, cut from its darker rim by
                # a soft outline, was offered as a large object inside the frame and taken for the leaf
                members = members[soft_share(table, members) <= SOFT_OUTLINE]
            for member in members:
                key = np.packbits(member).tobytes()
                if key not in seen:
                    seen.add(key)
                    found.append(member)
    return np.array(found).reshape(-1, count)


def soft_share(table, members: np.ndarray) -> np.ndarray:
    """float (n,): the share of each of ``members``' outline (bool (n, count)), the hand's stretch left out, along
    neighbours it meets with a mean colour step below ``SOFT_STEP``: a gradient, not an object's edge."""
    count = table.count
    weight = members.astype(np.float64)
    border = table.border[:count, :count]
    soft = (border > 0) & (table.contrast[:count, :count] < SOFT_STEP * border)
    outline = ((weight @ border) * (1 - weight)).sum(axis=1) + weight @ table.border[:count, table.outside]
    return ((weight @ (border * soft)) * (1 - weight)).sum(axis=1) / np.maximum(outline, 1.0)


def merged_objects(table) -> np.ndarray:
    """bool (n, count): the objects made by merging the table's neighbouring regions most alike first
    (``camera/merging.py``), each standing ``APART`` from what it merges with next. Merged only across shared
    borders: the pieces on either side of the fingers, which ``candidates`` links, are alike in colour to much
    around the hand, and let in they made the merging worse (measured on the made-up visitor scenes when merged
    objects were candidates of their own)."""
    count = table.count
    present = table.area > 0
    neighbours = (table.border[:count, :count] > 0) & present[None, :] & present[:, None]
    np.fill_diagonal(neighbours, False)
    return merge_order(table.colour.astype(np.float64), np.where(present, table.area, 0.0), neighbours, APART)


def enclosed(table, members: np.ndarray) -> np.ndarray:
    """bool (n, count): each of ``members`` (bool (n, count)) with every region it (with the hand) surrounds: a
    leaf's veins, glare, a pale patch, a hole of the backdrop between its lobes that the candidates did not join."""
    count = table.count
    around = members.astype(np.float64) @ table.border[:count, :count] + table.border[:count, table.hand][None, :]
    can_be = (table.edge == 0) & (table.area > 0)
    return members | ((around >= ENCLOSED * np.maximum(table.perimeter[:count], 1)[None, :]) & can_be[None, :])


def scores(table, members: np.ndarray, frame_area: float) -> np.ndarray:
    """float (n,): how much each of ``members`` (bool (n, count)) looks like the held leaf; 0 for what cannot be."""
    count = table.count
    weight = members.astype(np.float64)
    area = weight @ table.area
    edge = weight @ table.edge
    against = weight @ table.border[:count, :count]  # (n, count): each candidate's border with each region
    internal = (against * weight).sum(axis=1)
    outline = np.maximum(weight @ table.perimeter[:count] - internal + edge, 1.0)
    held = (weight @ table.border[:count, table.hand]) / outline
    # the outline's sharpness: against other regions and what is not a candidate, not the hand (a torso borders
    # the hand as sharply as a leaf does)
    outer_border = (against * (1 - weight)).sum(axis=1) + weight @ table.border[:count, table.outside]
    outer_step = ((weight @ table.contrast[:count, :count]) * (1 - weight)).sum(axis=1) \
        + weight @ table.contrast[:count, table.outside]
    sharpness = outer_step / np.maximum(outer_border, 1.0)
    sharp = sharpness ** 2 / (sharpness ** 2 + SHARP ** 2)
    inside = np.exp(-edge / (EDGE_LENGTH * np.sqrt(np.maximum(area, 1.0))))
    value = area * inside * (1.0 + HELD_BONUS * np.minimum(1.0, 2.0 * held)) * sharp
    return np.where((area > 0) & (area <= LARGEST_LEAF * frame_area), value, 0.0)


def choose(table, least_area: float, frame_area: float, photo: bool = False) -> np.ndarray | None:
    """bool (count,): the regions of the best-scoring candidate of at least ``least_area``; None if none scores
    as much as a smallest leaf that is a little soft or cut by the edge (``WEAKEST`` x ``least_area``): a wall's
    grain or a shirt's print is no leaf. ``photo``: the candidates include objects merged by their mean colours,
    and the chosen leaf may grow whole (``grown_whole``).

    Objects merged by mean colour: in photos, with the true hand, completed-leaf IoU rose 0.883/0.892/0.885 ->
    0.882/0.920/0.891 (made-up visitor scenes, seeds 0-2, all groups) and 0.866/0.846 -> 0.888/0.847 (150 scenes
    of group III, seeds 5 and 6); live it moved -0.008 to +0.010 (mean +0.001) and costs time in each frame.

    Growing whole is for photos. Seen by the live path, the candidates are only what differs from the empty
    scene, and there it cost the completed leaf 0.005-0.009 of IoU on the made-up visitor scenes (two seeds, with
    the detector and with the true hand), taking in the shirt between a leaf's lobes, and still 0.002-0.004 once
    that was refused; in photos it gained 0.000-0.011 (three seeds), most on variegated leaves."""
    members = enclosed(table, candidates(table, by_mean_colour=photo))
    members = members[members.astype(np.float64) @ table.area >= least_area]
    if not len(members):
        return None
    value = scores(table, members, frame_area)
    best = int(np.argmax(value))
    if value[best] < WEAKEST * least_area:
        return None
    return grown_whole(table, members[best], value[best], frame_area) if photo else members[best]


def grown_whole(table, chosen: np.ndarray, value: float, frame_area: float) -> np.ndarray:
    """bool (count,): ``chosen`` (bool (count,)), or the best-scoring merged object that holds nearly all of it and
    scores more: the rest of a leaf of two colours (a pale margin, pale patches) that no colour tolerance joined to
    it without also joining a shirt of the margin's colour. Merged objects only extend the chosen leaf; on their
    own they offered pieces of a mottled shirt that stop short of the frame's edge."""
    count = table.count
    merged = enclosed(table, merged_objects(table))
    if not len(merged):
        return chosen
    weight = merged.astype(np.float64)
    chosen_area = float(table.area @ chosen)
    holds = weight @ (table.area * chosen) >= HOLDS * chosen_area
    bigger = (weight @ table.area <= MOST_GROWTH * chosen_area) & (merged & ~chosen).any(axis=1)
    # what it adds lies along the leaf more than along the hand: a margin, not the arm's surroundings
    added = (merged & ~chosen).astype(np.float64)
    along_leaf = added @ (table.border[:count, :count] @ chosen.astype(np.float64))
    along_hand = added @ table.border[:count, table.hand]
    # and of another colour: what has the chosen leaf's own colour the tolerances offered it already
    added_area = np.maximum(added @ table.area, 1.0)
    added_colour = (added * table.area) @ table.colour / added_area[:, None]
    chosen_colour = (table.area * chosen) @ table.colour / max(chosen_area, 1.0)
    other = np.linalg.norm(added_colour - chosen_colour, axis=1) >= APART
    # nor the colour of what lies around the grown leaf: that is the shirt seen between its lobes, not a margin
    around = (weight @ table.border[:count, :count]) * (1 - weight)
    around_colour = around @ table.colour / np.maximum(around.sum(axis=1), 1.0)[:, None]
    not_behind = np.linalg.norm(added_colour - around_colour, axis=1) >= APART
    merged = merged[holds & bigger & (along_leaf >= along_hand) & other & not_behind]
    if not len(merged):
        return chosen
    grown = scores(table, merged, frame_area)
    best = int(np.argmax(grown))
    return merged[best] if grown[best] > value else chosen
