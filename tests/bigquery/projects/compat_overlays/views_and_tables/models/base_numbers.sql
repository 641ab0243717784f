select n, n * n as square from unnest(generate_array(1, 5)) as n
