def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="append")
    if dbt.is_incremental:
        return session.sql(f"select max(batch) + 1 as batch from {dbt.this}")
    return session.sql("select 1 as batch")
