select 'first' as label, 1 as batch
