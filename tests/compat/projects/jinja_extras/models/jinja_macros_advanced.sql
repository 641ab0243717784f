{%- set d = {'a': 1} -%}
{%- do d.update({'b': 2}) -%}
select
    {% call wrap('b') %}'bold'{% endcall %} as called,
    '{{ count_args(1, 2, 3, x=1, y=2) }}' as args,
    {{ first_positive([-1, 0, 7, 9]) }} as early_return,
    {{ sibling_outer() }} as sibling_returns,
    {{ answer()['value'] }} as returned_dict,
    '{{ d | tojson }}' as dict_update,
    '{{ modules.datetime.date(2024, 1, 2).isoformat() }}' as modules_datetime,
    '{{ modules.re.sub("[0-9]", "#", "a1b22") }}' as modules_re,
    '{{ "%s-%03d" | format("x", 7) }}' as format_filter,
    '{{ toyaml({"a": 1}) | trim }}' as to_yaml,
    '{% for a, b in zip([1, 2], [3, 4]) %}{{ a }}{{ b }}{% endfor %}' as zipped,
    '{{ local_md5("compat") }}' as md5,
    '{{ project_name }}' as project_name
