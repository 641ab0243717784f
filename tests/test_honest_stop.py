"""The article's DAG under {--fail-fast, none} x {1, 2 threads} x {empty, built warehouse}.

model_beta_a fails at run time after ~1 s of real DuckDB work, model_beta_b takes ~3 s
(the issue's numbers). For every node the terminal line, run_results.json (status and
message) and the warehouse (built by this run / previous version / absent) must agree.

The expected outcomes follow from the semantics of issue 3 and the scheduling rule
(ready nodes start in order of remaining critical path; durations from the last
run_results.json, a neutral estimate otherwise):

* empty warehouse: only the seed run is on record, so every model has the same neutral
  estimate; the tie is broken by name and model_beta_a starts before model_beta_b.
* built warehouse: the earlier smooth run recorded beta_a ~1 s and beta_b ~3 s, so with
  one thread beta_b (3 s + gamma_b) starts before beta_a (1 s + gamma_a), and after it
  beta_a (1 s chain) before gamma_b.

  fail-fast, 1 thread, empty:  alpha OK, beta_a ERROR, gamma_a SKIP (upstream beta_a),
                               beta_b and gamma_b SKIP "not started: fail-fast ..."
  fail-fast, 1 thread, built:  alpha OK, beta_b OK, beta_a ERROR, gamma_a SKIP (upstream),
                               gamma_b SKIP "not started" and keeps the previous version
  fail-fast, 2 threads:        beta_a ERROR; beta_b (running) CANCELLED within ~100 ms,
                               its table unchanged; gamma_a SKIP (upstream); gamma_b not started
  no fail-fast (any):          beta_a ERROR, gamma_a SKIP (upstream), beta_b and gamma_b OK

The body (stop_helpers.run_matrix_cell) is the one tests/postgres and tests/spark run too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stop_helpers import MATRIX, article_from, article_template, run_matrix_cell


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("article-templates")
    return {kind: article_template(kind, base) for kind in ("seeded", "built")}


@pytest.mark.parametrize(("fail_fast", "threads", "built"), MATRIX)
def test_article_matrix(tmp_path: Path, templates, fail_fast: bool, threads: int, built: bool) -> None:
    template = templates["built" if built else "seeded"]
    run_matrix_cell(article_from(tmp_path, template), template.invocation_id, fail_fast, threads)
