# ruff: noqa: E501  (a table: one case per line reads better than wrapped)
"""The lineage accuracy table: cells in execution order, a target, the expected slice.

``expected`` is the set of indices (into ``cells``) of the cells a precise dataflow
tracer puts in the target's backward slice at the end of the run. ``PATH`` in a cell is
replaced by a temporary file path. ``miss`` gives the reason for a known miss (run as a
strict expected failure, and still counted in precision and recall).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    id: str
    category: str
    cells: tuple[str, ...]
    target: str
    expected: frozenset[int]
    miss: str | None = None


def case(
    id: str,
    category: str,
    cells: list[str],
    target: str,
    expected: set[int],
    miss: str | None = None,
) -> Case:
    return Case(id, category, tuple(cells), target, frozenset(expected), miss)


CLASS_ACC = "class Acc:\n    def __init__(self):\n        self.total = 0\n    def add(self, v):\n        self.total += v"
CLASS_P = "class P:\n    def __init__(self):\n        self.v = 1\n    def get(self):\n        return self.v"
COUNTER = "def counter():\n    n = 0\n    def inc():\n        nonlocal n\n        n += 1\n        return n\n    return inc"

CASES: list[Case] = [
    # -- rebinding
    case(
        "rebind-later-cell", "rebinding", ["a = 1", "b = a + 1", "a = 10", "c = a * 2"], "c", {2, 3}
    ),
    case(
        "rebind-keeps-old-dep",
        "rebinding",
        ["alpha = 0.5", "m = alpha * 2", "alpha = 1.0"],
        "m",
        {0, 1},
    ),
    case("rebind-twice", "rebinding", ["x = 1", "x = 2", "y = x"], "y", {1, 2}),
    case(
        "rebind-swap",
        "rebinding",
        ["a = 1", "b = 2", "a, b = b, a", "s = a - b"],
        "s",
        {0, 1, 2, 3},
    ),
    case("rebind-chain-self", "rebinding", ["x = 5", "x = x + 1", "x = x * 2"], "x", {0, 1, 2}),
    # -- re-execution of a cell
    case(
        "rerun-increment",
        "re-execution",
        ["n = 1", "n = n + 1", "n = n + 1", "r = n"],
        "r",
        {0, 1, 2, 3},
    ),
    case(
        "rerun-after-input-change",
        "re-execution",
        ["a = 1", "b = a * 3", "a = 2", "b = a * 3"],
        "b",
        {2, 3},
    ),
    case(
        "rerun-skips-unrelated",
        "re-execution",
        ["k = 3", "v = k ** 2", "k = 4", "unused = 0", "v = k ** 2"],
        "v",
        {2, 4},
    ),
    # -- functions reading globals at call time
    case(
        "fn-global-at-call",
        "functions",
        ["k = 2", "def f(x):\n    return x * k", "k = 3", "y = f(1)"],
        "y",
        {1, 2, 3},
    ),
    case(
        "fn-defined-before-global",
        "functions",
        ["def g():\n    return base + 1", "base = 10", "z = g()"],
        "z",
        {0, 1, 2},
    ),
    case(
        "fn-transitive",
        "functions",
        [
            "scale = 2",
            "def inner(v):\n    return v * scale",
            "def outer(v):\n    return inner(v) + 1",
            "w = outer(3)",
        ],
        "w",
        {0, 1, 2, 3},
    ),
    case(
        "fn-not-called",
        "functions",
        ["k = 1", "def f():\n    return k", "other = 5", "res = other + 1"],
        "res",
        {2, 3},
    ),
    case(
        "fn-mutates-global",
        "functions",
        ["data = []", "def add(v):\n    data.append(v)", "add(5)", "n = len(data)"],
        "n",
        {0, 1, 2, 3},
    ),
    case(
        "fn-global-statement",
        "functions",
        ["count = 0", "def bump():\n    global count\n    count += 1", "bump()", "c = count"],
        "c",
        {0, 1, 2, 3},
    ),
    case(
        "fn-lambda",
        "functions",
        ["rate = 0.1", "fee = lambda x: x * rate", "cost = fee(100)"],
        "cost",
        {0, 1, 2},
    ),
    case(
        "fn-mutates-argument",
        "functions",
        ["def push(xs, v):\n    xs.append(v)", "items = []", "push(items, 1)", "n = len(items)"],
        "n",
        {0, 1, 2, 3},
    ),
    # -- methods and classes
    case(
        "method-mutates-self",
        "classes",
        [CLASS_ACC, "acc = Acc()", "acc.add(5)", "t = acc.total"],
        "t",
        {0, 1, 2, 3},
    ),
    case(
        "class-body-reads-global",
        "classes",
        ["unit = 'cm'", "class Box:\n    label = unit", "lab = Box.label"],
        "lab",
        {0, 1, 2},
    ),
    case(
        "method-global-at-call",
        "classes",
        [
            "factor = 3",
            "class M:\n    def run(self, x):\n        return x * factor",
            "m = M()",
            "factor = 4",
            "out = m.run(2)",
        ],
        "out",
        {1, 2, 3, 4},
    ),
    case(
        "method-pure-getter", "classes", [CLASS_P, "p = P()", "p.get()", "q = p.v"], "q", {0, 1, 3}
    ),
    case(
        "sklearn-fit",
        "classes",
        [
            "from sklearn.linear_model import LinearRegression",
            "import numpy as np",
            "X = np.arange(10.0).reshape(-1, 1)\ny = 2 * X.ravel() + 1",
            "model = LinearRegression()",
            "model.fit(X, y)",
            "coef = float(model.coef_[0])",
        ],
        "coef",
        {0, 1, 2, 3, 4, 5},
    ),
    case(
        "sklearn-predict-pure",
        "classes",
        [
            "from sklearn.linear_model import LinearRegression",
            "import numpy as np",
            "X = np.arange(6.0).reshape(-1, 1)\ny = X.ravel()",
            "model = LinearRegression().fit(X, y)",
            "pred = model.predict(X)",
            "c = float(model.intercept_)",
        ],
        "c",
        {0, 1, 2, 3, 5},
    ),
    # -- closures
    case(
        "closure-captures-value",
        "closures",
        [
            "def make(k):\n    def mul(x):\n        return x * k\n    return mul",
            "base = 3",
            "times = make(base)",
            "base = 10",
            "r = times(2)",
        ],
        "r",
        {0, 1, 2, 4},
    ),
    case(
        "closure-reads-global",
        "closures",
        [
            "def outer():\n    def inner():\n        return g\n    return inner",
            "h = outer()",
            "g = 7",
            "res = h()",
        ],
        "res",
        {0, 1, 2, 3},
    ),
    case(
        "closure-state-advances",
        "closures",
        [COUNTER, "c = counter()", "c()", "v = c()"],
        "v",
        {0, 1, 2, 3},
    ),
    # -- in-place changes: lists
    case(
        "list-sort",
        "lists",
        ["lst = [3, 1, 2]", "lst.sort()", "first = lst[0]"],
        "first",
        {0, 1, 2},
    ),
    case(
        "list-extend-append",
        "lists",
        ["lst = [1]", "lst.extend([2, 3])", "lst.append(4)", "n = len(lst)"],
        "n",
        {0, 1, 2, 3},
    ),
    case(
        "list-pure-builtins",
        "lists",
        ["lst = [3, 1, 2]", "s = sorted(lst)", "print(lst)", "m = max(lst)"],
        "m",
        {0, 3},
    ),
    case(
        "list-subscript-store",
        "lists",
        ["v = [0, 0]", "w = 5", "v[0] = w", "total = sum(v)"],
        "total",
        {0, 1, 2, 3},
    ),
    # -- dicts
    case(
        "dict-store-update",
        "dicts",
        ["cfg = {}", "cfg['lr'] = 0.1", "cfg.update(epochs=3)", "lr = cfg['lr']"],
        "lr",
        {0, 1, 3},  # update(epochs=...) writes the key 'epochs' only, not 'lr'
    ),
    case(
        "dict-update-whole-read",
        "dicts",
        ["cfg = {}", "cfg['lr'] = 0.1", "cfg.update(epochs=3)", "n = len(cfg)"],
        "n",
        {0, 1, 2, 3},
    ),
    case(
        "dict-pure-reads",
        "dicts",
        ["d = {'a': 1}", "keys = list(d.keys())", "d.get('a')", "val = d['a']"],
        "val",
        {0, 3},
    ),
    case(
        "dict-setdefault-chain",
        "dicts",
        ["d = {}", "d.setdefault('k', []).append(1)", "n = len(d['k'])"],
        "n",
        {0, 1, 2},
    ),
    # -- sets
    case(
        "set-add-discard",
        "sets",
        ["s = {1}", "s.add(2)", "s.discard(1)", "size = len(s)"],
        "size",
        {0, 1, 2, 3},
    ),
    case(
        "set-pure-ops",
        "sets",
        ["s = {1, 2}", "t = s | {3}", "u = s.union({4})", "z = len(s)"],
        "z",
        {0, 3},
    ),
    # -- ndarrays
    case(
        "ndarray-item-store",
        "ndarrays",
        ["import numpy as np", "a = np.zeros(3)", "a[1] = 5", "t = a.sum()"],
        "t",
        {0, 1, 2, 3},
    ),
    case(
        "ndarray-out-kwarg",
        "ndarrays",
        [
            "import numpy as np",
            "a = np.ones(3)",
            "b = np.zeros(3)",
            "np.add(a, 1, out=b)",
            "t = b.sum()",
        ],
        "t",
        {0, 1, 2, 3, 4},
    ),
    case(
        "ndarray-sort-method",
        "ndarrays",
        ["import numpy as np", "a = np.array([3, 1, 2])", "a.sort()", "f = int(a[0])"],
        "f",
        {0, 1, 2, 3},
    ),
    case(
        "ndarray-view-write",
        "ndarrays",
        ["import numpy as np", "a = np.arange(5)", "v = a[:2]", "v[0] = 100", "s = int(a.sum())"],
        "s",
        {0, 1, 2, 3, 4},
    ),
    case(
        "ndarray-pure-calls",
        "ndarrays",
        ["import numpy as np", "a = np.arange(4)", "m = np.mean(a)", "a.copy()", "b = a * 2"],
        "b",
        {0, 1, 4},
    ),
    case(
        "ndarray-large-sampled",
        "ndarrays",
        ["import numpy as np", "big = np.zeros(3_000_000)", "big[1] = 1.0", "s = float(big.sum())"],
        "s",
        {0, 1, 2, 3},
    ),
    # -- DataFrames
    case(
        "df-inplace",
        "dataframes",
        [
            "import pandas as pd",
            "df = pd.DataFrame({'a': [1.0, None]})",
            "df.fillna(0, inplace=True)",
            "s = df['a'].sum()",
        ],
        "s",
        {0, 1, 2, 3},
    ),
    case(
        "df-loc-store",
        "dataframes",
        [
            "import pandas as pd",
            "df = pd.DataFrame({'a': [1, 2]})",
            "k = 9",
            "df.loc[0, 'a'] = k",
            "s = int(df['a'].sum())",
        ],
        "s",
        {0, 1, 2, 3, 4},
    ),
    case(
        "df-new-column",
        "dataframes",
        [
            "import pandas as pd",
            "df = pd.DataFrame({'a': [1, 2]})",
            "df['b'] = df['a'] * 2",
            "cols = list(df.columns)",
        ],
        "cols",
        {0, 1, 2, 3},
    ),
    case(
        "df-pure-methods",
        "dataframes",
        [
            "import pandas as pd",
            "df = pd.DataFrame({'a': [2, 1]})",
            "df.head()",
            "df.describe()",
            "d2 = df.sort_values('a')",
            "n = len(df)",
        ],
        "n",
        {0, 1, 5},
    ),
    case(
        "df-drop-copy",
        "dataframes",
        [
            "import pandas as pd",
            "df = pd.DataFrame({'a': [1], 'b': [2]})",
            "df2 = df.drop(columns=['b'])",
            "w = df.shape[1]",
        ],
        "w",
        {0, 1, 3},
    ),
    # -- aliases
    case(
        "alias-list-append",
        "aliases",
        ["a = [1, 2]", "b = a", "b.append(3)", "n = len(a)"],
        "n",
        {0, 1, 2, 3},
    ),
    case(
        "alias-dict-store",
        "aliases",
        ["d = {}", "e = d", "e['x'] = 1", "v = d['x']"],
        "v",
        {0, 1, 2, 3},
    ),
    case(
        "alias-in-container",
        "aliases",
        ["inner = [1]", "outer = {'k': inner}", "inner.append(2)", "n = len(outer['k'])"],
        "n",
        {0, 1, 2, 3},
    ),
    case(
        "alias-augassign-list",
        "aliases",
        ["acc = [1]", "other = acc", "acc += [2]", "n = len(other)"],
        "n",
        {0, 1, 2, 3},
    ),
    # -- subscripts and attributes
    case(
        "attr-store",
        "attributes",
        ["class C:\n    pass", "c = C()", "val = 4", "c.x = val", "y = c.x + 1"],
        "y",
        {0, 1, 2, 3, 4},
    ),
    case(
        "nested-subscript",
        "attributes",
        ["grid = [[0, 0], [0, 0]]", "grid[1][0] = 7", "cell = grid[1][0]"],
        "cell",
        {0, 1, 2},
    ),
    case(
        "attr-read-pure",
        "attributes",
        ["class C:\n    pass", "c = C()", "c.x = 1", "print(c.x)", "z = c.x"],
        "z",
        {0, 1, 2, 4},
    ),
    # -- del
    case("del-then-rebind", "del", ["a = 1", "b = 2", "del a", "a = b", "c = a"], "c", {1, 3, 4}),
    case("del-item", "del", ["d = {'a': 1, 'b': 2}", "del d['a']", "n = len(d)"], "n", {0, 1, 2}),
    case("del-name-keeps-alias", "del", ["x = [1]", "y = x", "del x", "z = y"], "z", {0, 1, 3}),
    # -- augmented assignment
    case(
        "augassign-int",
        "augmented",
        ["total = 0", "inc = 5", "total += inc", "final = total"],
        "final",
        {0, 1, 2, 3},
    ),
    case(
        "augassign-str-rebinds",
        "augmented",
        ["s = 'a'", "t = s", "s += 'b'", "r = t"],
        "r",
        {0, 1, 3},
    ),
    case(
        "augassign-subscript",
        "augmented",
        ["counts = {'a': 0}", "step = 2", "counts['a'] += step", "c = counts['a']"],
        "c",
        {0, 1, 2, 3},
    ),
    # -- loops
    case(
        "loop-accumulate",
        "loops",
        ["w = 2", "total = 0\nfor i in range(3):\n    total += i * w", "res = total"],
        "res",
        {0, 1, 2},
    ),
    case(
        "loop-later-iteration-reads",
        "loops",
        [
            "seed_val = 1",
            "prev = None\nfor i in range(3):\n    if prev is not None:\n        cur = prev + seed_val\n    prev = i",
            "out = cur",
        ],
        "out",
        {0, 1, 2},
    ),
    case(
        "loop-iterable-only",
        "loops",
        ["a = 1", "b = 2", "acc = []\nfor v in [a]:\n    acc.append(v)", "r = acc"],
        "r",
        {0, 2, 3},
    ),
    case(
        "loop-while",
        "loops",
        ["limit = 3", "i = 0\nwhile i < limit:\n    i += 1", "j = i"],
        "j",
        {0, 1, 2},
    ),
    # -- branches
    case(
        "branch-untaken-read",
        "branches",
        ["flag = True", "a = 1", "b = 2", "if flag:\n    c = a\nelse:\n    c = b", "d = c"],
        "d",
        {0, 1, 3, 4},
        miss="static analysis keeps the reads of the branch that did not run",
    ),
    case(
        "branch-untaken-bind", "branches", ["x = 1", "if False:\n    x = 2", "y = x"], "y", {0, 2}
    ),
    case(
        "branch-taken-bind",
        "branches",
        ["x = 1", "go = True", "if go:\n    x = 2", "y = x"],
        "y",
        {1, 2, 3},
    ),
    # -- comprehensions
    case(
        "comp-reads-global",
        "comprehensions",
        ["n = 3", "sq = [i * i for i in range(n)]", "s = sum(sq)"],
        "s",
        {0, 1, 2},
    ),
    case(
        "comp-var-no-leak",
        "comprehensions",
        ["i = 10", "vals = [i for i in range(2)]", "r = i"],
        "r",
        {0, 2},
    ),
    case(
        "dictcomp-reads-global",
        "comprehensions",
        ["factor = 2", "keys = ['a', 'b']", "d = {k: factor for k in keys}", "v = d['a']"],
        "v",
        {0, 1, 2, 3},
    ),
    # -- imports
    case("import-module", "imports", ["import math", "r = math.sqrt(16)"], "r", {0, 1}),
    case(
        "import-from-unrelated",
        "imports",
        ["from math import pi", "import os", "area = pi * 2"],
        "area",
        {0, 2},
    ),
    case(
        "import-again",
        "imports",
        ["import numpy as np", "import numpy as np", "z = np.zeros(2)"],
        "z",
        {1, 2},
    ),
    # -- magics
    case("magic-time-line", "magics", ["a = 3", "%time b = a * 2", "c = b + 1"], "c", {0, 1, 2}),
    case(
        "magic-time-cell",
        "magics",
        ["a = 3", "%%time\nb = a + 1\nprint(b)", "c = b"],
        "c",
        {0, 1, 2},
    ),
    case(
        "magic-timeit-no-bind", "magics", ["x = 1", "%timeit -n1 -r1 x + 1", "y = x"], "y", {0, 2}
    ),
    # -- exec and globals()
    case("exec-literal", "exec", ["a = 2", "exec('b = a * 3')", "c = b"], "c", {0, 1, 2}),
    case(
        "globals-literal-key", "exec", ["v = 5", "globals()['w'] = v + 1", "u = w"], "u", {0, 1, 2}
    ),
    case(
        "globals-computed-key",
        "exec",
        ["name = 'q'", "globals()[name] = 3", "r = q"],
        "r",
        {0, 1, 2},
    ),
    case("exec-variable-code", "exec", ["code = 'k = 4'", "exec(code)", "m = k"], "m", {0, 1, 2}),
    # -- setattr
    case(
        "setattr-store",
        "setattr",
        ["class O:\n    pass", "o = O()", "val = 3", "setattr(o, 'x', val)", "r = o.x"],
        "r",
        {0, 1, 2, 3, 4},
    ),
    case(
        "getattr-pure",
        "setattr",
        ["class O:\n    pass", "o = O()", "o.x = 1", "getattr(o, 'x')", "r = o.x"],
        "r",
        {0, 1, 2, 4},
    ),
    # -- random seeding
    case(
        "random-stdlib-seed",
        "random",
        ["import random", "random.seed(42)", "x = random.random()"],
        "x",
        {0, 1, 2},
    ),
    case(
        "random-numpy-draws",
        "random",
        [
            "import numpy as np",
            "np.random.seed(0)",
            "a = np.random.rand(3)",
            "b = np.random.rand(3)",
        ],
        "b",
        {0, 1, 2, 3},
    ),
    case(
        "random-numpy-reseed",
        "random",
        [
            "import numpy as np",
            "np.random.seed(1)",
            "np.random.seed(2)",
            "v = np.random.randint(10)",
        ],
        "v",
        {0, 2, 3},
    ),
    case(
        "random-generator-object",
        "random",
        [
            "import numpy as np",
            "rng = np.random.default_rng(0)",
            "rng.random()",
            "x = rng.random()",
        ],
        "x",
        {0, 1, 2, 3},
    ),
    case(
        "random-from-import",
        "random",
        ["from random import seed, randint", "seed(3)", "n = randint(1, 6)"],
        "n",
        {0, 1, 2},
    ),
    case(
        "random-import-and-seed",
        "random",
        ["import numpy as np\nnp.random.seed(0)", "a = 1", "x = np.random.rand()"],
        "x",
        {0, 2},
    ),
    case(
        "random-in-function",
        "random",
        [
            "import numpy as np",
            "def noise():\n    return np.random.rand()",
            "np.random.seed(5)",
            "e = noise()",
        ],
        "e",
        {0, 1, 2, 3},
    ),
    # -- generators consumed across cells
    case(
        "gen-next-across-cells",
        "generators",
        [
            "def gen():\n    yield 1\n    yield 2",
            "g = gen()",
            "first = next(g)",
            "second = next(g)",
        ],
        "second",
        {0, 1, 2, 3},
    ),
    case(
        "iter-exhausted",
        "generators",
        ["it = iter([1, 2, 3])", "list(it)", "rest = list(it)"],
        "rest",
        {0, 1, 2},
    ),
    case(
        "gen-print-pure",
        "generators",
        ["g = (i for i in range(3))", "print(g)", "vals = list(g)"],
        "vals",
        {0, 2},
    ),
    case(
        "gen-for-loop",
        "generators",
        ["g = iter(range(5))", "for v in g:\n    if v == 1:\n        break", "nxt = next(g)"],
        "nxt",
        {0, 1, 2},
    ),
    # -- files written then read
    case(
        "file-write-read",
        "files",
        [
            "with open(PATH, 'w') as f:\n    f.write('42')",
            "with open(PATH) as f:\n    n = int(f.read())",
        ],
        "n",
        {0, 1},
    ),
    case(
        "file-pandas-roundtrip",
        "files",
        [
            "import pandas as pd",
            "df = pd.DataFrame({'a': [1, 2]})",
            "df.to_csv(PATH, index=False)",
            "back = pd.read_csv(PATH)",
        ],
        "back",
        {0, 1, 2, 3},
    ),
    case(
        "file-overwrite",
        "files",
        ["open(PATH, 'w').write('1')", "open(PATH, 'w').write('2')", "v = open(PATH).read()"],
        "v",
        {1, 2},
    ),
    case(
        "file-append",
        "files",
        ["open(PATH, 'w').write('a')", "open(PATH, 'a').write('b')", "v = open(PATH).read()"],
        "v",
        {0, 1, 2},
    ),
    # -- cells that raise
    case(
        "raise-after-bind",
        "errors",
        ["a = 1", "b = a + 1\nraise ValueError('boom')", "c = b"],
        "c",
        {0, 1, 2},
    ),
    case(
        "raise-after-rebind",
        "errors",
        ["a = 1", "x = 5", "x = a\nundefined_name", "y = x"],
        "y",
        {0, 2, 3},
    ),
    case("raise-before-bind", "errors", ["x = 1", "1 / 0\nx = 2", "y = x"], "y", {0, 2}),
    case(
        "raise-after-mutation",
        "errors",
        ["lst = []", "lst.append(1)\nraise RuntimeError()", "n = len(lst)"],
        "n",
        {0, 1, 2},
    ),
    case(
        "raise-skips-later-reads",
        "errors",
        ["a = 1", "z = 2", "b = a + 1\nraise ValueError('x')\nq = z", "c = b"],
        "c",
        {0, 2, 3},
    ),
    # -- pure calls that must not count
    case(
        "pure-print-len-repr",
        "pure",
        ["x = [1, 2]", "print(x)", "len(x)", "repr(x)", "y = x"],
        "y",
        {0, 4},
    ),
    case("pure-str-method", "pure", ["s = 'abc'", "s.upper()", "t = s"], "t", {0, 2}),
    case(
        "pure-display",
        "pure",
        [
            "from IPython.display import display",
            "data = [1, 2, 3]",
            "display(data)",
            "m = max(data)",
        ],
        "m",
        {1, 3},
    ),
    case(
        "pure-logging",
        "pure",
        [
            "import logging\nlog = logging.getLogger('t')",
            "val = 3",
            "log.info('v=%s', val)",
            "w = val",
        ],
        "w",
        {1, 3},
    ),
    case(
        "pure-numpy-reductions",
        "pure",
        ["import numpy as np", "a = np.arange(3)", "np.sum(a)", "a.tolist()", "b = a + 1"],
        "b",
        {0, 1, 4},
    ),
    case("pure-print-beside-bind", "pure", ["x = 1", "print(x)\ny = 5", "z = y"], "z", {1, 2}),
    # -- several variables written by one cell
    case(
        "multi-write-follow-one",
        "variables",
        ["a = 1", "b = 2", "x = a\ny = b", "z = x"],
        "z",
        {0, 2, 3},
    ),
    case(
        "multi-write-mutation",
        "variables",
        ["p = 2", "q = 3", "lst = []\nlst.append(p)\nother = q", "r = lst"],
        "r",
        {0, 2, 3},
    ),
    # -- harder cases, several of them known misses
    case(
        "df-large-row-in-function",
        "dataframes",
        [
            "import pandas as pd",
            "big = pd.DataFrame({'a': range(200_000)})",
            "def clean(frame):\n    frame.iloc[1, 0] = -1",
            "clean(big)",
            "lo = int(big['a'].min())",
        ],
        "lo",
        {0, 1, 2, 3, 4},
        miss="a large frame is fingerprinted on a sample of rows: a change to an unsampled row made inside a function goes unseen",
    ),
    case(
        "alias-through-attribute",
        "aliases",
        [
            "class Holder:\n    pass",
            "lst = [1]",
            "h = Holder()\nh.data = lst",
            "lst.append(2)",
            "n = len(h.data)",
        ],
        "n",
        {0, 1, 2, 3, 4},
    ),
    case(
        "conditional-expression",
        "branches",
        ["flag = True", "a = 1", "b = 2", "c = a if flag else b"],
        "c",
        {0, 1, 3},
        miss="both arms of a conditional expression count as read",
    ),
    case(
        "gen-reads-global-when-advanced",
        "generators",
        [
            "def gen():\n    while True:\n        yield scale",
            "g = gen()",
            "scale = 5",
            "v = next(g)",
        ],
        "v",
        {0, 1, 2, 3},
    ),
    case(
        "list-copy-then-mutate",
        "lists",
        ["a = [1]", "b = a.copy()", "b.append(2)", "n = len(a)"],
        "n",
        {0, 3},
    ),
    case(
        "alias-two-levels-deep",
        "aliases",
        [
            "inner = [1]",
            "outer = {'k': {'j': inner}}",
            "inner.append(2)",
            "n = len(outer['k']['j'])",
        ],
        "n",
        {0, 1, 2, 3},
        miss="containers are scanned one level deep for a changed object",
    ),
    case(
        "df-alias-inplace",
        "dataframes",
        [
            "import pandas as pd",
            "df = pd.DataFrame({'a': [1], 'b': [2]})",
            "df2 = df",
            "df2.drop(columns=['b'], inplace=True)",
            "w = df.shape[1]",
        ],
        "w",
        {0, 1, 2, 3, 4},
    ),
    case(
        "df-filtered-copy",
        "dataframes",
        [
            "import pandas as pd",
            "df = pd.DataFrame({'a': [1, -1]})",
            "sub = df[df['a'] > 0].copy()",
            "sub['c'] = 1",
            "w = df.shape[1]",
        ],
        "w",
        {0, 1, 4},
    ),
    case(
        "ndarray-augassign-alias",
        "ndarrays",
        ["import numpy as np", "a = np.ones(2)", "b = a", "a *= 3", "t = float(b.sum())"],
        "t",
        {0, 1, 2, 3, 4},
    ),
    case(
        "file-two-files",
        "files",
        [
            "open(PATH + '.x', 'w').write('1')",
            "open(PATH + '.y', 'w').write('2')",
            "v = open(PATH + '.x').read()",
        ],
        "v",
        {0, 2},
    ),
    case(
        "random-sklearn-global-rng",
        "random",
        [
            "import numpy as np",
            "from sklearn.model_selection import train_test_split",
            "np.random.seed(0)",
            "X = list(range(10))",
            "tr, te = train_test_split(X, test_size=0.3)",
            "n = tr[0]",
        ],
        "n",
        {0, 1, 2, 3, 4, 5},
    ),
    case("eval-literal", "exec", ["a = 4", "v = eval('a + 1')"], "v", {0, 1}),
    case(
        "fn-pure-on-argument",
        "functions",
        [
            "def total(xs):\n    return sum(xs)",
            "items = [1, 2]",
            "t = total(items)",
            "u = len(items)",
        ],
        "u",
        {1, 3},
    ),
]
