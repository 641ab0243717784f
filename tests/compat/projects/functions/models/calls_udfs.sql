select
    {{ function('double_it') }}(21) as doubled,
    {{ function('add_default') }}(1) as with_default,
    {{ function('functions', 'add_default') }}(1, 2) as both_given
