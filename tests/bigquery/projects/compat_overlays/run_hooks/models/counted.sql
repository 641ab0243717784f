select n from unnest(generate_array(0, 2)) as n
