def model(dbt, session):
    df = dbt.ref("py_relation").df()
    df["doubled"] = df["amount"] * 2
    df["mode"] = dbt.config.get("mode", "none")
    df["missing"] = dbt.config.get("not_set", "fallback")
    df["owner"] = dbt.config.meta_get("owner", "nobody")
    df["me"] = str(dbt.this)
    return df.sort_values("id").reset_index(drop=True)
