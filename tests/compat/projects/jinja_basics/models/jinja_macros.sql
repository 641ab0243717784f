{%- set three = add(1, 2) -%}
select
    {{ three }} as three,
    {{ add(5) }} as with_default,
    {{ add(b=1, a=2) }} as keywords,
    {{ three * 10 }} as returned_is_a_number,
    '{{ doubled([1, 2, 3]) | join("-") }}' as doubled,
    {{ label_case("g", {1: "one", 2: "two"}) }} as label,
    {{ label_case("g", {1: "one"}, default="none") }} as label_default,
    '{{ describe_target() }}' as target_description
from (select 2 as g union all select 3 as g) as t
