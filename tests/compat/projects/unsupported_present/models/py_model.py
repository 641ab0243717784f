def model(dbt, session):
    dbt.config(tags=["python"])
    return dbt.ref("base").df()
