-- ref() of an aliased model and of a model configured in YAML
select r.code, r.identifier, y.code is not null as in_yaml_model
from {{ ref('country_report_with_a_long_name') }} as r
left join {{ ref('stg_config_in_yaml') }} as y using (code)
