"""Static def-use analysis of single cells."""

from __future__ import annotations

from nbprov.lineage.static import analyze


def test_reads_exclude_names_bound_earlier_in_the_cell() -> None:
    facts = analyze("a = b + 1\nc = a * d\n")
    assert facts.reads == {"b", "d"}
    assert facts.binds == {"a", "c"}
    assert facts.definite_binds == {"a", "c"}


def test_conditional_binds_are_not_definite() -> None:
    facts = analyze("if flag:\n    x = 1\nfor i in items:\n    y = i\n")
    assert facts.binds == {"x", "i", "y"}
    assert facts.definite_binds == frozenset()
    assert {"flag", "items"} <= facts.reads


def test_comprehension_targets_do_not_leak_or_read() -> None:
    facts = analyze("vals = [i * k for i in range(n) if i != skip]\n")
    assert facts.reads == {"k", "n", "skip", "range"}
    assert facts.binds == {"vals"}


def test_function_body_is_not_read_at_definition() -> None:
    facts = analyze("def f(x, y=default):\n    return x * hidden\n")
    assert facts.reads == {"default"}
    assert facts.binds == {"f"}


def test_mutation_candidates_and_definite_changes() -> None:
    facts = analyze(
        "lst.append(v)\nd['k'] = w\nobj.attr = 1\ndf.fillna(0, inplace=True)\n"
        "np.add(a, 1, out=b)\nprint(p)\nsorted(q)\n"
    )
    assert {"lst", "d", "obj", "df", "np", "a", "b"} <= facts.candidates
    assert {"p", "q"}.isdisjoint(facts.candidates)
    assert facts.definite_mutations == {"d", "obj", "df", "b"}
    assert "q" in facts.consumed
    assert facts.methods["lst"] == {"append"}


def test_per_name_dependencies_in_a_cell_writing_several() -> None:
    facts = analyze("t = a + 1\nx = t * 2\ny = b\nlst.append(c)\n")
    assert facts.deps["x"] == {"a"}
    assert facts.deps["y"] == {"b"}
    assert facts.deps["lst"] >= {"lst", "c"}
    assert "b" not in facts.deps["lst"]


def test_control_dependencies_reach_branch_bodies() -> None:
    facts = analyze("if flag:\n    x = a\n")
    assert facts.deps["x"] >= {"flag", "a"}


def test_ipython_magics_are_analysed_through_their_code() -> None:
    facts = analyze("get_ipython().run_line_magic('time', 'b = a * 2')\n")
    assert facts.reads == {"get_ipython", "a"}
    assert "b" in facts.binds
    timeit = analyze("get_ipython().run_line_magic('timeit', 'x + 1')\n")
    assert "x" in timeit.reads and "x" not in timeit.binds


def test_exec_and_globals_with_literal_strings() -> None:
    facts = analyze("exec('b = a * 3')\nglobals()['w'] = v\n")
    assert {"a", "v"} <= facts.reads
    assert {"b", "w"} <= facts.binds
    assert facts.dynamic


def test_seed_calls_and_walrus_and_deletes() -> None:
    facts = analyze("np.random.seed(0)\nif (n := len(x)) > 1:\n    pass\ndel old\n")
    assert facts.seed_calls == (("np", "random", "seed"),)
    assert "n" in facts.binds
    assert facts.deletes == {"old"}


def test_syntax_errors_give_unparsed_facts() -> None:
    facts = analyze("x = = 1\n")
    assert not facts.parsed and facts.dynamic
