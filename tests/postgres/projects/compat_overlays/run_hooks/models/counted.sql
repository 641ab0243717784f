select n from generate_series(0, 2) as t(n)
