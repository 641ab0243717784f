"""Write a dbt project of N models for benchmarks: deterministic for a seed.

Layers of models referencing 1-3 models of earlier layers, a few seeds at the bottom,
``config()`` blocks, a share of models that call a project macro (so they need real
Jinja), and YAML property files with not_null/unique tests.

    python bench/gen_project.py OUT_DIR --models 1000 [--seed 7] [--threads 4]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path


def generate(out: Path, models: int, seed: int = 7, threads: int = 4, jinja_share: float = 0.1) -> Path:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    (out / "models").mkdir(exist_ok=True)
    (out / "seeds").mkdir(exist_ok=True)
    (out / "macros").mkdir(exist_ok=True)
    (out / "dbt_project.yml").write_text(
        "name: bench\nprofile: bench\nconfig-version: 2\n"
        "models:\n  bench:\n    +materialized: table\n    views:\n      +materialized: view\n"
    )
    (out / "profiles.yml").write_text(
        "bench:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: \"{{{{ env_var('BENCH_DB', 'bench.duckdb') }}}}\"\n      threads: {threads}\n"
    )
    (out / "macros" / "helpers.sql").write_text(
        "{% macro plus_one(col) %}({{ col }} + 1){% endmacro %}\n"
        "{% macro label(prefix, col) %}'{{ prefix }}_' || cast({{ col }} as varchar){% endmacro %}\n"
    )
    seeds = 5
    for s in range(seeds):
        rows = "\n".join(f"{i},{rng.randint(0, 1000)},name_{i}" for i in range(20))
        (out / "seeds" / f"raw_{s}.csv").write_text("id,amount,name\n" + rows + "\n")

    layers = max(3, int(models**0.5) // 2)
    per_layer = [0] * layers
    for i in range(models):
        per_layer[min(layers - 1, i * layers // models)] += 1
    names_by_layer: list[list[str]] = []
    yml: list[str] = ["version: 2", "models:"]
    index = 0
    for layer, count in enumerate(per_layer):
        names: list[str] = []
        folder = out / "models" / ("views" if layer % 4 == 1 else f"layer_{layer}")
        folder.mkdir(exist_ok=True)
        for _ in range(count):
            name = f"m_{index:05d}"
            index += 1
            names.append(name)
            if layer == 0:
                src = f"raw_{rng.randrange(seeds)}"
                parents_sql = f"select id, amount, name from {{{{ ref('{src}') }}}}"
            else:
                pool = [n for prior in names_by_layer[max(0, layer - 3) :] for n in prior]
                parents = rng.sample(pool, k=min(len(pool), rng.randint(1, 3)))
                parents_sql = "\nunion all\n".join(
                    f"select id, amount, name from {{{{ ref('{p}') }}}}" for p in parents
                )
            lines = []
            if rng.random() < 0.3:
                lines.append(f"{{{{ config(tags=['t{rng.randrange(5)}']) }}}}")
            if rng.random() < jinja_share:
                body = (
                    f"select id, {{{{ plus_one('amount') }}}} as amount, {{{{ label('x', 'name') }}}} as name\n"
                    f"from (\n{parents_sql}\n) p\nwhere id < {{{{ var('max_id', 1000) }}}}"
                )
            else:
                body = f"select id, amount, name\nfrom (\n{parents_sql}\n) p\nlimit 20"
            lines.append(body)
            (folder / f"{name}.sql").write_text("\n".join(lines) + "\n")
            if rng.random() < 0.2:
                yml += [
                    f"  - name: {name}",
                    "    description: generated",
                    "    columns:",
                    "      - name: id",
                    "        data_tests: [not_null]",
                ]
        names_by_layer.append(names)
    (out / "models" / "schema.yml").write_text("\n".join(yml) + "\n")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    path = generate(args.out, args.models, args.seed, args.threads)
    print(f"wrote {args.models} models to {path}")


if __name__ == "__main__":
    main()
