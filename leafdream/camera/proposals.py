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
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

TOLERANCES = (0.0, 6.0, 9.0, 13.0, 18.0, 25.0, 34.0)  # Lab distances between region colours that join them
EDGE_LENGTH = 0.3        # edge contact / sqrt(area) that costs a candidate 1/e of its score: a torso, not a cut leaf
HELD_BONUS = 1.0         # how much an outline all against the hand adds (a share of the score)
ENCLOSED = 0.85          # share of a region's outline on a candidate (or the hand) that makes it enclosed
SHARP = 10.0             # mean colour step (Lab) across an outline at which it counts half: a leaf's edge is sharp,
#                          the edge between two patches of a cloth's print soft
WEAKEST = 0.25           # the least score, as a share of the smallest leaf's area, that is a leaf at all
LARGEST_LEAF = 0.6       # share of the frame a leaf covers at most


def components(count: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """int (count,): the connected component of each of ``count`` regions joined by the pairs (first, second)."""
    graph = csr_matrix((np.ones(len(first), np.int8), (first, second)), shape=(count, count))
    return connected_components(graph, directed=False)[1]


def candidates(table) -> np.ndarray:
    """bool (n, count): indicator vectors of the candidate objects of a region table (camera/regions.py)."""
    count = table.count
    present = table.area > 0
    by_hand = table.by_hand & present
    # neighbours, and pieces of one object that the fingers cut apart (both against the hand)
    linked = ((table.border[:count, :count] > 0) | (by_hand[:, None] & by_hand[None, :])) & present[None, :]
    first, second = np.nonzero(np.triu(linked, 1))
    difference = np.linalg.norm(table.colour[first] - table.colour[second], axis=1)
    found, seen = [], set()
    for tolerance in TOLERANCES:
        near = difference <= tolerance
        labels = components(count, first[near], second[near])
        for member in (labels[None, :] == np.unique(labels[present])[:, None]) & present[None, :]:
            key = np.packbits(member).tobytes()
            if key not in seen:
                seen.add(key)
                found.append(member)
    return np.array(found).reshape(-1, count)


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


def choose(table, least_area: float, frame_area: float) -> np.ndarray | None:
    """bool (count,): the regions of the best-scoring candidate of at least ``least_area``; None if none scores
    as much as a smallest leaf that is a little soft or cut by the edge (``WEAKEST`` x ``least_area``): a wall's
    grain or a shirt's print is no leaf."""
    members = enclosed(table, candidates(table))
    members = members[members.astype(np.float64) @ table.area >= least_area]
    if not len(members):
        return None
    value = scores(table, members, frame_area)
    best = int(np.argmax(value))
    return members[best] if value[best] >= WEAKEST * least_area else None
