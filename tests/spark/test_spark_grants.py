"""``grants`` on Spark, as dbt-spark applies them: once the relation is published (renamed into
place), ``grant <privilege> on <relation> to `<grantee>``` for each grantee. The local session
has no catalog that supports grants, so the grant fails, as dbt-spark's does there: the node
fails, saying its relation was published; the other nodes build."""

from __future__ import annotations

from .conftest import PROJECT_YML, SparkProject


def test_grants_fail_after_publish_on_a_session_without_privileges(spark_project: SparkProject) -> None:
    spark_project.write(
        {
            "dbt_project.yml": PROJECT_YML,
            "models/g.sql": "{{ config(materialized='table', grants={'select': ['reporter']}) }}\nselect 1 as id",
            "models/plain.sql": "{{ config(materialized='table') }}\nselect 1 as id",
        }
    )
    result = spark_project.run("run")
    assert result.code == 1, result.output
    assert spark_project.statuses() == {"g": "error", "plain": "success"}
    assert spark_project.kind("g") == "table" and spark_project.table("g") == [(1,)]
    message = {r["unique_id"]: r["message"] for r in spark_project.run_results()["results"]}["model.sparkproj.g"]
    assert f"grants failed after {spark_project.schema}.g was published" in message, message
