import pyarrow as pa


def model(dbt, session):
    rows = dbt.source("raw_src", "raw").order("id").fetchall()
    return pa.table({"id": [r[0] for r in rows], "label": [f"{r[2]}-{r[0]}" for r in rows]})
