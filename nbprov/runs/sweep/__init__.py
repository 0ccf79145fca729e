"""Searches over a notebook's hyperparameters: ``nbprov sweep`` and ``nbprov study``.

Each point of a search is an ordinary recorded nbprov trial, linked to its Optuna study
(study name and trial number, in the ``study_trial`` table). The study itself lives in the
same database as the store, in Optuna's own tables, so an interrupted search resumes.

- :mod:`.space`: the ``--param NAME=SPACE`` language
- :mod:`.engine`: where points run (local worker processes, or Ray tasks)
- :mod:`.point`: one point, run in a worker: the notebook as a trial, then its link
- :mod:`.study`: the Optuna study in the store's database, and the links
- :mod:`.driver`: the ask/run/tell loop, interruption
- :mod:`.results`: best trials, best parameters, importance
- :mod:`.progress`: the progress line with the best value so far
- :mod:`.search`: a search start to end, for both fronts; :mod:`.options`: its options
- :mod:`.charts`: optimisation history and parallel coordinates as Vega-Lite

The fronts: :mod:`nbprov.cli.sweep` (``sweep``, ``study``) and ``%sweep`` in
:mod:`nbprov.notebook.magics`.

Optuna (and Ray for ``--ray``) come with ``pip install "nbprov[sweep]"``; nothing here
imports them until a search runs.
"""
