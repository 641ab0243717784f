select * from {{ ref('py_boom') }}
