-- .render() names the relation itself: read whole in sample mode
select id from {{ ref('recent').render() }}
