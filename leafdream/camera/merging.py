"""Regions merged two at a time, the most alike first: the objects on the way that a photo's leaf may grow by.

Joining regions whose colours differ by less than a fixed tolerance chains: a leaf's pale margin or
patches join the leaf only at the tolerance that also joins a shirt or wall of their colour to it, so
at no tolerance is a leaf of two colours one object. Merging instead the adjacent pair whose *mean*
colours (of all the regions each has taken in so far) differ least, small pairs before large ones,
keeps such a leaf together longer than it keeps a chain of in-between colours. On the made-up visitor
scenes the best candidate on offer rose 0.03-0.07 of IoU with these objects among the candidates; as
candidates of their own, though, they also offered pieces of mottled shirts, so ``camera/proposals.py``
uses them only to grow the chosen leaf whole, and only in photos. The skin's objects on the live
path (``regions.joined``) are merged the same way up to a tolerance (``merged_within``), so that no
chain of in-between colours joins a dark hand to the brown leaf it holds.

The merging is compiled: a heap of pair costs, stale entries skipped by a per-region version number.
"""

from __future__ import annotations

import heapq

import numpy as np

from leafdream.model import numba_setup  # noqa: F401  (sets the cache directory before numba loads)
from numba import njit


@njit(cache=True, nogil=True)
def _colour_sums(colour, area):
    """float64 (count, 3): each region's colour times its area (the sums that merged means are made of)."""
    colour_sum = np.empty((area.shape[0], 3))
    for i in range(area.shape[0]):
        for k in range(3):
            colour_sum[i, k] = colour[i, k] * area[i]
    return colour_sum


@njit(cache=True, nogil=True)
def root_of(parent, node):
    """The root of ``node`` in a union-find forest ``parent`` (int (count,)), halving the path on the way."""
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


@njit(cache=True, nogil=True)
def numbered_by_root(parent):
    """int32 (count,): each node's set numbered 0, 1, ... in the order of the sets' roots, in a union-find forest
    ``parent`` whose roots are each set's lowest member."""
    count = parent.shape[0]
    labels = np.empty(count, np.int32)
    numbered = 0
    for node in range(count):
        root = root_of(parent, node)
        if root == node:
            labels[node] = numbered
            numbered += 1
        else:
            labels[node] = labels[root]
    return labels


@njit(cache=True, nogil=True)
def _colour_step(colour_sum, area, a, b):
    """The distance of the mean colours of regions a and b."""
    d = 0.0
    for k in range(3):
        step = colour_sum[a, k] / area[a] - colour_sum[b, k] / area[b]
        d += step * step
    return np.sqrt(d)


@njit(cache=True, nogil=True)
def _pair_cost(colour_sum, area, a, b):
    """How unlike regions a and b are: the distance of their mean colours, times the square root of the smaller
    one's area (two specks merge before two large objects of the same difference)."""
    return _colour_step(colour_sum, area, a, b) * np.sqrt(min(area[a], area[b]))


@njit(cache=True, nogil=True)
def merge_order(colour, area, linked, apart):
    """Every object made by merging the most alike linked pair of regions, one merge at a time, that stands apart
    from what it merges with next: their mean colours differ by at least ``apart`` (or it merges with nothing more). The
    pieces of one plain object on the way are no objects: one of them, away from the frame's edge, would
    outscore the whole leaf the edge cuts.

    colour: float64 (count, 3) mean colour of each region; area: float64 (count,), 0 for regions that
    take no part; linked: bool (count, count), symmetric, the pairs that may merge (neighbours).
    Returns bool (objects, count): the regions of each object kept, in the order they were made.
    """
    count = area.shape[0]
    colour_sum = _colour_sums(colour, area)
    weight = area.copy()
    alive = weight > 0
    version = np.zeros(count, np.int64)
    near = linked.copy()
    member = np.zeros((count, count), np.bool_)
    for i in range(count):
        member[i, i] = True
    heap = [(0.0, 0, 0, 0, 0)]
    heap.pop()
    for a in range(count):
        for b in range(a + 1, count):
            if near[a, b] and alive[a] and alive[b]:
                heapq.heappush(heap, (_pair_cost(colour_sum, weight, a, b), a, b, 0, 0))
    made = np.zeros((max(count - 1, 0), count), np.bool_)
    made_as = np.full(count, -1, np.int64)  # the merge that made each region's present object
    kept = np.zeros(max(count - 1, 0), np.bool_)
    merges = 0
    while len(heap) > 0:
        _, a, b, version_a, version_b = heapq.heappop(heap)
        if not (alive[a] and alive[b]) or version[a] != version_a or version[b] != version_b:
            continue
        # b goes into a: each keeps its object (if a merge made it) when their colours stand apart
        if _colour_step(colour_sum, weight, a, b) >= apart:
            if made_as[a] >= 0:
                kept[made_as[a]] = True
            if made_as[b] >= 0:
                kept[made_as[b]] = True
        for k in range(3):
            colour_sum[a, k] += colour_sum[b, k]
        weight[a] += weight[b]
        alive[b] = False
        version[a] += 1
        for n in range(count):
            if near[b, n]:
                near[a, n] = True
                near[n, a] = True
            near[b, n] = False
            near[n, b] = False
            if member[b, n]:
                member[a, n] = True
        near[a, a] = False
        made[merges] = member[a]
        made_as[a] = merges
        merges += 1
        for n in range(count):
            if near[a, n] and alive[n]:
                low, high = (a, n) if a < n else (n, a)
                heapq.heappush(heap, (_pair_cost(colour_sum, weight, low, high), low, high, version[low],
                                      version[high]))
    for a in range(count):  # what merges with nothing more is an object: a whole cluster of alike regions
        if alive[a] and made_as[a] >= 0:
            kept[made_as[a]] = True
    return made[:merges][kept[:merges]]


@njit(cache=True, nogil=True)
def merged_within(colour, area, first, second, tolerance):
    """int32 (count,): regions merged two at a time along the pairs (first[i], second[i]), the pair whose mean
    colours (of all that each has taken in) differ least first, while they differ by at most ``tolerance``;
    numbered in the order of each object's lowest region. Unlike joining every pair within the tolerance, no
    chain of in-between colours joins two objects whose colours differ by more: the darker mottles of a brown
    leaf linked a dark hand to it, though the two differ by twice the tolerance.

    colour: float64 (count, 3); area: float64 (count,) > 0; first, second: int64 (pairs,).
    """
    count = area.shape[0]
    colour_sum = _colour_sums(colour, area)
    weight = area.copy()
    parent = np.arange(count)
    version = np.zeros(count, np.int64)
    neighbours = [[0] for _ in range(count)]
    for i in range(count):
        neighbours[i].pop()
    heap = [(0.0, 0, 0, 0, 0)]
    heap.pop()
    for p in range(first.shape[0]):
        a, b = first[p], second[p]
        neighbours[a].append(b)
        neighbours[b].append(a)
        heapq.heappush(heap, (_colour_step(colour_sum, weight, a, b), a, b, 0, 0))
    while len(heap) > 0:
        step, a, b, version_a, version_b = heapq.heappop(heap)
        if step > tolerance:
            break
        if parent[a] != a or parent[b] != b or version[a] != version_a or version[b] != version_b:
            continue
        low, high = (a, b) if a < b else (b, a)  # the object keeps its lowest region's number
        for k in range(3):
            colour_sum[low, k] += colour_sum[high, k]
        weight[low] += weight[high]
        parent[high] = low
        version[low] += 1
        for n in neighbours[high]:
            neighbours[low].append(n)
        fresh = [0]
        fresh.pop()
        for n in neighbours[low]:
            n = root_of(parent, n)
            if n != low and n not in fresh:
                fresh.append(n)
        neighbours[low] = fresh
        for n in fresh:
            heapq.heappush(heap, (_colour_step(colour_sum, weight, low, n), min(low, n), max(low, n),
                                  version[min(low, n)], version[max(low, n)]))
    return numbered_by_root(parent)
