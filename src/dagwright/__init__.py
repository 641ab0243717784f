"""dagwright: run dbt projects as a DAG of warehouse queries."""

__version__ = "0.1.0"
