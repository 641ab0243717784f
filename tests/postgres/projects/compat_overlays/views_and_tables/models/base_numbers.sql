select n, n * n as square from generate_series(1, 5) as t(n)
