def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="id")
    rel = dbt.ref("base")
    if dbt.is_incremental:
        # every run after the first raises the amounts it merges
        runs = session.execute(f"select max(runs) from {dbt.this}").fetchall()[0][0]
        return rel.project(f"id, amount + {runs} * 100 as amount, {runs} + 1 as runs")
    return rel.project("id, amount, 1 as runs")
