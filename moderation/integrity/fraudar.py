"""FRAUDAR (Hooi et al., "FRAUDAR: Bounding Graph Fraud in the Face of Camouflage", KDD 2016).

Greedy peeling of a bipartite graph (rows = accounts, columns = targets) that
maximises the average suspiciousness g(S) = f(S) / |S|, where f(S) is the summed
weight of the edges inside S. An edge into column j weighs 1 / log(d_j + c), d_j the
column's degree in the whole graph: an edge into a popular target counts little, so
fraudsters who also review popular products ("camouflage") do not dilute their block,
and organic accounts that share only popular targets do not form one. This is the
paper's column-weighted metric with zero node suspiciousness; its greedy peeling is a
2-approximation of the densest block in the weighted graph, whatever the camouflage.

Peeling removes, one at a time, the node whose removal lowers f least (its weighted
degree among the nodes left), through a binary heap with lazy deletion: O(|E| log |V|).
The best prefix of the peeling order is the block. For several blocks, the edges of a
found block are removed and the peeling repeated on what is left.
"""
import heapq
from dataclasses import dataclass

import numpy as np

CAMOUFLAGE_C = 5.0  # the paper's constant c in 1 / log(d + c)


@dataclass(frozen=True)
class Block:
    rows: np.ndarray  # row (account) indices, sorted
    cols: np.ndarray  # column (target) indices, sorted
    density: float  # g(S) = f(S) / |S| of the block
    edges: int  # edges inside the block


def column_weights(cols, n_cols, c=CAMOUFLAGE_C, degree=None):
    """Per-edge weight 1 / log(d + c) of the edge's column, d from the whole graph
    (``degree``: per-column degrees taken from a larger graph than the edges given)."""
    if degree is None:
        degree = np.bincount(cols, minlength=n_cols)
    return 1.0 / np.log(np.asarray(degree, dtype=float)[cols] + c)


def _peel(n_rows, n_cols, rows, cols, weights):
    """One greedy peeling. Returns (alive row indices, alive col indices, g) of the best prefix."""
    n = n_rows + n_cols
    u = np.concatenate([rows, cols + n_rows])
    v = np.concatenate([cols + n_rows, rows])
    w = np.concatenate([weights, weights])
    order = np.argsort(u, kind="stable")
    nbr = v[order].tolist()
    nbr_w = w[order].tolist()
    indptr = np.concatenate([[0], np.cumsum(np.bincount(u, minlength=n))]).tolist()
    degree = np.bincount(u, weights=w, minlength=n).tolist()
    present = np.bincount(u, minlength=n) > 0  # isolated nodes would only dilute g
    alive = present.tolist()
    size = int(present.sum())
    if size == 0:
        return np.array([], int), np.array([], int), 0.0
    total = float(weights.sum())
    heap = [(degree[x], x) for x in np.flatnonzero(present).tolist()]
    heapq.heapify(heap)
    best_g, best_removed = total / size, 0
    removed_order = []
    while size > 1:
        d, x = heapq.heappop(heap)
        if not alive[x] or d != degree[x]:
            continue  # stale heap entry
        alive[x] = False
        removed_order.append(x)
        total -= degree[x]
        size -= 1
        for k in range(indptr[x], indptr[x + 1]):
            y = nbr[k]
            if alive[y]:
                degree[y] -= nbr_w[k]
                heapq.heappush(heap, (degree[y], y))
        g = total / size
        if g > best_g:
            best_g, best_removed = g, len(removed_order)
    keep = present.copy()
    keep[removed_order[:best_removed]] = False
    nodes = np.flatnonzero(keep)
    return nodes[nodes < n_rows], nodes[nodes >= n_rows] - n_rows, best_g


def fraudar(rows, cols, n_rows=None, n_cols=None, *, blocks=1, c=CAMOUFLAGE_C, col_degree=None):
    """Find up to ``blocks`` dense blocks in the bipartite graph given as edge lists.

    Duplicate (row, col) pairs count once. Returns the blocks in the order found
    (densest first, as a rule). ``col_degree`` (length ``n_cols``) gives the column
    degrees of the whole graph when the edges given are a subgraph of it, so a popular
    column stays down-weighted in the subgraph.
    """
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    n_rows = int(rows.max()) + 1 if n_rows is None and rows.size else int(n_rows or 0)
    n_cols = int(cols.max()) + 1 if n_cols is None and cols.size else int(n_cols or 0)
    pairs = np.unique(rows * max(n_cols, 1) + cols)
    rows, cols = pairs // max(n_cols, 1), pairs % max(n_cols, 1)
    weights = column_weights(cols, n_cols, c, col_degree)
    found = []
    live = np.ones(rows.size, dtype=bool)
    for _ in range(blocks):
        if not live.any():
            break
        r, q, g = _peel(n_rows, n_cols, rows[live], cols[live], weights[live])
        if g <= 0 or r.size == 0 or q.size == 0:
            break
        inside = live & np.isin(rows, r) & np.isin(cols, q)
        found.append(Block(rows=r, cols=q, density=float(g), edges=int(inside.sum())))
        live &= ~inside
    return found

