def divide(x):
    return 1 / x


def model(dbt, session):
    dbt.config(enabled=True)
    divide(0)
    return dbt.ref("base")
