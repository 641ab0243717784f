select * from {{ ref('stg_prices') }} where label is null or label = ''
