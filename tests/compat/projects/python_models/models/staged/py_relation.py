def model(dbt, session):
    dbt.config(tags=["py"])
    return dbt.ref("base").filter("amount > 10").project("id, amount, kind")
