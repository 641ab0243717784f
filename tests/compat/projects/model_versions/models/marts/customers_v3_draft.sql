-- version 3: a prerelease (higher than latest_version), in a file named by defined_in
select id, upper(name) as name, country, id * 10 as score from {{ ref('stg_customers') }}
