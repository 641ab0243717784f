-- unpinned: the latest version (2), not the prerelease (3)
select * from {{ ref('dim_customers') }}
